// The heatmap of one head: query tokens as rows, key tokens as columns, labels on both axes
// (pinned while scrolling), the value and both tokens under the mouse, masked cells striped grey,
// zoom (Ctrl + wheel, slider, Fit) and scrolling for long inputs. The matrix is coloured on the
// GPU into a texture when the head, mode, options or trace change, never per frame.
#pragma once

#include <memory>
#include <vector>

#include "../app_state.h"
#include "../gfx/heatmap_renderer.h"

namespace attnscope::app {

class HeatmapView {
  public:
    void draw(const std::shared_ptr<const DisplayTrace>& display, const DisplayOptions& options,
              gfx::HeatmapRenderer& renderer, Selection& selection,
              std::vector<PixelProbe>* probes);

    // Pixels per cell instead of fitting the view (--zoom).
    void set_zoom(float cell_px) {
        m_cell = cell_px;
        m_fit = false;
    }

    // True once the texture shows the current key (for scripted runs).
    bool up_to_date() const { return m_up_to_date; }

  private:
    struct Key {
        std::shared_ptr<const DisplayTrace> display;
        int layer = -1, head = -1;
        HeatmapMode mode = HeatmapMode::Head;
        Colormap colormap = Colormap::Viridis, diverging = Colormap::RdBu;
        ValueScale scale = ValueScale::Unit;
        bool operator==(const Key&) const = default;
    };
    void update_texture(const Key& key, gfx::HeatmapRenderer& renderer);
    void draw_toolbar(const DisplayTrace& d, Selection& selection);
    void draw_canvas(const DisplayTrace& d, Selection& selection, std::vector<PixelProbe>* probes);

    Key m_key;
    bool m_up_to_date = false;
    std::vector<float> m_values;  // [S][S] what the texture shows, masked cells = sentinel
    ValueRange m_range;
    Colormap m_map = Colormap::Viridis;
    gfx::RenderTarget m_target;  // the coloured matrix
    gfx::RenderTarget m_legend;  // the colour bar
    float m_cell = 24.0f;        // pixels per cell when not fitting
    bool m_fit = true;           // size cells to fit the view
    int m_fit_tokens = -1;       // token count the current zoom was chosen for
};

}  // namespace attnscope::app
