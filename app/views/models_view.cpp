#include "models_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>
#include <algorithm>
#include <cmath>
#include <string>

#include "../widgets.h"

namespace attnscope::app {

namespace {

const ImVec4 k_warning(1, 0.8f, 0.4f, 1);
const ImVec4 k_failure(1, 0.6f, 0.4f, 1);

}  // namespace

bool ModelsView::same_sentence(const AppState& st) {
    const ModelBState& b = st.compare.model_b;
    return st.trace && b.trace && b.trace->text == st.trace->text;
}

ModelsView::Action ModelsView::draw_model_bar(AppState& st, const std::vector<ModelEntry>& models) {
    Action action;
    ModelBState& b = st.compare.model_b;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Model B");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16.0f);
    const std::string current = b.model ? b.model->name : std::string("(none)");
    if (ImGui::BeginCombo("##model_b", current.c_str())) {
        for (const ModelEntry& e : models) {
            if (!e.usable) continue;
            const bool on = b.model && b.model->source.dir == e.dir;
            if (ImGui::Selectable(e.name.c_str(), on) && !on) {
                action.open = ModelSource{};
                action.open->dir = e.dir;
            }
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("%s, %d layers x %d heads", e.model_type.c_str(), e.n_layer,
                                  e.n_head);
        }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14.0f);
    ImGui::InputTextWithHint("##b_folder", "or a model folder", &m_folder);
    ImGui::SameLine();
    ImGui::BeginDisabled(m_folder.empty());
    if (ImGui::Button("Open as B")) {
        action.open = ModelSource{};
        action.open->dir = m_folder;
    }
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginDisabled(!b.model && b.loading.empty());
    if (ImGui::Button("Close B")) action.close = true;
    ImGui::EndDisabled();
    if (!b.loading.empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("loading %s...", b.loading.c_str());
    } else if (b.running) {
        ImGui::SameLine();
        ImGui::TextDisabled("running...");
    }
    if (!b.error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, k_failure);
        ImGui::TextWrapped("Model B: %s", b.error.c_str());
        ImGui::PopStyleColor();
    }
    return action;
}

void ModelsView::draw_head_pickers(AppState& st) {
    const DisplayTrace& a = *st.display;
    ModelBState& b = st.compare.model_b;
    const DisplayTrace& db = *b.display;
    Selection& sel = st.selection;
    const float w = ImGui::GetFontSize() * 6.0f;
    ImGui::AlignTextToFramePadding();
    ImGui::Text("A: %s", st.model ? st.model->name.c_str() : "?");
    ImGui::SameLine();
    widgets::index_slider("Layer##a", &sel.layer, a.n_layer, a.one_based, w);
    ImGui::SameLine();
    widgets::index_slider("Head##a", &sel.head, a.n_head, a.one_based, w);
    ImGui::AlignTextToFramePadding();
    ImGui::Text("B: %s", b.model ? b.model->name.c_str() : "?");
    ImGui::SameLine();
    ImGui::Checkbox("same head as A", &b.linked);
    ImGui::SameLine();
    widgets::help_marker(
        "On: model B shows A's layer and head whenever B has them. Off (or when B is smaller): "
        "choose B's head with its own sliders.");
    const HeadRef shown = model_b_head(b, sel, db.n_layer, db.n_head);
    const bool follows = b.linked && shown == HeadRef{sel.layer, sel.head};
    int layer = shown.layer, head = shown.head;
    ImGui::SameLine();
    ImGui::BeginDisabled(follows);
    if (widgets::index_slider("Layer##b", &layer, db.n_layer, db.one_based, w)) b.layer = layer;
    ImGui::SameLine();
    if (widgets::index_slider("Head##b", &head, db.n_head, db.one_based, w)) b.head = head;
    ImGui::EndDisabled();
    if (b.linked && !follows) {
        ImGui::SameLine();
        ImGui::TextDisabled("(B has no layer %s head %s)",
                            a.layer_labels[size_t(sel.layer)].c_str(),
                            a.head_labels[size_t(sel.head)].c_str());
    }
}

