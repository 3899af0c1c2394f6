// Compares framebuffer pixels at heatmap cells with the CPU colour map (the pixel tests).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app_state.h"

namespace attnscope::app {

struct PixelCheckResult {
    int compared = 0;
    int failed = 0;
    int max_diff = 0;           // largest channel difference seen, 0..255
    std::string first_failure;  // what, where, expected vs got
    bool ok() const { return compared > 0 && failed == 0; }
};

// `rgba`: width x height pixels, rows top to bottom. Unmasked cells must equal
// colormap_rgb(probe.map, normalise(value, range)) within `tolerance` per channel; masked cells
// must be one of the stripe greys (or a blend of them).
PixelCheckResult check_pixels(const std::vector<PixelProbe>& probes, const uint8_t* rgba, int width,
                              int height, int tolerance);

}  // namespace attnscope::app
