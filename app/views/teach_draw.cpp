#include "teach_draw.h"

#include <algorithm>
#include <cmath>

#include "../widgets.h"

namespace attnscope::app::teach {

ImU32 diverging_color(float v, float abs_max, float alpha) {
    const float t = abs_max > 0 ? 0.5f + 0.5f * std::clamp(v / abs_max, -1.0f, 1.0f) : 0.5f;
    return widgets::color(colormap_rgb(Colormap::RdBu, t), alpha);
}

ImU32 weight_color(float w, Colormap map) {
    return widgets::color(colormap_rgb(map, std::clamp(w, 0.0f, 1.0f)));
}

void vector_strip(std::span<const float> v, float abs_max, float width, float height,
                  const char* name, float alpha) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const int n = int(v.size());
    const float cell = n > 0 ? width / float(n) : width;
    for (int d = 0; d < n; ++d) {
        const float x0 = std::floor(p.x + d * cell), x1 = std::floor(p.x + (d + 1) * cell);
        dl->AddRectFilled(ImVec2(x0, p.y), ImVec2(std::max(x0 + 1, x1), p.y + height),
                          diverging_color(v[size_t(d)], abs_max, alpha));
    }
    dl->AddRect(p, ImVec2(p.x + width, p.y + height), ImGui::GetColorU32(ImGuiCol_Border));
    ImGui::Dummy(ImVec2(width, height));
    if (n > 0 && ImGui::IsItemHovered()) {
        const int d = std::clamp(int((ImGui::GetMousePos().x - p.x) / cell), 0, n - 1);
        ImGui::SetTooltip("%s[%d] = %s", name, d, format_teach_value(v[size_t(d)]).c_str());
    }
}

void add_stripes(ImDrawList* dl, ImVec2 a, ImVec2 b) {
    dl->AddRectFilled(a, b, widgets::color(k_masked_dark));
    dl->PushClipRect(a, b, true);
    const float step = 6.0f, h = b.y - a.y;
    for (float x = a.x - h; x < b.x; x += step)
        dl->AddLine(ImVec2(x, b.y), ImVec2(x + h, a.y), widgets::color(k_masked_light), 2.0f);
    dl->PopClipRect();
}

void value_bar(float v, float abs_max, bool signed_bar, float width, float height, ImU32 fill) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 end(p.x + width, p.y + height);
    if (std::isinf(v) && v < 0) {
        add_stripes(dl, p, end);
    } else {
        dl->AddRectFilled(p, end, ImGui::GetColorU32(ImGuiCol_FrameBg));
        const float f = abs_max > 0 ? std::clamp(v / abs_max, -1.0f, 1.0f) : 0.0f;
        if (signed_bar) {
            const float mid = std::floor(p.x + width * 0.5f);
            const float x = mid + f * width * 0.5f;
            dl->AddRectFilled(ImVec2(std::min(mid, x), p.y + 1), ImVec2(std::max(mid, x), end.y - 1),
                              fill);
            dl->AddLine(ImVec2(mid, p.y), ImVec2(mid, end.y), ImGui::GetColorU32(ImGuiCol_Text));
        } else {
            dl->AddRectFilled(ImVec2(p.x, p.y + 1), ImVec2(p.x + std::max(0.0f, f) * width, end.y - 1),
                              fill);
        }
    }
    ImGui::Dummy(ImVec2(width, height));
}

void text_right(const std::string& text, ImU32 color) {
    const float w = ImGui::CalcTextSize(text.c_str()).x;
    const float avail = ImGui::GetContentRegionAvail().x;
    if (avail > w) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + avail - w);
    ImGui::PushStyleColor(ImGuiCol_Text, color);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopStyleColor();
}

bool draw_teach_header(const TeachModel& m, int n_layer, int n_head, int& layer, int& head,
                       int& token) {
    const SoftmaxSteps& s = m.steps;
    bool changed = false;
    const float fs = ImGui::GetFontSize();
    ImGui::SetNextItemWidth(fs * 6.0f);
    if (ImGui::SliderInt("Layer", &layer, 0, n_layer - 1)) changed = true;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(fs * 6.0f);
    if (ImGui::SliderInt("Head", &head, 0, n_head - 1)) changed = true;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(fs * 9.0f);
    const std::string current = m.labels[size_t(s.query)] + " (" + std::to_string(s.query) + ")";
    if (ImGui::BeginCombo("Query token", current.c_str())) {
        for (int i = 0; i < s.n_token; ++i) {
            const std::string item = m.labels[size_t(i)] + " (" + std::to_string(i) + ")";
            if (ImGui::Selectable(item.c_str(), i == s.query)) {
                token = i;
                changed = true;
            }
        }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::TextDisabled("%s, d_head = %d", m.arch.c_str(), s.d_head);
    return changed;
}

void draw_teach_notes(const TeachModel& m) {
    const SoftmaxSteps& s = m.steps;
    // Notes a teacher must not have to explain away.
    std::string notes;
    if (s.grouped)
        notes += "Grouped-query attention: query head " + std::to_string(s.head) +
                 " shares KV head " + std::to_string(s.kv_head) + " with query heads " +
                 std::to_string(m.kv_first_head) + "\u2013" + std::to_string(m.kv_last_head) +
                 ".  ";
    if (s.rope) notes += "q and k are shown after the rotary position embedding (RoPE).  ";
    if (s.causal) notes += "Left-to-right model: keys after the query are masked.";
    if (!notes.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, widgets::accent());
        ImGui::TextWrapped("%s", notes.c_str());
        ImGui::PopStyleColor();
    }
}

}  // namespace attnscope::app::teach
