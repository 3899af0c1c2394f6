// The model grid's texture: an atlas with every (layer, head) of a DisplayTrace as a thumbnail
// tile, so a frame draws the whole grid from one texture at 1:1 (a single draw call, nothing
// shrunk per frame). The heads' weights go to the GPU once, as layers of one float array texture;
// shaders/grid.frag colours them straight into the atlas at the thumbnail size (averaging the
// cells under a pixel for long inputs). Uploads are spread over frames under a budget, so a long
// input never stalls the UI; the grid draws a placeholder for tiles not yet coloured. The
// colour map, scale or thumbnail size changing recolours the tiles without a new upload.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "attnscope/analysis.h"
#include "heatmap_renderer.h"

namespace attnscope::gfx {

class HeadTextures {
  public:
    // Points the cache at a display trace and options.
    void set_source(std::shared_ptr<const DisplayTrace> display, const DisplayOptions& options);
    // Uploads heads until about `budget_values` floats went to the GPU this frame (at least one
    // head), then colours the tiles that are uploaded but not drawn at `thumb_px`.
    void update(HeatmapRenderer& renderer, size_t budget_values, int thumb_px);

    // Tile (layer, head) is in the atlas.
    bool ready(int layer, int head) const { return m_drawn[index(layer, head)] != 0; }
    // Every tile is in the atlas.
    bool complete() const { return m_display && m_n_drawn == m_drawn.size(); }
    ImTextureID atlas() const { return m_atlas.imgui_id(); }
    // Texture coordinates of tile (layer, head) in the atlas.
    ImVec2 uv_min(int layer, int head) const;
    ImVec2 uv_max(int layer, int head) const;
    // The colour mapping tile (layer, head) uses (for pixel probes).
    HeatmapStyle style_of(int layer, int head) const;
    const DisplayTrace* display() const { return m_display.get(); }
    // False if the driver cannot hold this many heads in one array texture.
    bool supported() const { return m_supported; }

  private:
    size_t index(int layer, int head) const { return size_t(layer) * m_display->n_head + head; }

    std::shared_ptr<const DisplayTrace> m_display;
    Colormap m_colormap = Colormap::Viridis;
    ValueScale m_scale = ValueScale::Unit;
    ValueArray m_values;   // [L*H] layers of S x S weights, masked = sentinel
    Texture m_ranges;      // RG32F [L][H] (lo, hi)
    RenderTarget m_atlas;  // H columns x L rows of thumb_px tiles
    int m_thumb_px = 0;
    std::vector<uint8_t> m_uploaded;  // [L*H]
    std::vector<uint8_t> m_drawn;     // [L*H]
    size_t m_n_uploaded = 0, m_n_drawn = 0;
    bool m_supported = true;
    std::vector<float> m_scratch;  // one head's values with the mask applied
};

}  // namespace attnscope::gfx
