#include "token_strip_view.h"

#include <algorithm>
#include <cmath>

#include "../widgets.h"

namespace attnscope::app {

namespace {
constexpr float k_pad_x = 5.0f, k_gap = 3.0f;
}  // namespace

void TokenStripView::layout(const std::shared_ptr<const DisplayTrace>& display, float width) {
    const DisplayTrace& d = *display;
    const float chip_h = ImGui::GetTextLineHeight() + 6.0f;
    m_chips.clear();
    m_chips.reserve(size_t(d.n_token));
    float x = 0, y = 0;
    for (int s = 0; s < d.n_token; ++s) {
        std::string label = widgets::elide(d.labels[size_t(s)], 220.0f);
        const float w = ImGui::CalcTextSize(label.c_str()).x + 2 * k_pad_x;
        // A wider gap where a new word starts, so word boundaries survive subword splits.
        if (x > 0 && d.word_start[size_t(s)]) x += 2 * k_gap;
        if (x > 0 && x + w > width) {
            x = 0;
            y += chip_h + k_gap;
        }
        m_chips.push_back({ImVec2(x, y), ImVec2(w, chip_h), std::move(label)});
        x += w + k_gap;
    }
    m_content_h = d.n_token > 0 ? y + chip_h : chip_h;
    m_layout_for = display;
    m_layout_width = width;
    m_layout_font = ImGui::GetFontSize();
}

void TokenStripView::draw(const std::shared_ptr<const DisplayTrace>& display,
                          const DisplayOptions& options, Selection& selection, float max_height) {
    const DisplayTrace& d = *display;
    const ImGuiStyle& style = ImGui::GetStyle();
    const float width = std::floor(ImGui::GetContentRegionAvail().x - style.ScrollbarSize - 2.0f);
    if (display != m_layout_for || width != m_layout_width || ImGui::GetFontSize() != m_layout_font)
        layout(display, width);
    const float height = std::min(m_content_h + 2 * style.WindowPadding.y - 4.0f, max_height);

    ImGui::BeginChild("##tokens", ImVec2(0, height), false);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##chips", ImVec2(width, m_content_h));
    const bool strip_hovered = ImGui::IsItemHovered();
    const bool clicked = ImGui::IsItemClicked();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 clip_min = dl->GetClipRectMin(), clip_max = dl->GetClipRectMax();

    // Attention of the active token (as query) in the selected head tints the chips.
    const int active = selection.active_token();
    const int active_row = active >= 0 && active < d.n_source_token ? d.display_index[active] : -1;
    std::span<const float> row;
    float row_max = 0;
    if (active_row >= 0 && selection.layer < d.n_layer && selection.head < d.n_head) {
        row = d.weights_of(selection.layer, selection.head)
                  .subspan(size_t(active_row) * d.n_token, size_t(d.n_token));
        for (float v : row) row_max = std::max(row_max, v);
    }

    const ImVec2 mouse = ImGui::GetMousePos();
    for (size_t s = 0; s < m_chips.size(); ++s) {
        const Chip& c = m_chips[s];
        const ImVec2 p0(origin.x + c.pos.x, origin.y + c.pos.y);
        const ImVec2 p1(p0.x + c.size.x, p0.y + c.size.y);
        if (p1.y < clip_min.y || p0.y > clip_max.y) continue;  // out of view
        const int src = d.source_index[s];
        const bool hovered =
            strip_hovered && mouse.x >= p0.x && mouse.x < p1.x && mouse.y >= p0.y && mouse.y < p1.y;
        if (hovered) {
            selection.hover_next = src;
            if (clicked) selection.click_token(src);
            ImGui::BeginTooltip();
            ImGui::Text("%s: '%s'", unit_ref(d, int(s)).c_str(), d.labels[s].c_str());
            if (!row.empty())
                ImGui::Text("attention from '%s': %.3f", d.labels[size_t(active_row)].c_str(),
                            row[s]);
            ImGui::TextDisabled("click to %s", selection.token == src ? "clear the selection"
                                                                      : "select this token");
            ImGui::EndTooltip();
        }

        ImU32 bg = ImGui::GetColorU32(d.special[s] ? ImGuiCol_FrameBgActive : ImGuiCol_FrameBg);
        ImU32 fg = ImGui::GetColorU32(ImGuiCol_Text);
        if (!row.empty() && row_max > 0) {
            const float t = options.scale == ValueScale::HeadMax ? row[s] / row_max : row[s];
            if (t > 0.02f) {
                const Rgb8 col = colormap_rgb(options.colormap, t);
                bg = widgets::color(col);
                const float luma = 0.2126f * col.r + 0.7152f * col.g + 0.0722f * col.b;
                fg = luma > 140 ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255);
            }
        }
        dl->AddRectFilled(p0, p1, bg, 3.0f);
        // A chip stands for every token of its unit (a word's later pieces too).
        const bool selected = selection.token >= 0 && selection.token < d.n_source_token &&
                              d.display_index[size_t(selection.token)] == int(s);
        if (selected) {
            dl->AddRect(p0, p1, widgets::accent(), 3.0f, 0, 2.5f);
        } else if (int(s) == active_row) {
            dl->AddRect(p0, p1, widgets::accent(0.7f), 3.0f, 0, 1.5f);
        } else if (hovered) {
            dl->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border), 3.0f);
        }
        dl->AddText(ImVec2(p0.x + k_pad_x, p0.y + 3.0f), fg, c.label.c_str());
    }
    ImGui::EndChild();
}

}  // namespace attnscope::app
