// Fonts: DejaVu Sans from Debian's fonts-dejavu-core (Latin, Greek, Cyrillic, Hebrew, arrows and
// the symbols token labels use), falling back to ImGui's built-in font when the file is missing.
#pragma once

namespace attnscope::gfx {

// Builds the font atlas for `scale` (1 = 16 px). Call before the first frame or between frames;
// when `recreate_texture`, also replaces the backend's font texture (after the first frame).
// Returns false if the fallback font had to be used.
bool load_fonts(float scale, bool recreate_texture);

}  // namespace attnscope::gfx
