// Small ImGui helpers shared by the views. No GL, no state.
#pragma once

#include <string>

#include <imgui.h>

#include "attnscope/analysis.h"

namespace attnscope::app::widgets {

inline ImU32 color(Rgb8 c, float alpha = 1.0f) {
    return IM_COL32(c.r, c.g, c.b, int(alpha * 255.0f + 0.5f));
}

// Colour of head h for line drawings (bertviz-style), distinct for the first 12 heads.
ImU32 head_color(int head, float alpha = 1.0f);

// Text drawn rotated by -90 degrees (reading bottom to top), its bottom-left corner at `pos`
// (the text extends upwards from pos.y).
void add_text_vertical(ImDrawList* draw_list, ImVec2 pos, ImU32 col, const char* text);

// `text` shortened with an ellipsis so that it fits `max_width` pixels.
std::string elide(const std::string& text, float max_width);

// A "(?)" marker with a tooltip.
void help_marker(const char* text);

// A horizontal bar filled to `fraction`, with a right-aligned label inside.
void fraction_bar(float fraction, const char* label, float width, ImU32 fill);

// Wrapped text in a muted colour.
void muted_text(const char* text);

// The accent colour for selections.
ImU32 accent(float alpha = 1.0f);

// A slider over the 0-based index `*value` in [0, count) that shows the labels' numbering (from 1
// when `one_based`). Returns true when the user moved it.
bool index_slider(const char* label, int* value, int count, bool one_based, float width);

// The first line of a matrix cell's tooltip: "'it' (query, token 8) → 'animal' (key, token 1)".
void cell_tooltip_header(const DisplayTrace& display, int row, int col);

}  // namespace attnscope::app::widgets
