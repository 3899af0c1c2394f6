// Word-level attention (Clark et al. 2019, "What does BERT look at?", section 4.1): sub-word
// tokens grouped into words, attention summed over the pieces of the attended word and averaged
// over the pieces of the attending word. See head_analysis.h for the grouping rules.
// T = tokens, W = words.
#include <cassert>
#include <string>

#include "attnscope/analysis.h"
#include "attnscope/errors.h"
#include "attnscope/head_analysis.h"

namespace attnscope {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool is_special(const Encoding& enc, size_t t) {
    return t < enc.special.size() && enc.special[t] != 0;
}

// The token's span, if it points into one of the two segments.
const TokenSpan* span_of(const Encoding& enc, size_t t, std::string_view text,
                         std::string_view pair) {
    if (t >= enc.spans.size()) return nullptr;
    const TokenSpan& s = enc.spans[t];
    const size_t size = s.segment == 0 ? text.size() : s.segment == 1 ? pair.size() : 0;
    if (s.segment < 0 || s.segment > 1 || s.begin < 0 || s.end < s.begin || size_t(s.end) > size)
        return nullptr;
    return &s;
}

std::string_view text_of(const Encoding& enc, size_t t) {
    return t < enc.texts.size() ? std::string_view(enc.texts[t]) : std::string_view();
}

bool starts_word(const Encoding& enc, size_t t, std::string_view text, std::string_view pair) {
    if (t == 0 || is_special(enc, t) || is_special(enc, t - 1)) return true;
    // A "##" piece continues its word whatever the spans say (WordPiece never splits at a space).
    if (t < enc.tokens.size() && enc.tokens[t].starts_with("##")) return false;
    const std::string_view display = text_of(enc, t);
    if (!display.empty() && is_space(display.front())) return true;
    // WordPiece display texts drop the spaces between words; the spans still show the gap.
    const TokenSpan* prev = span_of(enc, t - 1, text, pair);
    const TokenSpan* cur = span_of(enc, t, text, pair);
    if (prev && cur) {
        if (cur->segment != prev->segment) return true;
        if (cur->begin > prev->end) return true;
    }
    return false;
}

// The word as written: the input bytes its pieces cover when every piece has a span (so a
// character split over several byte tokens reads whole, and BERT's lowercasing is undone),
// otherwise the pieces' display texts joined.
std::string word_label(const Encoding& enc, size_t begin, size_t end, std::string_view text,
                       std::string_view pair) {
    if (end - begin == 1 && is_special(enc, begin))
        return begin < enc.tokens.size() ? enc.tokens[begin] : std::string(text_of(enc, begin));
    std::string raw;
    const TokenSpan* first = span_of(enc, begin, text, pair);
    const TokenSpan* last = span_of(enc, end - 1, text, pair);
    bool spans_ok = first && last && first->segment == last->segment && last->end >= first->begin;
    for (size_t t = begin; spans_ok && t < end; ++t) spans_ok = span_of(enc, t, text, pair);
    if (spans_ok) {
        const std::string_view segment = first->segment == 0 ? text : pair;
        raw = segment.substr(size_t(first->begin), size_t(last->end - first->begin));
    } else {
        for (size_t t = begin; t < end; ++t) raw += text_of(enc, t);
    }
    const std::string_view trimmed = trim(raw);
    if (!trimmed.empty()) return std::string(trimmed);
    // A word of whitespace only (a trailing space or newline token): show it visibly.
    return token_label(raw, begin < enc.tokens.size() ? enc.tokens[begin] : "");
}

}  // namespace

