#include "matrix_panel.h"

#include <algorithm>
#include <cmath>

#include "../widgets.h"

namespace attnscope::app {

void MatrixPanel::set(gfx::HeatmapRenderer& renderer, std::vector<float> values, int rows, int cols,
                      Colormap map, ValueRange range) {
    m_values = std::move(values);
    m_rows = rows;
    m_cols = cols;
    m_map = map;
    m_range = range;
    if (rows <= 0 || cols <= 0) return;
    const int cell_px = gfx::HeatmapRenderer::cell_px_for(std::max(rows, cols), 384, 16);
    renderer.render(m_target, m_values, rows, cols, {map, range, cell_px});
}

MatrixPanel::Hit MatrixPanel::draw(const char* id, float cell, int mark_row, int mark_cell_row,
                                   int mark_cell_col, std::vector<PixelProbe>* probes,
                                   const std::string& what) {
    Hit hit;
    if (!valid()) return hit;
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 o(std::floor(p0.x), std::floor(p0.y));
    const ImVec2 size(m_cols * cell, m_rows * cell);
    ImGui::InvisibleButton(id, ImVec2(size.x + 1, size.y + 1));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddImage(m_target.imgui_id(), o, ImVec2(o.x + size.x, o.y + size.y));
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const int r = int(std::floor((m.y - o.y) / cell)), c = int(std::floor((m.x - o.x) / cell));
        if (r >= 0 && r < m_rows && c >= 0 && c < m_cols) {
            hit.row = r;
            hit.col = c;
            hit.clicked = ImGui::IsItemClicked();
        }
    }
    if (mark_row >= 0 && mark_row < m_rows)
        dl->AddRect(ImVec2(o.x - 1, o.y + mark_row * cell - 1),
                    ImVec2(o.x + size.x + 1, o.y + (mark_row + 1) * cell + 1), widgets::accent(), 0,
                    0, 2.0f);
    if (mark_cell_row >= 0 && mark_cell_row < m_rows && mark_cell_col >= 0 &&
        mark_cell_col < m_cols)
        dl->AddRect(ImVec2(o.x + mark_cell_col * cell, o.y + mark_cell_row * cell),
                    ImVec2(o.x + (mark_cell_col + 1) * cell, o.y + (mark_cell_row + 1) * cell),
                    IM_COL32(255, 255, 255, 255), 0, 0, cell >= 6 ? 2.0f : 1.0f);
    if (probes && cell >= 3.0f) {
        const ImVec2 clip_min = dl->GetClipRectMin(), clip_max = dl->GetClipRectMax();
        const int rows[3] = {0, m_rows / 2, m_rows - 1}, cols[3] = {0, m_cols / 3, m_cols - 1};
        for (int i : rows)
            for (int j : cols) {
                // Skip cells under a mark: the outline covers their centre when cells are small.
                if (i == mark_row || (i == mark_cell_row && j == mark_cell_col)) continue;
                PixelProbe p;
                p.x = o.x + (j + 0.5f) * cell;
                p.y = o.y + (i + 0.5f) * cell;
                if (p.x < clip_min.x || p.y < clip_min.y || p.x >= clip_max.x || p.y >= clip_max.y)
                    continue;
                p.value = value(i, j);
                p.masked = is_masked_value(p.value);
                p.map = m_map;
                p.range = m_range;
                p.what = what + " cell (" + std::to_string(i) + ", " + std::to_string(j) + ")";
                probes->push_back(std::move(p));
            }
    }
    return hit;
}

float labels_extent(const std::vector<std::string>& labels, float max_px) {
    float widest = 0;
    for (const std::string& l : labels)
        widest = std::max(widest, std::min(ImGui::CalcTextSize(l.c_str()).x, max_px));
    return widest + 8.0f;
}

namespace {

ImU32 label_color(size_t i, const std::vector<uint8_t>& dim, bool hot, bool accent) {
    if (accent) return widgets::accent();
    if (hot) return IM_COL32(255, 255, 255, 255);
    const uint8_t style = i < dim.size() ? dim[i] : 0;
    if (style == 2) return IM_COL32(255, 110, 90, 255);
    return style == 1 ? ImGui::GetColorU32(ImGuiCol_TextDisabled)
                      : ImGui::GetColorU32(ImGuiCol_Text);
}

}  // namespace

