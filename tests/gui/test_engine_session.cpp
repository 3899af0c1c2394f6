// The session on the real engine and real model folders ($ATTNSCOPE_MODELS): bad input of every
// kind ends in an error panel with the previous trace kept, never a crash.
#include <doctest/doctest.h>

#include <filesystem>

#include "gui_test_util.h"
#include "test_util.h"

using namespace attnscope;
using namespace attnscope::app;
namespace fs = std::filesystem;
using attnscope::test::pump;

TEST_SUITE_BEGIN("gui");
namespace {

// A session on the real engine with `dir` loaded and its default sentence shown.
struct EngineFixture {
    Session session{make_engine_backend()};

    explicit EngineFixture(const fs::path& dir) {
        session.open_model({dir, ""});
        REQUIRE(pump(
            session, [&] { return session.idle() && session.state().trace; },
            std::chrono::milliseconds(30000)));
        REQUIRE_FALSE(session.state().error);
    }
    void run_text(const std::string& text) {
        session.state().input.text = text;
        session.run_now();
        REQUIRE(pump(
            session, [&] { return session.idle(); }, std::chrono::milliseconds(30000)));
    }
};

}  // namespace

TEST_CASE("engine session: GPT-2 runs and invalid UTF-8 or too-long texts become errors") {
    EngineFixture f(test::model_dir("test--gpt2-tiny-random"));
    AppState& st = f.session.state();
    CHECK(st.model->arch == "gpt2");
    CHECK(st.model->causal);
    f.run_text("The animal didn't cross the street because it was too tired.");
    REQUIRE(st.display);
    CHECK(st.display->n_token == 13);  // the golden tokenization has 13 tokens
    CHECK(st.trace->prediction.kind == PredictionKind::NextToken);
    const auto good = st.trace;

    f.run_text("caf\xc3\x28 bad bytes");
    REQUIRE(st.error);
    CHECK(st.error->kind == ErrorKind::Input);
    CHECK(st.trace == good);

    std::string long_text;
    for (int i = 0; i < 1200; ++i) long_text += " word";
    f.run_text(long_text);
    REQUIRE(st.error);
    CHECK(st.error->kind == ErrorKind::TooLong);
    CHECK(st.trace == good);
    st.input.truncate = true;
    f.session.run_now();
    REQUIRE(pump(
        f.session, [&] { return f.session.idle(); }, std::chrono::milliseconds(60000)));
    CHECK_FALSE(st.error);
    CHECK(st.trace->n_token == st.model->max_positions);
}

TEST_CASE("engine session: BERT fills [MASK] and takes sentence pairs") {
    EngineFixture f(test::model_dir("test--bert-tiny-random"));
    AppState& st = f.session.state();
    CHECK(st.model->accepts_pair);
    CHECK(st.model->mask_token == "[MASK]");
    CHECK(st.trace->prediction.kind == PredictionKind::MaskFill);  // the default text has one
    st.input.use_pair = true;
    st.input.pair = "Tom said the little boy lost it in the park.";
    f.run_text("Who left the ball under the tree?");
    CHECK(st.trace->n_token == 22);  // the golden pair_qa case
    // Hiding [CLS] and [SEP] keeps the typed words.
    DisplayOptions o = st.options;
    o.hide_special = true;
    f.session.set_options(o);
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    CHECK(st.display->n_token == 19);
}

TEST_CASE("engine session: broken model folders leave the loaded model in place") {
    EngineFixture f(test::model_dir("karpathy--tinyllamas--stories260K"));
    AppState& st = f.session.state();
    const fs::path gpt2 = test::model_dir("test--gpt2-tiny-random");
    const fs::path tmp = test::temp_dir("broken-models");

    auto try_load = [&](const fs::path& dir) {
        f.session.open_model({dir, ""});
        REQUIRE(pump(
            f.session, [&] { return f.session.idle(); }, std::chrono::milliseconds(30000)));
        REQUIRE(st.error);
        CHECK(st.error->kind == ErrorKind::Load);
        CHECK(st.model->name == "karpathy--tinyllamas--stories260K");
        CHECK(st.trace);
        const ErrorState e = *st.error;
        f.session.dismiss_error();
        return e;
    };

    // Not a folder at all.
    ErrorState e = try_load(tmp / "does-not-exist");
    CHECK_FALSE(e.detail.empty());

    // A corrupt safetensors file (header length past the end of the file).
    fs::create_directories(tmp / "corrupt");
    fs::copy_file(gpt2 / "config.json", tmp / "corrupt" / "config.json");
    fs::copy_file(gpt2 / "vocab.json", tmp / "corrupt" / "vocab.json");
    fs::copy_file(gpt2 / "merges.txt", tmp / "corrupt" / "merges.txt");
    test::write_file(tmp / "corrupt" / "model.safetensors",
                     std::string("\xff\xff\xff\x00\x00\x00\x00\x00{}", 10));
    e = try_load(tmp / "corrupt");
    CHECK(e.detail.find("model.safetensors") != std::string::npos);

    // Weights but no tokenizer files.
    fs::create_directories(tmp / "no-tokenizer");
    fs::copy_file(gpt2 / "config.json", tmp / "no-tokenizer" / "config.json");
    fs::create_symlink(gpt2 / "model.safetensors", tmp / "no-tokenizer" / "model.safetensors");
    e = try_load(tmp / "no-tokenizer");
    CHECK_FALSE(e.detail.empty());
    MESSAGE("no tokenizer: " << e.title << ": " << e.detail);
}

TEST_SUITE_END();
