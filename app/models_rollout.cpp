#include "models_rollout.h"

#include <algorithm>
#include <span>

namespace attnscope::app {

namespace {

// The rollout after `layer`, [U][U].
std::span<const float> rollout_after(const AnalysisOutput& products, int layer) {
    const size_t uu = products.all_units->ss();
    return std::span(products.rollout).subspan(size_t(layer) * uu, uu);
}

PanelData rollout_panel(std::string title, std::span<const float> values, const DisplayTrace& units,
                        Colormap map, ValueRange range) {
    PanelData p;
    p.title = std::move(title);
    p.values.resize(units.ss());
    // A causal token draws only on earlier ones: the same cells are masked as in the heads.
    apply_mask(p.values, values, units.mask);
    p.rows = p.cols = units.n_token;
    p.map = map;
    p.range = range;
    return p;
}

std::string rollout_title(const char* model, const DisplayTrace& units, int layer) {
    return std::string(model) + "  rollout after L" + units.layer_labels[size_t(layer)];
}

}  // namespace

RolloutLayers models_rollout_layers(const CompareState& compare, const Selection& sel,
                                    int n_layer_a, int n_layer_b) {
    auto clamp_layer = [](int layer, int n_layer) {
        return std::clamp(layer, 0, std::max(0, n_layer - 1));
    };
    if (compare.rollout_last_layer)
        return {clamp_layer(n_layer_a - 1, n_layer_a), clamp_layer(n_layer_b - 1, n_layer_b)};
    const ModelBState& b = compare.model_b;
    const int a = clamp_layer(sel.layer, n_layer_a);
    return {a, clamp_layer(b.linked && a < n_layer_b ? a : b.layer, n_layer_b)};
}

ModelsLayout models_rollout_layout(const AttentionTrace& a, const DisplayTrace& ua,
                                   const AttentionTrace& b, const DisplayTrace& ub) {
    ModelsLayout out;
    const ModelPairLayout p = compare_models(a, b);
    if (!p.same_tokens) {
        out.message = "Side by side only: " + p.tokens_reason + ".";
    } else if (ua.n_token != ub.n_token || ua.source_index != ub.source_index) {
        out.message = "Side by side only: the two models group the tokens into different words.";
    } else {
        out.difference = true;
    }
    return out;
}

std::vector<PanelData> models_rollout_panels(const AnalysisOutput& a, const AnalysisOutput& b,
                                             RolloutLayers layers, bool with_difference,
                                             const DisplayOptions& options) {
    const DisplayTrace& ua = *a.all_units;
    const DisplayTrace& ub = *b.all_units;
    const std::span<const float> ra = rollout_after(a, layers.a);
    const std::span<const float> rb = rollout_after(b, layers.b);
    const float max = std::max(max_value(ra, ua.mask), max_value(rb, ub.mask));
    const ValueRange range = weight_range(ValueScale::HeadMax, max);
    std::vector<PanelData> panels;
    panels.push_back(
        rollout_panel(rollout_title("A", ua, layers.a), ra, ua, options.colormap, range));
    panels.push_back(
        rollout_panel(rollout_title("B", ub, layers.b), rb, ub, options.colormap, range));
    if (with_difference) panels.push_back(difference_panel(ra, rb, ua, options));
    return panels;
}

}  // namespace attnscope::app
