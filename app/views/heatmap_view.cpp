#include "heatmap_view.h"

#include <imgui.h>
#include <algorithm>
#include <cmath>
#include <string>

#include "../widgets.h"

namespace attnscope::app {

// [SECTION] Texture

void HeatmapView::update_texture(const Key& key, gfx::HeatmapRenderer& renderer) {
    const DisplayTrace& d = *key.display;
    const int S = d.n_token;
    m_values.resize(d.ss());
    switch (key.mode) {
        case HeatmapMode::Head:
            apply_mask(m_values, d.weights_of(key.layer, key.head), d.mask);
            m_range = weight_range(key.scale, d.max_of(key.layer, key.head));
            m_map = key.colormap;
            break;
        case HeatmapMode::LayerMean:
            apply_mask(m_values, d.layer_mean_of(key.layer), d.mask);
            m_range = weight_range(key.scale, max_value(d.layer_mean_of(key.layer), d.mask));
            m_map = key.colormap;
            break;
        case HeatmapMode::Difference:
            difference(m_values, d.weights_of(key.layer, key.head), d.layer_mean_of(key.layer),
                       d.mask);
            m_range = difference_range(max_abs_value(m_values, d.mask));
            m_map = key.diverging;
            break;
    }
    gfx::HeatmapStyle style{m_map, m_range, gfx::HeatmapRenderer::cell_px_for(S, 512, 16)};
    renderer.render(m_target, m_values, S, S, style);

    std::vector<float> ramp(64);
    for (size_t i = 0; i < ramp.size(); ++i)
        ramp[i] = m_range.lo + (m_range.hi - m_range.lo) * float(i) / float(ramp.size() - 1);
    renderer.render(m_legend, ramp, 1, int(ramp.size()), {m_map, m_range, 2});
    m_key = key;
}

// [SECTION] Toolbar

void HeatmapView::draw_toolbar(const DisplayTrace& d, Selection& sel) {
    const float w = ImGui::GetFontSize() * 7.0f;
    widgets::index_slider("Layer", &sel.layer, d.n_layer, d.one_based, w);
    ImGui::SameLine();
    widgets::index_slider("Head", &sel.head, d.n_head, d.one_based, w);
    ImGui::SameLine();
    int mode = int(sel.heatmap_mode);
    ImGui::RadioButton("Head", &mode, int(HeatmapMode::Head));
    ImGui::SameLine();
    ImGui::RadioButton("Layer mean", &mode, int(HeatmapMode::LayerMean));
    ImGui::SameLine();
    ImGui::RadioButton("Head - mean", &mode, int(HeatmapMode::Difference));
    sel.heatmap_mode = HeatmapMode(mode);
    ImGui::SetNextItemWidth(w);
    float cell = m_cell;
    if (ImGui::SliderFloat("Zoom", &cell, 0.25f, 96.0f, cell < 4 ? "%.2f px" : "%.0f px",
                           ImGuiSliderFlags_Logarithmic)) {
        m_cell = cell;
        m_fit = false;
    }
    ImGui::SameLine();
    if (ImGui::Button("Fit")) m_fit = true;
    ImGui::SameLine();
    // Colour bar with its range.
    char lo[32], hi[32];
    std::snprintf(lo, sizeof lo, "%.2f", m_range.lo);
    std::snprintf(hi, sizeof hi, "%.2f", m_range.hi);
    ImGui::TextUnformatted(lo);
    ImGui::SameLine();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float bar_w = ImGui::GetFontSize() * 7.0f, bar_h = ImGui::GetTextLineHeight();
    if (m_legend.valid())
        ImGui::GetWindowDrawList()->AddImage(m_legend.imgui_id(), p,
                                             ImVec2(p.x + bar_w, p.y + bar_h));
    ImGui::Dummy(ImVec2(bar_w, bar_h));
    ImGui::SameLine();
    ImGui::TextUnformatted(hi);
    ImGui::SameLine();
    // What the colours are: the lens, and whether a row or column is a word.
    ImGui::TextDisabled("  %s%s", d.words ? "words; " : "", lens_description(d).c_str());
    ImGui::SameLine();
    widgets::help_marker("Ctrl + wheel: zoom, wheel / Shift + wheel: scroll");
}

// [SECTION] Canvas

void HeatmapView::draw_canvas(const DisplayTrace& d, Selection& sel,
                              std::vector<PixelProbe>* probes) {
    const int S = d.n_token;
    const ImGuiIO& io = ImGui::GetIO();
    const float line_h = ImGui::GetTextLineHeight();
    const float max_label_px = ImGui::GetFontSize() * 9.0f;
    float widest = ImGui::CalcTextSize("query").x;
    for (const std::string& l : d.labels)
        widest = std::max(widest, std::min(ImGui::CalcTextSize(l.c_str()).x, max_label_px));
    const float label_w = widest + 12.0f, label_h = widest + 12.0f;

    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
    ImGuiWindowFlags flags = ImGuiWindowFlags_HorizontalScrollbar;
    if (io.KeyCtrl) flags |= ImGuiWindowFlags_NoScrollWithMouse;
    ImGui::BeginChild("##canvas", ImVec2(0, 0), false, flags);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 win = ImGui::GetWindowPos();
    const ImVec2 clip_max = dl->GetClipRectMax();
    const float view_w = clip_max.x - win.x - label_w, view_h = clip_max.y - win.y - label_h;

    if (m_fit_tokens != S) {  // a new input length: fit it again (a zoom set before the first
        if (m_fit_tokens >= 0) m_fit = true;  // input is kept)
        m_fit_tokens = S;
    }
    // Whole pixels per cell keep cells crisp; below 4 px fractional sizes use the space better.
    float fit_cell = std::min(view_w, view_h) / float(S);
    fit_cell = std::clamp(fit_cell >= 4.0f ? std::floor(fit_cell) : fit_cell, 0.25f, 64.0f);
    float cell = m_fit ? fit_cell : m_cell;
    if (m_fit) m_cell = fit_cell;

    // Ctrl + wheel zooms about the mouse.
    if (ImGui::IsWindowHovered() && io.KeyCtrl && io.MouseWheel != 0.0f) {
        float next = cell * std::pow(1.25f, io.MouseWheel);
        next = std::clamp(next >= 4.0f ? std::round(next) : next, 0.25f, 96.0f);
        const ImVec2 m = io.MousePos;
        const float ax = m.x - win.x - label_w + ImGui::GetScrollX();
        const float ay = m.y - win.y - label_h + ImGui::GetScrollY();
        ImGui::SetScrollX(std::max(0.0f, ax * next / cell - (m.x - win.x - label_w)));
        ImGui::SetScrollY(std::max(0.0f, ay * next / cell - (m.y - win.y - label_h)));
        m_cell = next;
        m_fit = false;
        cell = next;
    }

    const ImVec2 origin = ImGui::GetCursorScreenPos();  // moves with the scroll position
    const float extent = S * cell;
    ImGui::InvisibleButton("##heatmap", ImVec2(label_w + extent + 4, label_h + extent + 4));
    const bool hovered = ImGui::IsItemHovered();
    const bool clicked = ImGui::IsItemClicked();
    const ImVec2 m0(std::floor(origin.x + label_w), std::floor(origin.y + label_h));
    const ImVec2 mclip(win.x + label_w, win.y + label_h);

    // What the mouse is over: a cell, a row label or a column label.
    int hover_i = -1, hover_j = -1;
    const ImVec2 mouse = io.MousePos;
    if (hovered) {
        const int i = int(std::floor((mouse.y - m0.y) / cell));
        const int j = int(std::floor((mouse.x - m0.x) / cell));
        const bool in_rows = mouse.y >= mclip.y && i >= 0 && i < S;
        const bool in_cols = mouse.x >= mclip.x && j >= 0 && j < S;
        if (in_rows) hover_i = i;
        if (in_cols) hover_j = j;
        if (mouse.x < mclip.x) hover_j = -2;  // over the row labels
        if (mouse.y < mclip.y) hover_i = -2;  // over the column labels
    }
    const int active = sel.active_token();
    const int active_row = active >= 0 && active < d.n_source_token ? d.display_index[active] : -1;

    // The matrix, clipped to the area right of and below the pinned labels.
    dl->PushClipRect(mclip, clip_max, true);
    dl->AddImage(m_target.imgui_id(), m0, ImVec2(m0.x + extent, m0.y + extent));
    if (active_row >= 0)
        dl->AddRect(ImVec2(m0.x - 1, m0.y + active_row * cell - 1),
                    ImVec2(m0.x + extent + 1, m0.y + (active_row + 1) * cell + 1),
                    widgets::accent(), 0, 0, 2.0f);
    if (hover_i >= 0 && hover_j >= 0)
        dl->AddRect(ImVec2(m0.x + hover_j * cell, m0.y + hover_i * cell),
                    ImVec2(m0.x + (hover_j + 1) * cell, m0.y + (hover_i + 1) * cell),
                    IM_COL32(255, 255, 255, 255), 0, 0, cell >= 6 ? 2.0f : 1.0f);
    dl->PopClipRect();

    // Pinned labels: every token when the cells are tall enough, else every step-th.
    const int step = std::max(1, int(std::ceil(line_h / cell)));
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text),
                dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    auto label_color = [&](int s, bool hot) {
        if (s == active_row) return widgets::accent();
        if (hot) return IM_COL32(255, 255, 255, 255);
        return d.special[size_t(s)] ? dim : text;
    };
    const int first_row = std::max(0, int((mclip.y - m0.y) / cell));
    const int last_row = std::min(S - 1, int((clip_max.y - m0.y) / cell));
    dl->PushClipRect(ImVec2(win.x, mclip.y), ImVec2(mclip.x, clip_max.y), true);
    for (int i = first_row; i <= last_row; ++i) {
        if (i % step != 0 && i != active_row && i != hover_i) continue;
        const std::string l = widgets::elide(d.labels[size_t(i)], max_label_px);
        const float tw = ImGui::CalcTextSize(l.c_str()).x;
        // Centred on its row; when rows are shorter than the text, starting at its row.
        const float y = m0.y + i * cell + (cell < line_h ? 0.0f : (cell - line_h) * 0.5f);
        dl->AddText(ImVec2(mclip.x - 6 - tw, y), label_color(i, i == hover_i), l.c_str());
    }
    dl->PopClipRect();
    const int first_col = std::max(0, int((mclip.x - m0.x) / cell));
    const int last_col = std::min(S - 1, int((clip_max.x - m0.x) / cell));
    dl->PushClipRect(ImVec2(mclip.x, win.y), ImVec2(clip_max.x, mclip.y), true);
    for (int j = first_col; j <= last_col; ++j) {
        if (j % step != 0 && j != hover_j) continue;
        const std::string l = widgets::elide(d.labels[size_t(j)], max_label_px);
        const float x = m0.x + j * cell + (cell < line_h ? 0.0f : (cell - line_h) * 0.5f);
        widgets::add_text_vertical(dl, ImVec2(x, mclip.y - 6), label_color(j, j == hover_j),
                                   l.c_str());
    }
    dl->PopClipRect();
    dl->AddText(ImVec2(win.x + 4, win.y + 4), dim, "query \xe2\x86\x93");         // ↓
    dl->AddText(ImVec2(win.x + 4, win.y + 4 + line_h), dim, "key \xe2\x86\x92");  // →

