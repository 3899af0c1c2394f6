#include "diff_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>
#include <algorithm>
#include <cmath>

#include "../widgets.h"

namespace attnscope::app {

bool DiffView::draw_toolbar(const AppState& st, CompareState& compare, Selection& sel) {
    bool edited = false;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Sentence B");
    ImGui::SameLine();
    const float button_w =
        ImGui::CalcTextSize("Start from A").x + 2 * ImGui::GetStyle().FramePadding.x;
    ImGui::SetNextItemWidth(-button_w - ImGui::CalcTextSize("running...").x - 24.0f);
    edited |= ImGui::InputTextWithHint("##text_b", "A second sentence, e.g. a minimal pair of A",
                                       &compare.text_b);
    ImGui::SameLine();
    if (ImGui::Button("Start from A")) {
        compare.text_b = st.input.text;
        edited = true;
    }
    ImGui::SameLine();
    ImGui::TextDisabled(compare.running_b ? "running..." : "          ");
    const DisplayTrace& d = *st.display;
    const float w = ImGui::GetFontSize() * 7.0f;
    widgets::index_slider("Layer##diff", &sel.layer, d.n_layer, d.one_based, w);
    ImGui::SameLine();
    widgets::index_slider("Head##diff", &sel.head, d.n_head, d.one_based, w);
    return edited;
}

void DiffView::update(const Key& key, const AppState& st, gfx::HeatmapRenderer& renderer) {
    m_key = key;
    const DisplayTrace& a = *key.a;
    const DisplayTrace& b = *key.b;
    m_layout = pair_layout(*st.trace, a, *st.compare.trace_b, b);
    m_differs = differing_units(a, m_layout);  // label styles: 1 special, 2 differs from B
    if (!m_layout.comparable) return;
    const HeadRef head{key.layer, key.head};
    std::vector<PanelData> panels = pair_panels(a, head, b, head, m_layout.difference, st.options);
    m_a.set(renderer, std::move(panels[0]));
    m_b.set(renderer, std::move(panels[1]));
    if (m_layout.difference) m_diff.set(renderer, std::move(panels[2]));
}

bool DiffView::draw(const AppState& st, gfx::HeatmapRenderer& renderer, CompareState& compare,
                    Selection& sel, std::vector<PixelProbe>* probes) {
    const bool edited = draw_toolbar(st, compare, sel);
    m_up_to_date = true;
    if (!compare.error_b.empty())
        ImGui::TextColored(ImVec4(1, 0.6f, 0.4f, 1), "%s", compare.error_b.c_str());
    if (compare.text_b.empty()) {
        widgets::muted_text(
            "Type a second sentence to compare the same head on both, e.g. change one word of "
            "sentence A (\"...because it was too tired\" / \"...because it was too wide\").");
        return edited;
    }
    if (!compare.display_b || !st.trace || !compare.trace_b) {
        ImGui::TextDisabled("Running sentence B...");
        m_up_to_date = false;
        return edited;
    }
    const Key key{st.display,          compare.display_b,    sel.layer,       sel.head,
                  st.options.colormap, st.options.diverging, st.options.scale};
    if (!(key == m_key)) update(key, st, renderer);
    const DisplayTrace& a = *key.a;
    const DisplayTrace& b = *key.b;
    if (!m_layout.difference) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.8f, 0.4f, 1));
        ImGui::TextWrapped("%s", m_layout.message.c_str());
        ImGui::PopStyleColor();
    }
    if (!m_layout.comparable || a.n_token == 0 || b.n_token == 0) return edited;
    m_legends.draw(renderer, lens_description(a), m_a, m_layout.difference ? &m_diff : nullptr);
    if (m_layout.difference) {
        if (!m_layout.differing_tokens.empty()) {
            ImGui::SameLine(0, 24.0f);
            ImGui::TextDisabled("%d token(s) differ (red)", int(m_layout.differing_tokens.size()));
        }
    }

    // Panels side by side: A, B and (when aligned) A − B, with the same cell size.
    const int n_panels = m_layout.difference ? 3 : 2;
    const float max_label = ImGui::GetFontSize() * 7.0f;
    const float label_a = labels_extent(a.labels, max_label),
                label_b = labels_extent(b.labels, max_label);
    const float header_h = ImGui::GetTextLineHeightWithSpacing(), gap = 14.0f;
    const int S = std::max(a.n_token, b.n_token);
    const float label_h = std::max(label_a, label_b);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    // Aligned: one row-label column for all; otherwise each panel has its own.
    const float labels_w = m_layout.difference ? label_a : label_a + label_b;
    float cell = std::min((avail.x - labels_w - n_panels * gap) / float(n_panels * S),
                          (avail.y - label_h - header_h - 8.0f) / float(S));
    cell = std::clamp(cell >= 4.0f ? std::floor(cell) : cell, 1.0f, 40.0f);
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const int active = sel.active_token();
    const int row_a =
        active >= 0 && active < a.n_source_token ? a.display_index[size_t(active)] : -1;
    const int row_b =
        active >= 0 && active < b.n_source_token ? b.display_index[size_t(active)] : -1;

    struct Panel {
        MatrixPanel* m;
        const DisplayTrace* d;
        int active_row;
    };
    const Panel panels[3] = {{&m_a, &a, row_a}, {&m_b, &b, row_b}, {&m_diff, &a, row_a}};
    float x = o.x + label_a;
    int hover_row = -1, hover_col = -1, hover_panel = -1;
    for (int p = 0; p < n_panels; ++p) {
        const Panel& pn = panels[p];
        if (p == 1 && !m_layout.difference) x += label_b;
        x = std::floor(x);
        const float y = std::floor(o.y + label_h + header_h);
        const std::vector<uint8_t>& marks = m_layout.difference ? m_differs : pn.d->special;
        dl->AddText(ImVec2(x, o.y), ImGui::GetColorU32(ImGuiCol_Text), pn.m->title().c_str());
        if (p == 0 || !m_layout.difference)
            draw_row_labels(dl, pn.d->labels, marks, x - 2, y, cell, max_label, m_hover_row,
                            pn.active_row);
        draw_col_labels(dl, pn.d->labels, marks, x, y - 2, cell, max_label, m_hover_col, -1);
        ImGui::SetCursorScreenPos(ImVec2(x, y));
        ImGui::PushID(p);
        const MatrixPanel::Hit hit = pn.m->draw("##m", cell, pn.active_row, m_hover_row,
                                                m_hover_col, probes, "diff " + pn.m->title());
        ImGui::PopID();
        if (hit.row >= 0) {
            hover_row = hit.row;
            hover_col = hit.col;
            hover_panel = p;
        }
        x += pn.d->n_token * cell + gap;
    }
    if (hover_panel >= 0) {
        const DisplayTrace& hd = hover_panel == 1 ? b : a;
        sel.hover_next = hd.source_index[size_t(hover_row)];
        ImGui::BeginTooltip();
        widgets::cell_tooltip_header(hd, hover_row, hover_col);
        pair_cell_values(hd, m_a, m_b, m_layout.difference, hover_panel, hover_row, hover_col);
        if (m_layout.difference && !hd.masked(hover_row, hover_col) &&
            (m_differs[size_t(hover_row)] == 2 || m_differs[size_t(hover_col)] == 2))
            ImGui::TextDisabled("B's tokens here: '%s' \xe2\x86\x92 '%s'",
                                b.labels[size_t(hover_row)].c_str(),
                                b.labels[size_t(hover_col)].c_str());
        ImGui::EndTooltip();
    }
    // Hover marks are shared only when the axes are the same tokens.
    m_hover_row = m_layout.difference || hover_panel == 0 ? hover_row : -1;
    m_hover_col = m_layout.difference || hover_panel == 0 ? hover_col : -1;
    ImGui::SetCursorScreenPos(ImVec2(o.x, o.y + label_h + header_h + S * cell + 4));
    ImGui::Dummy(ImVec2(1, 1));
    return edited;
}

}  // namespace attnscope::app
