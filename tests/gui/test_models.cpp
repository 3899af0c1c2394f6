// Two models, words and the value lens (issue 5) without a window: model B runs every sentence
// model A runs, on its own workers, with generation numbers (stale answers dropped); its failures
// stay in the Two models view and never cost model A anything; options rebuild its view model;
// the layout and head rules; rollout of both (B's on its own Analyst); the command line; the
// teaching views' token-level note.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>

#include "analyst.h"
#include "app_args.h"
#include "compare_state.h"
#include "gui_test_util.h"
#include "models_rollout.h"
#include "views/analysis_views.h"
#include "views/softmax_view.h"

using namespace attnscope;
using namespace attnscope::app;

TEST_SUITE_BEGIN("gui");

namespace {

struct TwoModels {
    std::shared_ptr<test::FakeBackend::Shared> shared =
        std::make_shared<test::FakeBackend::Shared>();
    Session session{std::make_unique<test::FakeBackend>(shared),
                    SessionConfig{std::chrono::milliseconds(1)}};

    const AppState& st() const { return session.state(); }
    const ModelBState& b() const { return session.state().compare.model_b; }
    void hold(const std::string& text) {
        std::lock_guard lock(shared->mutex);
        shared->held.insert(text);
    }
    void type(const std::string& text) {
        session.state().input.text = text;
        session.text_edited(Clock::now());
    }
    // A and B both show `text`.
    bool both_show(const std::string& text) const {
        return st().trace && st().trace->text == text && b().trace && b().trace->text == text;
    }
};

}  // namespace

TEST_CASE("two models: both traces arrive, and B follows every sentence A runs") {
    TwoModels f;
    f.session.open_model({"m", ""});
    REQUIRE(test::pump(f.session, [&] { return f.st().display && f.session.idle(); }));
    CHECK(f.b().model == nullptr);  // no model B yet: nothing runs for it

    f.session.open_model_b({"big", ""});  // the fake backend's 3-layer model
    CHECK(f.b().loading == "big");
    CHECK_FALSE(f.session.idle());
    REQUIRE(test::pump(f.session, [&] { return f.both_show("hello world") && f.session.idle(); }));
    CHECK(f.b().loading.empty());
    CHECK(f.b().model->name == "big");
    CHECK(f.b().trace->model_name == "big");
    CHECK(f.b().display->n_layer == 3);
    REQUIRE(f.b().stats != nullptr);
    CHECK(f.b().stats->size() == size_t(3) * 2);
    CHECK(f.st().trace->model_name == "m");

    f.type("one two three");
    REQUIRE(
        test::pump(f.session, [&] { return f.both_show("one two three") && f.session.idle(); }));
    CHECK_FALSE(f.b().running);
    CHECK(f.b().error.empty());

    // Closing forgets B; A goes on alone.
    f.session.close_model_b();
    CHECK(f.b().model == nullptr);
    CHECK(f.b().trace == nullptr);
    f.type("four five");
    REQUIRE(test::pump(f.session, [&] {
        return f.st().trace && f.st().trace->text == "four five" && f.session.idle();
    }));
    CHECK(f.b().trace == nullptr);
}

TEST_CASE("two models: a stale answer of model B never replaces a newer one") {
    TwoModels f;
    f.session.open_model({"m", ""});
    f.session.open_model_b({"b1", ""});
    REQUIRE(test::pump(f.session, [&] { return f.both_show("hello world") && f.session.idle(); }));

    // B's run of the first text is held; a second text is typed; then the first is released.
    f.hold("first text");
    f.type("first text");
    REQUIRE(test::pump(f.session, [&] { return f.shared->runs >= 4; }));  // A's and B's started
    CHECK(f.b().running);
    f.type("second text");
    REQUIRE(test::pump(f.session, [&] { return !f.session.debounce_deadline().has_value(); }));
    test::FakeBackend::release(*f.shared, "first text");
    REQUIRE(test::pump(f.session, [&] { return f.session.idle(); }));
    CHECK(f.both_show("second text"));
    CHECK(f.session.second_model().stale_dropped() >= 1);

    // A new model B while the old one's run is held: the old model's answer is dropped.
    f.hold("third text");
    f.type("third text");
    REQUIRE(test::pump(f.session, [&] { return f.b().running && f.shared->runs >= 8; }));
    const int dropped = f.session.second_model().stale_dropped();
    f.session.open_model_b({"b2", ""});
    REQUIRE(test::pump(f.session, [&] { return f.b().model && f.b().model->name == "b2"; }));
    test::FakeBackend::release(*f.shared, "third text");
    REQUIRE(test::pump(f.session, [&] { return f.session.idle(); }));
    CHECK(f.b().trace->model_name == "b2");
    CHECK(f.b().trace->text == "third text");
    CHECK(f.session.second_model().stale_dropped() > dropped);
}

