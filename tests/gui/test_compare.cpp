// Compare and analyse (issue 5) without a window: pin parsing, the command line, whether two
// sentences can be differenced, sentence B running on the Session's worker with its own
// generation, and the Analyst's statistics, rollout and cancellable flow.
#include <doctest/doctest.h>

#include "analyst.h"
#include "app_args.h"
#include "compare_state.h"
#include "gui_test_util.h"

using namespace attnscope;
using namespace attnscope::app;

TEST_SUITE_BEGIN("gui");

TEST_CASE("parse_pins: LAYER:HEAD lists, at most six, no repeats") {
    std::vector<HeadRef> pins;
    std::string error;
    REQUIRE(parse_pins("0:1,2:3,11:0", &pins, &error));
    REQUIRE(pins.size() == 3);
    CHECK(pins[0] == HeadRef{0, 1});
    CHECK(pins[1] == HeadRef{2, 3});
    CHECK(pins[2] == HeadRef{11, 0});
    CHECK(parse_pins("0:0,0:1,0:2,0:3,1:0,1:1", &pins, &error));
    CHECK(pins.size() == 6);

    for (const char* bad : {"", "1", "1:", ":2", "1:2,", "a:b", "1:2:3", "-1:0", "1:2,,3:4"}) {
        CAPTURE(bad);
        std::vector<HeadRef> out{{9, 9}};
        error.clear();
        CHECK_FALSE(parse_pins(bad, &out, &error));
        CHECK_FALSE(error.empty());
        CHECK(out.size() == 1);  // untouched on failure
    }
    CHECK_FALSE(parse_pins("0:0,0:1,0:2,0:3,1:0,1:1,1:2", &pins, &error));
    CHECK(error.find("at most 6") != std::string::npos);
    CHECK_FALSE(parse_pins("1:2,1:2", &pins, &error));
    CHECK(error.find("twice") != std::string::npos);
}

TEST_CASE("check_pins and clamp_pins against the model's shape") {
    const std::vector<HeadRef> pins{{0, 0}, {1, 3}, {2, 0}};
    CHECK(check_pins(pins, 3, 4).empty());
    CHECK(check_pins(pins, 2, 4).find("layer 2 is out of range") != std::string::npos);
    CHECK(check_pins(pins, 3, 3).find("head 3 is out of range") != std::string::npos);
    std::vector<HeadRef> p = pins;
    clamp_pins(p, 2, 4);
    CHECK(p == std::vector<HeadRef>{{0, 0}, {1, 3}});

    CompareState c;
    for (int i = 0; i < 6; ++i) CHECK(c.add_pin({0, i}));
    CHECK_FALSE(c.add_pin({1, 0}));  // full
    c.remove_pin(0);
    CHECK_FALSE(c.add_pin({0, 1}));  // already pinned
    CHECK(c.add_pin({1, 0}));
}

TEST_CASE("command line: compare, diff, search and rollout flags") {
    auto parse = [](std::vector<const char*> argv, AppArgs* out, std::string* error) {
        argv.insert(argv.begin(), "attnscope");
        return parse_app_args(int(argv.size()), argv.data(), out, error);
    };
    AppArgs a;
    std::string error;
    REQUIRE(parse({"--view", "compare", "--pin", "1:2,0:3"}, &a, &error));
    CHECK(a.view == ViewKind::Compare);
    CHECK(a.pins == std::vector<HeadRef>{{1, 2}, {0, 3}});
    REQUIRE(parse({"--view", "diff", "--text-b", "too wide", "--layer", "1", "--head", "2"}, &a,
                  &error));
    CHECK(a.view == ViewKind::Diff);
    CHECK(a.text_b == "too wide");
    REQUIRE(parse({"--view", "search", "--token", "8", "--to", "1"}, &a, &error));
    CHECK(a.view == ViewKind::Search);
    CHECK(a.to_token == 1);
    REQUIRE(parse({"--view", "rollout", "--rank", "sink"}, &a, &error));
    CHECK(a.view == ViewKind::Rollout);
    CHECK(a.rank == HeadStatistic::Sink);

    CHECK_FALSE(parse({"--pin", "1:2,x"}, &a, &error));
    CHECK(error.find("bad value '1:2,x' for --pin") != std::string::npos);
    CHECK_FALSE(parse({"--to", "-1"}, &a, &error));
    CHECK_FALSE(parse({"--rank", "nearest"}, &a, &error));
    CHECK(error.find("previous, self, sink") != std::string::npos);
    CHECK_FALSE(parse({"--view", "compares"}, &a, &error));
    CHECK(error.find("compare") != std::string::npos);
    CHECK_FALSE(parse({"--text-b"}, &a, &error));
    CHECK(error.find("needs a value") != std::string::npos);
}

