#version 330 core
// Colours tiles of the model grid's atlas: tile (column h, row l) shows head l*H + h at thumbnail
// size. Every head's weights sit in one layer of u_values (texel (key j, query i)). A pixel covers
// a block of cells when the input is longer than the thumbnail is wide: it shows the mean of the
// block's unmasked cells (at most 8 x 8 samples), so long inputs shrink without aliasing; when
// cells are larger than pixels it shows its cell's value exactly. Masked cells are grey stripes.
#include "colormaps.glsl"

uniform sampler2DArray u_values;
uniform sampler2D u_ranges;   // RG32F, texel (h, l) = colour range (lo, hi) of that head
uniform int u_heads;          // H: tiles per atlas row
uniform int u_tokens;         // S: cells along each side of a head
uniform int u_thumb;          // tile size in pixels
uniform int u_colormap;       // attnscope::Colormap
uniform vec3 u_masked_light;
uniform vec3 u_masked_dark;

out vec4 frag_color;

void main() {
    ivec2 pixel = ivec2(gl_FragCoord.xy);
    ivec2 tile = pixel / u_thumb;
    ivec2 p = pixel - tile * u_thumb;
    int layer = tile.y * u_heads + tile.x;
    // The cells under this pixel: [c0, c1) along each axis, at least one.
    ivec2 c0 = (p * u_tokens) / u_thumb;
    ivec2 c1 = max(c0 + 1, min(((p + 1) * u_tokens) / u_thumb, ivec2(u_tokens)));
    ivec2 step = max(ivec2(1), (c1 - c0 + 7) / 8);
    float sum = 0.0;
    int n = 0;
    for (int y = c0.y; y < c1.y; y += step.y) {
        for (int x = c0.x; x < c1.x; x += step.x) {
            float v = texelFetch(u_values, ivec3(x, y, layer), 0).r;
            if (v >= -1e29) {
                sum += v;
                n += 1;
            }
        }
    }
    if (n == 0) {
        bool dark = ((pixel.x + pixel.y) % 6) < 2;
        frag_color = vec4(dark ? u_masked_dark : u_masked_light, 1.0);
        return;
    }
    vec2 range = texelFetch(u_ranges, tile, 0).rg;
    float span = range.y - range.x;
    float t = span > 0.0 ? clamp((sum / float(n) - range.x) / span, 0.0, 1.0) : 0.0;
    frag_color = vec4(apply_colormap(u_colormap, t), 1.0);
}
