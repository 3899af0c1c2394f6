#include "widgets.h"

#include "attnscope/svg_export.h"

#include <algorithm>

namespace attnscope::app::widgets {

ImU32 head_color(int head, float alpha) {
    return color(head_rgb(head), alpha);  // core's palette: the SVG export uses the same colours
}

void add_text_vertical(ImDrawList* draw_list, ImVec2 pos, ImU32 col, const char* text) {
    // Draw horizontally at the clip rectangle's corner (so the font's coarse clipping keeps every
    // glyph), then rotate the new vertices by -90 degrees and move them to `pos`:
    // (x, y) -> (pos.x + (y - o.y), pos.y - (x - o.x)).
    const ImVec2 o = draw_list->GetClipRectMin();
    const int first = draw_list->VtxBuffer.Size;
    draw_list->AddText(o, col, text);
    for (int i = first; i < draw_list->VtxBuffer.Size; ++i) {
        ImDrawVert& v = draw_list->VtxBuffer[i];
        const ImVec2 p = v.pos;
        v.pos = ImVec2(pos.x + (p.y - o.y), pos.y - (p.x - o.x));
    }
}

std::string elide(const std::string& text, float max_width) {
    if (ImGui::CalcTextSize(text.c_str()).x <= max_width) return text;
    const char* ellipsis = "\u2026";
    std::string out = text;
    while (!out.empty()) {
        // Drop one UTF-8 character from the end.
        size_t n = out.size() - 1;
        while (n > 0 && (static_cast<unsigned char>(out[n]) & 0xC0) == 0x80) --n;
        out.resize(n);
        if (ImGui::CalcTextSize((out + ellipsis).c_str()).x <= max_width) break;
    }
    return out + ellipsis;
}

void help_marker(const char* text) {
    ImGui::TextDisabled("(?)");
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30.0f);
        ImGui::TextUnformatted(text);
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
}

void fraction_bar(float fraction, const char* label, float width, ImU32 fill) {
    const float h = ImGui::GetTextLineHeight() + 2.0f;
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + width, p.y + h), ImGui::GetColorU32(ImGuiCol_FrameBg), 2.0f);
    dl->AddRectFilled(p, ImVec2(p.x + width * std::clamp(fraction, 0.0f, 1.0f), p.y + h), fill,
                      2.0f);
    const ImVec2 ts = ImGui::CalcTextSize(label);
    dl->AddText(ImVec2(p.x + width - ts.x - 4.0f, p.y + 1.0f), ImGui::GetColorU32(ImGuiCol_Text),
                label);
    ImGui::Dummy(ImVec2(width, h));
}

void muted_text(const char* text) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%s", text);
    ImGui::PopStyleColor();
}

ImU32 accent(float alpha) {
    return IM_COL32(255, 200, 60, int(alpha * 255.0f));
}

bool index_slider(const char* label, int* value, int count, bool one_based, float width) {
    const int base = one_based ? 1 : 0;
    int shown = *value + base;
    ImGui::SetNextItemWidth(width);
    if (!ImGui::SliderInt(label, &shown, base, std::max(1, count) - 1 + base)) return false;
    *value = std::clamp(shown - base, 0, std::max(0, count - 1));
    return true;
}

void cell_tooltip_header(const DisplayTrace& d, int row, int col) {
    ImGui::Text("'%s' (query, %s) \xe2\x86\x92 '%s' (key, %s)", d.labels[size_t(row)].c_str(),
                unit_ref(d, row).c_str(), d.labels[size_t(col)].c_str(), unit_ref(d, col).c_str());
}

}  // namespace attnscope::app::widgets