void ModelsView::update(const Key& key, const AppState& st, gfx::HeatmapRenderer& renderer) {
    m_key = key;
    const DisplayTrace& a = *key.a;
    const DisplayTrace& b = *key.b;
    m_layout = models_layout(*st.trace, a, *st.compare.model_b.trace, b);
    std::vector<PanelData> panels =
        pair_panels(a, key.head_a, b, key.head_b, m_layout.difference, st.options);
    panels[0].title = model_head_title("A", a, key.head_a);
    panels[1].title = model_head_title("B", b, key.head_b);
    m_a.set(renderer, std::move(panels[0]));
    m_b.set(renderer, std::move(panels[1]));
    if (m_layout.difference) m_diff.set(renderer, std::move(panels[2]));
}

ModelsView::Action ModelsView::draw(AppState& st, const Analyst& analyst,
                                    const std::vector<ModelEntry>& models,
                                    gfx::HeatmapRenderer& renderer,
                                    std::vector<PixelProbe>* probes) {
    const Action action = draw_model_bar(st, models);
    const ModelBState& b = st.compare.model_b;
    m_up_to_date = true;
    if (!b.model) {
        if (!b.loading.empty()) {
            m_up_to_date = false;
        } else {
            widgets::muted_text(
                "Open a second model to run the same sentence through both and compare one head "
                "of each, side by side with its statistics. Models of the same shape that "
                "tokenise the sentence the same way (BERT and DistilBERT, or a model and a "
                "fine-tuned copy) also get the difference A \xe2\x88\x92 B.");
        }
        return action;
    }
    if (!st.display || !b.display || !same_sentence(st)) {
        // A failed run of B leaves nothing more to wait for.
        m_up_to_date = !b.running && !b.error.empty();
        if (b.error.empty()) ImGui::TextDisabled("Running model B on the sentence...");
        return action;
    }
    draw_head_pickers(st);
    const HeadRef head_b = model_b_head(b, st.selection, b.display->n_layer, b.display->n_head);
    const Key key{st.display,      b.display,           {st.selection.layer, st.selection.head},
                  head_b,          st.options.colormap, st.options.diverging,
                  st.options.scale};
    if (!(key == m_key)) update(key, st, renderer);
    if (!m_layout.difference) {
        ImGui::PushStyleColor(ImGuiCol_Text, k_warning);
        ImGui::TextWrapped("%s", m_layout.message.c_str());
        ImGui::PopStyleColor();
    }
    if (st.display->n_token == 0 || b.display->n_token == 0) {
        ImGui::TextUnformatted("No tokens to show (all are hidden special tokens).");
        return action;
    }
    m_legends.draw(renderer, lens_description(*st.display), m_a,
                   m_layout.difference ? &m_diff : nullptr);
    draw_panels(st, analyst, st.selection, probes);
    return action;
}

