// Colour maps for heatmaps. The CPU twin is colormap_rgb() in core/src/analysis.cpp: the same
// coefficients evaluated in the same order, so pixels and CPU colours agree to rounding (the pixel
// tests check this). Ids follow attnscope::Colormap: 0 viridis, 1 magma, 2 rdbu.

// Degree-6 polynomial fits of matplotlib's viridis and magma (Matt Zucker, CC0).
vec3 colormap_viridis(float t) {
    const vec3 c0 = vec3(0.2777273272234177, 0.005407344544966578, 0.3340998053353061);
    const vec3 c1 = vec3(0.1050930431085774, 1.404613529898575, 1.384590162594685);
    const vec3 c2 = vec3(-0.3308618287255563, 0.214847559468213, 0.09509516302823659);
    const vec3 c3 = vec3(-4.634230498983486, -5.799100973351585, -19.33244095627987);
    const vec3 c4 = vec3(6.228269936347081, 14.17993336680509, 56.69055260068105);
    const vec3 c5 = vec3(4.776384997670288, -13.74514537774601, -65.35303263337234);
    const vec3 c6 = vec3(-5.435455855934631, 4.645852612178535, 26.3124352495832);
    return c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6)))));
}

vec3 colormap_magma(float t) {
    const vec3 c0 = vec3(-0.002136485053939582, -0.000749655052795221, -0.005386127855323933);
    const vec3 c1 = vec3(0.2516605407371642, 0.6775232436837668, 2.494026599312351);
    const vec3 c2 = vec3(8.353717279216625, -3.577719514958484, 0.3144679030132573);
    const vec3 c3 = vec3(-27.66873308576866, 14.26473078096533, -13.64921318813922);
    const vec3 c4 = vec3(52.17613981234068, -27.94360607168351, 12.94416944238394);
    const vec3 c5 = vec3(-50.76852536473588, 29.04658282127291, 4.23415299384598);
    const vec3 c6 = vec3(18.65570506591883, -11.48977351997711, -5.601961508734096);
    return c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6)))));
}

// ColorBrewer RdBu (11 classes) from blue (low) through near-white to red (high); linear between
// the stops.
vec3 colormap_rdbu(float t) {
    const vec3 stops[11] = vec3[11](
        vec3(5, 48, 97), vec3(33, 102, 172), vec3(67, 147, 195), vec3(146, 197, 222),
        vec3(209, 229, 240), vec3(247, 247, 247), vec3(253, 219, 199), vec3(244, 165, 130),
        vec3(214, 96, 77), vec3(178, 24, 43), vec3(103, 0, 31));
    float x = t * 10.0;
    int i = clamp(int(floor(x)), 0, 9);
    float f = x - float(i);
    return (stops[i] * (1.0 - f) + stops[i + 1] * f) / 255.0;
}

vec3 apply_colormap(int map, float t) {
    vec3 c;
    if (map == 1) {
        c = colormap_magma(t);
    } else if (map == 2) {
        c = colormap_rdbu(t);
    } else {
        c = colormap_viridis(t);
    }
    return clamp(c, 0.0, 1.0);
}
