#include "model_panel_view.h"

#include <imgui.h>

#include "../model_catalog.h"
#include "../widgets.h"

namespace attnscope::app {

bool ModelPanelView::draw(const AppState& state) {
    bool open = false;
    if (const LoadedModel* m = state.model.get()) {
        ImGui::TextUnformatted(m->name.c_str());
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", m->source.describe().c_str());
        ImGui::TextDisabled("%s, %s", m->arch.c_str(), m->causal ? "causal (decoder)" : "encoder");
        if (m->n_kv_head != m->n_head) {
            ImGui::Text("%d layers x %d heads (%d KV heads)", m->n_layer, m->n_head, m->n_kv_head);
        } else {
            ImGui::Text("%d layers x %d heads", m->n_layer, m->n_head);
        }
        if (m->imported) {  // no weights: the attention was read from a file
            widgets::muted_text("Attention read from a file: views that need the model's vectors "
                                "or predictions are not available.");
        } else {
            ImGui::Text("%s parameters, d_model %d", format_count(m->n_params).c_str(),
                        m->d_model);
        }
        if (m->random_weights) widgets::muted_text("Random weights (benchmark shape).");
    } else {
        ImGui::TextDisabled("No model loaded");
    }
    if (state.loading.active) {
        ImGui::TextWrapped("Loading %s", state.loading.what.c_str());
        ImGui::ProgressBar(state.loading.progress, ImVec2(-1, 0));
    }
    if (ImGui::Button("Open model...")) open = true;
    return open;
}

}  // namespace attnscope::app
