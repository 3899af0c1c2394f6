// The GLSL sources of shaders/, embedded at build time (app/embed_shaders.cmake), with
// colormaps.glsl pasted into heatmap.frag where it is #included.
#pragma once

namespace attnscope::gfx {

extern const char* const k_heatmap_vert;
extern const char* const k_heatmap_frag;

}  // namespace attnscope::gfx
