// Aggregation across heads and layers, on all tokens of the trace: the mean over the heads of a
// layer, attention rollout (how much each token after layer l draws on each input token, through
// the residual connections) and attention flow (a max-flow bound of the same), side by side for
// the chosen layer, under the chosen lens and, with words on, merged into words. Rollout comes with
// the Analyst's statistics; flow is slow (~T⁴·L), so it runs on the Analyst's flow worker with a
// cancel flag, cached per layer, and appears when ready (started automatically for short inputs, by
// a button for long ones).
#pragma once

#include <memory>
#include <vector>

#include "../analyst.h"
#include "../app_state.h"
#include "matrix_panel.h"

namespace attnscope::app {

class RolloutView {
  public:
    void draw(const DisplayOptions& options, Analyst& analyst, gfx::HeatmapRenderer& renderer,
              Selection& selection, std::vector<PixelProbe>* probes);
    // Rollout shown and, for short inputs, flow too (for scripted runs).
    bool up_to_date() const { return m_up_to_date; }

    // Inputs up to this many tokens get their flow computed without asking.
    static constexpr int k_auto_flow_tokens = 64;

  private:
    struct Key {
        std::shared_ptr<const AnalysisOutput> products;
        std::shared_ptr<const AnalysisOutput> flow;
        int layer = -1;
        Colormap colormap = Colormap::Viridis;
        bool operator==(const Key&) const = default;
    };
    void update(const Key& key, gfx::HeatmapRenderer& renderer);

    Key m_key;
    bool m_up_to_date = false;
    MatrixPanel m_mean, m_rollout, m_flow;
    ColorLegend m_legend;
    int m_hover_row = -1, m_hover_col = -1;
};

}  // namespace attnscope::app
