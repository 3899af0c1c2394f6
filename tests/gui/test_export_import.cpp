// Export and import in the app's logic (no window): opening an .npz of attention in the session
// (shown as it is, never run), a bad file in the error panel with the previous trace kept, the SVG
// of each view, and the background saver.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <future>

#include "attnscope/trace_export.h"
#include "background_task.h"
#include "gui_test_util.h"
#include "test_util.h"
#include "view_svg.h"

using namespace attnscope;
using namespace attnscope::app;
namespace fs = std::filesystem;
using attnscope::test::pump;

TEST_SUITE_BEGIN("gui");

namespace {

size_t count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

// Waits (real time, 5 s at most) until `done` holds.
bool pump_until(const std::function<bool()>& done) {
    const auto start = std::chrono::steady_clock::now();
    while (!done()) {
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(5)) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

ModelSource import_source(const fs::path& file) {
    ModelSource s;
    s.import_file = file;
    return s;
}

}  // namespace

TEST_CASE("session: an imported .npz is shown as it is; edits never run it") {
    const fs::path dir = test::temp_dir("session-import");
    const AttentionTrace made = test::make_word_trace("the cat sat on the mat", 3, 2);
    write_trace_npz(made, dir / "cat.npz");

    Session session(make_engine_backend());
    AppState& st = session.state();
    st.selection.layer = 5;  // out of range for the file: clamped when it is shown
    session.open_model(import_source(dir / "cat.npz"));
    REQUIRE(pump(session, [&] { return session.idle() && st.display; }));
    REQUIRE_FALSE(st.error);
    REQUIRE(st.model->imported);
    CHECK(st.model->name == "cat.npz");
    CHECK(st.trace == st.model->imported);
    CHECK(st.trace->imported);
    CHECK(st.trace->causal);
    CHECK(st.display->n_layer == 3);
    CHECK(st.display->n_source_token == 7);
    CHECK(st.selection.layer == 2);
    CHECK(session.stats().runs_submitted == 0);

    // Typing (or Enter) does not run anything: there is no model to run.
    st.input.text = "something else";
    session.text_edited(Clock::now());
    session.run_now();
    REQUIRE(pump(session, [&] { return session.idle(); }));
    CHECK(session.stats().runs_submitted == 0);
    CHECK_FALSE(st.error);
    CHECK(st.trace->tokens.tokens == made.tokens.tokens);

    // The engine refuses to run an imported "model" if asked directly.
    CHECK_THROWS_AS(make_engine_backend()->run(*st.model, RunRequest{"x"}), InputError);

    // A bad file: an error panel titled for the file, the imported trace stays.
    test::write_file(dir / "bad.npz", "not a zip");
    const auto shown = st.trace;
    session.open_model(import_source(dir / "bad.npz"));
    REQUIRE(pump(session, [&] { return session.idle() && st.error.has_value(); }));
    CHECK(st.error->title == "Could not open the attention file");
    CHECK(st.error->detail.find("bad.npz") != std::string::npos);
    CHECK(st.error->detail.find("not an .npz") != std::string::npos);
    CHECK(st.trace == shown);
}

TEST_CASE("session: a model opened after an import runs the text again") {
    const fs::path dir = test::temp_dir("session-import-then-model");
    write_trace_npz(test::make_word_trace("a b c"), dir / "abc.npz");
    Session session(make_engine_backend());
    AppState& st = session.state();
    st.input.text = "The animal";
    session.open_model(import_source(dir / "abc.npz"));
    REQUIRE(pump(session, [&] { return session.idle() && st.display; }));
    session.open_model({test::model_dir("test--gpt2-tiny-random"), ""});
    REQUIRE(pump(
        session, [&] { return session.idle() && st.trace && !st.trace->imported; },
        std::chrono::milliseconds(30000)));
    CHECK_FALSE(st.model->imported);
    CHECK(st.trace->text == "The animal");
    CHECK(session.stats().runs_submitted == 1);
}

TEST_CASE("view_svg: heatmap modes, grid and head view; other views say why not") {
    const AttentionTrace tr = test::make_word_trace("one two three four", 2, 3);
    auto display = std::make_shared<const DisplayTrace>(make_display_trace(tr, DisplayOptions{}));
    const size_t S = size_t(display->n_token);
    SvgRequest r;
    r.display = display;
    r.layer = 1;
    r.head = 2;

    r.view = ViewKind::Heatmap;
    CHECK(view_has_svg(r.view));
    r.mode = HeatmapMode::Head;
    std::string svg = view_svg(r);
    CHECK(count(svg, "<rect ") == S * S);
    CHECK(svg.find("Layer 1, head 2") != std::string::npos);
    r.mode = HeatmapMode::Difference;
    CHECK(view_svg(r).find("minus the layer mean") != std::string::npos);
    r.mode = HeatmapMode::LayerMean;
    CHECK(view_svg(r).find("mean of all heads") != std::string::npos);

    r.view = ViewKind::Grid;
    CHECK(count(view_svg(r), "<rect ") == 2 * 3 * S * S);

    // Head view: with a focused token every line starts at its row; a disabled head draws none.
    r.view = ViewKind::HeadView;
    r.focus_token = 3;
    r.heads = {1, 0, 1};
    svg = view_svg(r);
    CHECK(count(svg, "<line ") == 2 * 4);  // token 3 sees keys 0..3 in heads 0 and 2
    CHECK(count(svg, "<circle ") == 2);
    CHECK(svg.find("stroke=\"#ff7f0e\"") == std::string::npos);  // head 1's colour

    for (ViewKind v : {ViewKind::Compare, ViewKind::Rollout, ViewKind::Qkv}) {
        r.view = v;
        CHECK_FALSE(view_has_svg(v));
        CHECK_THROWS_AS(view_svg(r), InputError);
    }

    const fs::path dir = test::temp_dir("view-svg");
    r.view = ViewKind::Grid;
    const size_t written = save_view_svg(r, dir / "g.svg");
    CHECK(written == fs::file_size(dir / "g.svg"));
    CHECK_THROWS_AS(save_view_svg(r, dir / "missing" / "g.svg"), Error);
    CHECK_FALSE(fs::exists(dir / "missing"));
}

TEST_CASE("BackgroundTask: one job at a time, its status line once, errors as text") {
    std::atomic<int> wakes = 0;
    BackgroundTask task([&] { ++wakes; });
    CHECK_FALSE(task.take_result());
    std::promise<void> go;
    std::shared_future<void> gate = go.get_future().share();
    REQUIRE(task.start("could not save", [gate] {
        gate.wait();
        return std::string("saved a.svg");
    }));
    CHECK(task.busy());
    CHECK_FALSE(task.start("again", [] { return std::string("no"); }));  // still running
    CHECK_FALSE(task.take_result());
    go.set_value();
    REQUIRE(pump_until([&] { return !task.busy(); }));
    CHECK(task.take_result() == std::optional<std::string>("saved a.svg"));
    CHECK_FALSE(task.take_result());  // once

    REQUIRE(task.start("could not save b.npz", []() -> std::string {
        throw Error("cannot write b.npz: No space left on device");
    }));
    REQUIRE(pump_until([&] { return !task.busy(); }));
    CHECK(task.take_result() ==
          std::optional<std::string>(
              "could not save b.npz: cannot write b.npz: No space left on device"));
    CHECK(wakes == 2);
}