TEST_CASE("two models: B's failures stay with B, model A keeps everything") {
    TwoModels f;
    f.session.open_model({"m", ""});
    REQUIRE(test::pump(f.session, [&] { return f.st().display && f.session.idle(); }));
    const auto trace_a = f.st().trace;
    const auto display_a = f.st().display;

    // A model B that cannot load.
    f.session.open_model_b({"broken", ""});
    REQUIRE(test::pump(f.session, [&] { return f.session.idle(); }));
    CHECK(f.b().model == nullptr);
    CHECK(f.b().error.find("bad header") != std::string::npos);
    CHECK(f.b().loading.empty());
    CHECK_FALSE(f.st().error.has_value());  // the error panel is model A's
    CHECK(f.st().trace == trace_a);
    CHECK(f.st().display == display_a);

    // A model B that loads but cannot run the sentence.
    f.session.open_model_b({"norun", ""});
    REQUIRE(test::pump(f.session, [&] { return f.session.idle() && f.b().model != nullptr; }));
    CHECK(f.b().error.find("cannot run") != std::string::npos);
    CHECK(f.b().trace == nullptr);
    CHECK_FALSE(f.b().running);
    CHECK_FALSE(f.st().error.has_value());
    CHECK(f.st().trace == trace_a);

    // A good model B afterwards clears the message; a failed load keeps the model B there was.
    f.session.open_model_b({"good", ""});
    REQUIRE(test::pump(f.session, [&] { return f.session.idle() && f.b().trace != nullptr; }));
    CHECK(f.b().error.empty());
    f.session.open_model_b({"broken", ""});
    REQUIRE(test::pump(f.session, [&] { return f.session.idle(); }));
    CHECK(f.b().model->name == "good");
    CHECK(f.b().trace != nullptr);
    CHECK_FALSE(f.b().error.empty());
}

TEST_CASE("two models: options rebuild B's view model without another forward pass") {
    TwoModels f;
    f.session.open_model({"m", ""});
    f.session.open_model_b({"b1", ""});
    REQUIRE(test::pump(f.session, [&] { return f.both_show("hello world") && f.session.idle(); }));
    const auto trace_b = f.b().trace;
    const int runs = f.shared->runs;
    DisplayOptions o = f.st().options;
    o.hide_special = true;
    o.words = true;
    o.lens = Lens::ValueWeighted;
    f.session.set_options(o);
    REQUIRE(test::pump(f.session, [&] { return f.session.idle(); }));
    CHECK(f.shared->runs == runs);
    CHECK(f.b().trace == trace_b);
    CHECK(f.b().display->hide_special);
    CHECK(f.b().display->words);
    CHECK(f.b().display->lens == Lens::ValueWeighted);
    CHECK(f.b().display->n_token == 2);  // "hello", "world": <s> hidden
    CHECK(f.st().display->words);
}

TEST_CASE("models_layout: a difference only for equal shapes and tokenisations") {
    const DisplayOptions o;
    AttentionTrace a = test::make_word_trace("the cat sat", 2, 2);
    AttentionTrace b = a;
    b.model_name = "other";  // another model of the same shape and tokenizer
    const DisplayTrace da = make_display_trace(a, o);
    ModelsLayout l = models_layout(a, da, b, make_display_trace(b, o));
    CHECK(l.difference);
    CHECK(l.message.empty());

    const AttentionTrace deeper = test::make_word_trace("the cat sat", 3, 2);
    l = models_layout(a, da, deeper, make_display_trace(deeper, o));
    CHECK_FALSE(l.difference);
    CHECK(l.message.find("different shapes") != std::string::npos);

    AttentionTrace split = test::make_word_trace("the ca t sat", 2, 2);  // another tokenizer
    l = models_layout(a, da, split, make_display_trace(split, o));
    CHECK_FALSE(l.difference);
    CHECK(l.message.find("tokenise the text differently") != std::string::npos);
}

