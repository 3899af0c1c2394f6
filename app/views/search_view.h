// Head search: every head ranked by the value shown from a query token (or word) to a key token
// (click "it", then "animal"), or by a pattern statistic (previous token, self, first-token sink,
// special tokens, broad = entropy, long range = mean distance, largest weight). Shows the score of
// every head as a layers x heads map and the ten best heads as a list; clicking a head selects it,
// a list row can be pinned for the compare view. Rankings come from core (head_analysis.h), on the
// view model (hidden tokens, words, lens as every view shows them), and are recomputed only when
// the view model, the tokens or the ranking change.
#pragma once

#include <memory>
#include <vector>

#include "../analyst.h"
#include "../app_state.h"
#include "matrix_panel.h"

namespace attnscope::app {

class SearchView {
  public:
    void draw(const std::shared_ptr<const DisplayTrace>& display, const DisplayOptions& options,
              const Analyst& analyst, gfx::HeatmapRenderer& renderer, CompareState& compare,
              Selection& selection, std::vector<PixelProbe>* probes);
    bool up_to_date() const { return m_up_to_date; }

  private:
    struct Key {
        std::shared_ptr<const DisplayTrace> display;
        std::shared_ptr<const AnalysisOutput> products;
        int query = -1, key = -1;
        SearchRank rank = SearchRank::Weight;
        HeadStatistic statistic = HeadStatistic::PreviousToken;
        Colormap colormap = Colormap::Viridis;
        bool operator==(const Key&) const = default;
    };
    void draw_token_pickers(const DisplayTrace& d, CompareState& compare, Selection& selection);
    void draw_rank_picker(CompareState& compare);
    void update_ranking(const Key& key, const DisplayTrace& display,
                        gfx::HeatmapRenderer& renderer);

    Key m_key;
    bool m_up_to_date = false;
    HeadSearch m_search;  // the ranking and its map (the SVG export computes the same)
    MatrixPanel m_map;    // m_search.map on the GPU
    ColorLegend m_legend;
};

}  // namespace attnscope::app
