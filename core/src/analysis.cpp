// Display maths for the views: lenses, hidden tokens, renormalised rows, words, head means, ranges,
// labels, and the CPU twin of shaders/colormaps.glsl.
//
// L = layers, H = heads, T = tokens of the trace, K = shown tokens, S = shown units (K tokens, or
// the words they form).
#include "attnscope/analysis.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <optional>
#include <tuple>

#include <Eigen/Core>

#include "attnscope/head_analysis.h"

namespace attnscope {

// [SECTION] Colour maps

namespace {

using Vec3 = std::array<double, 3>;

// Degree-6 polynomial fits of matplotlib's maps (Matt Zucker's fits, CC0). The GLSL evaluates the
// same polynomial in the same Horner order, so the two agree to rounding.
constexpr std::array<Vec3, 7> k_viridis = {{
    {0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
    {0.1050930431085774, 1.404613529898575, 1.384590162594685},
    {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
    {-4.634230498983486, -5.799100973351585, -19.33244095627987},
    {6.228269936347081, 14.17993336680509, 56.69055260068105},
    {4.776384997670288, -13.74514537774601, -65.35303263337234},
    {-5.435455855934631, 4.645852612178535, 26.3124352495832},
}};
constexpr std::array<Vec3, 7> k_magma = {{
    {-0.002136485053939582, -0.000749655052795221, -0.005386127855323933},
    {0.2516605407371642, 0.6775232436837668, 2.494026599312351},
    {8.353717279216625, -3.577719514958484, 0.3144679030132573},
    {-27.66873308576866, 14.26473078096533, -13.64921318813922},
    {52.17613981234068, -27.94360607168351, 12.94416944238394},
    {-50.76852536473588, 29.04658282127291, 4.23415299384598},
    {18.65570506591883, -11.48977351997711, -5.601961508734096},
}};
// ColorBrewer RdBu (11 classes), from blue (low) to red (high); linear between stops.
constexpr std::array<std::array<int, 3>, 11> k_rdbu = {{
    {0x05, 0x30, 0x61},
    {0x21, 0x66, 0xac},
    {0x43, 0x93, 0xc3},
    {0x92, 0xc5, 0xde},
    {0xd1, 0xe5, 0xf0},
    {0xf7, 0xf7, 0xf7},
    {0xfd, 0xdb, 0xc7},
    {0xf4, 0xa5, 0x82},
    {0xd6, 0x60, 0x4d},
    {0xb2, 0x18, 0x2b},
    {0x67, 0x00, 0x1f},
}};

Vec3 polynomial(const std::array<Vec3, 7>& c, double t) {
    Vec3 out{};
    for (int k = 0; k < 3; ++k) {
        double v = c[6][k];
        for (int i = 5; i >= 0; --i) v = c[i][k] + t * v;
        out[k] = v;
    }
    return out;
}

Vec3 rdbu(double t) {
    double x = t * double(k_rdbu.size() - 1);
    int i = std::clamp(int(std::floor(x)), 0, int(k_rdbu.size()) - 2);
    double f = x - i;
    Vec3 out{};
    for (int k = 0; k < 3; ++k) out[k] = (k_rdbu[i][k] * (1 - f) + k_rdbu[i + 1][k] * f) / 255.0;
    return out;
}

uint8_t to_unorm8(double v) {
    return uint8_t(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
}

}  // namespace

const char* colormap_name(Colormap map) {
    switch (map) {
        case Colormap::Viridis:
            return "viridis";
        case Colormap::Magma:
            return "magma";
        case Colormap::RdBu:
            return "rdbu";
    }
    return "?";
}

bool colormap_is_diverging(Colormap map) {
    return map == Colormap::RdBu;
}

bool parse_colormap(std::string_view name, Colormap* out) {
    for (int i = 0; i < k_colormap_count; ++i) {
        if (name == colormap_name(Colormap(i))) {
            *out = Colormap(i);
            return true;
        }
    }
    return false;
}

Rgb8 colormap_rgb(Colormap map, float t) {
    double x = std::isnan(t) ? 0.0 : std::clamp(double(t), 0.0, 1.0);
    Vec3 c{};
    switch (map) {
        case Colormap::Viridis:
            c = polynomial(k_viridis, x);
            break;
        case Colormap::Magma:
            c = polynomial(k_magma, x);
            break;
        case Colormap::RdBu:
            c = rdbu(x);
            break;
    }
    return {to_unorm8(c[0]), to_unorm8(c[1]), to_unorm8(c[2])};
}

// [SECTION] Lenses

const char* lens_name(Lens lens) {
    switch (lens) {
        case Lens::Attention:
            return "attention";
        case Lens::ValueWeighted:
            return "value";
    }
    return "?";
}

bool parse_lens(std::string_view name, Lens* out) {
    for (Lens l : {Lens::Attention, Lens::ValueWeighted})
        if (name == lens_name(l)) {
            *out = l;
            return true;
        }
    return false;
}

// [SECTION] Building blocks

std::vector<int32_t> shown_tokens(const Encoding& encoding, bool hide_special) {
    std::vector<int32_t> keep;
    keep.reserve(encoding.ids.size());
    for (int32_t i = 0; i < encoding.size(); ++i) {
        const bool special = i < int32_t(encoding.special.size()) && encoding.special[i] != 0;
        const bool added = i >= int32_t(encoding.spans.size()) || encoding.spans[i].segment < 0;
        if (!hide_special || !(special && added)) keep.push_back(i);
    }
    return keep;
}

void select_renormalise(std::span<float> out, std::span<const float> in,
                        std::span<const uint8_t> mask, int n_token, std::span<const int32_t> keep) {
    const size_t s = keep.size();
    assert(out.size() == s * s && in.size() == size_t(n_token) * n_token);
    assert(mask.size() == in.size());
    if (s == size_t(n_token)) {
        // Nothing hidden: the engine's numbers as they are (rows already sum to 1), masked cells 0.
        // A plain loop the compiler vectorises; this is most of a long input's view model.
        for (size_t i = 0; i < in.size(); ++i) out[i] = mask[i] ? in[i] : 0.0f;
        return;
    }
    for (size_t r = 0; r < s; ++r) {
        const size_t row = size_t(keep[r]) * n_token;
        double sum = 0;
        for (size_t c = 0; c < s; ++c)
            if (mask[row + keep[c]]) sum += in[row + keep[c]];
        for (size_t c = 0; c < s; ++c) {
            const size_t src = row + keep[c];
            float v = mask[src] ? in[src] : 0.0f;
            out[r * s + c] = sum > 0 ? float(v / sum) : v;
        }
    }
}

void head_mean(std::span<float> out, std::span<const float> in, int n_head, int n_token) {
    const size_t ss = size_t(n_token) * n_token;
    assert(out.size() == ss && in.size() == ss * n_head);
    std::fill(out.begin(), out.end(), 0.0f);
    for (int h = 0; h < n_head; ++h)
        for (size_t i = 0; i < ss; ++i) out[i] += in[h * ss + i];
    if (n_head > 0)
        for (float& v : out) v /= float(n_head);
}

void difference(std::span<float> out, std::span<const float> a, std::span<const float> b,
                std::span<const uint8_t> mask) {
    assert(out.size() == a.size() && a.size() == b.size() && mask.size() == a.size());
    for (size_t i = 0; i < a.size(); ++i) out[i] = mask[i] ? a[i] - b[i] : k_masked_value;
}

void apply_mask(std::span<float> out, std::span<const float> in, std::span<const uint8_t> mask) {
    assert(out.size() == in.size() && mask.size() == in.size());
    for (size_t i = 0; i < in.size(); ++i) out[i] = mask[i] ? in[i] : k_masked_value;
}

float max_value(std::span<const float> values, std::span<const uint8_t> mask) {
    float m = 0;
    bool any = false;
    for (size_t i = 0; i < values.size(); ++i) {
        if (!mask[i] || is_masked_value(values[i])) continue;
        m = any ? std::max(m, values[i]) : values[i];
        any = true;
    }
    return m;
}

float max_abs_value(std::span<const float> values, std::span<const uint8_t> mask) {
    float m = 0;
    for (size_t i = 0; i < values.size(); ++i)
        if (mask[i] && !is_masked_value(values[i])) m = std::max(m, std::fabs(values[i]));
    return m;
}

ValueRange weight_range(ValueScale scale, float max) {
    if (scale == ValueScale::HeadMax && max > 0) return {0.0f, max};
    return {0.0f, 1.0f};
}

ValueRange difference_range(float max_abs) {
    // A difference is drawn over its own largest value, but never over less than
    // k_min_difference_scale: two runs of the same input may differ by float rounding (an edit
    // recomputed only the new tokens in one of them), and stretching 1e-6 to the full colour
    // scale would paint noise as if it were a difference.
    // No difference at all keeps the ±1 it always had.
    const float m = max_abs > 0 ? std::max(max_abs, k_min_difference_scale) : 1.0f;
    return {-m, m};
}

float normalise(float value, ValueRange range) {
    float span = range.hi - range.lo;
    if (!(span > 0)) return 0.0f;
    return std::clamp((value - range.lo) / span, 0.0f, 1.0f);
}

std::string token_label(std::string_view text, std::string_view fallback) {
    if (text.empty()) return std::string(fallback);
    // A lone byte of a multi-byte character decodes to U+FFFD; "<0xE2>" says more.
    if (text == "\xef\xbf\xbd" && !fallback.empty()) return std::string(fallback);
    if (text.front() == ' ' && text.size() > 1) text.remove_prefix(1);
    std::string out;
    bool only_space = true;
    for (char c : text) {
        switch (c) {
            case '\n':
                out += "\u21b5";
                only_space = false;
                break;  // ↵
            case '\t':
                out += "\u21e5";
                only_space = false;
                break;  // ⇥
            case '\r':
                out += "\u240d";
                only_space = false;
                break;  // ␍
            case ' ':
                out += ' ';
                break;
            default:
                out += c;
                only_space = false;
                break;
        }
    }
    if (only_space) {
        out.clear();
        for (size_t i = 0; i < text.size(); ++i) out += "\u2423";  // ␣ per space
    }
    return out;
}

std::vector<Link> strongest_links(const DisplayTrace& d, int layer, std::span<const uint8_t> heads,
                                  int query, int key, float min_weight, size_t max_links) {
    std::vector<Link> links;
    const int S = d.n_token;
    for (int h = 0; h < d.n_head && h < int(heads.size()); ++h) {
        if (!heads[h]) continue;
        const std::span<const float> w = d.weights_of(layer, h);
        for (int i = query >= 0 ? query : 0; i < (query >= 0 ? query + 1 : S); ++i)
            for (int j = key >= 0 ? key : 0; j < (key >= 0 ? key + 1 : S); ++j) {
                const size_t at = size_t(i) * S + j;
                if (d.mask[at] && w[at] >= min_weight) links.push_back({i, j, h, w[at]});
            }
    }
    auto stronger = [](const Link& a, const Link& b) {
        if (a.weight != b.weight) return a.weight > b.weight;
        return std::tie(a.head, a.query, a.key) < std::tie(b.head, b.query, b.key);
    };
    if (links.size() > max_links) {
        std::nth_element(links.begin(), links.begin() + std::ptrdiff_t(max_links), links.end(),
                         stronger);
        links.resize(max_links);
    }
    std::sort(links.begin(), links.end(), stronger);
    return links;
}

std::string index_label(int index, bool one_based) {
    return std::to_string(index + (one_based ? 1 : 0));
}

// [SECTION] The display trace

namespace {

// The largest value of a shown head matrix, as max_value() gives it: the values are shares (never
// negative) and masked cells hold 0, so a plain vectorised maximum over every cell, floored at 0,
// is the same number, without max_value's per-cell mask test.
float largest_share(std::span<const float> values) {
    if (values.empty()) return 0.0f;
    const float m =
        Eigen::Map<const Eigen::ArrayXf>(values.data(), Eigen::Index(values.size())).maxCoeff();
    return std::max(m, 0.0f);
}

}  // namespace

DisplayTrace make_display_trace(const AttentionTrace& trace, const DisplayOptions& options) {
    const int L = trace.n_layer, H = trace.n_head, T = trace.n_token;
    DisplayTrace d;
    d.n_layer = L;
    d.n_head = H;
    d.n_source_token = T;
    d.causal = trace.causal;
    d.hide_special = options.hide_special;
    d.one_based = options.one_based;
    d.words = options.words;
    d.lens = options.lens;
    d.norm_source = norm_source(trace);

    // A trace without an explicit mask allows everything (encoder) or the lower triangle (causal).
    std::vector<uint8_t> full_mask = trace.mask;
    if (full_mask.size() != size_t(T) * T) {
        full_mask.assign(size_t(T) * T, 1);
        if (trace.causal)
            for (int i = 0; i < T; ++i)
                for (int j = i + 1; j < T; ++j) full_mask[size_t(i) * T + j] = 0;
    }

    const std::vector<int32_t> keep = shown_tokens(trace.tokens, options.hide_special);
    const int K = int(keep.size());
    std::vector<uint8_t> token_mask(size_t(K) * K);
    for (int r = 0; r < K; ++r)
        for (int c = 0; c < K; ++c)
            token_mask[size_t(r) * K + c] = full_mask[size_t(keep[r]) * T + keep[c]];
    std::optional<WordGroups> words;
    if (options.words) words = restrict_words(group_words(trace), keep);

    d.display_index.assign(size_t(T), -1);
    if (words) {
        const int S = words->n_word();
        d.n_token = S;
        for (int w = 0; w < S; ++w) {
            const int32_t first = keep[size_t(words->begin[size_t(w)])];
            d.source_index.push_back(first);
            d.source_end.push_back(keep[size_t(words->end[size_t(w)] - 1)] + 1);
            d.labels.push_back(words->labels[size_t(w)]);
            // Special tokens are words of their own, so the first piece says it.
            d.special.push_back(
                first < int(trace.tokens.special.size()) ? trace.tokens.special[first] : 0);
            d.word_start.push_back(1);
        }
        for (int k = 0; k < K; ++k) d.display_index[size_t(keep[k])] = words->word_of[size_t(k)];
        d.mask = merge_words_mask(token_mask, *words);
    } else {
        d.n_token = K;
        d.source_index = keep;
        for (int k = 0; k < K; ++k) {
            const int32_t src = keep[size_t(k)];
            d.display_index[size_t(src)] = k;
            d.source_end.push_back(src + 1);
            std::string_view text, vocab;
            if (src < int(trace.tokens.texts.size())) text = trace.tokens.texts[src];
            if (src < int(trace.tokens.tokens.size())) vocab = trace.tokens.tokens[src];
            d.labels.push_back(token_label(text, vocab));
            d.special.push_back(src < int(trace.tokens.special.size()) ? trace.tokens.special[src]
                                                                       : 0);
            d.word_start.push_back(!text.empty() && (text.front() == ' ' || text.front() == '\n' ||
                                                     text.front() == '\t'));
        }
        d.mask = std::move(token_mask);
    }

    const int S = d.n_token;
    const size_t ss = size_t(S) * S;
    d.weights.resize(size_t(L) * H * ss);
    d.head_max.resize(size_t(L) * H);
    d.layer_mean.resize(size_t(L) * ss);
    // One thread: this is bound by memory bandwidth, and a second thread measured no faster.
    std::vector<float> lensed(options.lens == Lens::Attention ? 0 : size_t(T) * T);
    std::vector<float> shown(words ? size_t(K) * K : 0);
    for (int l = 0; l < L; ++l) {
        for (int h = 0; h < H; ++h) {
            const size_t lh = size_t(l) * H + h;
            std::span<float> out(d.weights.data() + lh * ss, ss);
            std::span<const float> source = trace.weights_of(l, h);
            if (options.lens != Lens::Attention) {
                lens_matrix(lensed, trace, l, h, options.lens);
                source = lensed;
            }
            if (words) {
                select_renormalise(shown, source, full_mask, T, keep);
                const std::vector<float> merged = merge_words(shown, *words);
                std::copy(merged.begin(), merged.end(), out.begin());
            } else {
                select_renormalise(out, source, full_mask, T, keep);
            }
            d.head_max[lh] = largest_share(out);
            assert(d.head_max[lh] == max_value(out, d.mask));
        }
        head_mean(std::span<float>(d.layer_mean.data() + size_t(l) * ss, ss),
                  std::span<const float>(d.weights.data() + size_t(l) * H * ss, H * ss), H, S);
    }

    for (int l = 0; l < L; ++l) d.layer_labels.push_back(index_label(l, options.one_based));
    for (int h = 0; h < H; ++h) d.head_labels.push_back(index_label(h, options.one_based));
    return d;
}

std::string lens_description(const DisplayTrace& d) {
    if (d.lens == Lens::Attention) return "attention weight";
    if (d.norm_source == NormSource::ValueOnly)
        return "value-weighted share \u2016w\u00b7v\u2016 (no W_O in this trace: value norms "
               "only), rows rescaled to sum 1";
    if (d.norm_source == NormSource::None)
        return "attention weight (no value vectors in this trace for the value-weighted lens)";
    return "value-weighted share \u2016w\u00b7v\u00b7W_O\u2016, rows rescaled to sum 1";
}

std::string unit_ref(const DisplayTrace& d, int unit) {
    const int first = d.source_index[size_t(unit)], last = d.source_end[size_t(unit)] - 1;
    if (!d.words) return "token " + std::to_string(first);
    return "word " + std::to_string(unit) +
           (first == last ? " (token " + std::to_string(first) + ")"
                          : " (tokens " + std::to_string(first) + "-" + std::to_string(last) + ")");
}

}  // namespace attnscope
