// One coloured matrix (a head, a difference, a rollout, a layers x heads ranking) drawn into a box
// of whole cells: coloured on the GPU into its own texture when its values change (never per
// frame), shown with hover and highlight marks, and reporting cells for the pixel tests. The
// compare, diff, search and rollout views lay several of these side by side on the same axes.
#pragma once

#include <string>
#include <vector>

#include <imgui.h>

#include "../app_state.h"
#include "../gfx/heatmap_renderer.h"
#include "../view_panels.h"

namespace attnscope::app {

class MatrixPanel {
  public:
    // New contents: `values` is [rows][cols] with masked cells = k_masked_value.
    void set(gfx::HeatmapRenderer& renderer, std::vector<float> values, int rows, int cols,
             Colormap map, ValueRange range);
    // New contents from a view model (view_panels.h), title included.
    void set(gfx::HeatmapRenderer& renderer, PanelData panel) {
        m_title = std::move(panel.title);
        set(renderer, std::move(panel.values), panel.rows, panel.cols, panel.map, panel.range);
    }
    bool valid() const { return m_rows > 0 && m_target.valid(); }

    struct Hit {
        int row = -1, col = -1;  // the cell under the mouse, -1 = none
        bool clicked = false;
    };
    // Draws at the cursor with `cell` pixels per cell (whole cells, top-left on a whole pixel).
    // `mark_row` / `mark_col`: a row outlined in the accent colour and a cell outlined in white
    // (the hover of any panel on the same axes), -1 = none. `probes` (may be null) gets a few
    // cells to compare with the colour map, named after `what`.
    Hit draw(const char* id, float cell, int mark_row, int mark_cell_row, int mark_cell_col,
             std::vector<PixelProbe>* probes, const std::string& what);

    float value(int row, int col) const { return m_values[size_t(row) * m_cols + col]; }
    int rows() const { return m_rows; }
    int cols() const { return m_cols; }
    ValueRange range() const { return m_range; }
    Colormap colormap() const { return m_map; }
    const std::string& title() const { return m_title; }  // PanelData::title ("" = none)

  private:
    gfx::RenderTarget m_target;
    std::string m_title;
    std::vector<float> m_values;
    int m_rows = 0, m_cols = 0;
    Colormap m_map = Colormap::Viridis;
    ValueRange m_range;
};

// Token labels right-aligned in a column ending at `right_x`, one per row of `cell` pixels from
// `top_y` (every step-th when rows are shorter than the text). `hot` / `accent_row` get brighter
// colours; `dim[i]` (may be empty): 1 greys a special token, 2 marks one red (differs).
void draw_row_labels(ImDrawList* dl, const std::vector<std::string>& labels,
                     const std::vector<uint8_t>& dim, float right_x, float top_y, float cell,
                     float max_px, int hot, int accent_row);
// Token labels rotated, reading upwards from `bottom_y`, one per column.
void draw_col_labels(ImDrawList* dl, const std::vector<std::string>& labels,
                     const std::vector<uint8_t>& dim, float left_x, float bottom_y, float cell,
                     float max_px, int hot, int accent_col);
// Width of the widest label (capped at max_px) plus a margin.
float labels_extent(const std::vector<std::string>& labels, float max_px);

// A colour bar with its range ("0.00 [bar] 1.00") on one line; recoloured only on change.
class ColorLegend {
  public:
    void draw(gfx::HeatmapRenderer& renderer, Colormap map, ValueRange range, float width);

  private:
    gfx::RenderTarget m_target;
    Colormap m_map = Colormap::Viridis;
    ValueRange m_range{0, 0};
};

// The legends above a pair of panels (two sentences, two models): "A and B (lens):" with A's
// colour bar, and "A − B:" with the difference's bar when there is a difference panel.
class PairLegends {
  public:
    void draw(gfx::HeatmapRenderer& renderer, const std::string& lens, const MatrixPanel& a,
              const MatrixPanel* difference);

  private:
    ColorLegend m_pair, m_difference;
};

// The value lines of a tooltip over cell (row, col) of a pair (two sentences, two models): "masked"
// where `shown` masks it, else "A 0.1234   B 0.2345   A − B -0.1111" when the pair has a
// difference, else the value of the hovered `panel` (0 = A, 1 = B).
void pair_cell_values(const DisplayTrace& shown, const MatrixPanel& a, const MatrixPanel& b,
                      bool difference, int panel, int row, int col);

}  // namespace attnscope::app
