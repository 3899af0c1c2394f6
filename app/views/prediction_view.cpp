#include "prediction_view.h"

#include <imgui.h>
#include <algorithm>
#include <string>

#include "../widgets.h"
#include "attnscope/analysis.h"

namespace attnscope::app {

namespace {

void draw_candidates(const std::vector<TokenProb>& top, float width) {
    const int n = std::min<int>(int(top.size()), 8);
    for (int k = 0; k < n; ++k) {
        const TokenProb& c = top[size_t(k)];
        char pct[32];
        std::snprintf(pct, sizeof pct, "%.1f%%", c.prob * 100.0f);
        std::string label = token_label(c.text, c.token);
        ImGui::TextUnformatted(widgets::elide(label, width * 0.45f).c_str());
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("id %d, vocabulary '%s', logit %.3f", c.id, c.token.c_str(), c.logit);
        ImGui::SameLine(width * 0.48f);
        widgets::fraction_bar(c.prob, pct, width * 0.52f, IM_COL32(70, 130, 200, 255));
    }
}

}  // namespace

void PredictionView::draw(const AttentionTrace& trace, const LoadedModel& model) {
    const Prediction& p = trace.prediction;
    const float width = ImGui::GetContentRegionAvail().x;
    if (model.random_weights)
        widgets::muted_text("Random weights: predictions and attention mean nothing.");
    switch (p.kind) {
        case PredictionKind::None:
            if (!model.causal && !model.mask_token.empty()) {
                std::string hint = "Put " + model.mask_token + " in the sentence to see the fill.";
                widgets::muted_text(hint.c_str());
            } else {
                widgets::muted_text("This model has no prediction head.");
            }
            return;
        case PredictionKind::NextToken:
            ImGui::TextDisabled("Next token");
            if (!p.top.empty()) draw_candidates(p.top.front(), width);
            return;
        case PredictionKind::MaskFill:
            for (size_t i = 0; i < p.top.size() && i < p.positions.size(); ++i) {
                ImGui::TextDisabled("%s at token %d", model.mask_token.c_str(), p.positions[i]);
                ImGui::PushID(int(i));
                draw_candidates(p.top[i], width);
                ImGui::PopID();
            }
            return;
    }
}

}  // namespace attnscope::app
