// Command line, scripted runs, pixel comparison and model discovery: app logic without a window.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <set>

#include "app_args.h"
#include "attnscope/errors.h"
#include "autopilot.h"
#include "model_catalog.h"
#include "pixel_check.h"
#include "test_util.h"
#include "worker.h"

using namespace attnscope;
using namespace attnscope::app;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("gui");
namespace {

ScriptConfig script(int frames, const std::string& text, double timeout) {
    ScriptConfig c;
    c.frames = frames;
    c.type_text = text;
    c.timeout = timeout;
    return c;
}

bool parse(std::vector<const char*> argv, AppArgs* out, std::string* error) {
    argv.insert(argv.begin(), "attnscope");
    return parse_app_args(int(argv.size()), argv.data(), out, error);
}

}  // namespace

// [SECTION] Command line

TEST_CASE("view tabs: full titles when they fit, short distinct ones when not") {
    const auto nine_px = [](const char* t) { return 9.0f * float(std::strlen(t)); };
    float full = 0, short_total = 0;
    std::set<std::string> shorts;
    for (int i = 0; i < k_view_count; ++i) {
        const ViewKind v = ViewKind(i);
        full += nine_px(view_title(v)) + 20;
        short_total += nine_px(view_short_title(v)) + 20;
        CHECK(std::strlen(view_short_title(v)) <= std::strlen(view_title(v)));
        shorts.insert(view_short_title(v));
    }
    CHECK(shorts.size() == size_t(k_view_count));  // every tab still tells which view it is
    CHECK(full_view_titles_fit(full, 20, nine_px));
    CHECK_FALSE(full_view_titles_fit(full - 1, 20, nine_px));
    CHECK(short_total < 0.75f * full);  // the point: large text that cut titles now fits
}

TEST_CASE("args: the scripted-run flags parse") {
    AppArgs a;
    std::string error;
    REQUIRE(parse({"--model",        "m",          "--text",   "hi there",
                   "--view",         "heatmap",    "--layer",  "1",
                   "--head",         "2",          "--token",  "3",
                   "--screenshot",   "x.png",      "--frames", "8",
                   "--hide-special", "--colormap", "magma",    "--size",
                   "1280x720",       "--mode",     "diff"},
                  &a, &error));
    CHECK(a.model->string() == "m");
    CHECK(*a.text == "hi there");
    CHECK(*a.view == ViewKind::Heatmap);
    CHECK(*a.layer == 1);
    CHECK(*a.head == 2);
    CHECK(*a.token == 3);
    CHECK(a.frames == 8);
    CHECK(a.screenshot == "x.png");
    CHECK(a.options.hide_special);
    CHECK(a.options.colormap == Colormap::Magma);
    CHECK(a.width == 1280);
    CHECK(a.height == 720);
    CHECK(*a.heatmap_mode == HeatmapMode::Difference);
}

TEST_CASE("args: unknown flags and views and bad values are errors") {
    AppArgs a;
    std::string error;
    CHECK_FALSE(parse({"--frames", "2", "--bogus"}, &a, &error));
    CHECK(error.find("unknown option --bogus") != std::string::npos);
    CHECK_FALSE(parse({"--view", "pie"}, &a, &error));
    CHECK(error.find("bad value 'pie' for --view") != std::string::npos);
    CHECK_FALSE(parse({"--layer", "-1"}, &a, &error));
    CHECK_FALSE(parse({"--frames"}, &a, &error));
    CHECK(error.find("needs a value") != std::string::npos);
    CHECK_FALSE(parse({"stray"}, &a, &error));
    CHECK(error.find("unexpected argument stray") != std::string::npos);
    CHECK_FALSE(parse({"--screenshot", "x.png"}, &a, &error));
    CHECK(error.find("need --frames") != std::string::npos);
    CHECK_FALSE(parse({"--shape", "gpt9"}, &a, &error));
    CHECK_FALSE(parse({"--model", "m", "--shape", "gpt2-small"}, &a, &error));
    CHECK_FALSE(parse({"--size", "big"}, &a, &error));
}

