// Rollout in the Two models view, as plain data: which layer each model's rollout is taken after,
// whether A − B is defined, and the panels A, B and A − B. The rollouts themselves come from two
// Analysts (analyst.h), model A's and model B's, each computing its model's rollout off the UI
// thread once per view model and dropping stale results; the Rollout tab shows A's the same way.
//
// Rollout after any layer is a [U][U] matrix in the units of the sentence (tokens, or words when
// the display merges them), so A − B needs only equal tokenisations, not equal depths: a
// distilled model (DistilBERT, 6 layers) against its teacher (BERT, 12) works. As in the Rollout
// tab, every token is a unit, hidden special tokens too (the residual path runs through them).
// No window, no GL.
#pragma once

#include <string>
#include <vector>

#include "analyst.h"
#include "app_state.h"
#include "compare_state.h"
#include "view_panels.h"

namespace attnscope::app {

// The layers whose rollouts the view compares (0-based, inside each model).
struct RolloutLayers {
    int a = 0, b = 0;
    bool operator==(const RolloutLayers&) const = default;
};
// compare.rollout_last_layer: each model's last layer. Otherwise A's selected layer, and for B the
// same layer while linked and B has it, else B's own (ModelBState::layer), as for heads.
RolloutLayers models_rollout_layers(const CompareState& compare, const Selection& selection,
                                    int n_layer_a, int n_layer_b);

// Whether the rollouts of A and B can be subtracted cell by cell: when the models tokenise the
// sentence the same way (any depths and head counts) and the rollouts have the same units
// (`units_*`: AnalysisOutput::all_units of each). `message` says why not ("" when they can).
ModelsLayout models_rollout_layout(const AttentionTrace& a, const DisplayTrace& units_a,
                                   const AttentionTrace& b, const DisplayTrace& units_b);

// A's rollout after `layers.a` and B's after `layers.b`, each [U][U] in its own all_units, on one
// colour scale from 0 to the larger largest entry (rollout entries are small and spread out, so
// 0..1 would show little; shared, so equal colours mean equal values), then, when `difference`,
// A − B in the diverging map over ±max|A − B|. Titles "A  rollout after L5", "B  ...", "A − B".
std::vector<PanelData> models_rollout_panels(const AnalysisOutput& a, const AnalysisOutput& b,
                                             RolloutLayers layers, bool difference,
                                             const DisplayOptions& options);

}  // namespace attnscope::app
