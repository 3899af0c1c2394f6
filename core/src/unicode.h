// Unicode helpers for the tokenizers: UTF-8 decoding and encoding, the character classes the
// Hugging Face pre-tokenizers use, NFD and per-character lowercase. Classification goes through
// ICU, with a table for ASCII because almost all input is ASCII and typing re-tokenizes per key.
// Everything here is stateless or reads immutable ICU data, so it is safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::unicode {

// One code point decoded from valid UTF-8: its value and its length in bytes (1..4).
struct Utf8Char {
    char32_t cp = 0;
    uint32_t len = 1;
};

// Decodes the code point starting at text[pos]. The text must be valid UTF-8 (check it first with
// is_valid_utf8); pos must be < text.size() and on a character boundary.
inline Utf8Char decode_utf8(std::string_view text, size_t pos) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data()) + pos;
    unsigned char c = s[0];
    if (c < 0x80) return {c, 1};
    if (c < 0xE0) return {char32_t((c & 0x1Fu) << 6 | (s[1] & 0x3Fu)), 2};
    if (c < 0xF0) return {char32_t((c & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu)), 3};
    return {
        char32_t((c & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu)),
        4};
}

// Length in bytes of the UTF-8 character whose first byte is c (valid UTF-8 assumed).
inline uint32_t utf8_len(unsigned char c) {
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

void append_utf8(std::string& out, char32_t cp);

// Validates UTF-8 strictly (no overlongs, surrogates or code points past U+10FFFF). On failure
// returns false and sets *bad_offset (if given) to the offset of the first byte that is wrong.
bool valid_utf8(std::string_view text, size_t* bad_offset);

// Decodes arbitrary bytes as UTF-8, replacing each maximal invalid subpart with U+FFFD, as
// Python's bytes.decode(errors="replace") and Rust's String::from_utf8_lossy do. Token display
// texts use it: a token holding part of a multi-byte character shows as U+FFFD.
std::string utf8_lossy(std::string_view bytes);

// The White_Space property: what Rust's char::is_whitespace and the \s of Hugging Face's
// regexes mean. U+0085 is white space; U+FEFF and U+001C..U+001F are not.
bool is_white_space(char32_t cp);
// General category L* (\p{L}) and N* (\p{N}).
bool is_letter(char32_t cp);
bool is_number(char32_t cp);
// BERT's punctuation: ASCII punctuation (including $+<=>^`|~) or any P* character.
bool is_bert_punct(char32_t cp);
// BERT's "control": Cc, Cf or Co, except \t \n \r (which count as white space).
bool is_bert_control(char32_t cp);
// Regex \w as Rust's regex crate defines it (Alphabetic, M*, Nd, Pc, Join_Control): what
// single_word added tokens use to decide whether a match touches a word.
bool is_word_char(char32_t cp);
// General category Mn (nonspacing mark), dropped by BERT's accent stripping.
bool is_nonspacing_mark(char32_t cp);
// The CJK ideograph ranges of Hugging Face tokenizers' BertNormalizer (Rust, not Python).
bool is_cjk_ideograph(char32_t cp);
// Canonical combining class, for NFD's canonical reordering.
uint8_t combining_class(char32_t cp);

// Appends the full canonical decomposition of cp (itself if it has none). The result of one
// character is canonically ordered; callers reorder across characters themselves.
void nfd_decompose(char32_t cp, std::vector<char32_t>& out);

// Lowercases one character as Rust's char::to_lowercase does (full mapping, no context): one code
// point in all cases but U+0130, which becomes "i" + U+0307. Appends to out.
void to_lower_full(char32_t cp, std::vector<char32_t>& out);

}  // namespace attnscope::unicode