// [SECTION] Scripted runs

TEST_CASE("autopilot: waits to settle then renders N frames and captures the last") {
    const auto t0 = AutoPilot::Clock::now();
    AutoPilot p(script(3, "", 10), t0);
    CHECK_FALSE(p.end_frame(false, t0 + 1ms).capture);
    CHECK_FALSE(p.end_frame(true, t0 + 2ms).capture);  // settled: rendering starts next frame
    CHECK(p.phase() == AutoPilot::Phase::Rendering);
    CHECK_FALSE(p.end_frame(true, t0 + 4ms).exit);
    CHECK_FALSE(p.end_frame(true, t0 + 7ms).exit);
    const FrameOutcome last = p.end_frame(true, t0 + 11ms);
    CHECK(last.capture);
    CHECK(last.exit);
    REQUIRE(p.frame_ms().size() == 3);
    CHECK(p.frame_ms()[0] == doctest::Approx(2.0));
    CHECK(p.frame_ms()[2] == doctest::Approx(4.0));
}

TEST_CASE("autopilot: types one key per settled screen and measures latency") {
    const auto t0 = AutoPilot::Clock::now();
    AutoPilot p(script(1, "ab", 10), t0);
    CHECK(p.key_to_type(t0) == "");  // not settled yet
    p.end_frame(true, t0 + 1ms);
    CHECK(p.phase() == AutoPilot::Phase::Typing);
    CHECK(p.key_to_type(t0 + 2ms) == "a");
    CHECK(p.key_to_type(t0 + 3ms) == "");  // one key at a time
    p.end_frame(false, t0 + 5ms);          // the run is going
    p.end_frame(true, t0 + 22ms);          // on screen: 20 ms after the key
    CHECK(p.key_to_type(t0 + 23ms) == "b");
    p.end_frame(true, t0 + 33ms);
    CHECK(p.phase() == AutoPilot::Phase::Rendering);
    CHECK(p.end_frame(true, t0 + 40ms).exit);
    REQUIRE(p.latency_ms().size() == 2);
    CHECK(p.latency_ms()[0] == doctest::Approx(20.0));
    CHECK(p.latency_ms()[1] == doctest::Approx(10.0));
}

TEST_CASE("autopilot: clicks wait for two settled frames, press for one frame and release the next") {
    const auto t0 = AutoPilot::Clock::now();
    ScriptConfig c = script(1, "", 10);
    c.clicks = {{10, 20}, {30, 40}};
    c.hover = ScriptPoint{5, 6};
    AutoPilot p(c, t0);
    CHECK_FALSE(p.mouse().on_window);  // settling: off the window
    p.end_frame(true, t0);
    // One settled frame is not enough: a popup that appeared in it cannot be hovered yet.
    CHECK(p.phase() == AutoPilot::Phase::Settling);
    p.end_frame(true, t0);
    CHECK(p.phase() == AutoPilot::Phase::Clicking);
    ScriptMouse m = p.mouse();
    CHECK((m.on_window && m.down && m.pos.x == 10 && m.pos.y == 20));
    p.end_frame(false, t0);
    CHECK_FALSE(p.mouse().down);  // released
    p.end_frame(false, t0);
    p.end_frame(false, t0);  // the click's effect is not on screen yet
    CHECK(p.mouse().pos.x == 10);
    p.end_frame(true, t0);
    CHECK_FALSE(p.mouse().down);  // settled once: the next press waits for a second frame
    p.end_frame(true, t0);
    m = p.mouse();
    CHECK((m.down && m.pos.x == 30));
    p.end_frame(true, t0);
    p.end_frame(true, t0);
    p.end_frame(true, t0);
    CHECK(p.phase() == AutoPilot::Phase::Rendering);
    m = p.mouse();
    CHECK((m.on_window && !m.down && m.pos.x == 5 && m.pos.y == 6));
}

