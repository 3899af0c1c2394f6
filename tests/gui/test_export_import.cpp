// Export and import in the app's logic (no window): opening an .npz of attention in the session
// (shown as it is, never run), a bad file in the error panel with the previous trace kept, the SVG
// of each view (the compare-and-analyse views' from the matrices they draw, view_panels.h) with
// the app's selected token and head marked, what each says when it has nothing to show yet, and
// the background saver.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <thread>

#include "analyst.h"
#include "attnscope/svg_export.h"
#include "attnscope/trace_export.h"
#include "background_task.h"
#include "gui_test_util.h"
#include "models_rollout.h"
#include "test_util.h"
#include "view_panels.h"
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
ModelSource import_source(const fs::path& file) {
    ModelSource s;
    s.import_file = file;
    return s;
}

}  // namespace

TEST_CASE("session: an imported .npz is shown as it is, edits never run it") {
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
    CHECK_THROWS_AS(make_engine_backend()->run(*st.model, RunRequest{.text = "x"}, nullptr),
                    InputError);

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

TEST_CASE("view_svg: heatmap modes, grid and head view, and the views without an SVG say why") {
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
    r.selected_token = 3;
    r.heads = {1, 0, 1};
    svg = view_svg(r);
    CHECK(count(svg, "<line ") == 2 * 4);  // token 3 sees keys 0..3 in heads 0 and 2
    CHECK(count(svg, "<circle ") == 2);
    CHECK(svg.find("stroke=\"#ff7f0e\"") == std::string::npos);  // head 1's colour

    // The Q/K/V view and the softmax stepper show vectors and steps, not attention matrices.
    for (ViewKind v : {ViewKind::Qkv, ViewKind::Softmax}) {
        r.view = v;
        CHECK_FALSE(view_has_svg(v));
        CHECK_THROWS_WITH_AS(view_svg(r), doctest::Contains("export it as PNG"), InputError);
    }
    for (ViewKind v :
         {ViewKind::Compare, ViewKind::Diff, ViewKind::Models, ViewKind::Search, ViewKind::Rollout})
        CHECK(view_has_svg(v));  // test_view_svg.cpp draws them

    const fs::path dir = test::temp_dir("view-svg");
    r.view = ViewKind::Grid;
    const size_t written = save_view_svg(r, dir / "g.svg");
    CHECK(written == fs::file_size(dir / "g.svg"));
    CHECK_THROWS_AS(save_view_svg(r, dir / "missing" / "g.svg"), Error);
    CHECK_FALSE(fs::exists(dir / "missing"));
}

TEST_CASE("svg_request_of: the export carries the selected token and head to every view") {
    auto trace =
        std::make_shared<const AttentionTrace>(test::make_word_trace("The animal was tired", 2, 3));
    AppState st;
    st.trace = trace;
    st.display = std::make_shared<const DisplayTrace>(make_display_trace(*trace, st.options));
    st.selection.view = ViewKind::Heatmap;
    st.selection.layer = 1;
    st.selection.head = 2;
    st.selection.token = 3;    // "was"
    st.selection.hovered = 1;  // the mouse is elsewhere by the time the menu is used
    st.selection.heatmap_mode = HeatmapMode::Difference;
    const Analyst analyst, analyst_b;  // nothing analysed: no products in the request
    SvgRequest r = svg_request_of(st, {1, 0, 1}, analyst, analyst_b);
    CHECK(r.view == ViewKind::Heatmap);
    CHECK(r.layer == 1);
    CHECK(r.head == 2);
    CHECK(r.selected_token == 3);
    CHECK(r.mode == HeatmapMode::Difference);
    CHECK(r.heads == std::vector<uint8_t>{1, 0, 1});
    CHECK(r.products == nullptr);
    CHECK(r.products_b == nullptr);

    // The heatmap outlines the row of "was" and sets its label bold.
    std::string svg = view_svg(r);
    CHECK(count(svg, "class=\"selected-row\"") == 1);
    CHECK(svg.find("font-weight=\"bold\">was</text>") != std::string::npos);
    // The grid outlines head (1, 2) and marks "was" beside each of the 2 x 3 heads.
    st.selection.view = ViewKind::Grid;
    svg = view_svg(svg_request_of(st, {}, analyst, analyst_b));
    CHECK(count(svg, "class=\"selected-head\"") == 1);
    CHECK(count(svg, "class=\"selected-token\"") == 6);
    CHECK(svg.find("font-weight=\"bold\">H2</text>") != std::string::npos);
    // The head view highlights "was" in the query column.
    st.selection.view = ViewKind::HeadView;
    svg = view_svg(svg_request_of(st, {}, analyst, analyst_b));
    CHECK(count(svg, "class=\"selected-token\"") == 1);

    // No token selected: the heatmap is the one without a selection, byte for byte.
    st.selection.token = -1;
    st.selection.view = ViewKind::Heatmap;
    r = svg_request_of(st, {}, analyst, analyst_b);
    CHECK(r.selected_token == -1);
    svg = view_svg(r);
    CHECK(svg.find("selected-") == std::string::npos);
    CHECK(svg.find("font-weight=\"bold\">") == svg.find("font-weight=\"bold\">Layer"));
    CHECK(svg == svg_heatmap(*st.display, 1, 2, SvgMatrix::HeadMinusMean, st.options));
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
    REQUIRE(test::wait_until([&] { return !task.busy(); }));
    CHECK(task.take_result() == std::optional<std::string>("saved a.svg"));
    CHECK_FALSE(task.take_result());  // once

    REQUIRE(task.start("could not save b.npz", []() -> std::string {
        throw Error("cannot write b.npz: No space left on device");
    }));
    REQUIRE(test::wait_until([&] { return !task.busy(); }));
    CHECK(task.take_result() ==
          std::optional<std::string>(
              "could not save b.npz: cannot write b.npz: No space left on device"));
    CHECK(wakes == 2);
}

// [SECTION] The compare-and-analyse views

namespace {

// Cells of each <g class="panel">, in order.
std::vector<size_t> cells_per_panel(const std::string& svg) {
    std::vector<size_t> out;
    for (size_t at = svg.find("<g class=\"panel\""); at != std::string::npos;
         at = svg.find("<g class=\"panel\"", at + 1))
        out.push_back(count(svg.substr(at, svg.find("</g>", at) - at), "<rect class=\"cell\""));
    return out;
}

// Every query of (layer, head) attends only to itself: a head unlike make_word_trace's even rows.
void attend_to_self(AttentionTrace& t, int layer, int head) {
    const int T = t.n_token;
    float* w = t.weights.data() + (size_t(layer) * t.n_head + head) * T * T;
    for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j) w[size_t(i) * T + j] = i == j ? 1.0f : 0.0f;
}

std::shared_ptr<const DisplayTrace> display_of(const AttentionTrace& t, DisplayOptions o = {}) {
    return std::make_shared<const DisplayTrace>(make_display_trace(t, o));
}

// The Analyst's statistics and rollout of `trace` as `display` shows it, and the flow after
// `flow_layer`.
struct Analysed {
    std::shared_ptr<const AnalysisOutput> products, flow;
};
Analysed analyse(std::shared_ptr<const AttentionTrace> trace,
                 std::shared_ptr<const DisplayTrace> display, int flow_layer) {
    Analyst analyst;
    analyst.set_source(std::move(trace), std::move(display));
    analyst.request_flow(flow_layer);
    test::pump(analyst, [&] { return analyst.products() && analyst.flow(flow_layer); });
    REQUIRE(analyst.products() != nullptr);
    REQUIRE(analyst.flow(flow_layer) != nullptr);
    return {analyst.products(), analyst.flow(flow_layer)};
}

std::string thrown(const SvgRequest& r) {
    try {
        view_svg(r);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(nothing thrown)";
}

}  // namespace

TEST_CASE("pair_panels: A and B on one scale, A - B diverging over its own largest difference") {
    AttentionTrace ta = test::make_word_trace("one two three", 2, 2);
    AttentionTrace tb = ta;
    attend_to_self(tb, 1, 0);
    const auto a = display_of(ta), b = display_of(tb);
    DisplayOptions o;
    o.scale = ValueScale::HeadMax;
    o.colormap = Colormap::Magma;
    const std::vector<PanelData> p = pair_panels(*a, {1, 0}, *b, {1, 0}, true, o);
    REQUIRE(p.size() == 3);
    // A's largest weight is 1 (the first row), B's too: one range [0, 1] for both.
    CHECK(p[0].range.hi == 1.0f);
    CHECK(p[1].range.hi == p[0].range.hi);
    CHECK(p[0].map == Colormap::Magma);
    CHECK(p[2].map == Colormap::RdBu);
    // Row 1: A has 1/2, 1/2; B has 0, 1: A - B = +0.5, -0.5; the largest |difference| is 2/3
    // (row 2: 1/3 - 1).
    const int S = a->n_token;
    CHECK(p[2].values[size_t(1) * S + 0] == doctest::Approx(0.5f));
    CHECK(p[2].values[size_t(1) * S + 1] == doctest::Approx(-0.5f));
    CHECK(p[2].range.hi == doctest::Approx(float(S - 1) / float(S)));
    CHECK(p[2].range.lo == -p[2].range.hi);
    CHECK(is_masked_value(p[0].values[1]));  // causal: query 0 cannot see key 1
    CHECK(is_masked_value(p[2].values[1]));
    CHECK(p[2].title == "A \xe2\x88\x92 B");

    // The same head twice differs by 0: the range stays ±1 so that 0 is the middle colour.
    const std::vector<PanelData> same = pair_panels(*a, {0, 1}, *a, {0, 1}, true, o);
    CHECK(same[2].range.hi == 1.0f);
    CHECK(pair_panels(*a, {0, 1}, *b, {0, 1}, false, o).size() == 2);
}

TEST_CASE("compare SVG: one panel per pin with its statistics, or why there is none") {
    auto trace = std::make_shared<const AttentionTrace>(test::make_word_trace("a b c d", 2, 3));
    DisplayOptions o;
    o.hide_special = true;  // <s> hidden: 4 shown tokens
    o.one_based = true;
    const auto display = display_of(*trace, o);
    const size_t S = size_t(display->n_token);
    REQUIRE(S == 4);
    const Analysed an = analyse(trace, display, 0);
    SvgRequest r;
    r.view = ViewKind::Compare;
    r.display = display;
    r.options = o;
    r.trace = trace;
    CHECK(view_has_svg(r.view));
    CHECK(thrown(r).find("no heads are pinned") != std::string::npos);
    r.compare.pins = {{0, 0}, {1, 2}, {0, 1}, {1, 1}, {5, 0}};  // the last is not in the model
    CHECK(thrown(r).find("still being computed") != std::string::npos);
    r.products = an.products;
    const std::string svg = view_svg(r);
    CHECK(cells_per_panel(svg) == std::vector<size_t>(4, S * S));
    CHECK(count(svg, "<rect ") == 4 * S * S);
    CHECK(count(svg, ">entropy ") == 4);
    CHECK(svg.find("Layer 2 head 3") != std::string::npos);  // one-based labels
    CHECK(svg.find(head_stats_line(an.products->stats[1 * 3 + 2], 0)) != std::string::npos);
    CHECK(svg.find(">&lt;s&gt;<") == std::string::npos);  // hidden
    CHECK(svg.find("special % over the full rows before hiding") != std::string::npos);
    CHECK(svg.find("selected-") == std::string::npos);  // nothing selected

    // The selected token's row outlined in every pin; a hidden token marks nothing.
    r.selected_token = 2;  // "b", shown row 1
    CHECK(count(view_svg(r), "class=\"selected-row\"") == 4);
    r.selected_token = 0;  // <s>, hidden
    CHECK(view_svg(r) == svg);
}

TEST_CASE("two sentences SVG: A, B and A - B when aligned, the differing token red") {
    AttentionTrace ta = test::make_word_trace("one two three four", 2, 2);
    AttentionTrace tb = test::make_word_trace("one two three five", 2, 2);
    tb.tokens.ids[4] = 99;  // "five" is another token than "four"
    attend_to_self(tb, 1, 1);
    auto a = std::make_shared<const AttentionTrace>(ta);
    auto b = std::make_shared<const AttentionTrace>(tb);
    SvgRequest r;
    r.view = ViewKind::Diff;
    r.display = display_of(*a);
    r.trace = a;
    r.layer = 1;
    r.head = 1;
    CHECK(thrown(r).find("no sentence B") != std::string::npos);
    r.compare.text_b = tb.text;
    CHECK(thrown(r).find("has not run yet") != std::string::npos);
    r.compare.trace_b = b;
    r.compare.display_b = display_of(*b);
    const size_t S = size_t(r.display->n_token);
    std::string svg = view_svg(r);
    CHECK(cells_per_panel(svg) == std::vector<size_t>(3, S * S));
    CHECK(svg.find("1 token(s) differ (red)") != std::string::npos);
    // "four" in A's axes (rows, keys of A and of A - B) and "five" in B's keys are red.
    CHECK(count(svg, "fill=\"#d03020\"") == 4);
    CHECK(svg.find(">five<") != std::string::npos);
    CHECK(svg.find("B: one two three five") != std::string::npos);
    r.selected_token = 2;  // "two": its row in A, B and A - B, its query label bold once
    const std::string selected = view_svg(r);
    CHECK(count(selected, "class=\"selected-row\"") == 3);
    CHECK(count(selected, "font-weight=\"bold\">two</text>") == 1);
    r.selected_token = -1;

    // A longer sentence B: side by side, each panel its own size, and the reason.
    AttentionTrace longer = test::make_word_trace("one two three four five", 2, 2);
    r.compare.trace_b = std::make_shared<const AttentionTrace>(longer);
    r.compare.display_b = display_of(longer);
    svg = view_svg(r);
    CHECK(cells_per_panel(svg) == std::vector<size_t>{S * S, (S + 1) * (S + 1)});
    CHECK(svg.find("side by side only") != std::string::npos);
    CHECK(count(svg, "fill=\"#d03020\"") == 0);
}

TEST_CASE("two models SVG: A - B when the shapes match, each model's statistics") {
    AttentionTrace ta = test::make_word_trace("the cat sat", 2, 2);
    AttentionTrace tb = ta;
    attend_to_self(tb, 0, 1);
    auto a = std::make_shared<const AttentionTrace>(ta);
    auto b = std::make_shared<const AttentionTrace>(tb);
    DisplayOptions o;
    o.words = true;
    const auto da = display_of(*a, o), db = display_of(*b, o);
    const size_t S = size_t(da->n_token);
    SvgRequest r;
    r.view = ViewKind::Models;
    r.display = da;
    r.options = o;
    r.trace = a;
    r.model_name = "model-a";
    r.layer = 0;
    r.head = 1;
    CHECK(thrown(r).find("no model B") != std::string::npos);
    auto loaded = std::make_shared<LoadedModel>();
    loaded->name = "model-b";
    r.compare.model_b.model = loaded;
    CHECK(thrown(r).find("has not run on this sentence") != std::string::npos);
    r.compare.model_b.trace = b;
    r.compare.model_b.display = db;
    r.compare.model_b.stats =
        std::make_shared<const std::vector<HeadStats>>(display_head_stats(*db, *b));
    CHECK(thrown(r).find("still being computed") != std::string::npos);
    r.products = analyse(a, da, 0).products;
    const std::string svg = view_svg(r);
    CHECK(cells_per_panel(svg) == std::vector<size_t>(3, S * S));
    CHECK(svg.find(">A  L0 H1<") != std::string::npos);
    CHECK(svg.find(">B  L0 H1<") != std::string::npos);
    CHECK(svg.find("B: model-b") != std::string::npos);
    CHECK(count(svg, ">entropy ") == 2);  // A and B, none under A - B
    // B's statistics are B's: its head attends to itself.
    CHECK(svg.find(head_stats_line((*r.compare.model_b.stats)[1], 2)) != std::string::npos);
    CHECK(svg.find("prev 0%  self 100%") != std::string::npos);
    r.selected_token = 1;  // "the" (a word): outlined in A, B (aligned) and A - B
    CHECK(count(view_svg(r), "class=\"selected-row\"") == 3);
}

namespace {

// "#rrggbb" of a colour, as svg_export writes cell fills.
std::string hex_of(Rgb8 c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
    return buf;
}

// The fill of each cell of each <g class="panel">, in order.
std::vector<std::vector<std::string>> fills_per_panel(const std::string& svg) {
    std::vector<std::vector<std::string>> out;
    for (size_t at = svg.find("<g class=\"panel\""); at != std::string::npos;
         at = svg.find("<g class=\"panel\"", at + 1)) {
        const std::string group = svg.substr(at, svg.find("</g>", at) - at);
        std::vector<std::string>& fills = out.emplace_back();
        for (size_t f = group.find(" fill=\""); f != std::string::npos;
             f = group.find(" fill=\"", f + 1)) {
            const size_t begin = f + 7;
            fills.push_back(group.substr(begin, group.find('"', begin) - begin));
        }
    }
    return out;
}

// The fills a panel's cells must have: its values in its colour map over its range.
std::vector<std::string> fills_of(const PanelData& p) {
    std::vector<std::string> out;
    for (float v : p.values)
        out.push_back(is_masked_value(v) ? "url(#masked)"
                                         : hex_of(colormap_rgb(p.map, normalise(v, p.range))));
    return out;
}

// Largest |row sum - 1| of a panel, over its unmasked cells.
double row_sum_error(const PanelData& p) {
    double worst = 0;
    for (int i = 0; i < p.rows; ++i) {
        double sum = 0;
        for (int j = 0; j < p.cols; ++j)
            if (const float v = p.values[size_t(i) * p.cols + j]; !is_masked_value(v)) sum += v;
        worst = std::max(worst, std::abs(sum - 1.0));
    }
    return worst;
}

}  // namespace

TEST_CASE("two models SVG: rollout mode shows each model's rollout, A - B when the tokens align") {
    // A has 2 layers, B 3 (a deeper teacher) on the same tokens: the rollouts still subtract.
    AttentionTrace ta = test::make_word_trace("the cat sat", 2, 2);
    AttentionTrace tb = test::make_word_trace("the cat sat", 3, 2);
    attend_to_self(tb, 2, 0);
    auto a = std::make_shared<const AttentionTrace>(ta);
    auto b = std::make_shared<const AttentionTrace>(tb);
    DisplayOptions o;
    o.hide_special = true;  // the rollouts still show <s>: the residual path runs through it
    o.colormap = Colormap::Magma;
    const auto da = display_of(*a, o), db = display_of(*b, o);
    SvgRequest r;
    r.view = ViewKind::Models;
    r.display = da;
    r.options = o;
    r.trace = a;
    r.model_name = "model-a";
    r.compare.models_mode = ModelsMode::Rollout;
    auto loaded = std::make_shared<LoadedModel>();
    loaded->name = "model-b";
    r.compare.model_b.model = loaded;
    r.compare.model_b.trace = b;
    r.compare.model_b.display = db;
    // Neither rollout, then only A's: the export says which is missing instead of drawing less.
    CHECK(thrown(r) ==
          "the rollout of model A and B is still being computed: export again in a moment");
    r.products = analyse(a, da, 0).products;
    CHECK(thrown(r) == "the rollout of model B is still being computed: export again in a moment");
    r.analysis_error_b = "Out of memory: the rollout needs 2 GB";
    CHECK(thrown(r) == "the rollout of model B failed: Out of memory: the rollout needs 2 GB");
    r.analysis_error_b.clear();
    r.products_b = analyse(b, db, 0).products;

    // Each model after its own last layer (no head statistics needed), A - B on A's units.
    const size_t U = size_t(a->n_token);  // every token: <s> too
    std::string svg = view_svg(r);
    CHECK(cells_per_panel(svg) == std::vector<size_t>(3, U * U));
    CHECK(svg.find(">Two models: attention rollout<") != std::string::npos);
    CHECK(svg.find(">A: model-a (2 layers)<") != std::string::npos);
    CHECK(svg.find(">B: model-b (3 layers)<") != std::string::npos);
    CHECK(svg.find(">A  rollout after L1<") != std::string::npos);
    CHECK(svg.find(">B  rollout after L2<") != std::string::npos);
    CHECK(svg.find(">A \xe2\x88\x92 B<") != std::string::npos);
    CHECK(svg.find(">A and B (rollout of the attention weight)<") != std::string::npos);
    CHECK(svg.find(">&lt;s&gt;<") != std::string::npos);
    CHECK(svg.find(">entropy ") == std::string::npos);  // heads' statistics are for head mode
    CHECK(svg.find("Side by side only") == std::string::npos);
    CHECK(svg.find("selected-") == std::string::npos);  // nothing selected
    // The cells are the view's panels, colour for colour: A's and B's rows each sum to 1.
    const RolloutLayers layers = models_rollout_layers(r.compare, Selection{}, 2, 3);
    CHECK(layers == RolloutLayers{1, 2});
    const std::vector<PanelData> panels =
        models_rollout_panels(*r.products, *r.products_b, layers, true, o);
    REQUIRE(panels.size() == 3);
    const std::vector<std::vector<std::string>> fills = fills_per_panel(svg);
    REQUIRE(fills.size() == 3);
    for (size_t p = 0; p < 3; ++p) CHECK(fills[p] == fills_of(panels[p]));
    CHECK(panels[0].map == Colormap::Magma);
    CHECK(panels[0].range.hi == panels[1].range.hi);  // one scale for A and B
    CHECK(row_sum_error(panels[0]) < 1e-5);
    CHECK(row_sum_error(panels[1]) < 1e-5);
    CHECK(fills[0] != fills[1]);  // B's self-attending last layer shows
    // The selected token ("cat", unit 2) outlined in A, B and A - B, as the view marks it.
    r.selected_token = 2;
    CHECK(count(view_svg(r), "class=\"selected-row\"") == 3);

    // A chosen layer (--layer): B follows A's while it has it.
    r.compare.rollout_last_layer = false;
    r.layer = 0;
    svg = view_svg(r);
    CHECK(svg.find(">A  rollout after L0<") != std::string::npos);
    CHECK(svg.find(">B  rollout after L0<") != std::string::npos);

    // Another tokenisation of the same sentence: A and B side by side with the reason, B's own
    // axes, and the selection (A's tokens) marked in A only.
    AttentionTrace tc = test::make_word_trace("the ca t sat", 3, 2);
    tc.text = ta.text;
    auto c = std::make_shared<const AttentionTrace>(tc);
    const auto dc = display_of(*c, o);
    r.compare.model_b.trace = c;
    r.compare.model_b.display = dc;
    r.products_b = analyse(c, dc, 0).products;
    svg = view_svg(r);
    CHECK(cells_per_panel(svg) == std::vector<size_t>{U * U, (U + 1) * (U + 1)});
    CHECK(svg.find("Side by side only: ") != std::string::npos);
    CHECK(svg.find(">A \xe2\x88\x92 B<") == std::string::npos);
    CHECK(svg.find(">ca<") != std::string::npos);
    CHECK(count(svg, "class=\"selected-row\"") == 1);
    const std::vector<PanelData> side = models_rollout_panels(
        *r.products, *r.products_b, models_rollout_layers(r.compare, Selection{}, 2, 3), false, o);
    REQUIRE(side.size() == 2);
    CHECK(fills_per_panel(svg) ==
          std::vector<std::vector<std::string>>{fills_of(side[0]), fills_of(side[1])});
    CHECK(row_sum_error(side[1]) < 1e-5);

    // The menu's request takes B's rollout from B's Analyst only while it is of B's view model.
    AppState st;
    st.trace = a;
    st.display = da;
    st.options = o;
    st.selection.view = ViewKind::Models;
    st.compare = r.compare;
    Analyst analyst_a, analyst_b;
    analyst_a.set_source(a, da);
    analyst_b.set_source(c, dc);
    REQUIRE(test::wait_until([&] {
        analyst_a.update();
        analyst_b.update();
        return analyst_a.products() && analyst_b.products();
    }));
    const SvgRequest from_state = svg_request_of(st, {}, analyst_a, analyst_b);
    CHECK(from_state.products_b == analyst_b.products());
    CHECK(cells_per_panel(view_svg(from_state)).size() == 2);
    st.compare.model_b.display = display_of(*c, o);  // new options: B's rollout is not of it yet
    CHECK(svg_request_of(st, {}, analyst_a, analyst_b).products_b == nullptr);
}

TEST_CASE("head search SVG: the layers x heads map and the top ten, or why not yet") {
    AttentionTrace t = test::make_word_trace("a b c d e", 3, 4);
    attend_to_self(t, 2, 3);
    auto trace = std::make_shared<const AttentionTrace>(t);
    const auto display = display_of(*trace);
    SvgRequest r;
    r.view = ViewKind::Search;
    r.display = display;
    r.trace = trace;
    r.selected_token = 4;  // "d"
    CHECK(thrown(r).find("Click a query token") != std::string::npos);
    r.compare.search_key = 4;
    std::string svg = view_svg(r);
    CHECK(cells_per_panel(svg) == std::vector<size_t>{12});
    // Head (2, 3) puts all of "d"'s weight on itself: first in the list.
    const HeadSearch s = search_heads(*display, nullptr, 4, 4, SearchRank::Weight,
                                      HeadStatistic::Self, Colormap::Viridis);
    REQUIRE(s.ranking.size() == 12);
    CHECK(s.ranking[0].layer == 2);
    CHECK(s.ranking[0].head == 3);
    CHECK(s.map.range.hi == 1.0f);
    CHECK(svg.find(">Top 10<") != std::string::npos);
    CHECK(count(svg, ">L2 H3<") == 1);
    CHECK(svg.find("From &apos;d&apos; (token 4) to &apos;d&apos; (token 4)") != std::string::npos);
    // The selected head (0, 0 here) outlined in the map, its layer and head labels bold.
    CHECK(count(svg, "class=\"selected-cell\"") == 1);
    CHECK(svg.find("font-weight=\"bold\">L0</text>") != std::string::npos);
    r.layer = 2;
    r.head = 3;
    CHECK(view_svg(r).find("font-weight=\"bold\">L2</text>") != std::string::npos);

    r.compare.rank = SearchRank::Statistic;
    r.compare.statistic = HeadStatistic::Self;
    CHECK(thrown(r).find("Computing head statistics") != std::string::npos);
    r.products = analyse(trace, display, 0).products;
    svg = view_svg(r);
    CHECK(svg.find("Heads by attend to self") != std::string::npos);
    CHECK(std::string(statistic_title(HeadStatistic::MaxWeight)) == "largest weight");
    CHECK(count(svg, "<rect ") == 12);
}

TEST_CASE("rollout SVG: layer mean, rollout and flow on every token") {
    auto trace = std::make_shared<const AttentionTrace>(test::make_word_trace("a b c", 2, 2));
    DisplayOptions o;
    o.hide_special = true;  // the rollout still shows <s>: the residual path runs through it
    const auto display = display_of(*trace, o);
    SvgRequest r;
    r.view = ViewKind::Rollout;
    r.display = display;
    r.options = o;
    r.trace = trace;
    r.layer = 1;
    CHECK(thrown(r).find("rollout is still being computed") != std::string::npos);
    const Analysed an = analyse(trace, display, 1);
    r.products = an.products;
    const size_t T = size_t(trace->n_token);
    std::string svg = view_svg(r);
    CHECK(cells_per_panel(svg) == std::vector<size_t>(2, T * T));  // no flow yet
    CHECK(svg.find("layer mean, rollout<") != std::string::npos);
    r.flow = an.flow;
    svg = view_svg(r);
    CHECK(cells_per_panel(svg) == std::vector<size_t>(3, T * T));
    CHECK(svg.find(">Flow<") != std::string::npos);
    CHECK(svg.find(">&lt;s&gt;<") != std::string::npos);
    const std::vector<PanelData> p = rollout_panels(*an.products, an.flow.get(), 1, o.colormap);
    for (const PanelData& panel : p)
        CHECK(svg.find(">" + rollout_range_label(panel.range) + "<") != std::string::npos);
    CHECK(svg.find("selected-") == std::string::npos);
    r.selected_token = 2;  // "b": its row in the layer mean, the rollout and the flow
    CHECK(count(view_svg(r), "class=\"selected-row\"") == 3);
}

TEST_CASE("run_status: a run's time, the tokens reused, or imported for a trace read from a file") {
    AttentionTrace t = test::make_word_trace("a b", 1, 1);
    CHECK(run_status(&t, 0.0123) == "run 12 ms");
    t.reused_prefix = 1;
    CHECK(run_status(&t, 0.0123) == "run 12 ms, reused 1 of 3 tokens");  // <s> a b
    t.reused_prefix = 0;
    t.imported = true;
    CHECK(run_status(&t, 0.0) == "imported");
    CHECK(run_status(nullptr, 1.0).empty());
}