TEST_CASE("pair_layout: a minimal pair aligns, a longer sentence does not") {
    const DisplayOptions options;
    const AttentionTrace a = test::make_word_trace("the animal was too tired");
    const AttentionTrace b = test::make_word_trace("the animal was too wide");
    const AttentionTrace c = test::make_word_trace("the animal was far too tired");
    const DisplayTrace da = make_display_trace(a, options), db = make_display_trace(b, options),
                       dc = make_display_trace(c, options);
    const PairLayout ab = pair_layout(a, da, b, db);
    CHECK(ab.comparable);
    CHECK(ab.difference);
    CHECK(ab.message.empty());
    // make_word_trace gives every word its position as id, so only texts differ: same ids.
    CHECK(ab.differing_tokens.empty());

    AttentionTrace b2 = b;
    b2.tokens.ids[5] = 99;  // "wide" has another id than "tired"
    const PairLayout ab2 = pair_layout(a, da, b2, db);
    CHECK(ab2.difference);
    CHECK(ab2.differing_tokens == std::vector<int32_t>{5});

    const PairLayout ac = pair_layout(a, da, c, dc);
    CHECK(ac.comparable);  // same head exists in both: side by side
    CHECK_FALSE(ac.difference);
    CHECK(ac.message.find("side by side only") != std::string::npos);
    CHECK(ac.message.find("different numbers of tokens") != std::string::npos);

    const AttentionTrace other = test::make_word_trace("the animal was too tired", 3, 2);
    const PairLayout ao = pair_layout(a, da, other, make_display_trace(other, options));
    CHECK_FALSE(ao.comparable);
    CHECK_FALSE(ao.difference);
}

TEST_CASE("session: sentence B runs off the UI thread with its own generation") {
    auto shared = std::make_shared<test::FakeBackend::Shared>();
    Session s(std::make_unique<test::FakeBackend>(shared),
              SessionConfig{std::chrono::milliseconds(1)});
    s.open_model({"m", ""});
    REQUIRE(test::pump(s, [&] { return s.state().display != nullptr && s.idle(); }));
    const auto trace_a = s.state().trace;
    CHECK(s.state().compare.trace_b == nullptr);  // no sentence B yet

    // B is held: the UI keeps running, A stays, B reports running.
    {
        std::lock_guard lock(shared->mutex);
        shared->held.insert("one two three");
    }
    s.state().compare.text_b = "one two three";
    s.text_b_edited(Clock::now());
    REQUIRE(test::pump(s, [&] { return shared->runs >= 2; }));
    CHECK(s.state().compare.running_b);
    CHECK_FALSE(s.idle());
    // A newer B while the older one is held: the older answer is dropped when it arrives.
    s.state().compare.text_b = "one two";
    s.text_b_edited(Clock::now());
    REQUIRE(test::pump(s, [&] { return !s.debounce_deadline().has_value(); }));  // submitted
    test::FakeBackend::release(*shared, "one two three");
    REQUIRE(test::pump(s, [&] { return s.idle(); }));
    REQUIRE(s.state().compare.trace_b != nullptr);
    CHECK(s.state().compare.trace_b->text == "one two");
    CHECK(s.state().compare.display_b->n_token == 3);
    CHECK_FALSE(s.state().compare.running_b);
    CHECK(s.state().trace == trace_a);  // A untouched
    CHECK(s.stats().stale_dropped >= 1);

    // A failing B is reported in the diff view's words, not the error panel.
    s.state().compare.text_b = std::string("bad \xff");
    s.text_b_edited(Clock::now());
    REQUIRE(test::pump(s, [&] { return s.idle(); }));
    CHECK(s.state().compare.error_b.find("UTF-8") != std::string::npos);
    CHECK_FALSE(s.state().error.has_value());

    // Options that need a new view model also rebuild B's.
    s.state().compare.text_b = "one two";
    s.text_b_edited(Clock::now());
    REQUIRE(test::pump(s, [&] { return s.idle() && s.state().compare.error_b.empty(); }));
    DisplayOptions o = s.state().options;
    o.hide_special = true;
    s.set_options(o);
    REQUIRE(test::pump(s, [&] { return s.idle(); }));
    CHECK(s.state().compare.display_b->hide_special);
    CHECK(s.state().compare.display_b->n_token == 2);

    // Clearing B drops its trace.
    s.state().compare.text_b.clear();
    s.text_b_edited(Clock::now());
    REQUIRE(test::pump(s, [&] { return s.idle(); }));
    CHECK(s.state().compare.trace_b == nullptr);
}