TEST_CASE("model_b_head: A's head while linked and B has it, else B's own, always in range") {
    ModelBState b;
    Selection sel;
    sel.layer = 1;
    sel.head = 3;
    CHECK(model_b_head(b, sel, 2, 4) == HeadRef{1, 3});
    CHECK(model_b_head(b, sel, 5, 8) == HeadRef{1, 3});
    b.layer = 4;
    b.head = 1;
    CHECK(model_b_head(b, sel, 5, 2) == HeadRef{4, 1});  // B has no head 3: its own choice
    b.linked = false;
    CHECK(model_b_head(b, sel, 5, 8) == HeadRef{4, 1});
    CHECK(model_b_head(b, sel, 2, 4) == HeadRef{1, 1});  // clamped into a smaller B
}

namespace {

// Pumps the session and, as the Two models view does every frame, points model A's and model B's
// Analysts at the traces shown, until both have their rollouts.
bool pump_rollouts(TwoModels& f, Analyst& a, Analyst& b) {
    return test::pump(f.session, [&] {
        a.set_source(f.st().trace, f.st().display);
        b.set_source(f.b().trace, f.b().display);
        a.update();
        b.update();
        return f.session.idle() && f.b().display && a.products() && b.products() &&
               a.display() == f.st().display && b.display() == f.b().display;
    });
}

// Largest |row sum − 1| over every layer's rollout of `products`.
double rollout_row_error(const AnalysisOutput& products) {
    const int U = products.all_units->n_token;
    double worst = 0;
    for (size_t row = 0; row * U < products.rollout.size(); ++row) {
        double sum = 0;
        for (int j = 0; j < U; ++j) sum += products.rollout[row * U + size_t(j)];
        worst = std::max(worst, std::abs(sum - 1.0));
    }
    return worst;
}

}  // namespace

TEST_CASE("two models rollout: B's arrives from its own Analyst, rows sum to 1, A - B is shown") {
    TwoModels f;
    f.session.open_model({"m", ""});      // 2 layers
    f.session.open_model_b({"big", ""});  // 3 layers, the same tokenizer
    Analyst a, b;
    REQUIRE(pump_rollouts(f, a, b));
    CHECK(f.both_show("hello world"));
    const AnalysisOutput& pa = *a.products();
    const AnalysisOutput& pb = *b.products();
    const int U = pb.all_units->n_token;
    CHECK(U == f.b().trace->n_token);
    CHECK(pb.all_units->n_layer == 3);
    REQUIRE(pb.rollout.size() == size_t(3) * U * U);
    CHECK(rollout_row_error(pa) < 1e-5);
    CHECK(rollout_row_error(pb) < 1e-5);

    // Each model after its own last layer; different depths still give a difference.
    const CompareState& compare = f.st().compare;
    CHECK(compare.rollout_last_layer);
    const RolloutLayers layers = models_rollout_layers(compare, f.st().selection, 2, 3);
    CHECK(layers == RolloutLayers{1, 2});
    const ModelsLayout layout =
        models_rollout_layout(*a.trace(), *pa.all_units, *b.trace(), *pb.all_units);
    CHECK(layout.difference);
    CHECK(layout.message.empty());
    const std::vector<PanelData> panels =
        models_rollout_panels(pa, pb, layers, layout.difference, f.st().options);
    REQUIRE(panels.size() == 3);
    CHECK(panels[0].title == "A  rollout after L1");
    CHECK(panels[1].title == "B  rollout after L2");
    CHECK(panels[0].range.hi == panels[1].range.hi);  // one scale: equal colours, equal values
    bool differs = false;
    for (int i = 0; i < U; ++i) {
        double row_b = 0;
        for (int j = 0; j < U; ++j) {
            const size_t c = size_t(i) * U + j;
            const float vb = pb.rollout[size_t(2) * U * U + c];
            CHECK(panels[1].values[c] == (j <= i ? vb : k_masked_value));  // causal: j > i masked
            if (j <= i) {
                row_b += panels[1].values[c];
                CHECK(panels[2].values[c] == doctest::Approx(panels[0].values[c] - vb));
                differs |= std::abs(panels[2].values[c]) > 1e-4f;
            }
        }
        CHECK(row_b == doctest::Approx(1.0).epsilon(1e-5));
    }
    CHECK(differs);  // two and three layers of the same mixing are not the same rollout

    // A chosen layer: B follows while linked and it has the layer.
    CompareState chosen;
    chosen.rollout_last_layer = false;
    Selection sel;
    sel.layer = 1;
    CHECK(models_rollout_layers(chosen, sel, 2, 3) == RolloutLayers{1, 1});
    sel.layer = 2;
    chosen.model_b.layer = 0;
    CHECK(models_rollout_layers(chosen, sel, 3, 2) == RolloutLayers{2, 0});  // B has no layer 2
    chosen.model_b.linked = false;
    chosen.model_b.layer = 5;
    CHECK(models_rollout_layers(chosen, sel, 3, 2) == RolloutLayers{2, 1});  // clamped into B
}

