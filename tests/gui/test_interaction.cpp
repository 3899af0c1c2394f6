// Selection through the real widgets, in an ImGui context without a window or GL: hovering a
// token chip points at it everywhere, clicking selects it, typing edits the sentence.
#include <doctest/doctest.h>

#include <imgui.h>
#include <functional>

#include "gui_test_util.h"
#include "views/sentence_view.h"
#include "views/token_strip_view.h"

using namespace attnscope;
using namespace attnscope::app;

TEST_SUITE_BEGIN("gui");
namespace {

class ImGuiContextFixture {
  public:
    ImGuiContextFixture() {
        m_ctx = ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = ImVec2(800, 600);
        io.DeltaTime = 1.0f / 60.0f;
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    }
    ~ImGuiContextFixture() { ImGui::DestroyContext(m_ctx); }

    // One frame with the mouse at `mouse` (button 0 down if `down`), `body` inside a window.
    void frame(ImVec2 mouse, bool down, const std::function<void()>& body) {
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = mouse;
        io.MouseDown[0] = down;
        ImGui::NewFrame();
        ImGui::SetNextWindowPos(ImVec2(0, 0));
        ImGui::SetNextWindowSize(ImVec2(800, 600));
        ImGui::Begin("test", nullptr, ImGuiWindowFlags_NoDecoration);
        body();
        ImGui::End();
        ImGui::Render();
    }

  private:
    ImGuiContext* m_ctx;
};

const ImVec2 k_away(-1000, -1000);
const ImVec2 k_first_chip(12, 14);  // inside the first chip: window padding is 8 px

}  // namespace

TEST_CASE("token strip: hovering a chip points at its token in the trace's numbering") {
    ImGuiContextFixture ui;
    DisplayOptions options;
    options.hide_special = true;  // the first chip is then token 1, not <s>
    const auto d = std::make_shared<const DisplayTrace>(
        make_display_trace(test::make_word_trace("the cat sat"), options));
    REQUIRE(d->n_token == 3);
    TokenStripView strip;
    Selection sel;
    auto draw = [&] { strip.draw(d, options, sel, 200.0f); };
    for (int i = 0; i < 2; ++i) {  // a new window is hidden on its first frame
        sel.begin_frame();
        ui.frame(k_away, false, draw);
    }
    CHECK(sel.hover_next == -1);
    sel.begin_frame();
    ui.frame(k_first_chip, false, draw);
    CHECK(sel.hover_next == 1);
    sel.begin_frame();  // the next frame every view sees it
    CHECK(sel.hovered == 1);
    CHECK(sel.active_token() == 1);
    ui.frame(k_away, false, draw);
    sel.begin_frame();
    CHECK(sel.hovered == -1);
    CHECK(sel.active_token() == -1);
}

TEST_CASE("token strip: clicking selects a token and clicking again clears it") {
    ImGuiContextFixture ui;
    const DisplayOptions options;
    const auto d = std::make_shared<const DisplayTrace>(
        make_display_trace(test::make_word_trace("the cat sat"), options));
    TokenStripView strip;
    Selection sel;
    auto draw = [&] {
        sel.begin_frame();
        strip.draw(d, options, sel, 200.0f);
    };
    ui.frame(k_away, false, draw);
    ui.frame(k_away, false, draw);
    ui.frame(k_first_chip, false, draw);
    ui.frame(k_first_chip, true, draw);   // press
    ui.frame(k_first_chip, false, draw);  // release
    CHECK(sel.token == 0);
    ui.frame(k_away, false, draw);
    CHECK(sel.active_token() == 0);  // the selection stays after the mouse leaves
    ui.frame(k_first_chip, true, draw);
    ui.frame(k_first_chip, false, draw);
    CHECK(sel.token == -1);
}

TEST_CASE("sentence box: typed characters change the input and report the edit") {
    ImGuiContextFixture ui;
    SentenceView view;
    RunRequest input;
    input.text = "The cat";
    LoadedModel model;
    model.causal = true;
    bool changed = false;
    bool focus = true;
    auto draw = [&] {
        changed = view.draw(input, &model, false, focus);
        focus = false;
    };
    ui.frame(k_away, false, draw);
    ui.frame(k_away, false, draw);
    CHECK_FALSE(changed);
    // The box opens focused with the example sentence selected: the first key replaces it.
    ImGui::GetIO().AddInputCharactersUTF8("A");
    ui.frame(k_away, false, draw);
    CHECK(changed);
    CHECK(input.text == "A");
    ImGui::GetIO().AddInputCharactersUTF8(" dog");
    ui.frame(k_away, false, draw);
    CHECK(changed);
    CHECK(input.text == "A dog");
    ui.frame(k_away, false, draw);
    CHECK_FALSE(changed);
}

TEST_CASE("sentence box: encoders offer a second sentence") {
    ImGuiContextFixture ui;
    SentenceView view;
    RunRequest input;
    LoadedModel model;
    model.accepts_pair = true;
    input.use_pair = true;
    ui.frame(k_away, false, [&] { view.draw(input, &model, false, false); });
    ui.frame(k_away, false, [&] { view.draw(input, &model, false, false); });
    CHECK(ImGui::GetIO().MetricsActiveWindows >= 1);
    CHECK(input.use_pair);
}

TEST_CASE("selection: begin_frame moves this frame's hover to the next and click toggles") {
    Selection s;
    s.hover_next = 4;
    s.begin_frame();
    CHECK(s.hovered == 4);
    CHECK(s.hover_next == -1);
    s.token = 2;
    CHECK(s.active_token() == 4);  // hover wins over the selection
    s.begin_frame();
    CHECK(s.active_token() == 2);
    s.click_token(2);
    CHECK(s.token == -1);
    s.click_token(3);
    CHECK(s.token == 3);
}

TEST_CASE("selection: clamp_selection keeps indices inside a new trace") {
    Selection s;
    s.layer = 11;
    s.head = 11;
    s.token = 40;
    s.hovered = 39;
    clamp_selection(s, 2, 4, 10);
    CHECK(s.layer == 1);
    CHECK(s.head == 3);
    CHECK(s.token == 9);
    CHECK(s.hovered == -1);
    clamp_selection(s, 2, 4, 0);
    CHECK(s.token == -1);
}

TEST_SUITE_END();
