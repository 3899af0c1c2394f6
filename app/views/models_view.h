// Two models: the same sentence through model A (the one every other view shows) and model B
// (opened here, or with --model-b; the Session runs it on its own workers), one head of each side
// by side with its statistics, and the signed difference A − B when the models have the same
// shape and tokenise the sentence the same way (e.g. BERT and DistilBERT, or a model and a
// fine-tuned copy). When they do not, the view says why and shows the heads side by side only.
// B's head follows A's while linked and B has it; otherwise B has its own sliders.
// In rollout mode the view shows each model's attention rollout instead (models_rollout.h): A's
// from the Analyst the Rollout tab uses, B's from a second Analyst the caller points at B's trace,
// side by side, and A − B whenever the tokenisations are equal (the depths may differ).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../analyst.h"
#include "../app_state.h"
#include "../model_catalog.h"
#include "../models_rollout.h"
#include "matrix_panel.h"

namespace attnscope::app {

class ModelsView {
  public:
    // What the user asked for this frame (the caller tells the Session).
    struct Action {
        std::optional<ModelSource> open;  // load this as model B
        bool close = false;               // forget model B
    };
    // `models`: the model folders found, for the model B menu. `analyst`: model A's (statistics,
    // rollout); `analyst_b`: model B's, read in rollout mode only.
    Action draw(AppState& state, const Analyst& analyst, const Analyst& analyst_b,
                const std::vector<ModelEntry>& models, gfx::HeatmapRenderer& renderer,
                std::vector<PixelProbe>* probes);
    // Everything for the current sentence is shown (scripted runs capture then).
    bool up_to_date() const { return m_up_to_date; }
    // What the last frame showed in rollout mode, for scripted runs: "rollout of A after layer 1
    // and of B after layer 1, 14 units, difference A - B shown" ("" = no rollouts shown).
    std::string rollout_summary() const;

    // Model B's trace is of the sentence model A's trace shows.
    static bool same_sentence(const AppState& state);

  private:
    struct Key {
        std::shared_ptr<const DisplayTrace> a, b;
        HeadRef head_a, head_b;
        Colormap colormap = Colormap::Viridis, diverging = Colormap::RdBu;
        ValueScale scale = ValueScale::Unit;
        bool operator==(const Key&) const = default;
    };
    struct RolloutKey {
        std::shared_ptr<const AnalysisOutput> a, b;  // each model's Analyst products
        RolloutLayers layers;
        Colormap colormap = Colormap::Viridis, diverging = Colormap::RdBu;
        bool operator==(const RolloutKey&) const = default;
    };
    // A, B and (when `difference`) A − B, as drawn side by side: A's and B's units on their own
    // axes, the difference on A's.
    struct Pair {
        MatrixPanel a, b, diff;
        const DisplayTrace* units_a = nullptr;
        const DisplayTrace* units_b = nullptr;
        bool difference = false;
        int hover_row = -1, hover_col = -1;  // last frame's hover, kept for the marks
    };
    // The cell under the mouse (-1 = none) and its panel (0 = A, 1 = B, 2 = A − B).
    struct PairHit {
        int panel = -1, row = -1, col = -1;
    };

    Action draw_model_bar(AppState& state, const std::vector<ModelEntry>& models);
    void draw_mode_picker(CompareState& compare);
    void draw_head_pickers(AppState& state);
    void draw_rollout_pickers(AppState& state);
    void update(const Key& key, const AppState& state, gfx::HeatmapRenderer& renderer);
    void update_rollout(const RolloutKey& key, const AttentionTrace& a, const AttentionTrace& b,
                        const DisplayOptions& options, gfx::HeatmapRenderer& renderer);
    void draw_heads(AppState& state, const Analyst& analyst, gfx::HeatmapRenderer& renderer,
                    std::vector<PixelProbe>* probes);
    void draw_rollout(AppState& state, const Analyst& analyst, const Analyst& analyst_b,
                      gfx::HeatmapRenderer& renderer, std::vector<PixelProbe>* probes);
    // Lays `pair` out in the space left, with `footer_lines` lines of text under A and B drawn by
    // `footer(panel, top_left)`; the hover marks are shared when the axes align.
    PairHit draw_pair(Pair& pair, int footer_lines,
                      const std::function<void(int panel, ImVec2 at)>& footer, Selection& selection,
                      std::vector<PixelProbe>* probes);

    Key m_key;
    RolloutKey m_rollout_key;
    bool m_up_to_date = false;
    bool m_rollout_shown = false;  // the last frame drew m_rollout
    ModelsLayout m_layout, m_rollout_layout;
    Pair m_heads, m_rollout;
    PairLegends m_legends, m_rollout_legends;
    std::string m_folder;  // the "model folder" box for a model B not in the list
};

}  // namespace attnscope::app
