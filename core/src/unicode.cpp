#include "unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <array>
#include <cassert>
#include <stdexcept>

namespace attnscope::unicode {

namespace {

// Flags for the 128 ASCII characters, so the common case never calls into ICU.
enum : uint8_t {
    kSpace = 1,      // White_Space
    kLetter = 2,     // L*
    kNumber = 4,     // N*
    kBertPunct = 8,  // ASCII punctuation
    kControl = 16,   // BERT control (Cc minus \t\n\r)
};

constexpr std::array<uint8_t, 128> make_ascii_table() {
    std::array<uint8_t, 128> t{};
    for (int c = 0; c < 128; ++c) {
        uint8_t f = 0;
        if (c == ' ' || (c >= 0x09 && c <= 0x0D)) f |= kSpace;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) f |= kLetter;
        if (c >= '0' && c <= '9') f |= kNumber;
        if ((c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
            (c >= 0x7B && c <= 0x7E))
            f |= kBertPunct;
        if ((c < 0x20 || c == 0x7F) && c != '\t' && c != '\n' && c != '\r') f |= kControl;
        t[c] = f;
    }
    return t;
}

constexpr std::array<uint8_t, 128> kAscii = make_ascii_table();

const icu::Normalizer2& nfd_instance() {
    // Function-local static: initialised once, thread-safely; ICU's instance is immutable.
    static const icu::Normalizer2* nfd = [] {
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* n = icu::Normalizer2::getNFDInstance(status);
        if (U_FAILURE(status) || n == nullptr)
            throw std::runtime_error(std::string("ICU: cannot load NFD data: ") +
                                     u_errorName(status));
        return n;
    }();
    return *nfd;
}

// Second-byte bounds of a UTF-8 sequence by its lead byte (RFC 3629 table), so overlongs,
// surrogates and values past U+10FFFF are rejected at the second byte, as the Unicode
// "maximal subpart" rule for replacement characters requires.
inline bool second_byte_ok(unsigned char lead, unsigned char b) {
    switch (lead) {
        case 0xE0:
            return b >= 0xA0 && b <= 0xBF;
        case 0xED:
            return b >= 0x80 && b <= 0x9F;
        case 0xF0:
            return b >= 0x90 && b <= 0xBF;
        case 0xF4:
            return b >= 0x80 && b <= 0x8F;
        default:
            return b >= 0x80 && b <= 0xBF;
    }
}

// Examines the sequence at s[i]. Returns its length if it is a valid character, else 0 and sets
// *subpart to the length of the maximal invalid subpart (>= 1).
inline size_t check_sequence(const unsigned char* s, size_t n, size_t i, size_t* subpart) {
    unsigned char c = s[i];
    if (c < 0x80) return 1;
    size_t need;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4;
    else {
        *subpart = 1;
        return 0;
    }
    size_t k = 1;
    for (; k < need; ++k) {
        if (i + k >= n) break;
        unsigned char b = s[i + k];
        bool ok = k == 1 ? second_byte_ok(c, b) : (b >= 0x80 && b <= 0xBF);
        if (!ok) break;
    }
    if (k == need) return need;
    *subpart = k;
    return 0;
}

}  // namespace

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(char(cp));
    } else if (cp < 0x800) {
        out.push_back(char(0xC0 | (cp >> 6)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(char(0xE0 | (cp >> 12)));
        out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(char(0xF0 | (cp >> 18)));
        out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    }
}

bool valid_utf8(std::string_view text, size_t* bad_offset) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        // Skip ASCII quickly: it is nearly all of the input.
        if (s[i] < 0x80) {
            ++i;
            continue;
        }
        size_t subpart = 0;
        size_t len = check_sequence(s, n, i, &subpart);
        if (len == 0) {
            if (bad_offset) *bad_offset = i;
            return false;
        }
        i += len;
    }
    return true;
}

std::string utf8_lossy(std::string_view bytes) {
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    size_t n = bytes.size();
    std::string out;
    out.reserve(n);
    size_t i = 0;
    while (i < n) {
        size_t subpart = 0;
        size_t len = check_sequence(s, n, i, &subpart);
        if (len) {
            out.append(bytes.data() + i, len);
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            i += subpart;
        }
    }
    return out;
}

bool is_white_space(char32_t cp) {
    if (cp < 128) return kAscii[cp] & kSpace;
    return u_isUWhiteSpace(UChar32(cp));
}

bool is_letter(char32_t cp) {
    if (cp < 128) return kAscii[cp] & kLetter;
    return (U_GET_GC_MASK(UChar32(cp)) & U_GC_L_MASK) != 0;
}

bool is_number(char32_t cp) {
    if (cp < 128) return kAscii[cp] & kNumber;
    return (U_GET_GC_MASK(UChar32(cp)) & U_GC_N_MASK) != 0;
}

bool is_bert_punct(char32_t cp) {
    if (cp < 128) return kAscii[cp] & kBertPunct;
    return (U_GET_GC_MASK(UChar32(cp)) & U_GC_P_MASK) != 0;
}

bool is_bert_control(char32_t cp) {
    if (cp < 128) return kAscii[cp] & kControl;
    return (U_GET_GC_MASK(UChar32(cp)) & (U_GC_CC_MASK | U_GC_CF_MASK | U_GC_CO_MASK)) != 0;
}

bool is_word_char(char32_t cp) {
    if (cp < 128) return (kAscii[cp] & (kLetter | kNumber)) || cp == '_';
    if (u_hasBinaryProperty(UChar32(cp), UCHAR_ALPHABETIC)) return true;
    if (u_hasBinaryProperty(UChar32(cp), UCHAR_JOIN_CONTROL)) return true;
    return (U_GET_GC_MASK(UChar32(cp)) & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0;
}

bool is_nonspacing_mark(char32_t cp) {
    if (cp < 0x300) return false;  // the first Mn is U+0300
    return u_charType(UChar32(cp)) == U_NON_SPACING_MARK;
}

bool is_cjk_ideograph(char32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

uint8_t combining_class(char32_t cp) {
    if (cp < 0x300) return 0;
    return u_getCombiningClass(UChar32(cp));
}

void nfd_decompose(char32_t cp, std::vector<char32_t>& out) {
    if (cp < 0xC0) {  // nothing below U+00C0 decomposes
        out.push_back(cp);
        return;
    }
    icu::UnicodeString d;
    if (!nfd_instance().getDecomposition(UChar32(cp), d)) {
        out.push_back(cp);
        return;
    }
    for (int32_t i = 0; i < d.length();) {
        UChar32 c = d.char32At(i);
        out.push_back(char32_t(c));
        i += U16_LENGTH(c);
    }
}

void to_lower_full(char32_t cp, std::vector<char32_t>& out) {
    if (cp < 128) {
        out.push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
        return;
    }
    // The one unconditional multi-character lowercase mapping in SpecialCasing.txt; u_tolower
    // gives only the simple mapping ("i").
    if (cp == 0x130) {
        out.push_back(U'i');
        out.push_back(char32_t(0x307));
        return;
    }
    out.push_back(char32_t(u_tolower(UChar32(cp))));
}

}  // namespace attnscope::unicode
