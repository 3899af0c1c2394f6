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

std::string ModelsView::rollout_summary() const {
    if (!m_rollout_shown) return {};
    const DisplayTrace& ua = *m_rollout.units_a;
    const DisplayTrace& ub = *m_rollout.units_b;
    return "rollout of A after layer " + ua.layer_labels[size_t(m_rollout_key.layers.a)] +
           " and of B after layer " + ub.layer_labels[size_t(m_rollout_key.layers.b)] + ", " +
           std::to_string(ua.n_token) + " and " + std::to_string(ub.n_token) + " units, " +
           (m_rollout_layout.difference ? "difference A - B shown" : m_rollout_layout.message);
}

void ModelsView::draw_mode_picker(CompareState& c) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Show");
    ImGui::SameLine();
    int mode = int(c.models_mode);
    ImGui::RadioButton("selected head", &mode, int(ModelsMode::Head));
    ImGui::SameLine();
    ImGui::RadioButton("rollout", &mode, int(ModelsMode::Rollout));
    c.models_mode = ModelsMode(mode);
    ImGui::SameLine();
    widgets::help_marker(
        "Selected head: one head of each model with its statistics. Rollout: each model's "
        "attention rollout (the layer means with the residual connection, 0.5 A + 0.5 I, "
        "multiplied through the layers; as in the Rollout tab): how much each token draws on "
        "each input token. Rollout is a token x token matrix whatever the depth, so "
        "A \xe2\x88\x92 B needs only the same tokenisation (BERT and DistilBERT). All tokens "
        "are shown, hidden special tokens too; words and the value-weighted lens apply.");
    if (c.models_mode != ModelsMode::Rollout) return;
    ImGui::SameLine(0, 24.0f);
    ImGui::Checkbox("after each model's last layer", &c.rollout_last_layer);
}