TEST_CASE("two models rollout: a stale rollout of model B is dropped") {
    TwoModels f;
    f.session.open_model({"m", ""});
    f.session.open_model_b({"big", ""});
    REQUIRE(test::pump(f.session, [&] { return f.both_show("hello world") && f.session.idle(); }));
    std::atomic<int> finished{0};
    Analyst b([&] { ++finished; });
    const auto old_trace = f.b().trace;
    b.set_source(old_trace, f.b().display);
    // The old sentence's rollout is done and waiting when B's next trace replaces it.
    REQUIRE(test::pump(f.session, [&] { return finished.load() >= 1; }));
    f.type("one two three four");
    REQUIRE(test::pump(f.session, [&] { return f.both_show("one two three four"); }));
    b.set_source(f.b().trace, f.b().display);
    REQUIRE(test::pump(f.session, [&] {
        b.update();
        return b.products() != nullptr;
    }));
    CHECK(b.stale_dropped() == 1);
    CHECK(b.trace() == f.b().trace);
    CHECK(b.products()->all_units->n_source_token == f.b().trace->n_token);
    CHECK(b.products()->all_units->n_source_token != old_trace->n_token);
    CHECK(b.products()->rollout.size() == size_t(3) * 5 * 5);  // <s> and four words, 3 layers
}

TEST_CASE("two models rollout: model B = model A gives A - B = 0, under words and the lens too") {
    TwoModels f;
    f.session.open_model({"m", ""});
    f.session.open_model_b({"m", ""});
    REQUIRE(test::pump(f.session, [&] { return f.both_show("hello world") && f.session.idle(); }));
    DisplayOptions o = f.st().options;
    o.words = true;
    o.hide_special = true;  // the rollout still shows every unit, as in the Rollout tab
    o.lens = Lens::ValueWeighted;
    f.session.set_options(o);
    f.type("the cat sat on the mat");
    Analyst a, b;
    REQUIRE(pump_rollouts(f, a, b));
    REQUIRE(f.both_show("the cat sat on the mat"));
    const AnalysisOutput& pa = *a.products();
    const AnalysisOutput& pb = *b.products();
    CHECK(pb.all_units->words);
    CHECK(pb.all_units->lens == Lens::ValueWeighted);
    CHECK(pb.all_units->n_token == 7);  // <s> kept: the residual path runs through it
    CHECK(rollout_row_error(pb) < 1e-5);
    const RolloutLayers layers = models_rollout_layers(f.st().compare, f.st().selection, 2, 2);
    const ModelsLayout layout =
        models_rollout_layout(*a.trace(), *pa.all_units, *b.trace(), *pb.all_units);
    REQUIRE(layout.difference);
    const std::vector<PanelData> panels = models_rollout_panels(pa, pb, layers, true, o);
    REQUIRE(panels.size() == 3);
    for (float v : panels[2].values) CHECK((v == 0.0f || v == k_masked_value));
    CHECK(panels[2].range.lo == -1.0f);  // nothing differs: the middle colour, not a 0-wide scale
    CHECK(panels[2].range.hi == 1.0f);
}

TEST_CASE("models_rollout_layout: A - B needs equal tokens, not equal depths") {
    const DisplayOptions o;
    const AttentionTrace a = test::make_word_trace("the cat sat", 2, 2);
    const AttentionTrace deeper = test::make_word_trace("the cat sat", 4, 3);
    ModelsLayout l =
        models_rollout_layout(a, make_display_trace(a, o), deeper, make_display_trace(deeper, o));
    CHECK(l.difference);
    CHECK(l.message.empty());

    // Another tokenizer: side by side only, and the message says why (not the shapes).
    const AttentionTrace split = test::make_word_trace("the ca t sat", 3, 2);
    l = models_rollout_layout(a, make_display_trace(a, o), split, make_display_trace(split, o));
    CHECK_FALSE(l.difference);
    CHECK(l.message.find("tokenise the text differently (4 and 5 tokens)") != std::string::npos);
    AttentionTrace renamed = test::make_word_trace("the cat sit", 2, 2);  // same count, other token
    l = models_rollout_layout(a, make_display_trace(a, o), renamed, make_display_trace(renamed, o));
    CHECK_FALSE(l.difference);
    CHECK(l.message.find("token 3 is 'sat' and 'sit'") != std::string::npos);
}

