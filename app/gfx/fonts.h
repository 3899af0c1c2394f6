// Fonts: DejaVu Sans from Debian's fonts-dejavu-core (Latin, Greek, Cyrillic, Hebrew, arrows and
// the symbols token labels use), falling back to ImGui's built-in font when the file is missing.
// Characters outside those ranges (Chinese, Japanese, Korean, ...) are added on demand: from
// DejaVu Sans where it has them, else from a CJK font merged in (fonts-wqy-microhei).
#pragma once

#include <span>
#include <vector>

namespace attnscope::gfx {

// Builds the font atlas for `scale` (1 = 16 px): the base ranges (font_ranges.h) plus
// `extra_codepoints` (sorted; glyph_coverage.h decides them). Call before the first frame or
// between frames; when `recreate_texture`, also replaces the backend's font texture (after the
// first frame). Without a CJK font file, extra characters DejaVu Sans lacks show as boxes and
// stderr says so once. Returns false if the built-in font had to be used.
bool load_fonts(float scale, std::span<const char32_t> extra_codepoints, bool recreate_texture);

// The characters of `codepoints` the current font has no glyph for (it draws them as boxes).
std::vector<char32_t> codepoints_without_glyph(std::span<const char32_t> codepoints);

}  // namespace attnscope::gfx
