// The teaching views (issue 4): the stepper's last stage equals the trace's attention row on real
// models, the stepper's keys and animation, the example sentences, the flags. No window: ImGui runs
// headless where a view is drawn.
#include <doctest/doctest.h>

#include <cmath>

#include "app_args.h"
#include "backend.h"
#include "teach/examples.h"
#include "teach/teach_model.h"
#include "test_util.h"
#include "views/softmax_view.h"
#include "views/teaching_views.h"

using namespace attnscope;
using namespace attnscope::app;

TEST_SUITE_BEGIN("gui");
namespace {

const char* const k_sentence = "The animal didn't cross the street because it was too tired.";

std::shared_ptr<const AttentionTrace> run_model(const std::string& name,
                                                const std::string& text = k_sentence) {
    auto backend = make_engine_backend();
    const LoadedModel model = backend->load({test::model_dir(name), ""}, {});
    RunRequest request;
    request.text = text;
    return std::make_shared<const AttentionTrace>(backend->run(model, request, nullptr));
}

// A headless ImGui context with a font atlas and the 1.86 key map filled in.
struct HeadlessImGui {
    HeadlessImGui() {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = ImVec2(1280, 720);
        io.DeltaTime = 1.0f / 60.0f;
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
        for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = 100 + k;
    }
    ~HeadlessImGui() { ImGui::DestroyContext(); }
    void key(ImGuiKey key, bool down) { ImGui::GetIO().KeysDown[100 + key] = down; }
};

}  // namespace

// [SECTION] Numbers

TEST_CASE("teaching: the last stage's weights are the trace's attention row (GPT-2, BERT, Llama)") {
    for (const char* name :
         {"test--gpt2-tiny-random", "test--bert-tiny-random", "karpathy--tinyllamas--stories260K"}) {
        CAPTURE(name);
        const auto trace = run_model(name);
        const int T = trace->n_token;
        REQUIRE(T > 3);
        for (int l = 0; l < trace->n_layer; ++l)
            for (int h = 0; h < trace->n_head; ++h)
                for (int i : {0, T / 2, T - 1}) {
                    const TeachModel m = make_teach_model(*trace, l, h, i);
                    const auto row = trace->weights_of(l, h).subspan(size_t(i) * T, size_t(T));
                    float worst = 0, sum = 0;
                    for (int j = 0; j < T; ++j) {
                        worst = std::max(worst, std::fabs(m.steps.weights[size_t(j)] - row[size_t(j)]));
                        sum += m.steps.weights[size_t(j)];
                    }
                    CAPTURE(l);
                    CAPTURE(h);
                    CAPTURE(i);
                    CHECK(worst < 1e-6f);
                    CHECK(sum == doctest::Approx(1.0f).epsilon(1e-5));
                    // The output is the trace's head output.
                    const auto out = trace->head_out_of(l, h).subspan(size_t(i) * trace->d_head,
                                                                     size_t(trace->d_head));
                    for (int d = 0; d < trace->d_head; ++d)
                        CHECK(m.steps.output[size_t(d)] ==
                              doctest::Approx(out[size_t(d)]).epsilon(1e-4).scale(1e-3));
                }
        const TeachModel m = make_teach_model(*trace, 0, trace->n_head - 1, T - 1);
        CHECK(m.labels.size() == size_t(T));
        CHECK(m.kv_first_head <= trace->n_head - 1);
        if (trace->arch == Arch::Llama) {
            CHECK(m.steps.rope);
            CHECK(m.steps.grouped);  // stories260K: 8 query heads read 4 KV heads
            CHECK(m.kv_last_head - m.kv_first_head + 1 == trace->n_head / trace->n_kv_head);
        } else {
            CHECK_FALSE(m.steps.rope);
        }
    }
}

TEST_CASE("teaching: the cache rebuilds only when the trace or selection changes") {
    const auto trace = run_model("test--gpt2-tiny-random");
    TeachCache cache;
    const TeachModel* a = cache.get(trace, 1, 2, 3);
    REQUIRE(a != nullptr);
    CHECK(cache.get(trace, 1, 2, 3) == a);
    const TeachModel* b = cache.get(trace, 1, 2, 4);
    CHECK(b->steps.query == 4);
    CHECK(cache.get(nullptr, 0, 0, 0) == nullptr);
    CHECK(teach_query_token(-1, 5) == 4);
    CHECK(teach_query_token(2, 5) == 2);
    CHECK(teach_query_token(9, 5) == 4);
}

TEST_CASE("teaching: numbers are formatted for students") {
    CHECK(format_teach_value(-INFINITY) == "\u2212\u221e");
    CHECK(format_teach_value(0.12345f) == "0.123");
    CHECK(format_teach_value(-12.345f) == "\u221212.35");  // a real minus sign
    CHECK(format_teach_value(-0.0001f) == "0.000");
    CHECK(format_teach_value(1234.5f) == "1234");
}

// [SECTION] The stepper

