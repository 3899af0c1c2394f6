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

// Uncased BERT strips accents through NFD, which splits Hangul syllables into conjoining Jamo
// (U+1100..11FF): "한" becomes ᄒ ᅡ ᆫ, and such pieces are its tokens. CJK fonts of Debian's
// smaller packages lack those code points but have the compatibility Jamo (U+3131..318E), the same
// letters drawn alone; the atlas draws each conjoining Jamo with that glyph. 0 for any other
// character (archaic Jamo included).
constexpr char32_t compatibility_jamo(char32_t c) {
    // Leading consonants ᄀ..ᄒ.
    constexpr char16_t leading[] = {0x3131, 0x3132, 0x3134, 0x3137, 0x3138, 0x3139, 0x3141,
                                    0x3142, 0x3143, 0x3145, 0x3146, 0x3147, 0x3148, 0x3149,
                                    0x314A, 0x314B, 0x314C, 0x314D, 0x314E};
    // Trailing consonants ᆨ..ᇂ.
    constexpr char16_t trailing[] = {0x3131, 0x3132, 0x3133, 0x3134, 0x3135, 0x3136, 0x3137,
                                     0x3139, 0x313A, 0x313B, 0x313C, 0x313D, 0x313E, 0x313F,
                                     0x3140, 0x3141, 0x3142, 0x3144, 0x3145, 0x3146, 0x3147,
                                     0x3148, 0x314A, 0x314B, 0x314C, 0x314D, 0x314E};
    if (c >= 0x1100 && c <= 0x1112) return leading[c - 0x1100];
    if (c >= 0x1161 && c <= 0x1175) return 0x314F + (c - 0x1161);  // vowels ᅡ..ᅵ, same order
    if (c >= 0x11A8 && c <= 0x11C2) return trailing[c - 0x11A8];
    return 0;
}

}  // namespace attnscope::app
