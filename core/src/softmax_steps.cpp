// The teaching stepper: one attention row, stage by stage (see softmax_steps.h).
// T = n_token, D = d_head.
#include "attnscope/softmax_steps.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>

#include "attnscope/errors.h"

namespace attnscope {

namespace {

constexpr float k_neg_inf = -std::numeric_limits<float>::infinity();

void require_index(int value, int count, const char* what) {
    if (value < 0 || value >= count)
        throw InputError(std::string(what) + " " + std::to_string(value) + " is out of range (0.." +
                         std::to_string(count - 1) + ")");
}

struct StageText {
    const char* title;
    const char* explanation;
};

// Indexed by SoftmaxStage. Written for a student who knows vectors and exp() but not transformers.
constexpr StageText k_stage_text[k_softmax_stage_count] = {
    {"Dot products",
     "1. Compare the query with every key: multiply them dimension by dimension and add the "
     "products up. The dot product q·k_j is large when the query and key point the same way."},
    {"Scale",
     "2. Divide by the square root of the head size D: dot products of D-dimensional vectors grow "
     "like √D, and unscaled scores would make the softmax almost one-hot."},
    {"Mask",
     "3. Add the mask: keys the query may not see (later tokens in a left-to-right model) get "
     "-infinity, so they will receive exactly zero weight."},
    {"Subtract the row maximum",
     "4. Subtract the row maximum: softmax is unchanged by a constant shift, and exp() of large "
     "numbers would overflow float."},
    {"Exponentiate",
     "5. Take exp() of every shifted score: all become positive, the maximum becomes exactly 1, "
     "and masked keys become 0."},
    {"Sum",
     "6. Add up the exponentials. The sum is at least 1, because the maximum contributed exp(0) = "
     "1."},
    {"Normalise",
     "7. Divide each exponential by the sum: these are the attention weights. They are between 0 "
     "and 1 and add up to 1."},
    {"Weighted sum of values",
     "8. Mix the value vectors with the weights: the head's output for this token is Σ_j w_j·v_j, "
     "mostly the values of the keys with the largest weights."},
};

}  // namespace

SoftmaxSteps softmax_steps(const AttentionTrace& trace, int layer, int head, int query) {
    require_index(layer, trace.n_layer, "layer");
    require_index(head, trace.n_head, "head");
    require_index(query, trace.n_token, "query token");
    const int T = trace.n_token, D = trace.d_head;
    assert(trace.scores.size() == size_t(trace.n_layer) * trace.n_head * trace.tt());
    assert(trace.mask.size() == trace.tt() && int(trace.kv_head_of.size()) == trace.n_head);

    SoftmaxSteps s;
    s.layer = layer;
    s.head = head;
    s.query = query;
    s.kv_head = trace.kv_head_of[head];
    s.grouped = trace.n_kv_head < trace.n_head;
    s.rope = !trace.q_norope.empty();
    s.causal = trace.causal;
    s.n_token = T;
    s.d_head = D;

    const auto q_all = trace.q_of(layer, head), k_all = trace.k_of(layer, head),
               v_all = trace.v_of(layer, head);
    s.q.assign(q_all.begin() + ptrdiff_t(query) * D, q_all.begin() + ptrdiff_t(query + 1) * D);
    s.keys.assign(k_all.begin(), k_all.end());
    s.values.assign(v_all.begin(), v_all.end());
    if (s.rope) {
        const size_t q_at = (size_t(layer) * trace.n_head + head) * trace.td() + size_t(query) * D;
        const size_t k_at = (size_t(layer) * trace.n_kv_head + s.kv_head) * trace.td();
        s.q_norope.assign(trace.q_norope.begin() + ptrdiff_t(q_at),
                          trace.q_norope.begin() + ptrdiff_t(q_at + D));
        s.keys_norope.assign(trace.k_norope.begin() + ptrdiff_t(k_at),
                             trace.k_norope.begin() + ptrdiff_t(k_at + trace.td()));
    }

    // Stage 1-2: products and dot products, summed in double so the teaching numbers are as
    // exact as float storage allows.
    s.products.resize(size_t(T) * D);
    s.dots.resize(T);
    for (int j = 0; j < T; ++j) {
        double dot = 0;
        for (int d = 0; d < D; ++d) {
            const double p = double(s.q[d]) * s.keys[size_t(j) * D + d];
            s.products[size_t(j) * D + d] = float(p);
            dot += p;
        }
        s.dots[j] = float(dot);
    }
    s.scale = float(1.0 / std::sqrt(double(D)));

    // Stage 3: the model's own scores for allowed keys, so every later stage matches the trace
    // (a recomputed score differs from the engine's float matmul in the last bits, and the large
    // scores of real models would carry that into the weights).
    const auto recorded = trace.scores_of(layer, head).subspan(size_t(query) * T, T);
    const uint8_t* mask_row = trace.mask.data() + size_t(query) * T;
    s.scaled.resize(T);
    s.allowed.assign(mask_row, mask_row + T);
    s.mask.resize(T);
    s.masked.resize(T);
    for (int j = 0; j < T; ++j) {
        s.scaled[j] = s.allowed[j] ? recorded[j] : float(double(s.dots[j]) * s.scale);
        s.mask[j] = s.allowed[j] ? 0.0f : k_neg_inf;
        s.masked[j] = s.allowed[j] ? s.scaled[j] : k_neg_inf;
    }

    // Stages 4-7: the stable softmax.
    s.row_max = k_neg_inf;
    for (int j = 0; j < T; ++j)
        if (s.allowed[j]) s.row_max = std::max(s.row_max, s.masked[j]);
    s.shifted.resize(T);
    s.exps.resize(T);
    std::vector<double> exps(T, 0.0);
    double sum = 0;
    for (int j = 0; j < T; ++j) {
        s.shifted[j] = s.allowed[j] ? s.masked[j] - s.row_max : k_neg_inf;
        exps[j] = s.allowed[j] ? std::exp(double(s.masked[j]) - double(s.row_max)) : 0.0;
        s.exps[j] = float(exps[j]);
        sum += exps[j];
    }
    s.sum = float(sum);
    s.weights.resize(T);
    for (int j = 0; j < T; ++j) s.weights[j] = sum > 0 ? float(exps[j] / sum) : 0.0f;

    // Stage 8: the output mixes the values. Accumulated in double over the float weights, which
    // are what a view shows next to the values.
    s.contributions.resize(size_t(T) * D);
    std::vector<double> out(D, 0.0);
    for (int j = 0; j < T; ++j)
        for (int d = 0; d < D; ++d) {
            const double c = double(s.weights[j]) * s.values[size_t(j) * D + d];
            s.contributions[size_t(j) * D + d] = float(c);
            out[d] += c;
        }
    s.output.assign(out.begin(), out.end());
    return s;
}

const char* softmax_stage_title(SoftmaxStage stage) {
    const int i = int(stage);
    assert(i >= 0 && i < k_softmax_stage_count);
    return k_stage_text[i].title;
}

const char* softmax_stage_explanation(SoftmaxStage stage) {
    const int i = int(stage);
    assert(i >= 0 && i < k_softmax_stage_count);
    return k_stage_text[i].explanation;
}

std::span<const float> stage_values(const SoftmaxSteps& steps, SoftmaxStage stage) {
    switch (stage) {
        case SoftmaxStage::DotProducts:
            return steps.dots;
        case SoftmaxStage::Scale:
            return steps.scaled;
        case SoftmaxStage::Mask:
            return steps.masked;
        case SoftmaxStage::SubtractMax:
            return steps.shifted;
        case SoftmaxStage::Exp:
        case SoftmaxStage::Sum:
            return steps.exps;
        case SoftmaxStage::Normalise:
        case SoftmaxStage::WeightedSum:
            return steps.weights;
    }
    assert(false && "unknown SoftmaxStage");
    return {};
}

void interpolate_values(std::span<float> out, std::span<const float> a, std::span<const float> b,
                        float t) {
    if (a.size() != b.size() || out.size() != a.size())
        throw InputError("interpolating vectors of different sizes (" + std::to_string(a.size()) +
                         ", " + std::to_string(b.size()) + " into " + std::to_string(out.size()) +
                         ")");
    t = std::isnan(t) ? 0.0f : std::clamp(t, 0.0f, 1.0f);
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::isfinite(a[i]) && std::isfinite(b[i]))
            out[i] = (1.0f - t) * a[i] + t * b[i];  // exact a at t = 0 and b at t = 1
        else
            out[i] = t < 0.5f ? a[i] : b[i];
    }
}

std::vector<float> interpolate_stages(const SoftmaxSteps& steps, SoftmaxStage from, SoftmaxStage to,
                                      float t) {
    const auto a = stage_values(steps, from), b = stage_values(steps, to);
    std::vector<float> out(a.size());
    interpolate_values(out, a, b, t);
    return out;
}

}  // namespace attnscope
