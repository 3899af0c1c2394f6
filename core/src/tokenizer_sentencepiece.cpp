// SentencePiece-style BPE with byte fallback (Llama, stories260K) as Hugging Face tokenizers runs
// it from a tokenizer.json: "▁" prepended and spaces replaced by "▁", BPE over characters with
// merges by rank, characters missing from the vocabulary as <0xNN> byte tokens.
#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include "attnscope/errors.h"
#include "tokenizer_impl.h"
#include "unicode.h"

namespace attnscope::detail {

namespace uni = attnscope::unicode;

namespace {

constexpr std::string_view kMeta = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK, "▁"

// The byte of a "<0xNN>" token, or -1. Matches Hugging Face's ByteFallback decoder test.
int byte_of_token(std::string_view t) {
    if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
    auto hex = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    int hi = hex(t[3]), lo = hex(t[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

std::string replace_meta(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        if (s.substr(i, 3) == kMeta) {
            out.push_back(' ');
            i += 3;
        } else {
            out.push_back(s[i++]);
        }
    }
    return out;
}

class SentencePieceBpeTokenizer final : public TokenizerBase {
  public:
    explicit SentencePieceBpeTokenizer(TokenizerSpec&& spec) : m_options(spec.sentencepiece) {
        init_common(spec);
        m_merges.init(spec.merges, m_vocab, spec.source);
        if (!m_options.unk_token.empty()) {
            m_unk_id = m_vocab.get(m_options.unk_token);
            if (m_unk_id < 0)
                throw TokenizerError(spec.source + ": the unknown token \"" + m_options.unk_token +
                                     "\" is not in the vocabulary");
        }
        char name[8];
        for (int b = 0; b < 256; ++b) {
            std::snprintf(name, sizeof name, "<0x%02X>", b);
            m_byte_id[b] = m_vocab.get(name);
        }
        for (int c = 0; c < 128; ++c) {
            std::string s = c == ' ' ? std::string(kMeta) : std::string(1, char(c));
            m_ascii_id[c] = m_vocab.get(s);
        }
        init_display();
    }

    TokenizerKind kind() const override { return TokenizerKind::SentencePieceBpe; }

    // Hugging Face's Llama decoder: Replace("▁", " "), ByteFallback, Fuse, Strip(" ", 1, 0).
    std::string decode(std::span<const int32_t> ids) const override {
        std::string out;
        std::string pending;  // a run of byte-fallback tokens, decoded together
        size_t pending_tokens = 0;
        auto flush = [&] {
            if (pending_tokens == 0) return;
            if (uni::valid_utf8(pending, nullptr)) {
                out += pending;
            } else {
                // An invalid run becomes one U+FFFD per byte token, as ByteFallback does.
                for (size_t i = 0; i < pending_tokens; ++i) out += "\xEF\xBF\xBD";
            }
            pending.clear();
            pending_tokens = 0;
        };
        for (int32_t id : ids) {
            if (id < 0 || size_t(id) >= m_id_to_token.size()) continue;  // as HF: skipped
            std::string t = replace_meta(m_id_to_token[id]);
            int b = byte_of_token(t);
            if (b >= 0) {
                pending.push_back(char(b));
                ++pending_tokens;
            } else {
                flush();
                out += t;
            }
        }
        flush();
        size_t cut = 0;
        while (cut < out.size() && int32_t(cut) < m_options.decode_strip_left && out[cut] == ' ')
            ++cut;
        return out.substr(cut);
    }

  protected:
    void encode_piece(std::string_view text, size_t begin, size_t end,
                      std::vector<RawToken>& out) const override {
        std::vector<BpeSymbol> symbols;
        symbols.reserve(end - begin + 1);
        // A leading space turns into "▁" too, so it counts as starting with one.
        bool starts_with_meta = text[begin] == ' ' || text.substr(begin, 3) == kMeta;
        bool prepend = false;
        switch (m_options.prepend) {
            case PrependMode::Always:
                prepend = true;
                break;
            case PrependMode::MetaAlways:
                prepend = !starts_with_meta;
                break;
            case PrependMode::MetaFirst:
                prepend = begin == 0 && !starts_with_meta;
                break;
            case PrependMode::Never:
                break;
        }
        std::string word_text;  // the current word's normalized text, for ignore_merges
        int32_t unk_begin = -1, unk_end = -1;  // pending (fused) unknown characters
        auto add = [&](int32_t id, int32_t b, int32_t e) {
            int32_t n = int32_t(symbols.size());
            symbols.push_back({id, n - 1, -1, b, e});
            if (n > 0) symbols[n - 1].next = n;
        };
        auto flush_unk = [&] {
            if (unk_begin >= 0) add(m_unk_id, unk_begin, unk_end);
            unk_begin = unk_end = -1;
        };
        auto end_word = [&] {
            flush_unk();
            finish_word(symbols, word_text, out);
        };
        auto add_char = [&](std::string_view s, char32_t cp, int32_t b, int32_t e) {
            bool is_meta = cp == ' ' || cp == 0x2581;
            if (m_options.split_on_meta && is_meta && !word_text.empty()) end_word();
            word_text += s;
            int32_t id = cp < 128 ? m_ascii_id[cp] : -1;
            if (cp >= 128) id = m_vocab.get(s);
            if (id >= 0) {
                flush_unk();
                add(id, b, e);
                return;
            }
            if (m_options.byte_fallback) {
                bool all = true;
                for (char ch : s) all = all && m_byte_id[static_cast<unsigned char>(ch)] >= 0;
                if (all) {
                    // Like Hugging Face, a pending unknown is not flushed before byte tokens.
                    for (size_t k = 0; k < s.size(); ++k) {
                        bool exact = cp != ' ';  // "▁" stands for one input byte
                        add(m_byte_id[static_cast<unsigned char>(s[k])], exact ? b + int32_t(k) : b,
                            exact ? b + int32_t(k) + 1 : e);
                    }
                    return;
                }
            }
            if (m_unk_id < 0) return;  // no unknown token: the character is dropped
            if (unk_begin >= 0 && m_options.fuse_unk) {
                unk_end = e;
                return;
            }
            flush_unk();
            unk_begin = b;
            unk_end = e;
        };

        if (prepend) add_char(kMeta, 0x2581, int32_t(begin), int32_t(begin));
        for (size_t pos = begin; pos < end;) {
            uni::Utf8Char c = uni::decode_utf8(text, pos);
            std::string_view s = c.cp == ' ' ? kMeta : text.substr(pos, c.len);
            add_char(s, c.cp, int32_t(pos), int32_t(pos + c.len));
            pos += c.len;
        }
        end_word();
    }

    std::string display_of(const std::string& token) const override {
        int b = byte_of_token(token);
        if (b >= 0) return uni::utf8_lossy(std::string(1, char(b)));
        return replace_meta(token);
    }

  private:
    // Merges the symbols of one word and appends them to `out`; clears both for the next word.
    void finish_word(std::vector<BpeSymbol>& symbols, std::string& word_text,
                     std::vector<RawToken>& out) const {
        bool whole = false;
        if (m_options.ignore_merges && !symbols.empty()) {
            // The whole word is in the vocabulary: one token, no merging.
            if (int32_t id = m_vocab.get(word_text); id >= 0) {
                out.push_back({id, symbols.front().begin, symbols.back().end, false});
                whole = true;
            }
        }
        if (!whole) {
            m_merges.merge_all(symbols);
            for (const BpeSymbol& s : symbols) out.push_back({s.id, s.begin, s.end, false});
        }
        symbols.clear();
        word_text.clear();
    }

    SentencePieceOptions m_options;
    BpeMerges m_merges;
    int32_t m_unk_id = -1;
    std::array<int32_t, 256> m_byte_id{};
    std::array<int32_t, 128> m_ascii_id{};
};

}  // namespace

std::unique_ptr<Tokenizer> make_sentencepiece_bpe(TokenizerSpec&& spec) {
    return std::make_unique<SentencePieceBpeTokenizer>(std::move(spec));
}

}  // namespace attnscope::detail
