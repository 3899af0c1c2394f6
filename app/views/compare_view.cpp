#include "compare_view.h"

#include <imgui.h>
#include <algorithm>
#include <cmath>

#include "../widgets.h"

namespace attnscope::app {

void CompareView::draw_toolbar(const DisplayTrace& d, CompareState& compare, Selection& sel,
                               gfx::HeatmapRenderer& renderer) {
    const float w = ImGui::GetFontSize() * 6.0f;
    widgets::index_slider("Layer##pin", &sel.layer, d.n_layer, d.one_based, w);
    ImGui::SameLine();
    widgets::index_slider("Head##pin", &sel.head, d.n_head, d.one_based, w);
    ImGui::SameLine();
    const bool full = int(compare.pins.size()) >= k_max_pins;
    ImGui::BeginDisabled(full);
    if (ImGui::Button("Pin this head")) compare.add_pin({sel.layer, sel.head});
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginDisabled(compare.pins.empty());
    if (ImGui::Button("Clear")) compare.pins.clear();
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::TextDisabled("%d of %d pinned", int(compare.pins.size()), k_max_pins);
    if (!compare.pins.empty() && m_panels[0].valid()) {
        ImGui::SameLine();
        m_legend.draw(renderer, m_panels[0].colormap(), m_panels[0].range(),
                      ImGui::GetFontSize() * 6.0f);
        // What the colours and the statistics are of: the shown (renormalised, merged) rows.
        ImGui::TextDisabled("%s", compare_caption(d).c_str());
    }
}

void CompareView::draw(const std::shared_ptr<const DisplayTrace>& display,
                       const DisplayOptions& options, const Analyst& analyst,
                       gfx::HeatmapRenderer& renderer, CompareState& compare, Selection& sel,
                       std::vector<PixelProbe>* probes) {
    const DisplayTrace& d = *display;
    clamp_pins(compare.pins, d.n_layer, d.n_head);
    draw_toolbar(d, compare, sel, renderer);
    m_up_to_date = true;
    if (compare.pins.empty()) {
        widgets::muted_text(
            "No heads pinned. Choose a layer and head and press \"Pin this head\", or pin heads "
            "from the head search (up to 6).");
        return;
    }
    if (d.n_token == 0) {
        ImGui::TextUnformatted("No tokens to show (all are hidden special tokens).");
        return;
    }
    const int S = d.n_token, n = int(compare.pins.size());
    const Key key{display, compare.pins, options.colormap, options.scale};
    if (!(key == m_key)) {
        std::vector<PanelData> panels = compare_panels(d, compare.pins, options);
        for (int p = 0; p < n; ++p) m_panels[size_t(p)].set(renderer, std::move(panels[size_t(p)]));
        m_key = key;
    }

    // Layout: up to three heads per row, all with the same cell size.
    const int cols = std::min(n, 3), rows = (n + cols - 1) / cols;
    const float max_label = ImGui::GetFontSize() * 7.0f;
    const float label_w = labels_extent(d.labels, max_label);
    const float line_h = ImGui::GetTextLineHeightWithSpacing();
    const float header_h = ImGui::GetFrameHeightWithSpacing();
    const float stats_h = k_stats_lines * line_h + 6.0f;
    const float stats_w = ImGui::CalcTextSize("entropy 0.00  dist 00.0").x + 8.0f;
    const float gap = 14.0f;
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    float cell =
        std::min((avail.x - label_w - cols * gap) / float(cols * S),
                 (avail.y - label_w - rows * (header_h + stats_h + gap)) / float(rows * S));
    cell = std::clamp(cell >= 4.0f ? std::floor(cell) : cell, 1.0f, 40.0f);
    // Columns at least as wide as the numbers under them.
    const float panel_w = std::max(S * cell, stats_w),
                panel_h = header_h + S * cell + stats_h + gap;

    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    // Statistics only count once the Analyst has this view model's (same lens, words, hiding).
    const AnalysisOutput* products =
        analyst.display() == display ? analyst.products().get() : nullptr;
    const int active = sel.active_token();
    const int active_row = active >= 0 && active < d.n_source_token ? d.display_index[active] : -1;
    int hover_row = -1, hover_col = -1;
    for (int p = 0; p < n; ++p) {
        const HeadRef h = compare.pins[size_t(p)];
        const int r = p / cols, c = p % cols;
        const float x = std::floor(origin.x + label_w + c * (panel_w + gap));
        const float y = std::floor(origin.y + label_w + r * panel_h);
        ImGui::SetCursorScreenPos(ImVec2(x, y));
        ImGui::PushID(p);
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted(m_panels[size_t(p)].title().c_str());
        ImGui::SameLine();
        const bool unpin = ImGui::SmallButton("unpin");
        ImGui::SetCursorScreenPos(ImVec2(x, y + header_h));
        const std::string what =
            "compare L" + std::to_string(h.layer) + " H" + std::to_string(h.head);
        const MatrixPanel::Hit hit = m_panels[size_t(p)].draw("##m", cell, active_row, m_hover_row,
                                                              m_hover_col, probes, what);
        if (hit.row >= 0) {
            hover_row = hit.row;
            hover_col = hit.col;
            if (hit.clicked) {
                sel.layer = h.layer;
                sel.head = h.head;
            }
        }
        if (c == 0)
            draw_row_labels(dl, d.labels, d.special, x - 2, y + header_h, cell, max_label,
                            m_hover_row, active_row);
        if (r == 0)
            draw_col_labels(dl, d.labels, d.special, x, y - 2, cell, max_label, m_hover_col, -1);
        ImGui::SetCursorScreenPos(ImVec2(x, y + header_h + S * cell + 4));
        if (products && products->stats.size() == size_t(d.n_layer) * d.n_head) {
            const HeadStats& s = products->stats[size_t(h.layer) * d.n_head + h.head];
            for (int i = 0; i < k_stats_lines; ++i) {
                ImGui::SetCursorScreenPos(ImVec2(x, y + header_h + S * cell + 4 + i * line_h));
                ImGui::TextUnformatted(head_stats_line(s, i).c_str());
            }
        } else {
            ImGui::TextDisabled("computing statistics...");
        }
        ImGui::PopID();
        if (unpin) {
            compare.remove_pin(size_t(p));
            break;  // the layout changes; the next frame draws it
        }
    }
    ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + label_w + rows * panel_h));
    ImGui::Dummy(ImVec2(1, 1));

    if (hover_row >= 0) {
        sel.hover_next = d.source_index[size_t(hover_row)];
        ImGui::BeginTooltip();
        widgets::cell_tooltip_header(d, hover_row, hover_col);
        if (d.masked(hover_row, hover_col)) {
            ImGui::TextDisabled("masked: a causal model's query cannot see later tokens");
        } else {
            for (int p = 0; p < n && p < int(compare.pins.size()); ++p) {
                const HeadRef h = compare.pins[size_t(p)];
                ImGui::Text("layer %s head %s: %.4f", d.layer_labels[size_t(h.layer)].c_str(),
                            d.head_labels[size_t(h.head)].c_str(),
                            m_panels[size_t(p)].value(hover_row, hover_col));
            }
        }
        ImGui::EndTooltip();
    }
    m_hover_row = hover_row;
    m_hover_col = hover_col;
}

}  // namespace attnscope::app