    // Hover and click: a cell points at its query token; a label at its token.
    int hover_token = -1;
    if (hover_i >= 0 && hover_j >= 0) {
        hover_token = hover_i;
        const size_t at = size_t(hover_i) * S + hover_j;
        ImGui::BeginTooltip();
        widgets::cell_tooltip_header(d, hover_i, hover_j);
        if (d.masked(hover_i, hover_j)) {
            ImGui::TextDisabled("masked: a causal model's query cannot see later tokens");
        } else if (sel.heatmap_mode == HeatmapMode::Head) {
            ImGui::Text("%s %.4f", lens_description(d).c_str(), m_values[at]);
        } else {
            ImGui::Text("%s %.4f",
                        sel.heatmap_mode == HeatmapMode::LayerMean ? "layer mean" : "head - mean",
                        m_values[at]);
            ImGui::TextDisabled("head %.4f, layer mean %.4f", d.weights_of(sel.layer, sel.head)[at],
                                d.layer_mean_of(sel.layer)[at]);
        }
        ImGui::TextDisabled("layer %s, head %s", d.layer_labels[size_t(sel.layer)].c_str(),
                            d.head_labels[size_t(sel.head)].c_str());
        ImGui::EndTooltip();
    } else if (hover_i >= 0 && hover_j == -2) {
        hover_token = hover_i;
    } else if (hover_j >= 0 && hover_i == -2) {
        hover_token = hover_j;
    }
    if (hover_token >= 0) {
        sel.hover_next = d.source_index[size_t(hover_token)];
        if (clicked) sel.click_token(d.source_index[size_t(hover_token)]);
    }

