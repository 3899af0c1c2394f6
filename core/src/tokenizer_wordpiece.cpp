// WordPiece (BERT, DistilBERT, MiniLM): BertNormalizer, BertPreTokenizer and greedy
// longest-match WordPiece, with Hugging Face tokenizers' semantics. Every normalized character
// keeps the byte range of the input character it came from, so tokens get input spans.
#include <algorithm>
#include <string>

#include "attnscope/errors.h"
#include "tokenizer_impl.h"
#include "unicode.h"

namespace attnscope::detail {

namespace uni = attnscope::unicode;

namespace {

// A normalized character and the input bytes it came from.
struct NChar {
    char32_t cp;
    int32_t begin;
    int32_t end;
};

// Hugging Face's WordPiece decoder cleanup: glues punctuation and contractions back on.
std::string cleanup(std::string s) {
    static const std::pair<std::string_view, std::string_view> kRules[] = {
        {" .", "."},   {" ?", "?"},     {" !", "!"},     {" ,", ","},
        {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},   {" do not", " don't"},
        {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
    };
    for (const auto& [from, to] : kRules) {
        size_t pos = 0;
        while ((pos = s.find(from, pos)) != std::string::npos) {
            s.replace(pos, from.size(), to);
            pos += to.size();
        }
    }
    return s;
}

class WordPieceTokenizer final : public TokenizerBase {
  public:
    explicit WordPieceTokenizer(TokenizerSpec&& spec) : m_options(spec.wordpiece) {
        init_common(spec);
        m_unk_id = m_vocab.get(m_options.unk_token);
        if (m_unk_id < 0)
            throw TokenizerError(spec.source + ": the unknown token \"" + m_options.unk_token +
                                 "\" is not in the vocabulary");
        m_strip_accents = m_options.strip_accents.value_or(m_options.lowercase);
        init_display();
    }

    TokenizerKind kind() const override { return TokenizerKind::WordPiece; }

    std::string decode(std::span<const int32_t> ids) const override {
        std::string out;
        bool first = true;
        for (int32_t id : ids) {
            if (id < 0 || size_t(id) >= m_id_to_token.size()) continue;  // as HF: skipped
            std::string t = m_id_to_token[id];
            if (!first) {
                if (t.compare(0, m_options.prefix.size(), m_options.prefix) == 0)
                    t.erase(0, m_options.prefix.size());
                else
                    t = " " + t;
            }
            first = false;
            out += m_options.decode_cleanup ? cleanup(std::move(t)) : t;
        }
        return out;
    }

  protected:
    void encode_piece(std::string_view text, size_t begin, size_t end,
                      std::vector<RawToken>& out) const override {
        std::vector<NChar> chars;
        chars.reserve(end - begin + 8);
        normalize(text, begin, end, chars);

        // BertPreTokenizer: split on white space (removed) and around each punctuation mark.
        size_t word_start = 0;
        std::string word;
        std::vector<uint32_t> offsets;  // byte offset in `word` of each character
        for (size_t i = 0; i <= chars.size(); ++i) {
            bool boundary = i == chars.size() || uni::is_white_space(chars[i].cp);
            bool punct = !boundary && uni::is_bert_punct(chars[i].cp);
            if (boundary || punct) {
                if (i > word_start) wordpiece(chars, word_start, i, word, offsets, out);
                if (punct) wordpiece(chars, i, i + 1, word, offsets, out);
                word_start = i + 1;
            }
        }
    }

    std::string display_of(const std::string& token) const override {
        const std::string& p = m_options.prefix;
        if (token.size() > p.size() && token.compare(0, p.size(), p) == 0)
            return token.substr(p.size());
        return token;
    }

  private:
    // BertNormalizer over text[begin, end): clean, isolate CJK ideographs, NFD and drop Mn,
    // lowercase. Appends to `out`.
    void normalize(std::string_view text, size_t begin, size_t end, std::vector<NChar>& out) const {
        bool any_non_ascii = false;
        for (size_t pos = begin; pos < end;) {
            uni::Utf8Char c = uni::decode_utf8(text, pos);
            int32_t b = int32_t(pos), e = int32_t(pos + c.len);
            pos += c.len;
            char32_t cp = c.cp;
            if (m_options.clean_text) {
                if (cp == 0 || cp == 0xFFFD || uni::is_bert_control(cp)) continue;
                if (uni::is_white_space(cp)) cp = ' ';
            }
            if (cp >= 0x80) any_non_ascii = true;
            if (m_options.handle_chinese_chars && uni::is_cjk_ideograph(cp)) {
                out.push_back({' ', b, b});
                out.push_back({cp, b, e});
                out.push_back({' ', e, e});
            } else {
                out.push_back({cp, b, e});
            }
        }
        if (any_non_ascii && m_strip_accents) strip_accents(out);
        if (m_options.lowercase) {
            if (any_non_ascii) {
                lowercase_full(out);
            } else {
                for (NChar& c : out)
                    if (c.cp >= 'A' && c.cp <= 'Z') c.cp += 32;
            }
        }
    }

    // NFD (decomposition, then canonical reordering of combining marks), then drop every Mn.
    static void strip_accents(std::vector<NChar>& chars) {
        std::vector<NChar> nfd;
        nfd.reserve(chars.size() + 8);
        std::vector<char32_t> parts;
        for (const NChar& c : chars) {
            parts.clear();
            uni::nfd_decompose(c.cp, parts);
            for (char32_t p : parts) nfd.push_back({p, c.begin, c.end});
        }
        // Canonical ordering: a run of non-starters is stably sorted by combining class.
        for (size_t i = 0; i < nfd.size();) {
            if (uni::combining_class(nfd[i].cp) == 0) {
                ++i;
                continue;
            }
            size_t j = i;
            while (j < nfd.size() && uni::combining_class(nfd[j].cp) != 0) ++j;
            if (j - i > 1)
                std::stable_sort(nfd.begin() + i, nfd.begin() + j,
                                 [](const NChar& a, const NChar& b) {
                                     return uni::combining_class(a.cp) < uni::combining_class(b.cp);
                                 });
            i = j;
        }
        chars.clear();
        for (const NChar& c : nfd)
            if (!uni::is_nonspacing_mark(c.cp)) chars.push_back(c);
    }

    static void lowercase_full(std::vector<NChar>& chars) {
        std::vector<NChar> lower;
        lower.reserve(chars.size());
        std::vector<char32_t> parts;
        for (const NChar& c : chars) {
            parts.clear();
            uni::to_lower_full(c.cp, parts);
            for (char32_t p : parts) lower.push_back({p, c.begin, c.end});
        }
        chars.swap(lower);
    }

    // Greedy longest-match WordPiece over chars[first, last); a word with no full match, or
    // longer than max_input_chars_per_word characters, becomes one [UNK].
    void wordpiece(const std::vector<NChar>& chars, size_t first, size_t last, std::string& word,
                   std::vector<uint32_t>& offsets, std::vector<RawToken>& out) const {
        auto span_of = [&](size_t a, size_t b) {  // input span of chars[a, b)
            int32_t lo = chars[a].begin, hi = chars[a].end;
            for (size_t i = a + 1; i < b; ++i) {
                lo = std::min(lo, chars[i].begin);
                hi = std::max(hi, chars[i].end);
            }
            return std::pair<int32_t, int32_t>(lo, hi);
        };
        if (last - first > size_t(m_options.max_input_chars_per_word)) {
            auto [lo, hi] = span_of(first, last);
            out.push_back({m_unk_id, lo, hi, false});
            return;
        }
        word.clear();
        offsets.clear();
        for (size_t i = first; i < last; ++i) {
            offsets.push_back(uint32_t(word.size()));
            uni::append_utf8(word, chars[i].cp);
        }
        offsets.push_back(uint32_t(word.size()));

        size_t mark = out.size();
        std::string candidate;
        size_t start = 0;  // character index into the word
        size_t n = last - first;
        while (start < n) {
            size_t stop = n;
            int32_t found = -1;
            for (; stop > start; --stop) {
                candidate.clear();
                if (start > 0) candidate = m_options.prefix;
                candidate.append(word, offsets[start], offsets[stop] - offsets[start]);
                found = m_vocab.get(candidate);
                if (found >= 0) break;
            }
            if (found < 0) {
                out.resize(mark);
                auto [lo, hi] = span_of(first, last);
                out.push_back({m_unk_id, lo, hi, false});
                return;
            }
            auto [lo, hi] = span_of(first + start, first + stop);
            out.push_back({found, lo, hi, false});
            start = stop;
        }
    }

    WordPieceOptions m_options;
    bool m_strip_accents = true;
    int32_t m_unk_id = 0;
};

}  // namespace

std::unique_ptr<Tokenizer> make_wordpiece(TokenizerSpec&& spec) {
    return std::make_unique<WordPieceTokenizer>(std::move(spec));
}

}  // namespace attnscope::detail
