// Classroom mode: large text and a high-contrast theme for a projector, toggled with one key
// (F11) or the View menu. It changes only the text size option and the style's colours.
#pragma once

#include <imgui.h>

#include "attnscope/analysis.h"

namespace attnscope::app {

inline constexpr float k_classroom_font_scale = 1.4f;
inline constexpr const char* k_classroom_key_name = "F11";

// The high-contrast colours: black background, white text, strong borders.
void apply_high_contrast(ImGuiStyle& style);

// True on the frame F11 goes down (1.86: the GLFW backend fills io.KeysDown by GLFW key code).
bool classroom_key_pressed();

class ClassroomMode {
  public:
    bool on() const { return m_on; }
    // Switches on or off: sets options.font_scale (the App rebuilds the fonts when it changes)
    // and the colours of `base_style` (the unscaled style the App scales), restoring both when
    // switched off.
    void set(bool on, DisplayOptions& options, ImGuiStyle& base_style);

  private:
    bool m_on = false;
    float m_saved_font_scale = 1.0f;
    ImGuiStyle m_saved_style;
};

}  // namespace attnscope::app