    if (probes && cell >= 3.0f) {
        const int picks[4] = {0, S / 3, (2 * S) / 3, S - 1};
        for (int i : picks)
            for (int j : picks) {
                const float x = m0.x + (j + 0.5f) * cell, y = m0.y + (i + 0.5f) * cell;
                if (x < mclip.x || y < mclip.y || x >= clip_max.x || y >= clip_max.y) continue;
                PixelProbe p;
                p.x = x;
                p.y = y;
                p.value = m_values[size_t(i) * S + j];
                p.masked = d.masked(i, j);
                p.map = m_map;
                p.range = m_range;
                p.what = "heatmap cell (" + std::to_string(i) + ", " + std::to_string(j) + ")";
                probes->push_back(std::move(p));
            }
    }
    ImGui::EndChild();
    ImGui::PopStyleVar();
}

// [SECTION] Draw

void HeatmapView::draw(const std::shared_ptr<const DisplayTrace>& display,
                       const DisplayOptions& options, gfx::HeatmapRenderer& renderer,
                       Selection& sel, std::vector<PixelProbe>* probes) {
    const DisplayTrace& d = *display;
    draw_toolbar(d, sel);
    if (d.n_token == 0) {
        ImGui::TextUnformatted("No tokens to show (all are hidden special tokens).");
        m_up_to_date = true;
        return;
    }
    const Key key{display,          sel.layer,         sel.head,     sel.heatmap_mode,
                  options.colormap, options.diverging, options.scale};
    if (!(key == m_key)) update_texture(key, renderer);
    m_up_to_date = true;
    draw_canvas(d, sel, probes);
}

}  // namespace attnscope::app
