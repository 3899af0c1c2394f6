// Byte-level BPE (GPT-2, RoBERTa): the GPT-2 pre-tokenizer regex, the byte-to-unicode alphabet
// and BPE merges by rank, with Hugging Face tokenizers' semantics.
#include <array>
#include <string>

#include "attnscope/errors.h"
#include "tokenizer_impl.h"
#include "unicode.h"

namespace attnscope::detail {

namespace uni = attnscope::unicode;

namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the other 68 bytes
// get the code points U+0100.. in byte order, so every byte is a visible character.
struct ByteAlphabet {
    std::array<char32_t, 256> byte_to_cp{};
    std::array<int16_t, 0x144> cp_to_byte{};  // -1 where a code point is not in the alphabet

    ByteAlphabet() {
        cp_to_byte.fill(-1);
        int n = 0;
        for (int b = 0; b < 256; ++b) {
            bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
            byte_to_cp[b] = printable ? char32_t(b) : char32_t(256 + n++);
            cp_to_byte[byte_to_cp[b]] = int16_t(b);
        }
    }

    // The bytes a vocabulary string stands for; false if it has a character outside the
    // alphabet (such strings are taken as their own UTF-8, as Hugging Face's decoder does).
    bool to_bytes(std::string_view token, std::string& out) const {
        size_t start = out.size();
        for (size_t i = 0; i < token.size();) {
            uni::Utf8Char c = uni::decode_utf8(token, i);
            if (c.cp >= cp_to_byte.size() || cp_to_byte[c.cp] < 0) {
                out.resize(start);
                return false;
            }
            out.push_back(char(cp_to_byte[c.cp]));
            i += c.len;
        }
        return true;
    }
};

const ByteAlphabet& alphabet() {
    static const ByteAlphabet a;
    return a;
}

// Classes for the GPT-2 regex. "Other" is [^\s\p{L}\p{N}].
enum class CharClass : uint8_t { Space, Letter, Number, Other };

inline CharClass classify(char32_t cp) {
    if (uni::is_letter(cp)) return CharClass::Letter;
    if (uni::is_number(cp)) return CharClass::Number;
    if (uni::is_white_space(cp)) return CharClass::Space;
    return CharClass::Other;
}

// Consumes characters of class `cls` from pos; returns the end of the run.
inline size_t run_of(std::string_view text, size_t pos, size_t end, CharClass cls) {
    while (pos < end) {
        uni::Utf8Char c = uni::decode_utf8(text, pos);
        if (classify(c.cp) != cls) break;
        pos += c.len;
    }
    return pos;
}

// The end of the GPT-2 regex match that starts at `pos`:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// with \s = White_Space. Alternatives are tried in order, as the regex engine does; every
// character belongs to one of the classes, so some alternative always matches.
size_t match_gpt2(std::string_view text, size_t pos, size_t end) {
    uni::Utf8Char c = uni::decode_utf8(text, pos);
    if (c.cp == '\'') {
        std::string_view rest = text.substr(pos + 1, end - pos - 1);
        for (std::string_view suffix : {"s", "t", "re", "ve", "m", "ll", "d"})
            if (rest.substr(0, suffix.size()) == suffix) return pos + 1 + suffix.size();
    }
    CharClass cls = classify(c.cp);
    // " ?X+": an optional literal space, then a run of letters, numbers or others.
    if (c.cp == ' ' && pos + 1 < end) {
        CharClass next = classify(uni::decode_utf8(text, pos + 1).cp);
        if (next != CharClass::Space) return run_of(text, pos + 1, end, next);
    }
    if (cls != CharClass::Space) return run_of(text, pos + c.len, end, cls);

    // \s+(?!\S) backtracks to leave the last white space character for the next word, unless
    // the run reaches the end or is a single character (then \s+ takes it).
    size_t last = pos, p = pos;
    int count = 0;
    while (p < end) {
        uni::Utf8Char w = uni::decode_utf8(text, p);
        if (!uni::is_white_space(w.cp)) break;
        last = p;
        p += w.len;
        ++count;
    }
    if (p == end || count < 2) return p;
    return last;
}

class ByteLevelBpeTokenizer final : public TokenizerBase {
  public:
    explicit ByteLevelBpeTokenizer(TokenizerSpec&& spec) : m_options(spec.bytelevel) {
        init_common(spec);
        m_merges.init(spec.merges, m_vocab, spec.source);
        std::string s;
        for (int b = 0; b < 256; ++b) {
            s.clear();
            uni::append_utf8(s, alphabet().byte_to_cp[b]);
            m_byte_id[b] = m_vocab.get(s);
        }
        init_display();
    }