TEST_CASE("analyst: statistics and rollout per trace, flow cached per layer") {
    Analyst analyst;
    auto trace = std::make_shared<const AttentionTrace>(test::make_word_trace("a b c d e f", 3, 2));
    auto display = [](const std::shared_ptr<const AttentionTrace>& t, DisplayOptions o = {}) {
        return std::make_shared<const DisplayTrace>(make_display_trace(*t, o));
    };
    analyst.set_source(trace, display(trace));
    REQUIRE(test::pump(analyst, [&] { return analyst.products() != nullptr; }));
    const int T = trace->n_token;
    CHECK(analyst.products()->stats.size() == 6);
    CHECK(analyst.products()->rollout.size() == size_t(3) * T * T);
    CHECK(analyst.products()->rollout == attention_rollout(*trace));

    CHECK(analyst.flow(1) == nullptr);
    analyst.request_flow(1);
    CHECK(analyst.flow_running_layer() == 1);
    REQUIRE(test::pump(analyst, [&] { return analyst.flow(1) != nullptr; }));
    CHECK(analyst.flow(1)->flow == attention_flow(*trace, 1));
    CHECK(analyst.flow_running_layer() == -1);
    CHECK(analyst.idle());

    // A new trace drops the old results and starts again.
    auto next = std::make_shared<const AttentionTrace>(test::make_word_trace("a b c", 3, 2));
    analyst.set_source(next, display(next));
    CHECK(analyst.products() == nullptr);
    CHECK(analyst.flow(1) == nullptr);
    analyst.request_flow(2);
    analyst.set_source(trace, display(trace));  // cancels that flow: its result never shows
    REQUIRE(test::pump(analyst, [&] { return analyst.products() != nullptr && analyst.idle(); }));
    analyst.update();
    CHECK(analyst.flow(2) == nullptr);
    CHECK(analyst.products()->rollout == attention_rollout(*trace));

    // A bad layer is reported, not thrown.
    analyst.request_flow(7);
    REQUIRE(test::pump(analyst, [&] { return !analyst.error().empty(); }));
    CHECK(analyst.error().find("layer") != std::string::npos);
}

TEST_CASE("analyst: statistics as shown, rollout and flow in words over every token") {
    // "<s> a bc d": "c" continues "b" (no space before it), so 5 tokens make 4 words.
    AttentionTrace t = test::make_word_trace("a b c d", 2, 2);
    t.tokens.texts[3] = "c";
    auto trace = std::make_shared<const AttentionTrace>(std::move(t));
    DisplayOptions o;
    o.words = true;
    o.hide_special = true;
    auto shown = std::make_shared<const DisplayTrace>(make_display_trace(*trace, o));
    REQUIRE(shown->n_token == 3);  // a, bc, d: <s> hidden
    Analyst analyst;
    analyst.set_source(trace, shown);
    REQUIRE(test::pump(analyst, [&] { return analyst.products() != nullptr; }));
    const AnalysisOutput& p = *analyst.products();
    // Statistics describe the shown word matrices.
    const std::vector<HeadStats> expected = display_head_stats(*shown, *trace);
    REQUIRE(p.stats.size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        CHECK(p.stats[i].entropy == expected[i].entropy);
        CHECK(p.stats[i].special_mass == expected[i].special_mass);
    }
    // Rollout runs over every token, <s> included, then merges into the 4 words.
    REQUIRE(p.all_units != nullptr);
    CHECK(p.all_units->n_token == 4);
    CHECK(p.all_units->labels.front() == "<s>");
    CHECK(p.rollout == lens_rollout(*trace, Lens::Attention, true));
    CHECK(p.rollout.size() == size_t(2) * 4 * 4);
    analyst.request_flow(1);
    REQUIRE(test::pump(analyst, [&] { return analyst.flow(1) != nullptr; }));
    CHECK(analyst.flow(1)->flow == lens_flow(*trace, Lens::Attention, true, 1));

    // Another view model of the same trace (the lens changed) is a new source.
    o.lens = Lens::ValueWeighted;
    analyst.set_source(trace, std::make_shared<const DisplayTrace>(make_display_trace(*trace, o)));
    CHECK(analyst.products() == nullptr);
    CHECK(analyst.flow(1) == nullptr);
}
