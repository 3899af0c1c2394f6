#include "classroom.h"

#include <GLFW/glfw3.h>

namespace attnscope::app {

void apply_high_contrast(ImGuiStyle& style) {
    ImVec4* c = style.Colors;
    const ImVec4 black(0, 0, 0, 1), white(1, 1, 1, 1);
    const ImVec4 blue(0.10f, 0.35f, 0.85f, 1), blue_hi(0.20f, 0.50f, 1.00f, 1);
    c[ImGuiCol_Text] = white;
    c[ImGuiCol_TextDisabled] = ImVec4(0.80f, 0.80f, 0.80f, 1);
    c[ImGuiCol_WindowBg] = black;
    c[ImGuiCol_ChildBg] = black;
    c[ImGuiCol_PopupBg] = ImVec4(0.06f, 0.06f, 0.06f, 1);
    c[ImGuiCol_Border] = ImVec4(0.85f, 0.85f, 0.85f, 1);
    c[ImGuiCol_FrameBg] = ImVec4(0.16f, 0.16f, 0.16f, 1);
    c[ImGuiCol_FrameBgHovered] = ImVec4(0.28f, 0.28f, 0.28f, 1);
    c[ImGuiCol_FrameBgActive] = ImVec4(0.36f, 0.36f, 0.36f, 1);
    c[ImGuiCol_MenuBarBg] = ImVec4(0.10f, 0.10f, 0.10f, 1);
    c[ImGuiCol_Button] = blue;
    c[ImGuiCol_ButtonHovered] = blue_hi;
    c[ImGuiCol_ButtonActive] = blue_hi;
    c[ImGuiCol_Header] = blue;
    c[ImGuiCol_HeaderHovered] = blue_hi;
    c[ImGuiCol_HeaderActive] = blue_hi;
    c[ImGuiCol_Tab] = ImVec4(0.15f, 0.15f, 0.15f, 1);
    c[ImGuiCol_TabHovered] = blue_hi;
    c[ImGuiCol_TabActive] = blue;
    c[ImGuiCol_TableHeaderBg] = ImVec4(0.14f, 0.14f, 0.14f, 1);
    c[ImGuiCol_TableRowBg] = ImVec4(0, 0, 0, 0);
    c[ImGuiCol_TableRowBgAlt] = ImVec4(1, 1, 1, 0.08f);
    c[ImGuiCol_TableBorderLight] = ImVec4(0.55f, 0.55f, 0.55f, 1);
    c[ImGuiCol_TableBorderStrong] = ImVec4(0.85f, 0.85f, 0.85f, 1);
    c[ImGuiCol_Separator] = ImVec4(0.70f, 0.70f, 0.70f, 1);
    c[ImGuiCol_SliderGrab] = blue_hi;
    c[ImGuiCol_CheckMark] = white;
    style.FrameBorderSize = 1.0f;
    style.WindowBorderSize = 1.0f;
}

bool classroom_key_pressed() {
    return ImGui::IsKeyPressed(GLFW_KEY_F11, false);
}

void ClassroomMode::set(bool on, DisplayOptions& options, ImGuiStyle& base_style) {
    if (on == m_on) return;
    m_on = on;
    if (on) {
        m_saved_font_scale = options.font_scale;
        m_saved_style = base_style;
        options.font_scale = k_classroom_font_scale;
        apply_high_contrast(base_style);
    } else {
        options.font_scale = m_saved_font_scale;
        base_style = m_saved_style;
    }
}

}  // namespace attnscope::app
