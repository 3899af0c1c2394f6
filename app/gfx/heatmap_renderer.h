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

    // Pixels per cell for an n x n matrix: about `target_px` pixels across, at most `max_cell_px`.
    static int cell_px_for(int n, int target_px, int max_cell_px);

private:
    ShaderProgram m_program;
    unsigned m_vao = 0;
    Texture m_values;
    int m_loc_values = -1, m_loc_cell_px = -1, m_loc_min = -1, m_loc_max = -1, m_loc_map = -1,
        m_loc_light = -1, m_loc_dark = -1;
};

}  // namespace attnscope::gfx