void ModelsView::draw_rollout_pickers(AppState& st) {
    const DisplayTrace& a = *st.display;
    ModelBState& b = st.compare.model_b;
    const DisplayTrace& db = *b.display;
    const char* name_a = st.model ? st.model->name.c_str() : "?";
    const char* name_b = b.model ? b.model->name.c_str() : "?";
    if (st.compare.rollout_last_layer) {
        ImGui::TextDisabled("A: %s (%d layers)    B: %s (%d layers)", name_a, a.n_layer, name_b,
                            db.n_layer);
        return;
    }
    Selection& sel = st.selection;
    const float w = ImGui::GetFontSize() * 7.0f;
    ImGui::AlignTextToFramePadding();
    ImGui::Text("A: %s", name_a);
    ImGui::SameLine();
    widgets::index_slider("After layer##ra", &sel.layer, a.n_layer, a.one_based, w);
    ImGui::AlignTextToFramePadding();
    ImGui::Text("B: %s", name_b);
    ImGui::SameLine();
    ImGui::Checkbox("same layer as A", &b.linked);
    const RolloutLayers shown = models_rollout_layers(st.compare, sel, a.n_layer, db.n_layer);
    const bool follows = b.linked && shown.b == sel.layer;
    int layer = shown.b;
    ImGui::SameLine();
    ImGui::BeginDisabled(follows);
    if (widgets::index_slider("After layer##rb", &layer, db.n_layer, db.one_based, w))
        b.layer = layer;
    ImGui::EndDisabled();
    if (b.linked && !follows) {
        ImGui::SameLine();
        ImGui::TextDisabled("(B has no layer %s)", a.layer_labels[size_t(sel.layer)].c_str());
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
    m_heads.a.set(renderer, std::move(panels[0]));
    m_heads.b.set(renderer, std::move(panels[1]));
    if (m_layout.difference) m_heads.diff.set(renderer, std::move(panels[2]));
    m_heads.units_a = key.a.get();
    m_heads.units_b = key.b.get();
    m_heads.difference = m_layout.difference;
}

void ModelsView::update_rollout(const RolloutKey& key, const AttentionTrace& a,
                                const AttentionTrace& b, const DisplayOptions& options,
                                gfx::HeatmapRenderer& renderer) {
    m_rollout_key = key;
    m_rollout_layout = models_rollout_layout(a, *key.a->all_units, b, *key.b->all_units);
    std::vector<PanelData> panels =
        models_rollout_panels(*key.a, *key.b, key.layers, m_rollout_layout.difference, options);
    m_rollout.a.set(renderer, std::move(panels[0]));
    m_rollout.b.set(renderer, std::move(panels[1]));
    if (m_rollout_layout.difference) m_rollout.diff.set(renderer, std::move(panels[2]));
    m_rollout.units_a = key.a->all_units.get();
    m_rollout.units_b = key.b->all_units.get();
    m_rollout.difference = m_rollout_layout.difference;
}

ModelsView::Action ModelsView::draw(AppState& st, const Analyst& analyst, const Analyst& analyst_b,
                                    const std::vector<ModelEntry>& models,
                                    gfx::HeatmapRenderer& renderer,
                                    std::vector<PixelProbe>* probes) {
    const Action action = draw_model_bar(st, models);
    const ModelBState& b = st.compare.model_b;
    m_up_to_date = true;
    m_rollout_shown = false;
    if (!b.model) {
        if (!b.loading.empty()) {
            m_up_to_date = false;
        } else {
            widgets::muted_text(
                "Open a second model to run the same sentence through both and compare one head "
                "of each, side by side with its statistics, or the attention rollout of each. "
                "Models of the same shape that tokenise the sentence the same way (BERT and "
                "DistilBERT, or a model and a fine-tuned copy) also get the difference "
                "A \xe2\x88\x92 B; rollouts need only the same tokenisation.");
        }
        return action;
    }
    if (!st.display || !b.display || !same_sentence(st)) {
        // A failed run of B leaves nothing more to wait for.
        m_up_to_date = !b.running && !b.error.empty();
        if (b.error.empty()) ImGui::TextDisabled("Running model B on the sentence...");
        return action;
    }
    draw_mode_picker(st.compare);
    if (st.compare.models_mode == ModelsMode::Rollout) {
        draw_rollout(st, analyst, analyst_b, renderer, probes);
    } else {
        draw_heads(st, analyst, renderer, probes);
    }
    return action;
}

void ModelsView::draw_heads(AppState& st, const Analyst& analyst, gfx::HeatmapRenderer& renderer,
                            std::vector<PixelProbe>* probes) {
    const ModelBState& mb = st.compare.model_b;
    draw_head_pickers(st);
    const HeadRef head_b = model_b_head(mb, st.selection, mb.display->n_layer, mb.display->n_head);
    const Key key{st.display,      mb.display,          {st.selection.layer, st.selection.head},
                  head_b,          st.options.colormap, st.options.diverging,
                  st.options.scale};
    if (!(key == m_key)) update(key, st, renderer);
    if (!m_layout.difference) {
        ImGui::PushStyleColor(ImGuiCol_Text, k_warning);
        ImGui::TextWrapped("%s", m_layout.message.c_str());
        ImGui::PopStyleColor();
    }
    if (st.display->n_token == 0 || mb.display->n_token == 0) {
        ImGui::TextUnformatted("No tokens to show (all are hidden special tokens).");
        return;
    }
    m_legends.draw(renderer, lens_description(*st.display), m_heads.a,
                   m_layout.difference ? &m_heads.diff : nullptr);

    const DisplayTrace& a = *m_key.a;
    const DisplayTrace& b = *m_key.b;
    // Statistics of the heads as shown; A's from the Analyst once it has this view model.
    const HeadStats* stats[2] = {nullptr, nullptr};
    if (analyst.display() == m_key.a && analyst.products())
        stats[0] =
            &analyst.products()->stats[size_t(m_key.head_a.layer) * a.n_head + m_key.head_a.head];
    if (mb.stats && mb.stats->size() == size_t(b.n_layer) * b.n_head)
        stats[1] = &(*mb.stats)[size_t(m_key.head_b.layer) * b.n_head + m_key.head_b.head];
    const PairHit hit = draw_pair(
        m_heads, k_stats_lines,
        [&](int p, ImVec2 at) {
            const float line_h = ImGui::GetTextLineHeightWithSpacing();
            for (int i = 0; i < k_stats_lines; ++i) {
                ImGui::SetCursorScreenPos(ImVec2(at.x, at.y + i * line_h));
                if (stats[p]) {
                    ImGui::TextUnformatted(head_stats_line(*stats[p], i).c_str());
                } else if (i == 0) {
                    ImGui::TextDisabled("computing statistics...");
                }
            }
        },
        st.selection, probes);
    if (hit.panel < 0) return;
    const DisplayTrace& hd = hit.panel == 1 ? b : a;
    ImGui::BeginTooltip();
    widgets::cell_tooltip_header(hd, hit.row, hit.col);
    pair_cell_values(hd, m_heads.a, m_heads.b, m_heads.difference, hit.panel, hit.row, hit.col);
    ImGui::TextDisabled("%s", lens_description(hd).c_str());
    ImGui::EndTooltip();
}

void ModelsView::draw_rollout(AppState& st, const Analyst& analyst, const Analyst& analyst_b,
                              gfx::HeatmapRenderer& renderer, std::vector<PixelProbe>* probes) {
    const ModelBState& mb = st.compare.model_b;
    draw_rollout_pickers(st);
    // Each Analyst's results count only for the view model on screen.
    const std::shared_ptr<const AnalysisOutput> pa =
        analyst.display() == st.display ? analyst.products() : nullptr;
    const std::shared_ptr<const AnalysisOutput> pb =
        analyst_b.display() == mb.display ? analyst_b.products() : nullptr;
    bool failed = false;
    for (const Analyst* an : {&analyst, &analyst_b}) {
        if (an->error().empty()) continue;
        failed = true;
        ImGui::PushStyleColor(ImGuiCol_Text, k_failure);
        ImGui::TextWrapped("Rollout of %s: %s", an == &analyst ? "A" : "B", an->error().c_str());
        ImGui::PopStyleColor();
    }
    if (!pa || !pb) {
        m_up_to_date = failed;  // a failed rollout leaves nothing more to wait for
        if (!failed)
            ImGui::TextDisabled("Computing the rollout of %s...", !pa && !pb ? "A and B"
                                                                  : !pa      ? "A"
                                                                             : "B");
        return;
    }
    const RolloutLayers layers = models_rollout_layers(
        st.compare, st.selection, pa->all_units->n_layer, pb->all_units->n_layer);
    const RolloutKey key{pa, pb, layers, st.options.colormap, st.options.diverging};
    if (!(key == m_rollout_key))
        update_rollout(key, *analyst.trace(), *analyst_b.trace(), st.options, renderer);
    if (!m_rollout_layout.difference) {
        ImGui::PushStyleColor(ImGuiCol_Text, k_warning);
        ImGui::TextWrapped("%s", m_rollout_layout.message.c_str());
        ImGui::PopStyleColor();
    }
    const DisplayTrace& ua = *pa->all_units;
    const DisplayTrace& ub = *pb->all_units;
    if (ua.n_token == 0 || ub.n_token == 0) return;
    m_rollout_legends.draw(
        renderer, std::string(ua.words ? "words; " : "") + "rollout of the " + lens_description(ua),
        m_rollout.a, m_rollout.difference ? &m_rollout.diff : nullptr);
    const PairHit hit = draw_pair(
        m_rollout, 0, [](int, ImVec2) {}, st.selection, probes);
    m_rollout_shown = true;
    if (hit.panel < 0) return;
    const DisplayTrace& hu = hit.panel == 1 ? ub : ua;
    const int layer = hit.panel == 1 ? layers.b : layers.a;
    ImGui::BeginTooltip();
    ImGui::Text("'%s' (%s, after layer %s) draws on '%s' (input %s)",
                hu.labels[size_t(hit.row)].c_str(), unit_ref(hu, hit.row).c_str(),
                hu.layer_labels[size_t(layer)].c_str(), hu.labels[size_t(hit.col)].c_str(),
                unit_ref(hu, hit.col).c_str());
    pair_cell_values(hu, m_rollout.a, m_rollout.b, m_rollout.difference, hit.panel, hit.row,
                     hit.col);
    ImGui::TextDisabled("rollout of the %s", lens_description(hu).c_str());
    ImGui::EndTooltip();
}

ModelsView::PairHit ModelsView::draw_pair(Pair& pair, int footer_lines,
                                          const std::function<void(int, ImVec2)>& footer,
                                          Selection& sel, std::vector<PixelProbe>* probes) {
    const DisplayTrace& a = *pair.units_a;
    const DisplayTrace& b = *pair.units_b;
    const bool diff = pair.difference;
    const int n_panels = diff ? 3 : 2;
    const float max_label = ImGui::GetFontSize() * 7.0f;
    const float label_a = labels_extent(a.labels, max_label);
    const float label_b = labels_extent(b.labels, max_label);
    const float line_h = ImGui::GetTextLineHeightWithSpacing();
    const float header_h = line_h, gap = 14.0f;
    const float footer_h = footer_lines > 0 ? footer_lines * line_h + 6.0f : 0.0f;
    const int S = std::max(a.n_token, b.n_token);
    const float label_h = std::max(label_a, label_b);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float labels_w = diff ? label_a : label_a + label_b;
    float cell = std::min((avail.x - labels_w - n_panels * gap) / float(n_panels * S),
                          (avail.y - label_h - header_h - footer_h - 8.0f) / float(S));
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
    const Panel panels[3] = {{&pair.a, &a, row_of(a)},
                             // The selection counts A's tokens: B's only when they align.
                             {&pair.b, &b, diff ? row_of(b) : -1},
                             {&pair.diff, &a, row_of(a)}};
    float x = o.x + label_a;
    PairHit hit;
    for (int p = 0; p < n_panels; ++p) {
        const Panel& pn = panels[p];
        if (p == 1 && !diff) x += label_b;
        x = std::floor(x);
        const float y = std::floor(o.y + label_h + header_h);
        dl->AddText(ImVec2(x, o.y), ImGui::GetColorU32(ImGuiCol_Text), pn.m->title().c_str());
        // Hover marks are shared only when the axes are the same units (last frame's hover,
        // kept only when it was over A or the axes align).
        const int mark_row = diff || p == 0 ? pair.hover_row : -1;
        const int mark_col = diff || p == 0 ? pair.hover_col : -1;
        if (p == 0 || !diff)
            draw_row_labels(dl, pn.d->labels, pn.d->special, x - 2, y, cell, max_label, mark_row,
                            pn.active_row);
        draw_col_labels(dl, pn.d->labels, pn.d->special, x, y - 2, cell, max_label, mark_col, -1);
        ImGui::SetCursorScreenPos(ImVec2(x, y));
        ImGui::PushID(p);
        const MatrixPanel::Hit h = pn.m->draw("##m", cell, pn.active_row, mark_row, mark_col,
                                              probes, "models " + pn.m->title());
        ImGui::PopID();
        if (h.row >= 0) hit = {p, h.row, h.col};
        if (p < 2 && footer_lines > 0) footer(p, ImVec2(x, y + pn.d->n_token * cell + 4));
        x += pn.d->n_token * cell + gap;
    }
    // The selection counts model A's tokens: B's point at them only when they align.
    if (hit.panel >= 0 && (hit.panel != 1 || diff))
        sel.hover_next = (hit.panel == 1 ? b : a).source_index[size_t(hit.row)];
    pair.hover_row = diff || hit.panel == 0 ? hit.row : -1;
    pair.hover_col = diff || hit.panel == 0 ? hit.col : -1;
    ImGui::SetCursorScreenPos(ImVec2(o.x, o.y + label_h + header_h + S * cell + footer_h + 4));
    ImGui::Dummy(ImVec2(1, 1));
    return hit;
}

}  // namespace attnscope::app