TEST_CASE("teaching: stepping, playing and the keys") {
    Stepper s;
    s.set_stage(3);
    CHECK(s.stage() == 3);
    CHECK_FALSE(s.animating());
    s.forward();
    CHECK(s.stage() == 4);
    CHECK(s.progress() == 0.0f);  // animates into the new stage
    for (int f = 0; f < 600 && s.animating(); ++f) s.advance(1.0f / 60.0f);
    CHECK(s.progress() == 1.0f);
    s.back();
    CHECK(s.stage() == 3);
    CHECK(s.progress() == 1.0f);  // back jumps
    s.set_stage(99);
    CHECK(s.stage() == Stepper::k_stage_count - 1);
    s.forward();
    CHECK(s.stage() == Stepper::k_stage_count - 1);

    // Play from the last stage starts over and runs to the end, then stops.
    s.toggle_play();
    CHECK(s.playing());
    CHECK(s.stage() == 0);
    int frames = 0;
    for (; frames < 10000 && s.playing(); ++frames) s.advance(1.0f / 60.0f);
    CHECK_FALSE(s.playing());
    CHECK(s.stage() == Stepper::k_stage_count - 1);
    // 8 stages at the default 0.5 stages per second: 16 s of frames.
    CHECK(frames == doctest::Approx(8 * 2 * 60).epsilon(0.02));

    StepperKeys k;
    k.first = true;
    s.apply(k);
    CHECK(s.stage() == 0);
    k = {};
    k.forward = true;
    s.apply(k);
    s.apply(k);
    CHECK(s.stage() == 2);
    k = {};
    k.faster = true;
    const float before = s.speed();
    s.apply(k);
    CHECK(s.speed() > before);
    k = {};
    k.last = true;
    s.apply(k);
    CHECK(s.stage() == 7);
}

TEST_CASE("teaching: the keyboard drives the softmax view") {
    const auto trace = run_model("test--gpt2-tiny-random");
    HeadlessImGui imgui;
    TeachingViews views;
    views.set_step(2);
    Selection sel;
    sel.layer = 1;
    sel.head = 1;
    auto frame = [&](ImGuiKey key) {
        if (key >= 0) imgui.key(key, true);
        ImGui::NewFrame();
        ImGui::SetNextWindowPos(ImVec2(0, 0));
        ImGui::SetNextWindowSize(ImVec2(1280, 720));
        ImGui::Begin("test");
        views.draw_softmax(trace, sel, Colormap::Viridis, 1.0f / 60.0f);
        ImGui::End();
        ImGui::Render();
        if (key >= 0) imgui.key(key, false);
    };
    frame(ImGuiKey(-1));
    CHECK(views.stepper().stage() == 1);
    frame(ImGuiKey_RightArrow);
    CHECK(views.stepper().stage() == 2);
    frame(ImGuiKey(-1));
    frame(ImGuiKey_RightArrow);
    CHECK(views.stepper().stage() == 3);
    frame(ImGuiKey(-1));
    frame(ImGuiKey_LeftArrow);
    CHECK(views.stepper().stage() == 2);
    frame(ImGuiKey(-1));
    frame(ImGuiKey_Space);
    CHECK(views.stepper().playing());
    frame(ImGuiKey(-1));
    frame(ImGuiKey_Space);
    CHECK_FALSE(views.stepper().playing());
    frame(ImGuiKey(-1));
    frame(ImGuiKey_End);
    CHECK(views.stepper().stage() == 7);
    // Every stage draws without an ImGui assertion, and the Q/K/V view too.
    for (int k = 1; k <= 8; ++k) {
        views.set_step(k);
        frame(ImGuiKey(-1));
    }
    ImGui::NewFrame();
    ImGui::Begin("qkv");
    views.draw_qkv(trace, sel, Colormap::Viridis);
    ImGui::End();
    ImGui::Render();
    // The query defaults to the last token.
    const TeachModel* m = views.model(trace, sel);
    REQUIRE(m != nullptr);
    CHECK(m->steps.query == trace->n_token - 1);
}

// [SECTION] Examples and flags

TEST_CASE("teaching: the embedded example sentences") {
    const auto& list = example_sentences();
    REQUIRE(list.size() >= 10);
    int coreference = 0;
    for (const ExampleSentence& e : list) {
        CHECK_FALSE(e.text.empty());
        CHECK_FALSE(e.group.empty());
        if (e.group == "Coreference") ++coreference;
    }
    CHECK(coreference >= 2);
    const auto parsed = parse_example_sentences("# comment\n\nA | one two\nbare sentence\r\n");
    REQUIRE(parsed.size() == 2);
    CHECK(parsed[0].group == "A");
    CHECK(parsed[0].text == "one two");
    CHECK(parsed[1].group == "Examples");
    CHECK(parsed[1].text == "bare sentence");
}

TEST_CASE("teaching: --view qkv|softmax, --step and --classroom") {
    auto parse = [](std::vector<const char*> argv, AppArgs* out, std::string* error) {
        argv.insert(argv.begin(), "attnscope");
        return parse_app_args(int(argv.size()), argv.data(), out, error);
    };
    AppArgs a;
    std::string error;
    REQUIRE(parse({"--view", "softmax", "--step", "8", "--classroom"}, &a, &error));
    CHECK(*a.view == ViewKind::Softmax);
    CHECK(a.step == 8);
    CHECK(a.classroom);
    REQUIRE(parse({"--view", "qkv"}, &a, &error));
    CHECK(*a.view == ViewKind::Qkv);
    CHECK(a.step == 0);
    CHECK_FALSE(parse({"--step", "9"}, &a, &error));
    CHECK(error.find("bad value '9' for --step") != std::string::npos);
    CHECK_FALSE(parse({"--step", "0"}, &a, &error));
    CHECK_FALSE(parse({"--view", "softmaxx"}, &a, &error));
    CHECK(error.find("qkv") != std::string::npos);
}
