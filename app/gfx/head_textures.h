// One coloured texture per (layer, head) of a DisplayTrace, for the model grid. Rendering is
// spread over frames under a texel budget so a long input never stalls the UI; the grid draws a
// placeholder for heads not yet rendered. Textures are rebuilt only when the display trace, the
// colour map or the value scale change, never per frame.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "attnscope/analysis.h"
#include "heatmap_renderer.h"

namespace attnscope::gfx {

class HeadTextures {
public:
    // Points the cache at a display trace and options; marks every head stale if they changed.
    void set_source(std::shared_ptr<const DisplayTrace> display, const DisplayOptions& options);
    // Renders stale heads until about `budget_texels` target texels were drawn (at least one
    // head). Returns how many heads were rendered.
    int update(HeatmapRenderer& renderer, size_t budget_texels);

    bool complete() const { return m_n_ready == m_ready.size(); }
    bool ready(int layer, int head) const { return m_ready[index(layer, head)] != 0; }
    ImTextureID texture(int layer, int head) const { return m_targets[index(layer, head)].imgui_id(); }
    // The colour mapping head (layer, head) was drawn with (for pixel probes).
    HeatmapStyle style_of(int layer, int head) const;
    const DisplayTrace* display() const { return m_display.get(); }

private:
    size_t index(int layer, int head) const { return size_t(layer) * m_display->n_head + head; }

    std::shared_ptr<const DisplayTrace> m_display;
    Colormap m_colormap = Colormap::Viridis;
    ValueScale m_scale = ValueScale::Unit;
    int m_cell_px = 1;
    std::vector<RenderTarget> m_targets;  // [L*H]
    std::vector<uint8_t> m_ready;         // [L*H]
    size_t m_n_ready = 0;
    size_t m_next = 0;                    // next head to render
    std::vector<float> m_scratch;         // one head's values with the mask applied
};

}  // namespace attnscope::gfx
