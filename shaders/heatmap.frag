#version 330 core
// Colours one heatmap. u_values is a float matrix (GL_R32F): texel (x = key j, y = query i) holds
// the value of row i, column j. The target has u_cell_px pixels per cell and is shown with its
// first row at the top, so query 0 is the top row on screen. Cells holding the masked sentinel
// (below -1e29, attnscope::k_masked_value) become grey diagonal stripes.
#include "colormaps.glsl"

uniform sampler2D u_values;
uniform int u_cell_px;        // output pixels per cell along each axis
uniform float u_min;          // value drawn at the low end of the colour map
uniform float u_max;          // value drawn at the high end
uniform int u_colormap;       // attnscope::Colormap
uniform vec3 u_masked_light;  // stripe colours of masked cells
uniform vec3 u_masked_dark;

out vec4 frag_color;

void main() {
    ivec2 pixel = ivec2(gl_FragCoord.xy);
    float v = texelFetch(u_values, pixel / u_cell_px, 0).r;
    if (v < -1e29) {
        bool dark = ((pixel.x + pixel.y) % 6) < 2;
        frag_color = vec4(dark ? u_masked_dark : u_masked_light, 1.0);
        return;
    }
    float span = u_max - u_min;
    float t = span > 0.0 ? clamp((v - u_min) / span, 0.0, 1.0) : 0.0;
    frag_color = vec4(apply_colormap(u_colormap, t), 1.0);
}