WordGroups group_words(const Encoding& encoding, std::string_view text,
                       std::string_view text_pair) {
    const size_t T = encoding.ids.size();
    WordGroups words;
    words.word_of.resize(T);
    for (size_t t = 0; t < T; ++t) {
        if (starts_word(encoding, t, text, text_pair)) {
            if (!words.begin.empty()) words.end.push_back(int32_t(t));
            words.begin.push_back(int32_t(t));
        }
        words.word_of[t] = int32_t(words.begin.size() - 1);
    }
    if (!words.begin.empty()) words.end.push_back(int32_t(T));
    for (size_t w = 0; w < words.begin.size(); ++w)
        words.labels.push_back(
            word_label(encoding, size_t(words.begin[w]), size_t(words.end[w]), text, text_pair));
    return words;
}

WordGroups group_words(const AttentionTrace& trace) {
    return group_words(trace.tokens, trace.text, trace.has_pair ? trace.text_pair : "");
}

std::vector<float> merge_words(std::span<const float> attention, const WordGroups& words) {
    const size_t T = words.word_of.size(), W = size_t(words.n_word());
    if (attention.size() != T * T)
        throw InputError("word merge: the matrix has " + std::to_string(attention.size()) +
                         " values but the words cover " + std::to_string(T) + " tokens (expected " +
                         std::to_string(T * T) + ")");
    assert(words.begin.size() == W && words.end.size() == W);
    // Words are runs of consecutive tokens, so each row's keys merge as range sums: no scatter
    // through word_of per cell, which made the word view of a long input 5x slower than tokens.
    bool runs = true;
    for (size_t b = 0; b < W && runs; ++b)
        for (int32_t j = words.begin[b]; j < words.end[b] && runs; ++j)
            runs = j >= 0 && size_t(j) < T && size_t(words.word_of[size_t(j)]) == b;
    std::vector<double> sum(W * W, 0.0);
    for (size_t i = 0; i < T; ++i) {
        const size_t a = size_t(words.word_of[i]);
        const float* row = attention.data() + i * T;
        double* to = sum.data() + a * W;
        if (runs) {
            for (size_t b = 0; b < W; ++b) {
                double piece_sum = 0;
                for (int32_t j = words.begin[b]; j < words.end[b]; ++j) piece_sum += row[j];
                to[b] += piece_sum;
            }
        } else {
            for (size_t j = 0; j < T; ++j) to[size_t(words.word_of[j])] += row[j];
        }
    }
    std::vector<float> out(W * W);
    for (size_t a = 0; a < W; ++a) {
        const double pieces = double(words.end[a] - words.begin[a]);
        for (size_t b = 0; b < W; ++b) out[a * W + b] = float(sum[a * W + b] / pieces);
    }
    return out;
}

std::vector<uint8_t> merge_words_mask(std::span<const uint8_t> mask, const WordGroups& words) {
    const size_t T = words.word_of.size(), W = size_t(words.n_word());
    if (mask.size() != T * T)
        throw InputError("word merge: the mask has " + std::to_string(mask.size()) +
                         " values but the words cover " + std::to_string(T) + " tokens");
    std::vector<uint8_t> out(W * W, 0);
    for (size_t i = 0; i < T; ++i) {
        const size_t a = size_t(words.word_of[i]);
        for (size_t j = 0; j < T; ++j)
            if (mask[i * T + j]) out[a * W + size_t(words.word_of[j])] = 1;
    }
    return out;
}

WordGroups restrict_words(const WordGroups& words, std::span<const int32_t> keep) {
    WordGroups out;
    out.word_of.resize(keep.size());
    int32_t last_word = -1;  // the source word of the previous kept token
    for (size_t k = 0; k < keep.size(); ++k) {
        assert(size_t(keep[k]) < words.word_of.size() && (k == 0 || keep[k] > keep[k - 1]));
        const int32_t w = words.word_of[size_t(keep[k])];
        if (w != last_word) {
            if (!out.begin.empty()) out.end.push_back(int32_t(k));
            out.begin.push_back(int32_t(k));
            out.labels.push_back(words.labels[size_t(w)]);
            last_word = w;
        }
        out.word_of[k] = int32_t(out.begin.size() - 1);
    }
    if (!out.begin.empty()) out.end.push_back(int32_t(keep.size()));
    return out;
}

}  // namespace attnscope
