#include "head_view.h"

#include <imgui.h>
#include <algorithm>
#include <cmath>
#include <string>

#include "../view_svg.h"
#include "../widgets.h"

namespace attnscope::app {

namespace {
// Lines drawn at most: llvmpipe fills long blended lines slowly, and beyond a few hundred lines
// the picture is a haze anyway. The strongest are kept. (The SVG export draws the same lines.)
constexpr size_t k_max_lines = k_head_view_max_lines;
}  // namespace

void HeadView::draw_toolbar(const DisplayTrace& d, Selection& sel) {
    const int base = d.one_based ? 1 : 0;
    int shown = sel.layer + base;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7.0f);
    if (ImGui::SliderInt("Layer", &shown, base, d.n_layer - 1 + base))
        sel.layer = std::clamp(shown - base, 0, d.n_layer - 1);
    ImGui::SameLine();
    ImGui::TextUnformatted("Heads");
    for (int h = 0; h < d.n_head; ++h) {
        ImGui::SameLine(0, 3);
        ImGui::PushID(h);
        const bool on = m_enabled[size_t(h)] != 0;
        ImGui::PushStyleColor(ImGuiCol_Button, widgets::head_color(h, on ? 0.9f : 0.15f));
        ImGui::PushStyleColor(ImGuiCol_ButtonHovered, widgets::head_color(h, 1.0f));
        ImGui::PushStyleColor(ImGuiCol_Text,
                              on ? IM_COL32(0, 0, 0, 255) : IM_COL32(200, 200, 200, 255));
        if (ImGui::Button(d.head_labels[size_t(h)].c_str(),
                          ImVec2(ImGui::GetFrameHeight() * 1.2f, 0)))
            m_enabled[size_t(h)] = on ? 0 : 1;
        ImGui::PopStyleColor(3);
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("head %s: click to toggle", d.head_labels[size_t(h)].c_str());
        ImGui::PopID();
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("All")) std::fill(m_enabled.begin(), m_enabled.end(), 1);
    ImGui::SameLine();
    if (ImGui::SmallButton("None")) std::fill(m_enabled.begin(), m_enabled.end(), 0);
    ImGui::SameLine();
    if (ImGui::SmallButton("Selected head")) {
        std::fill(m_enabled.begin(), m_enabled.end(), 0);
        m_enabled[size_t(sel.head)] = 1;
    }
    if (m_links.size() >= k_max_lines) {
        ImGui::SameLine();
        ImGui::TextDisabled("(strongest %zu lines; hover a token for all of its lines)",
                            m_links.size());
    }
}

void HeadView::draw(const std::shared_ptr<const DisplayTrace>& display, Selection& sel) {
    const DisplayTrace& d = *display;
    if (m_enabled.size() != size_t(d.n_head)) m_enabled.assign(size_t(d.n_head), 1);
    draw_toolbar(d, sel);
    const int S = d.n_token;
    if (S == 0) {
        ImGui::TextUnformatted("No tokens to show (all are hidden special tokens).");
        return;
    }

    const float line_h = ImGui::GetTextLineHeight();
    const float row_h = line_h + 5.0f;
    const float max_label_px = ImGui::GetFontSize() * 10.0f;
    float widest = 0;
    for (const std::string& l : d.labels)
        widest = std::max(widest, std::min(ImGui::CalcTextSize(l.c_str()).x, max_label_px));
    const float col_w = widest + 16.0f;

    ImGui::BeginChild("##headview", ImVec2(0, 0), false);
    const float avail_w = ImGui::GetContentRegionAvail().x;
    const float gap = std::clamp(avail_w - 2 * col_w - 40.0f, 120.0f, 520.0f);
    const ImVec2 cursor = ImGui::GetCursorScreenPos();
    const ImVec2 origin(std::floor(cursor.x + std::max(0.0f, (avail_w - 2 * col_w - gap) * 0.5f)),
                        cursor.y + 4.0f);
    const float left_end = origin.x + col_w, right_start = left_end + gap;
    ImGui::SetCursorScreenPos(origin);
    ImGui::InvisibleButton("##columns", ImVec2(2 * col_w + gap, S * row_h + 8));
    const bool hovered = ImGui::IsItemHovered();
    const bool clicked = ImGui::IsItemClicked();
    ImDrawList* dl = ImGui::GetWindowDrawList();

    // A token under the mouse: left column = query, right column = key.
    int hover_row = -1, hover_col = -1;
    if (hovered) {
        const ImVec2 m = ImGui::GetMousePos();
        const int r = int(std::floor((m.y - origin.y) / row_h));
        if (r >= 0 && r < S) {
            if (m.x < left_end + 8) hover_row = r;
            if (m.x > right_start - 8) hover_col = r;
        }
    }
    const int hover_token = hover_row >= 0 ? hover_row : hover_col;
    if (hover_token >= 0) {
        sel.hover_next = d.source_index[size_t(hover_token)];
        if (clicked) sel.click_token(d.source_index[size_t(hover_token)]);
    }
    // Focus: this view's hover wins; else the token selected or hovered anywhere else.
    int focus_row = hover_row, focus_col = hover_col;
    if (focus_row < 0 && focus_col < 0) {
        const int active = sel.active_token();
        if (active >= 0 && active < d.n_source_token) focus_row = d.display_index[size_t(active)];
    }
    const bool focused = focus_row >= 0 || focus_col >= 0;
    const Key key{display, sel.layer, focus_row, focus_col, m_enabled};
    if (!(key == m_key)) {
        m_links = strongest_links(d, sel.layer, m_enabled, focus_row, focus_col,
                                  head_view_min_weight(focused), k_max_lines);
        m_key = key;
    }

    const float y0 = origin.y + row_h * 0.5f;
    const float thickness = focused ? 2.0f : 1.0f;
    const ImVec2 clip_min = dl->GetClipRectMin(), clip_max = dl->GetClipRectMax();
    // Weakest first, so the strong lines end up on top.
    for (auto it = m_links.rbegin(); it != m_links.rend(); ++it) {
        const float ya = y0 + it->query * row_h, yb = y0 + it->key * row_h;
        if ((ya < clip_min.y && yb < clip_min.y) || (ya > clip_max.y && yb > clip_max.y)) continue;
        dl->AddLine(ImVec2(left_end + 4, ya), ImVec2(right_start - 4, yb),
                    widgets::head_color(it->head, std::min(1.0f, it->weight)), thickness);
    }

    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text),
                dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    for (int s = 0; s < S; ++s) {
        const float y = origin.y + s * row_h + 2.5f;
        if (y + row_h < clip_min.y || y > clip_max.y) continue;
        const std::string l = widgets::elide(d.labels[size_t(s)], max_label_px);
        const float tw = ImGui::CalcTextSize(l.c_str()).x;
        const bool hot_left = s == focus_row, hot_right = s == focus_col;
        const ImU32 base = d.special[size_t(s)] ? dim : text;
        if (hot_left)
            dl->AddRectFilled(ImVec2(left_end - tw - 10, y - 2), ImVec2(left_end, y + line_h + 2),
                              widgets::accent(0.35f), 3.0f);
        if (hot_right)
            dl->AddRectFilled(ImVec2(right_start, y - 2),
                              ImVec2(right_start + tw + 10, y + line_h + 2), widgets::accent(0.35f),
                              3.0f);
        dl->AddText(ImVec2(left_end - 6 - tw, y), hot_left ? widgets::accent() : base, l.c_str());
        dl->AddText(ImVec2(right_start + 6, y), hot_right ? widgets::accent() : base, l.c_str());
    }
    ImGui::EndChild();
}

}  // namespace attnscope::app