void ModelsView::draw_panels(const AppState& st, const Analyst& analyst, Selection& sel,
                             std::vector<PixelProbe>* probes) {
    const DisplayTrace& a = *m_key.a;
    const DisplayTrace& b = *m_key.b;
    const ModelBState& mb = st.compare.model_b;
    // Statistics of the heads as shown; A's from the Analyst once it has this view model.
    const HeadStats* stats[2] = {nullptr, nullptr};
    if (analyst.display() == m_key.a && analyst.products())
        stats[0] =
            &analyst.products()->stats[size_t(m_key.head_a.layer) * a.n_head + m_key.head_a.head];
    if (mb.stats && mb.stats->size() == size_t(b.n_layer) * b.n_head)
        stats[1] = &(*mb.stats)[size_t(m_key.head_b.layer) * b.n_head + m_key.head_b.head];

    const bool diff = m_layout.difference;
    const int n_panels = diff ? 3 : 2;
    const float max_label = ImGui::GetFontSize() * 7.0f;
    const float label_a = labels_extent(a.labels, max_label);
    const float label_b = labels_extent(b.labels, max_label);
    const float line_h = ImGui::GetTextLineHeightWithSpacing();
    const float header_h = line_h, stats_h = k_stats_lines * line_h + 6.0f, gap = 14.0f;
    const int S = std::max(a.n_token, b.n_token);
    const float label_h = std::max(label_a, label_b);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float labels_w = diff ? label_a : label_a + label_b;
    float cell = std::min((avail.x - labels_w - n_panels * gap) / float(n_panels * S),
                          (avail.y - label_h - header_h - stats_h - 8.0f) / float(S));
    cell = std::clamp(cell >= 4.0f ? std::floor(cell) : cell, 1.0f, 40.0f);
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const int active = sel.active_token();
    auto row_of = [&](const DisplayTrace& d) {
        return active >= 0 && active < d.n_source_token ? d.display_index[size_t(active)] : -1;
    };

    struct Panel {
        MatrixPanel* m;
        const DisplayTrace* d;
        int active_row;
    };
    const Panel panels[3] = {{&m_a, &a, row_of(a)},
                             // The selection counts A's tokens: B's only when they align.
                             {&m_b, &b, diff ? row_of(b) : -1},
                             {&m_diff, &a, row_of(a)}};
    float x = o.x + label_a;
    int hover_row = -1, hover_col = -1, hover_panel = -1;
    for (int p = 0; p < n_panels; ++p) {
        const Panel& pn = panels[p];
        if (p == 1 && !diff) x += label_b;
        x = std::floor(x);
        const float y = std::floor(o.y + label_h + header_h);
        dl->AddText(ImVec2(x, o.y), ImGui::GetColorU32(ImGuiCol_Text), pn.m->title().c_str());
        // Hover marks are shared only when the axes are the same units (last frame's hover,
        // kept only when it was over A or the axes align).
        const int mark_row = diff || p == 0 ? m_hover_row : -1;
        const int mark_col = diff || p == 0 ? m_hover_col : -1;
        if (p == 0 || !diff)
            draw_row_labels(dl, pn.d->labels, pn.d->special, x - 2, y, cell, max_label, mark_row,
                            pn.active_row);
        draw_col_labels(dl, pn.d->labels, pn.d->special, x, y - 2, cell, max_label, mark_col, -1);
        ImGui::SetCursorScreenPos(ImVec2(x, y));
        ImGui::PushID(p);
        const MatrixPanel::Hit hit = pn.m->draw("##m", cell, pn.active_row, mark_row, mark_col,
                                                probes, "models " + pn.m->title());
        ImGui::PopID();
        if (hit.row >= 0) {
            hover_row = hit.row;
            hover_col = hit.col;
            hover_panel = p;
        }
        if (p < 2) {
            for (int i = 0; i < k_stats_lines; ++i) {
                ImGui::SetCursorScreenPos(ImVec2(x, y + pn.d->n_token * cell + 4 + i * line_h));
                if (stats[p]) {
                    ImGui::TextUnformatted(head_stats_line(*stats[p], i).c_str());
                } else if (i == 0) {
                    ImGui::TextDisabled("computing statistics...");
                }
            }
        }
        x += pn.d->n_token * cell + gap;
    }
    if (hover_panel >= 0) {
        const DisplayTrace& hd = hover_panel == 1 ? b : a;
        // The selection counts model A's tokens: B's point at them only when they align.
        if (hover_panel != 1 || diff) sel.hover_next = hd.source_index[size_t(hover_row)];
        ImGui::BeginTooltip();
        widgets::cell_tooltip_header(hd, hover_row, hover_col);
        if (hd.masked(hover_row, hover_col)) {
            ImGui::TextDisabled("masked");
        } else if (diff) {
            const float va = m_a.value(hover_row, hover_col), vb = m_b.value(hover_row, hover_col);
            ImGui::Text("A %.4f   B %.4f   A \xe2\x88\x92 B %+.4f", va, vb, va - vb);
        } else {
            ImGui::Text("%s %.4f", hover_panel == 1 ? "B" : "A",
                        (hover_panel == 1 ? m_b : m_a).value(hover_row, hover_col));
        }
        ImGui::TextDisabled("%s", lens_description(hd).c_str());
        ImGui::EndTooltip();
    }
    m_hover_row = diff || hover_panel == 0 ? hover_row : -1;
    m_hover_col = diff || hover_panel == 0 ? hover_col : -1;
    ImGui::SetCursorScreenPos(ImVec2(o.x, o.y + label_h + header_h + S * cell + stats_h + 4));
    ImGui::Dummy(ImVec2(1, 1));
}

}  // namespace attnscope::app
