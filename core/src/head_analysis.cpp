// Head statistics, head search, rollout and the differences of two sentences or two models
// (head_analysis.h). Attention flow is in attention_flow.cpp, word merging in word_groups.cpp,
// the value-weighted lens in lens.cpp.
// L = layers, H = heads, T = tokens, D = d_head.
#include "attnscope/head_analysis.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

#include "attnscope/analysis.h"
#include "attnscope/errors.h"

namespace attnscope {

namespace {

void require_index(int value, int count, const char* what) {
    if (value < 0 || value >= count)
        throw InputError(std::string(what) + " " + std::to_string(value) + " is out of range (0.." +
                         std::to_string(count - 1) + ")");
}

void require_top_k(int top_k) {
    if (top_k < 0)
        throw InputError("top_k must be 0 (all) or positive, got " + std::to_string(top_k));
}

// Best first; equal values keep a fixed order (layer, then head) so rankings are reproducible.
void sort_and_cut(std::vector<RankedHead>& heads, int top_k) {
    std::sort(heads.begin(), heads.end(), [](const RankedHead& a, const RankedHead& b) {
        if (a.weight != b.weight) return a.weight > b.weight;
        if (a.layer != b.layer) return a.layer < b.layer;
        return a.head < b.head;
    });
    if (top_k > 0 && size_t(top_k) < heads.size()) heads.resize(size_t(top_k));
}

}  // namespace

// [SECTION] Head statistics --------------------------------------------------------------------

HeadStats head_stats_of(std::span<const float> weights, int n_token,
                        std::span<const uint8_t> special) {
    const size_t T = size_t(n_token);
    assert(weights.size() == T * T);
    assert(special.empty() || special.size() == T);
    HeadStats s;
    if (T == 0) return s;
    double entropy = 0, distance = 0, special_mass = 0, previous = 0, self = 0, sink = 0;
    float max_weight = 0;
    for (size_t i = 0; i < T; ++i) {
        const float* row = weights.data() + i * T;
        double row_entropy = 0, row_distance = 0;
        for (size_t j = 0; j < T; ++j) {
            const double w = row[j];
            // 0·ln 0 = 0: masked keys and exact zeros add no uncertainty.
            if (w > 0) row_entropy -= w * std::log(w);
            row_distance += w * (i > j ? double(i - j) : double(j - i));
            if (!special.empty() && special[j]) special_mass += w;
            max_weight = std::max(max_weight, row[j]);
        }
        entropy += row_entropy;
        distance += row_distance;
        self += row[i];
        sink += row[0];
        if (i >= 1) previous += row[i - 1];
    }
    s.entropy = float(entropy / double(T));
    s.mean_distance = float(distance / double(T));
    s.max_weight = max_weight;
    s.special_mass = float(special_mass / double(T));
    s.previous_mass = T > 1 ? float(previous / double(T - 1)) : 0.0f;
    s.self_mass = float(self / double(T));
    s.sink_mass = float(sink / double(T));
    return s;
}

std::vector<HeadStats> head_stats(const AttentionTrace& trace) {
    std::vector<HeadStats> out;
    out.reserve(size_t(trace.n_layer) * trace.n_head);
    std::span<const uint8_t> special = trace.tokens.special;
    // An Encoding built by hand may lack the special flags; then no token counts as special.
    if (special.size() != size_t(trace.n_token)) special = {};
    for (int l = 0; l < trace.n_layer; ++l)
        for (int h = 0; h < trace.n_head; ++h) {
            HeadStats s = head_stats_of(trace.weights_of(l, h), trace.n_token, special);
            s.layer = l;
            s.head = h;
            out.push_back(s);
        }
    return out;
}

std::vector<HeadStats> display_head_stats(const DisplayTrace& d, const AttentionTrace& trace) {
    const int L = d.n_layer, H = d.n_head, S = d.n_token, T = trace.n_token;
    if (L != trace.n_layer || H != trace.n_head || d.n_source_token != T)
        throw InputError("head statistics: the view model (" + std::to_string(L) + "x" +
                         std::to_string(H) + " heads, " + std::to_string(d.n_source_token) +
                         " tokens) was not made from this trace (" + std::to_string(trace.n_layer) +
                         "x" + std::to_string(trace.n_head) + ", " + std::to_string(T) + ")");
    std::vector<int32_t> shown_rows;  // the trace tokens whose rows the view shows
    for (int t = 0; t < T; ++t)
        if (d.display_index[size_t(t)] >= 0) shown_rows.push_back(t);
    std::vector<float> full(d.hide_special ? trace.tt() : 0);
    std::vector<HeadStats> out;
    out.reserve(size_t(L) * H);
    for (int l = 0; l < L; ++l)
        for (int h = 0; h < H; ++h) {
            HeadStats s = head_stats_of(d.weights_of(l, h), S, d.special);
            if (d.hide_special) {
                lens_matrix(full, trace, l, h, d.lens);
                double mass = 0;
                for (int32_t i : shown_rows)
                    for (int j = 0; j < T; ++j)
                        if (trace.tokens.special[size_t(j)]) mass += full[size_t(i) * T + j];
                s.special_mass =
                    shown_rows.empty() ? 0.0f : float(mass / double(shown_rows.size()));
            }
            s.layer = l;
            s.head = h;
            out.push_back(s);
        }
    return out;
}

// [SECTION] Head search ------------------------------------------------------------------------

std::vector<RankedHead> rank_heads_by_weight(const AttentionTrace& trace, int query, int key,
                                             int top_k) {
    require_index(query, trace.n_token, "query token");
    require_index(key, trace.n_token, "key token");
    require_top_k(top_k);
    const size_t cell = size_t(query) * trace.n_token + key;
    if (cell < trace.mask.size() && !trace.mask[cell])
        throw InputError("token " + std::to_string(query) + " cannot attend to token " +
                         std::to_string(key) +
                         (trace.causal ? ": in a left-to-right model a token sees only itself and "
                                         "earlier tokens, so every head gives it weight 0"
                                       : ": the key is masked"));
    std::vector<RankedHead> heads;
    heads.reserve(size_t(trace.n_layer) * trace.n_head);
    for (int l = 0; l < trace.n_layer; ++l)
        for (int h = 0; h < trace.n_head; ++h)
            heads.push_back({l, h, trace.weights_of(l, h)[cell]});
    sort_and_cut(heads, top_k);
    return heads;
}

std::vector<RankedHead> rank_heads_by_cell(std::span<const float> weights, int n_layer, int n_head,
                                           int n_unit, int query, int key, int top_k) {
    require_index(query, n_unit, "query");
    require_index(key, n_unit, "key");
    require_top_k(top_k);
    const size_t ss = size_t(n_unit) * n_unit;
    if (weights.size() != size_t(n_layer) * n_head * ss)
        throw InputError("rank heads: expected " + std::to_string(n_layer) + "x" +
                         std::to_string(n_head) + " matrices of " + std::to_string(n_unit) + "x" +
                         std::to_string(n_unit) + " values, got " + std::to_string(weights.size()));
    std::vector<RankedHead> heads;
    heads.reserve(size_t(n_layer) * n_head);
    for (int l = 0; l < n_layer; ++l)
        for (int h = 0; h < n_head; ++h)
            heads.push_back(
                {l, h, weights[(size_t(l) * n_head + h) * ss + size_t(query) * n_unit + key]});
    sort_and_cut(heads, top_k);
    return heads;
}

namespace {

struct StatisticInfo {
    HeadStatistic statistic;
    const char* name;
};
constexpr StatisticInfo k_statistics[k_head_statistic_count] = {
    {HeadStatistic::PreviousToken, "previous"},
    {HeadStatistic::Self, "self"},
    {HeadStatistic::Sink, "sink"},
    {HeadStatistic::Special, "special"},
    {HeadStatistic::Broad, "broad"},
    {HeadStatistic::Distance, "distance"},
    {HeadStatistic::MaxWeight, "max"},
};

}  // namespace

const char* head_statistic_name(HeadStatistic statistic) {
    for (const StatisticInfo& s : k_statistics)
        if (s.statistic == statistic) return s.name;
    assert(false && "unknown HeadStatistic");
    return "?";
}

bool parse_head_statistic(std::string_view name, HeadStatistic* out) {
    for (const StatisticInfo& s : k_statistics)
        if (name == s.name) {
            *out = s.statistic;
            return true;
        }
    return false;
}

float head_statistic_value(const HeadStats& stats, HeadStatistic statistic) {
    switch (statistic) {
        case HeadStatistic::PreviousToken:
            return stats.previous_mass;
        case HeadStatistic::Self:
            return stats.self_mass;
        case HeadStatistic::Sink:
            return stats.sink_mass;
        case HeadStatistic::Special:
            return stats.special_mass;
        case HeadStatistic::Broad:
            return stats.entropy;
        case HeadStatistic::Distance:
            return stats.mean_distance;
        case HeadStatistic::MaxWeight:
            return stats.max_weight;
    }
    assert(false && "unknown HeadStatistic");
    return 0;
}

std::vector<RankedHead> rank_heads_by_statistic(std::span<const HeadStats> stats,
                                                HeadStatistic statistic, int top_k) {
    require_top_k(top_k);
    std::vector<RankedHead> heads;
    heads.reserve(stats.size());
    for (const HeadStats& s : stats)
        heads.push_back({s.layer, s.head, head_statistic_value(s, statistic)});
    sort_and_cut(heads, top_k);
    return heads;
}

// [SECTION] Aggregation ------------------------------------------------------------------------

std::vector<float> layer_means(const AttentionTrace& trace) {
    const size_t tt = trace.tt();
    std::vector<float> out(size_t(trace.n_layer) * tt);
    for (int l = 0; l < trace.n_layer; ++l) {
        const std::span<const float> heads(trace.weights.data() + size_t(l) * trace.n_head * tt,
                                           size_t(trace.n_head) * tt);
        head_mean(std::span<float>(out.data() + size_t(l) * tt, tt), heads, trace.n_head,
                  trace.n_token);
    }
    return out;
}

void add_residual(std::span<float> out, std::span<const float> attention, int n_token) {
    const size_t T = size_t(n_token);
    assert(out.size() == T * T && attention.size() == T * T);
    for (size_t i = 0; i < T; ++i) {
        double sum = 0;
        for (size_t j = 0; j < T; ++j) sum += 0.5 * attention[i * T + j] + (i == j ? 0.5 : 0.0);
        // The head mean's rows already sum to 1, so sum is 1 up to rounding; renormalising keeps
        // the rollout exactly row-stochastic and copes with rows that do not (hidden tokens).
        for (size_t j = 0; j < T; ++j) {
            const double a = 0.5 * attention[i * T + j] + (i == j ? 0.5 : 0.0);
            out[i * T + j] = float(a / sum);  // sum ≥ 0.5 because of the identity term
        }
    }
}

std::vector<float> attention_rollout_of(std::span<const float> layer_attention, int n_layer,
                                        int n_token) {
    const size_t T = size_t(n_token), tt = T * T;
    if (layer_attention.size() != size_t(n_layer) * tt)
        throw InputError("attention rollout: expected " + std::to_string(n_layer) + " layers of " +
                         std::to_string(T) + "x" + std::to_string(T) + " values, got " +
                         std::to_string(layer_attention.size()));
    std::vector<float> out(size_t(n_layer) * tt);
    std::vector<float> residual(tt);
    // R starts as the identity (the input tokens themselves) and is multiplied from the left:
    // R_l = Â_l · R_{l−1}, because layer l mixes the tokens that layer l−1 produced.
    std::vector<double> r(tt, 0.0), next(tt);
    for (size_t i = 0; i < T; ++i) r[i * T + i] = 1.0;
    for (int l = 0; l < n_layer; ++l) {
        add_residual(residual, layer_attention.subspan(size_t(l) * tt, tt), n_token);
        std::fill(next.begin(), next.end(), 0.0);
        for (size_t i = 0; i < T; ++i)
            for (size_t k = 0; k < T; ++k) {
                const double a = residual[i * T + k];
                if (a == 0) continue;  // causal rows are half zeros
                for (size_t j = 0; j < T; ++j) next[i * T + j] += a * r[k * T + j];
            }
        r.swap(next);
        std::copy(r.begin(), r.end(), out.begin() + ptrdiff_t(size_t(l) * tt));
    }
    return out;
}

std::vector<float> attention_rollout(const AttentionTrace& trace) {
    return attention_rollout_of(layer_means(trace), trace.n_layer, trace.n_token);
}

std::vector<float> attention_flow(const AttentionTrace& trace, int layer,
                                  const std::atomic<bool>* cancel, std::atomic<float>* progress) {
    if (layer == -1) layer = trace.n_layer - 1;
    require_index(layer, trace.n_layer, "layer");
    std::vector<float> means = layer_means(trace);
    means.resize(size_t(layer + 1) * trace.tt());  // only the layers up to `layer` carry flow
    return attention_flow_of(means, layer + 1, trace.n_token, cancel, progress);
}

// [SECTION] Two sentences, two models --------------------------------------------------------

TraceAlignment align_traces(const AttentionTrace& a, const AttentionTrace& b) {
    TraceAlignment r;
    if (a.model_name != b.model_name || a.n_layer != b.n_layer || a.n_head != b.n_head) {
        r.reason = "the two sentences were run on different models ('" + a.model_name + "' and '" +
                   b.model_name + "'); run both on the same model to compare them";
        return r;
    }
    r.same_model = true;
    if (a.n_token != b.n_token) {
        r.reason = "the sentences have different numbers of tokens (" + std::to_string(a.n_token) +
                   " and " + std::to_string(b.n_token) +
                   "), so their attention cells do not line up; change one sentence so both "
                   "tokenize to the same length";
        return r;
    }
    r.aligned = true;
    const size_t n = std::min(a.tokens.ids.size(), b.tokens.ids.size());
    for (size_t t = 0; t < n; ++t)
        if (a.tokens.ids[t] != b.tokens.ids[t]) r.differing_tokens.push_back(int32_t(t));
    return r;
}

ModelPairLayout compare_models(const AttentionTrace& a, const AttentionTrace& b) {
    ModelPairLayout r;
    r.same_shape = a.n_layer == b.n_layer && a.n_head == b.n_head;
    r.same_tokens = a.n_token == b.n_token && a.tokens.tokens == b.tokens.tokens;
    auto shape = [](const AttentionTrace& t) {
        return std::to_string(t.n_layer) + " layers x " + std::to_string(t.n_head) + " heads";
    };
    if (a.n_token != b.n_token) {
        r.tokens_reason = "the models tokenise the text differently (" + std::to_string(a.n_token) +
                          " and " + std::to_string(b.n_token) +
                          " tokens), so their cells do not line up";
    } else if (!r.same_tokens) {
        size_t t = 0;
        while (t < a.tokens.tokens.size() && t < b.tokens.tokens.size() &&
               a.tokens.tokens[t] == b.tokens.tokens[t])
            ++t;
        r.tokens_reason = "the models tokenise the text differently (token " + std::to_string(t) +
                          " is '" + (t < a.tokens.tokens.size() ? a.tokens.tokens[t] : "") +
                          "' and '" + (t < b.tokens.tokens.size() ? b.tokens.tokens[t] : "") + "')";
    }
    if (!r.same_shape) {
        r.reason = "the models have different shapes (" + shape(a) + " and " + shape(b) +
                   "), so each shows its own choice of head";
    } else {
        r.reason = r.tokens_reason;
    }
    return r;
}

std::vector<float> head_difference(const AttentionTrace& a, const AttentionTrace& b, int layer,
                                   int head) {
    const TraceAlignment alignment = align_traces(a, b);
    if (!alignment.aligned) throw InputError(alignment.reason);
    require_index(layer, a.n_layer, "layer");
    require_index(head, a.n_head, "head");
    std::vector<float> out(a.tt());
    difference(out, a.weights_of(layer, head), b.weights_of(layer, head), a.mask);
    return out;
}

}  // namespace attnscope