TEST_CASE("command line: --models-mode") {
    auto parse = [](std::vector<const char*> argv, AppArgs* out, std::string* error) {
        argv.insert(argv.begin(), "attnscope");
        return parse_app_args(int(argv.size()), argv.data(), out, error);
    };
    AppArgs a;
    std::string error;
    REQUIRE(parse({"--view", "models", "--model-b", "/m/b"}, &a, &error));
    CHECK_FALSE(a.models_mode.has_value());
    CompareState c;
    apply_compare_args(a, c);
    CHECK(c.models_mode == ModelsMode::Head);

    REQUIRE(
        parse({"--view", "models", "--model-b", "/m/b", "--models-mode", "rollout"}, &a, &error));
    REQUIRE(a.models_mode.has_value());
    CHECK(*a.models_mode == ModelsMode::Rollout);
    apply_compare_args(a, c);
    CHECK(c.models_mode == ModelsMode::Rollout);
    CHECK(c.rollout_last_layer);  // no --layer: each model's last layer

    REQUIRE(parse({"--models-mode", "rollout", "--layer", "1"}, &a, &error));
    CompareState layered;
    apply_compare_args(a, layered);
    CHECK_FALSE(layered.rollout_last_layer);  // --layer asks for the rollout after that layer

    REQUIRE(parse({"--models-mode", "head"}, &a, &error));
    CHECK(*a.models_mode == ModelsMode::Head);
    CHECK_FALSE(parse({"--models-mode", "flow"}, &a, &error));
    CHECK(error.find("bad value 'flow' for --models-mode (expected head or rollout)") !=
          std::string::npos);
    CHECK_FALSE(parse({"--models-mode"}, &a, &error));
    CHECK(error.find("--models-mode needs a value") != std::string::npos);
    CHECK(std::string(app_usage()).find("--models-mode MODE") != std::string::npos);
}

TEST_CASE("command line: --model-b, --words, --lens") {
    auto parse = [](std::vector<const char*> argv, AppArgs* out, std::string* error) {
        argv.insert(argv.begin(), "attnscope");
        return parse_app_args(int(argv.size()), argv.data(), out, error);
    };
    AppArgs a;
    std::string error;
    REQUIRE(parse({"--view", "models", "--model-b", "/m/b", "--layer", "1", "--head", "2"}, &a,
                  &error));
    CHECK(a.view == ViewKind::Models);
    CHECK(a.model_b == std::filesystem::path("/m/b"));
    CHECK_FALSE(a.options.words);
    CHECK(a.options.lens == Lens::Attention);
    REQUIRE(parse({"--words", "--lens", "value"}, &a, &error));
    CHECK(a.options.words);
    CHECK(a.options.lens == Lens::ValueWeighted);
    CHECK_FALSE(parse({"--lens", "norm"}, &a, &error));
    CHECK(error.find("bad value 'norm' for --lens") != std::string::npos);
    CHECK_FALSE(parse({"--model-b"}, &a, &error));
    CHECK(error.find("--model-b needs a value") != std::string::npos);
    CHECK(std::string(app_usage()).find("--lens") != std::string::npos);

    DisplayOptions x, y;
    y.words = true;
    CHECK(y.needs_recompute(x));
    y = x;
    y.lens = Lens::ValueWeighted;
    CHECK(y.needs_recompute(x));
}

TEST_CASE("teaching views say where they differ from the attention views") {
    DisplayOptions o;
    CHECK(token_level_note(o, true).empty());
    o.hide_special = true;
    CHECK(token_level_note(o, false).empty());  // Q/K/V shows vectors, not rows
    CHECK(token_level_note(o, true).find("raw softmax row") != std::string::npos);
    o.words = true;
    o.lens = Lens::ValueWeighted;
    const std::string note = token_level_note(o, false);
    CHECK(note.find("Per token, not per word") == 0);
    CHECK(note.find("attention weights, not the value-weighted lens") != std::string::npos);
}
