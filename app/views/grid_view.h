// The model grid: every layer x head as a thumbnail at once (144 for GPT-2 small / BERT base),
// drawn from the heads' texture atlas (gfx::HeadTextures), never one rectangle per cell. Click a
// head to open it in the heatmap view.
#pragma once

#include <vector>

#include "../app_state.h"
#include "../gfx/head_textures.h"

namespace attnscope::app {

class GridView {
  public:
    // `probes`: when not null, receives cells to check against the colour map.
    // Sizes the thumbnails to the view and has `textures` upload and colour tiles at that size
    // (within `budget_values` floats uploaded this frame).
    void draw(const DisplayTrace& display, gfx::HeadTextures& textures,
              gfx::HeatmapRenderer& renderer, size_t budget_values, Selection& selection,
              std::vector<PixelProbe>* probes);
};

}  // namespace attnscope::app
