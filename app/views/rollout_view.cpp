#include "rollout_view.h"

#include <imgui.h>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "../widgets.h"

namespace attnscope::app {

void RolloutView::update(const Key& key, gfx::HeatmapRenderer& renderer) {
    m_key = key;
    std::vector<PanelData> panels =
        rollout_panels(*key.products, key.flow.get(), key.layer, key.colormap);
    m_mean.set(renderer, std::move(panels[0]));
    m_rollout.set(renderer, std::move(panels[1]));
    if (panels.size() > 2) m_flow.set(renderer, std::move(panels[2]));
}

void RolloutView::draw(const DisplayOptions& options, Analyst& analyst,
                       gfx::HeatmapRenderer& renderer, Selection& sel,
                       std::vector<PixelProbe>* probes) {
    m_up_to_date = false;
    const AttentionTrace* t = analyst.trace().get();
    if (!t || t->n_token == 0) return;
    const int L = t->n_layer;
    const float w = ImGui::GetFontSize() * 7.0f;
    widgets::index_slider("After layer", &sel.layer, L, options.one_based, w);
    ImGui::SameLine();
    widgets::help_marker(
        "Layer mean: the layer's heads averaged. Rollout: the layer means with the residual "
        "connection (0.5 A + 0.5 I) multiplied through layers 0..l: how much each token after "
        "layer l draws on each input token. Flow: the maximum flow through the same graph, often "
        "sharper. All tokens are shown, hidden special tokens too (the residual path runs "
        "through them); with words on, the token-level results are merged into words (rows: "
        "mean over a word's pieces, columns: sum). The value-weighted lens uses the "
        "value-weighted shares as each layer's attention. Colours span 0 .. each panel's "
        "largest value.");
    const std::shared_ptr<const AnalysisOutput> products = analyst.products();
    if (!products) {
        ImGui::TextDisabled("Computing rollout...");
        return;
    }
    const DisplayTrace& u = *products->all_units;
    const int T = u.n_token;  // units: tokens or words
    ImGui::SameLine();
    ImGui::TextDisabled("%s%s", u.words ? "words; " : "", lens_description(u).c_str());
    const bool auto_flow = t->n_token <= k_auto_flow_tokens;
    if (auto_flow) analyst.request_flow(sel.layer);
    const std::shared_ptr<const AnalysisOutput> flow = analyst.flow(sel.layer);
    if (!flow && analyst.flow_running_layer() == sel.layer) {
        ImGui::SameLine();
        char label[48];
        std::snprintf(label, sizeof label, "flow %.0f%%", 100.0f * analyst.flow_progress());
        widgets::fraction_bar(analyst.flow_progress(), label, w, widgets::accent(0.6f));
    } else if (!flow) {
        ImGui::SameLine();
        if (ImGui::Button("Compute flow")) analyst.request_flow(sel.layer);
    }
    if (!analyst.error().empty())
        ImGui::TextColored(ImVec4(1, 0.6f, 0.4f, 1), "%s", analyst.error().c_str());

    const Key key{products, flow, sel.layer, options.colormap};
    if (!(key == m_key)) update(key, renderer);
    m_up_to_date = flow != nullptr || !auto_flow;

    const int n_panels = flow ? 3 : 2;
    const float max_label = ImGui::GetFontSize() * 7.0f;
    const float label_w = labels_extent(u.labels, max_label);
    const float header_h = 2 * ImGui::GetTextLineHeightWithSpacing(), gap = 14.0f;
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    float cell = std::min((avail.x - label_w - 3 * gap) / float(3 * T),
                          (avail.y - label_w - header_h - 8.0f) / float(T));
    cell = std::clamp(cell >= 4.0f ? std::floor(cell) : cell, 1.0f, 40.0f);
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const int active = sel.active_token();
    const int active_row =
        active >= 0 && active < u.n_source_token ? u.display_index[size_t(active)] : -1;
    MatrixPanel* panels[3] = {&m_mean, &m_rollout, &m_flow};
    int hover_row = -1, hover_col = -1, hover_panel = -1;
    for (int p = 0; p < n_panels; ++p) {
        const float x = std::floor(o.x + label_w + p * (T * cell + gap));
        const float y = std::floor(o.y + label_w + header_h);
        dl->AddText(ImVec2(x, o.y), ImGui::GetColorU32(ImGuiCol_Text), panels[p]->title().c_str());
        dl->AddText(ImVec2(x, o.y + ImGui::GetTextLineHeightWithSpacing()),
                    ImGui::GetColorU32(ImGuiCol_TextDisabled),
                    rollout_range_label(panels[p]->range()).c_str());
        if (p == 0)
            draw_row_labels(dl, u.labels, u.special, x - 2, y, cell, max_label, m_hover_row,
                            active_row);
        draw_col_labels(dl, u.labels, u.special, x, y - 2, cell, max_label, m_hover_col, -1);
        ImGui::SetCursorScreenPos(ImVec2(x, y));
        ImGui::PushID(p);
        const MatrixPanel::Hit hit =
            panels[p]->draw("##m", cell, active_row, m_hover_row, m_hover_col, probes,
                            "rollout view " + panels[p]->title());
        ImGui::PopID();
        if (hit.row >= 0) {
            hover_row = hit.row;
            hover_col = hit.col;
            hover_panel = p;
        }
    }
    if (hover_panel >= 0) {
        sel.hover_next = u.source_index[size_t(hover_row)];
        ImGui::BeginTooltip();
        ImGui::Text("'%s' (%s, after layer %d) draws on '%s' (input %s)",
                    u.labels[size_t(hover_row)].c_str(), unit_ref(u, hover_row).c_str(), sel.layer,
                    u.labels[size_t(hover_col)].c_str(), unit_ref(u, hover_col).c_str());
        for (int p = 0; p < n_panels; ++p) {
            const float v = panels[p]->value(hover_row, hover_col);
            if (is_masked_value(v)) {
                ImGui::TextDisabled("%s: masked", panels[p]->title().c_str());
            } else {
                ImGui::Text("%s: %.4f", panels[p]->title().c_str(), v);
            }
        }
        ImGui::EndTooltip();
    }
    m_hover_row = hover_row;
    m_hover_col = hover_col;
    ImGui::SetCursorScreenPos(ImVec2(o.x, o.y + label_w + header_h + T * cell + 4));
    ImGui::Dummy(ImVec2(1, 1));
}

}  // namespace attnscope::app
