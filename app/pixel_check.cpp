#include "pixel_check.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace attnscope::app {

PixelCheckResult check_pixels(const std::vector<PixelProbe>& probes, const uint8_t* rgba, int width,
                              int height, int tolerance) {
    PixelCheckResult r;
    for (const PixelProbe& p : probes) {
        const int x = int(std::floor(p.x)), y = int(std::floor(p.y));
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const uint8_t* px = rgba + (size_t(y) * width + x) * 4;
        int diff = 0;
        std::string expected;
        if (p.masked) {
            // A grey between the two stripe colours.
            const int lo = k_masked_dark.r - tolerance, hi = k_masked_light.r + tolerance;
            for (int c = 0; c < 3; ++c)
                diff = std::max(diff, px[c] < lo ? lo - px[c] : px[c] > hi ? px[c] - hi : 0);
            diff = std::max(
                {diff, std::abs(px[0] - px[1]) - tolerance, std::abs(px[1] - px[2]) - tolerance});
            expected = "masked grey";
        } else {
            const Rgb8 want = colormap_rgb(p.map, normalise(p.value, p.range));
            diff = std::max(
                {std::abs(px[0] - want.r), std::abs(px[1] - want.g), std::abs(px[2] - want.b)});
            expected = "(" + std::to_string(want.r) + ", " + std::to_string(want.g) + ", " +
                       std::to_string(want.b) + ") for value " + std::to_string(p.value);
        }
        ++r.compared;
        r.max_diff = std::max(r.max_diff, p.masked ? 0 : diff);
        if (diff > (p.masked ? 0 : tolerance)) {
            ++r.failed;
            if (r.first_failure.empty())
                r.first_failure = p.what + " at pixel (" + std::to_string(x) + ", " +
                                  std::to_string(y) + "): expected " + expected + ", got (" +
                                  std::to_string(px[0]) + ", " + std::to_string(px[1]) + ", " +
                                  std::to_string(px[2]) + ")";
        }
    }
    return r;
}

}  // namespace attnscope::app