TEST_CASE("autopilot: typing a multi-byte character sends it whole") {
    const auto t0 = AutoPilot::Clock::now();
    AutoPilot p(script(1, "\xc3\xa9!", 10), t0);
    p.end_frame(true, t0);
    CHECK(p.key_to_type(t0) == "\xc3\xa9");
}

TEST_CASE("autopilot: gives up when never settled") {
    const auto t0 = AutoPilot::Clock::now();
    AutoPilot p(script(1, "", 1), t0);
    CHECK_FALSE(p.end_frame(false, t0 + 500ms).exit);
    const FrameOutcome o = p.end_frame(false, t0 + 1500ms);
    CHECK(o.exit);
    CHECK(p.phase() == AutoPilot::Phase::TimedOut);
}

TEST_CASE("summarize_ms reports mean and median and p95 and max") {
    const std::string s = summarize_ms({1, 2, 3, 4, 10});
    CHECK(s.find("mean 4.00 ms") != std::string::npos);
    CHECK(s.find("median 3.00") != std::string::npos);
    CHECK(s.find("max 10.00") != std::string::npos);
}

// [SECTION] Pixel comparison

TEST_CASE("pixel check: matches the CPU colour map within the tolerance") {
    const int w = 4, h = 2;
    std::vector<uint8_t> img(size_t(w) * h * 4, 0);
    const Rgb8 c = colormap_rgb(Colormap::Viridis, 0.5f);
    uint8_t* px = img.data() + (1 * w + 2) * 4;  // pixel (2, 1)
    px[0] = uint8_t(c.r + 3);
    px[1] = c.g;
    px[2] = c.b;
    uint8_t* grey = img.data() + (0 * w + 1) * 4;  // pixel (1, 0)
    grey[0] = grey[1] = grey[2] = 110;
    PixelProbe good{2.5f, 1.5f, 0.25f, false, Colormap::Viridis, {0.0f, 0.5f}, "good"};
    PixelProbe masked{1.2f, 0.7f, 0.0f, true, Colormap::Viridis, {0.0f, 1.0f}, "masked"};
    PixelCheckResult r = check_pixels({good, masked}, img.data(), w, h, 6);
    CHECK(r.ok());
    CHECK(r.compared == 2);
    CHECK(r.max_diff == 3);
    PixelProbe wrong{2.5f, 1.5f, 1.0f, false, Colormap::Viridis, {0.0f, 1.0f}, "wrong"};
    PixelProbe not_grey{0.5f, 0.5f, 0.0f, true, Colormap::Viridis, {0.0f, 1.0f}, "black"};
    r = check_pixels({wrong, not_grey}, img.data(), w, h, 6);
    CHECK(r.failed == 2);
    CHECK(r.first_failure.find("wrong at pixel (2, 1)") != std::string::npos);
    CHECK_FALSE(check_pixels({}, img.data(), w, h, 6).ok());  // nothing compared is a failure
}

// [SECTION] Error wording

TEST_CASE("describe_error names the problem by kind") {
    auto from = [](JobKind k, auto e) { return describe_error(k, std::make_exception_ptr(e)); };
    ErrorState e = from(JobKind::Run, TooLongError(2000, 1024));
    CHECK(e.kind == ErrorKind::TooLong);
    CHECK(e.title == "The text is too long");
    CHECK(e.detail.find("2000 tokens") != std::string::npos);
    e = from(JobKind::Load, TokenizerError("no tokenizer.json, vocab.json or vocab.txt in m/"));
    CHECK(e.kind == ErrorKind::Load);
    CHECK(e.title == "Could not load the model: tokenizer problem");
    e = from(JobKind::Run, InputError("invalid UTF-8 at byte 3"));
    CHECK(e.kind == ErrorKind::Input);
    e = from(JobKind::Run, std::bad_alloc());
    CHECK(e.detail.find("out of memory") != std::string::npos);
}

// [SECTION] Model discovery

