// Drawing helpers of the teaching views (Q/K/V view, softmax stepper): vectors as strips of
// coloured cells, values as bars, stage headers. ImGui only; every number comes from TeachModel.
#pragma once

#include <span>
#include <string>

#include <imgui.h>

#include "../teach/teach_model.h"
#include "attnscope/analysis.h"

namespace attnscope::app::teach {

// Diverging colour of v in [-abs_max, abs_max] (blue negative, white 0, red positive).
ImU32 diverging_color(float v, float abs_max, float alpha = 1.0f);
// Sequential colour of w in [0, 1] (the heatmap's map).
ImU32 weight_color(float w, Colormap map = Colormap::Viridis);

// A d_head vector as a strip of `v.size()` cells, `width` x `height` pixels, coloured
// diverging_color(., abs_max); hovering shows "name[d] = value". Advances the cursor.
void vector_strip(std::span<const float> v, float abs_max, float width, float height,
                  const char* name, float alpha = 1.0f);

// A value as a horizontal bar: `signed_bar` grows left or right from the middle (range
// ±abs_max), otherwise from the left (range 0..abs_max). −∞ draws grey stripes. Advances the
// cursor.
void value_bar(float v, float abs_max, bool signed_bar, float width, float height, ImU32 fill);

// Grey diagonal stripes over a rectangle (masked: the query may not see this key).
void add_stripes(ImDrawList* dl, ImVec2 a, ImVec2 b);

// Right-aligned text in the current table cell.
void text_right(const std::string& text, ImU32 color);

// The toolbar line both teaching views share: layer, head and query token pickers. Returns true
// if the selection changed.
bool draw_teach_header(const TeachModel& m, int n_layer, int n_head, int& layer, int& head,
                       int& token);
// The notes on grouped-query attention, RoPE and the causal mask (wrapped, accent colour).
void draw_teach_notes(const TeachModel& m);

}  // namespace attnscope::app::teach
