// Compare heads side by side: up to six pinned heads (any layers) on the same token axes, with a
// synchronized hover (the cell under the mouse is outlined in every head and the tooltip lists
// every head's value) and each head's summary numbers under it (entropy, mean distance, largest
// weight, mass on special tokens, mass on the previous token). Heads are pinned from the toolbar,
// the head search or --pin.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "../analyst.h"
#include "../app_state.h"
#include "matrix_panel.h"

namespace attnscope::app {

class CompareView {
  public:
    void draw(const std::shared_ptr<const DisplayTrace>& display, const DisplayOptions& options,
              const Analyst& analyst, gfx::HeatmapRenderer& renderer, CompareState& compare,
              Selection& selection, std::vector<PixelProbe>* probes);
    // The textures show the current pins (for scripted runs).
    bool up_to_date() const { return m_up_to_date; }

  private:
    struct Key {
        std::shared_ptr<const DisplayTrace> display;
        std::vector<HeadRef> pins;
        Colormap colormap = Colormap::Viridis;
        ValueScale scale = ValueScale::Unit;
        bool operator==(const Key&) const = default;
    };
    void draw_toolbar(const DisplayTrace& d, CompareState& compare, Selection& selection,
                      gfx::HeatmapRenderer& renderer);

    Key m_key;
    bool m_up_to_date = false;
    std::array<MatrixPanel, k_max_pins> m_panels;
    ColorLegend m_legend;
    int m_hover_row = -1, m_hover_col = -1;  // the cell under the mouse last frame (any panel)
};

}  // namespace attnscope::app