TEST_CASE("catalog: lists model folders and says why one is not usable") {
    namespace fs = std::filesystem;
    const fs::path root = test::temp_dir("catalog");
    fs::create_directories(root / "good");
    test::write_file(root / "good" / "config.json",
                     R"({"model_type": "gpt2", "n_layer": 12, "n_head": 12})");
    // A safetensors header declaring 2 x 3 + 4 elements (the data itself does not matter here).
    const std::string header =
        R"({"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},)"
        R"( "b": {"dtype": "F32", "shape": [4], "data_offsets": [24, 40]}, "__metadata__": {}})";
    std::string file(8, '\0');
    for (int i = 0; i < 8; ++i) file[size_t(i)] = char((header.size() >> (8 * i)) & 0xff);
    file += header + std::string(40, '\0');
    test::write_file(root / "good" / "model.safetensors", file);
    fs::create_directories(root / "no-weights");
    test::write_file(root / "no-weights" / "config.json",
                     R"({"model_type": "bert", "num_hidden_layers": 2, "num_attention_heads": 4})");
    fs::create_directories(root / "bad-json");
    test::write_file(root / "bad-json" / "config.json", "{not json");
    test::write_file(root / "bad-json" / "model.safetensors", "x");
    fs::create_directories(root / "not-a-model");

    const std::vector<ModelEntry> found = find_models({{root, "test", false}});
    REQUIRE(found.size() == 3);
    CHECK(found[0].name == "bad-json");
    CHECK_FALSE(found[0].usable);
    CHECK(found[0].problem == "config.json is not valid JSON");
    CHECK(found[1].name == "good");
    CHECK(found[1].usable);
    CHECK(found[1].model_type == "gpt2");
    CHECK(found[1].n_layer == 12);
    CHECK(found[1].weight_bytes == file.size());
    CHECK(found[1].n_params == 10);
    CHECK(found[2].name == "no-weights");
    CHECK_FALSE(found[2].usable);
    CHECK(found[2].problem.find("no model.safetensors") != std::string::npos);
    CHECK(found[2].n_head == 4);
    REQUIRE(first_usable(found) != nullptr);
    CHECK(first_usable(found)->name == "good");

    // A root that is itself a model folder is listed as that model.
    const std::vector<ModelEntry> one = find_models({{root / "good", "test", false}});
    REQUIRE(one.size() == 1);
    CHECK(one[0].name == "good");
}

TEST_CASE("catalog: reads the Hugging Face hub cache layout") {
    namespace fs = std::filesystem;
    const fs::path hub = test::temp_dir("hub");
    const fs::path repo = hub / "models--openai-community--gpt2";
    fs::create_directories(repo / "snapshots" / "abc123");
    fs::create_directories(repo / "refs");
    test::write_file(repo / "refs" / "main", "abc123");
    test::write_file(repo / "snapshots" / "abc123" / "config.json", R"({"model_type": "gpt2"})");
    test::write_file(repo / "snapshots" / "abc123" / "model.safetensors", "x");
    fs::create_directories(hub / "datasets--x--y" / "snapshots" / "1");
    const std::vector<ModelEntry> found = find_models({{hub, "Hugging Face cache", true}});
    REQUIRE(found.size() == 1);
    CHECK(found[0].name == "openai-community/gpt2");
    CHECK(found[0].usable);
    CHECK(found[0].dir == repo / "snapshots" / "abc123");
}

TEST_CASE("catalog: search roots come from the environment") {
    const std::filesystem::path dir = test::temp_dir("roots");
    const char* old = std::getenv("ATTNSCOPE_MODELS");
    const std::string saved = old ? old : "";
    ::setenv("ATTNSCOPE_MODELS", dir.c_str(), 1);
    std::vector<SearchRoot> roots = model_search_roots();
    REQUIRE_FALSE(roots.empty());
    CHECK(roots.front().dir == dir);
    CHECK(roots.front().origin == "ATTNSCOPE_MODELS");
    if (old) {
        ::setenv("ATTNSCOPE_MODELS", saved.c_str(), 1);
    } else {
        ::unsetenv("ATTNSCOPE_MODELS");
    }
    CHECK(format_bytes(1536) == "1.5 KB");
    CHECK(format_count(124439808) == "124.4M");
}

TEST_SUITE_END();
