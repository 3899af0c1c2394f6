// Two sentences: the same head for sentence A (the main sentence box) and sentence B (this view's
// box, run by the Session off the UI thread) side by side, and the signed difference A − B when
// the tokenisations align (minimal pairs like "...too tired" / "...too wide"); when they do not,
// the view says why and shows A and B side by side only. Tokens that differ are marked.
#pragma once

#include <memory>
#include <vector>

#include "../app_state.h"
#include "matrix_panel.h"

namespace attnscope::app {

class DiffView {
  public:
    // Returns true if the user edited sentence B (the caller tells the Session).
    bool draw(const AppState& state, gfx::HeatmapRenderer& renderer, CompareState& compare,
              Selection& selection, std::vector<PixelProbe>* probes);
    bool up_to_date() const { return m_up_to_date; }

  private:
    struct Key {
        std::shared_ptr<const DisplayTrace> a, b;
        int layer = -1, head = -1;
        Colormap colormap = Colormap::Viridis, diverging = Colormap::RdBu;
        ValueScale scale = ValueScale::Unit;
        bool operator==(const Key&) const = default;
    };
    bool draw_toolbar(const AppState& state, CompareState& compare, Selection& selection);
    void update(const Key& key, const AppState& state, gfx::HeatmapRenderer& renderer);

    Key m_key;
    bool m_up_to_date = false;
    PairLayout m_layout;
    std::vector<uint8_t> m_differs;  // [S] label style: 1 special, 2 differs between A and B
    MatrixPanel m_a, m_b, m_diff;
    PairLegends m_legends;
    int m_hover_row = -1, m_hover_col = -1;
};

}  // namespace attnscope::app
