#include "token_strip_view.h"

#include <algorithm>
#include <imgui.h>
#include <string>

#include "../widgets.h"

namespace attnscope::app {

void TokenStripView::draw(const DisplayTrace& d, const DisplayOptions& options,
                          Selection& selection, float max_height) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float chip_h = ImGui::GetTextLineHeight() + 6.0f;
    const float pad_x = 5.0f, gap = 3.0f;
    const float avail_w = ImGui::GetContentRegionAvail().x;

    // Lay the chips out first (plain data), then draw: the height decides the child size.
    struct Chip {
        ImVec2 pos, size;
        int shown;
    };
    std::vector<Chip> chips;
    chips.reserve(size_t(d.n_token));
    float x = 0, y = 0;
    const float inner_w = avail_w - style.ScrollbarSize - 2.0f;
    for (int s = 0; s < d.n_token; ++s) {
        const std::string label = widgets::elide(d.labels[s], 220.0f);
        const float w = ImGui::CalcTextSize(label.c_str()).x + 2 * pad_x;
        // A wider gap where a new word starts, so word boundaries survive subword splits.
        if (x > 0 && d.word_start[size_t(s)]) x += 2 * gap;
        if (x > 0 && x + w > inner_w) {
            x = 0;
            y += chip_h + gap;
        }
        chips.push_back({ImVec2(x, y), ImVec2(w, chip_h), s});
        x += w + gap;
    }
    const float content_h = d.n_token > 0 ? y + chip_h : chip_h;
    const float height = std::min(content_h + 2 * style.WindowPadding.y - 4.0f, max_height);

    ImGui::BeginChild("##tokens", ImVec2(0, height), false);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();

    // Attention of the active token (as query) in the selected head tints the chips.
    const int active = selection.active_token();
    const int active_row = active >= 0 && active < d.n_source_token ? d.display_index[active] : -1;
    const bool have_head = selection.layer < d.n_layer && selection.head < d.n_head;
    std::span<const float> row;
    float row_max = 0;
    if (active_row >= 0 && have_head) {
        row = d.weights_of(selection.layer, selection.head)
                  .subspan(size_t(active_row) * d.n_token, size_t(d.n_token));
        for (float v : row) row_max = std::max(row_max, v);
    }

    for (const Chip& c : chips) {
        const int src = d.source_index[c.shown];
        const ImVec2 p0(origin.x + c.pos.x, origin.y + c.pos.y);
        const ImVec2 p1(p0.x + c.size.x, p0.y + c.size.y);
        ImGui::SetCursorScreenPos(p0);
        ImGui::PushID(c.shown);
        ImGui::InvisibleButton("##chip", c.size);
        const bool hovered = ImGui::IsItemHovered();
        if (ImGui::IsItemClicked()) selection.click_token(src);
        ImGui::PopID();
        if (hovered) {
            selection.hover_next = src;
            ImGui::BeginTooltip();
            ImGui::Text("token %d: '%s'", src, d.labels[c.shown].c_str());
            if (!row.empty() && active_row >= 0)
                ImGui::Text("attention from '%s': %.3f", d.labels[active_row].c_str(),
                            row[size_t(c.shown)]);
            ImGui::TextDisabled("click to %s", selection.token == src ? "clear the selection"
                                                                      : "select this token");
            ImGui::EndTooltip();
        }

        ImU32 bg = ImGui::GetColorU32(d.special[c.shown] ? ImGuiCol_FrameBgActive : ImGuiCol_FrameBg);
        ImU32 fg = ImGui::GetColorU32(ImGuiCol_Text);
        if (!row.empty() && row_max > 0) {
            const float w = row[size_t(c.shown)];
            const float t = options.scale == ValueScale::HeadMax ? w / row_max : w;
            if (t > 0.02f) {
                const Rgb8 col = colormap_rgb(options.colormap, t);
                bg = widgets::color(col);
                const float luma = 0.2126f * col.r + 0.7152f * col.g + 0.0722f * col.b;
                fg = luma > 140 ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255);
            }
        }
        dl->AddRectFilled(p0, p1, bg, 3.0f);
        if (src == selection.token) {
            dl->AddRect(p0, p1, widgets::accent(), 3.0f, 0, 2.5f);
        } else if (src == active) {
            dl->AddRect(p0, p1, widgets::accent(0.7f), 3.0f, 0, 1.5f);
        } else if (hovered) {
            dl->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border), 3.0f);
        }
        const std::string label = widgets::elide(d.labels[c.shown], 220.0f);
        dl->AddText(ImVec2(p0.x + pad_x, p0.y + 3.0f), fg, label.c_str());
    }
    ImGui::SetCursorScreenPos(origin);
    ImGui::Dummy(ImVec2(inner_w, content_h));
    ImGui::EndChild();
}

}  // namespace attnscope::app
