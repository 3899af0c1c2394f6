// The GLSL sources of shaders/, embedded at build time (app/embed_shaders.cmake), with
// colormaps.glsl pasted where it is #included. grid.frag shares heatmap.vert (a triangle
// covering the viewport).
#pragma once

namespace attnscope::gfx {

extern const char* const k_heatmap_vert;
extern const char* const k_heatmap_frag;
extern const char* const k_grid_frag;

}  // namespace attnscope::gfx
