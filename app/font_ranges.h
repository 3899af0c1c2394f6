// The character ranges always in the font atlas, shared by the atlas builder (gfx/fonts.cpp) and
// the logic that decides which other characters to add (glyph_coverage.h). Header only.
#pragma once

namespace attnscope::app {

struct CodepointRange {
    char32_t first = 0, last = 0;  // inclusive
};

// The scripts and symbols of typical inputs, all in the main font (DejaVu Sans); the atlas stays
// small enough for one texture. Anything else is added when the app shows it.
inline constexpr CodepointRange k_base_font_ranges[] = {
    {0x0020, 0x024F},  // Latin, Latin-1, Latin Extended-A/B
    {0x0370, 0x052F},  // Greek, Cyrillic
    {0x0590, 0x05FF},  // Hebrew
    {0x2000, 0x206F},  // General punctuation (— … ‘ ’ “ ”)
    {0x20A0, 0x20CF},  // Currency
    {0x2190, 0x21FF},  // Arrows (↵ ⇥)
    {0x2200, 0x22FF},  // Mathematical operators (√ ∞ ∘ − ∑: the teaching views)
    {0x2400, 0x243F},  // Control pictures (␣ ␍)
    {0x2580, 0x25FF},  // Block elements (▁: SentencePiece's word mark), geometric shapes
    {0xFFFD, 0xFFFD},  // Replacement character
};

}  // namespace attnscope::app
