// Turns a float matrix into a coloured texture on the GPU: upload as GL_R32F, draw one triangle
// into an RGBA8 RenderTarget whose fragment shader (shaders/heatmap.frag) applies the colour map
// and stripes masked cells. Views then show the target with ImGui::Image.
#pragma once

#include <span>
#include <string>

#include "attnscope/analysis.h"
#include "shader.h"
#include "texture.h"

namespace attnscope::gfx {

struct HeatmapStyle {
    Colormap colormap = Colormap::Viridis;
    ValueRange range;  // values mapped to the ends of the colour map
    int cell_px = 1;   // target pixels per cell along each axis
};

class HeatmapRenderer {
  public:
    HeatmapRenderer() = default;
    ~HeatmapRenderer();
    HeatmapRenderer(const HeatmapRenderer&) = delete;
    HeatmapRenderer& operator=(const HeatmapRenderer&) = delete;

    // Compiles the embedded shaders. Needs a current GL 3.3 context. False + *error on failure.
    bool init(std::string* error);
    bool ready() const { return m_program.valid(); }

    // Colours `values` ([rows][cols] row-major; masked cells hold k_masked_value) into `target`,
    // resized to cols*cell_px x rows*cell_px, and rebuilds its mipmaps. Leaves the default
    // framebuffer bound and the previous viewport, program, VAO and texture restored.
    void render(RenderTarget& target, std::span<const float> values, int rows, int cols,
                const HeatmapStyle& style);

    // Colours tiles of the model grid's atlas (shaders/grid.frag): tile l*H + h at column h, row
    // l, thumb_px square, from layer l*H + h of `values` and the (lo, hi) colour range at texel
    // (h, l) of `ranges` (RG32F). Restores GL state like render().
    struct GridStyle {
        Colormap colormap = Colormap::Viridis;
        int n_head = 1;    // tiles per atlas row
        int n_token = 1;   // cells per side of a head
        int thumb_px = 1;  // tile size
    };
    void render_grid_tiles(RenderTarget& atlas, const ValueArray& values, const Texture& ranges,
                           std::span<const int> tiles, const GridStyle& style);

    // Pixels per cell for an n x n matrix: about `target_px` pixels across, at most `max_cell_px`.
    static int cell_px_for(int n, int target_px, int max_cell_px);

  private:
    ShaderProgram m_program;
    ShaderProgram m_grid;
    unsigned m_vao = 0;
    Texture m_values;
    int m_loc_values = -1, m_loc_cell_px = -1, m_loc_min = -1, m_loc_max = -1, m_loc_map = -1,
        m_loc_light = -1, m_loc_dark = -1;
    struct GridUniforms {
        int values = -1, ranges = -1, heads = -1, tokens = -1, thumb = -1, map = -1, light = -1,
            dark = -1;
    } m_grid_loc;
};

}  // namespace attnscope::gfx