void draw_row_labels(ImDrawList* dl, const std::vector<std::string>& labels,
                     const std::vector<uint8_t>& dim, float right_x, float top_y, float cell,
                     float max_px, int hot, int accent_row) {
    const float line_h = ImGui::GetTextLineHeight();
    const int step = std::max(1, int(std::ceil(line_h / cell)));
    for (int i = 0; i < int(labels.size()); ++i) {
        if (i % step != 0 && i != hot && i != accent_row) continue;
        const std::string l = widgets::elide(labels[size_t(i)], max_px);
        const float tw = ImGui::CalcTextSize(l.c_str()).x;
        const float y = top_y + i * cell + (cell < line_h ? 0.0f : (cell - line_h) * 0.5f);
        dl->AddText(ImVec2(right_x - 4 - tw, y),
                    label_color(size_t(i), dim, i == hot, i == accent_row), l.c_str());
    }
}

void draw_col_labels(ImDrawList* dl, const std::vector<std::string>& labels,
                     const std::vector<uint8_t>& dim, float left_x, float bottom_y, float cell,
                     float max_px, int hot, int accent_col) {
    const float line_h = ImGui::GetTextLineHeight();
    const int step = std::max(1, int(std::ceil(line_h / cell)));
    for (int j = 0; j < int(labels.size()); ++j) {
        if (j % step != 0 && j != hot && j != accent_col) continue;
        const std::string l = widgets::elide(labels[size_t(j)], max_px);
        const float x = left_x + j * cell + (cell < line_h ? 0.0f : (cell - line_h) * 0.5f);
        widgets::add_text_vertical(dl, ImVec2(x, bottom_y - 4),
                                   label_color(size_t(j), dim, j == hot, j == accent_col),
                                   l.c_str());
    }
}

void ColorLegend::draw(gfx::HeatmapRenderer& renderer, Colormap map, ValueRange range,
                       float width) {
    if (!m_target.valid() || map != m_map || range.lo != m_range.lo || range.hi != m_range.hi) {
        std::vector<float> ramp(64);
        for (size_t i = 0; i < ramp.size(); ++i)
            ramp[i] = range.lo + (range.hi - range.lo) * float(i) / float(ramp.size() - 1);
        renderer.render(m_target, ramp, 1, int(ramp.size()), {map, range, 2});
        m_map = map;
        m_range = range;
    }
    ImGui::Text("%.2f", range.lo);
    ImGui::SameLine();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float h = ImGui::GetTextLineHeight();
    ImGui::GetWindowDrawList()->AddImage(m_target.imgui_id(), p, ImVec2(p.x + width, p.y + h));
    ImGui::Dummy(ImVec2(width, h));
    ImGui::SameLine();
    ImGui::Text("%.2f", range.hi);
}

void PairLegends::draw(gfx::HeatmapRenderer& renderer, const std::string& lens,
                       const MatrixPanel& a, const MatrixPanel* difference) {
    const float width = ImGui::GetFontSize() * 5.0f;
    ImGui::TextDisabled("A and B (%s):", lens.c_str());
    ImGui::SameLine();
    m_pair.draw(renderer, a.colormap(), a.range(), width);
    if (!difference) return;
    ImGui::SameLine(0, 24.0f);
    ImGui::TextDisabled("A \xe2\x88\x92 B:");
    ImGui::SameLine();
    m_difference.draw(renderer, difference->colormap(), difference->range(), width);
}

void pair_cell_values(const DisplayTrace& shown, const MatrixPanel& a, const MatrixPanel& b,
                      bool difference, int panel, int row, int col) {
    if (shown.masked(row, col)) {
        ImGui::TextDisabled("masked");
    } else if (difference) {
        const float va = a.value(row, col), vb = b.value(row, col);
        ImGui::Text("A %.4f   B %.4f   A \xe2\x88\x92 B %+.4f", va, vb, va - vb);
    } else {
        ImGui::Text("%s %.4f", panel == 1 ? "B" : "A", (panel == 1 ? b : a).value(row, col));
    }
}

}  // namespace attnscope::app
