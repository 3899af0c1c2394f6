// Which characters the font atlas must hold. The atlas always has the base ranges (Latin, Greek,
// Cyrillic, ...: font_ranges.h); any other character the app shows (Chinese, Japanese, Korean,
// ...) is added on demand, because full CJK ranges would make a huge atlas and a slow start.
// This part decides which characters are needed and which are new; gfx/fonts.cpp builds the
// atlas. No ImGui, no GL.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "app_state.h"
#include "font_ranges.h"
#include "model_catalog.h"

namespace attnscope::app {

bool in_base_font_ranges(char32_t c);  // k_base_font_ranges

// The characters of `texts` (UTF-8; invalid bytes are skipped) that must be added to the atlas:
// outside the base ranges, not control characters, within the Basic Multilingual Plane (Debian's
// ImGui 1.86 has 16-bit ImWchar: it draws anything above U+FFFF as U+FFFD), and not already in
// `in_atlas` (sorted). Sorted, without duplicates.
std::vector<char32_t> new_atlas_codepoints(std::span<const std::string_view> texts,
                                           std::span<const char32_t> in_atlas);

// Every text the app may draw from `st` and the model list: sentence A, its pair, sentence B,
// the tokens and labels of each trace shown (token strip, heatmap labels, tooltips, teaching
// views, predictions), model names, error messages. Views into `st` and `models`: use them
// before either changes.
std::vector<std::string_view> shown_texts(const AppState& st, std::span<const ModelEntry> models);

// The characters added to the atlas beyond the base ranges so far (the App's record of them).
class AtlasCodepoints {
  public:
    // What `texts` need that the atlas does not have yet (empty: no rebuild needed).
    std::vector<char32_t> missing(std::span<const std::string_view> texts) const {
        return new_atlas_codepoints(texts, m_codepoints);
    }
    // Records what `texts` need; true if anything was new (the atlas must be rebuilt).
    bool add(std::span<const std::string_view> texts);
    const std::vector<char32_t>& codepoints() const { return m_codepoints; }

  private:
    std::vector<char32_t> m_codepoints;  // sorted
};

}  // namespace attnscope::app