    TokenizerKind kind() const override { return TokenizerKind::ByteLevelBpe; }

    std::string decode(std::span<const int32_t> ids) const override {
        std::string bytes;
        for (int32_t id : ids) {
            // Unknown ids are skipped, as Hugging Face's decode does.
            if (id < 0 || size_t(id) >= m_id_to_token.size()) continue;
            const std::string& tok = m_id_to_token[id];
            if (!alphabet().to_bytes(tok, bytes)) bytes += tok;
        }
        return uni::utf8_lossy(bytes);
    }

  protected:
    void encode_piece(std::string_view text, size_t begin, size_t end,
                      std::vector<RawToken>& out) const override {
        if (m_options.add_prefix_space && text[begin] != ' ') {
            // The pre-tokenizer sees " " + piece; the added space has an empty span.
            std::string shifted = " ";
            shifted.append(text.substr(begin, end - begin));
            size_t first = out.size();
            encode_words(shifted, 0, shifted.size(), out);
            for (size_t i = first; i < out.size(); ++i) {
                out[i].begin = int32_t(begin) + std::max(0, out[i].begin - 1);
                out[i].end = int32_t(begin) + std::max(0, out[i].end - 1);
            }
            return;
        }
        encode_words(text, begin, end, out);
    }

    std::string display_of(const std::string& token) const override {
        std::string bytes;
        if (!alphabet().to_bytes(token, bytes)) return token;
        return uni::utf8_lossy(bytes);
    }

  private:
    void encode_words(std::string_view text, size_t begin, size_t end,
                      std::vector<RawToken>& out) const {
        std::vector<BpeSymbol> symbols;
        std::string mapped;
        for (size_t pos = begin; pos < end;) {
            size_t stop = match_gpt2(text, pos, end);
            encode_word(text, pos, stop, symbols, mapped, out);
            pos = stop;
        }
    }

    void encode_word(std::string_view text, size_t begin, size_t end,
                     std::vector<BpeSymbol>& symbols, std::string& mapped,
                     std::vector<RawToken>& out) const {
        if (m_options.ignore_merges) {
            mapped.clear();
            for (size_t i = begin; i < end; ++i)
                uni::append_utf8(mapped,
                                 alphabet().byte_to_cp[static_cast<unsigned char>(text[i])]);
            if (int32_t id = m_vocab.get(mapped); id >= 0) {
                out.push_back({id, int32_t(begin), int32_t(end), false});
                return;
            }
        }
        symbols.clear();
        for (size_t i = begin; i < end; ++i) {
            int32_t id = m_byte_id[static_cast<unsigned char>(text[i])];
            // A byte missing from the vocabulary is dropped: the model has no unk token.
            if (id < 0) continue;
            int32_t n = int32_t(symbols.size());
            symbols.push_back({id, n - 1, -1, int32_t(i), int32_t(i + 1)});
            if (n > 0) symbols[n - 1].next = n;
        }
        m_merges.merge_all(symbols);
        for (const BpeSymbol& s : symbols) out.push_back({s.id, s.begin, s.end, false});
    }

    ByteLevelOptions m_options;
    BpeMerges m_merges;
    std::array<int32_t, 256> m_byte_id{};
};

}  // namespace

std::unique_ptr<Tokenizer> make_bytelevel_bpe(TokenizerSpec&& spec) {
    return std::make_unique<ByteLevelBpeTokenizer>(std::move(spec));
}

}  // namespace attnscope::detail
