// The value-weighted lens (Kobayashi et al. 2020, "Attention is not only a weight: analyzing
// transformers with vector norms"): ‖w_ij · f(x_j)‖ with f(x_j) = v_j W_O^h. See head_analysis.h.
// L = layers, H = heads, T = tokens, D = d_head.
#include <cassert>
#include <cmath>
#include <string>

#include "attnscope/errors.h"
#include "attnscope/head_analysis.h"

namespace attnscope {

namespace {

void require_head(const AttentionTrace& trace, int layer, int head) {
    if (layer < 0 || layer >= trace.n_layer)
        throw InputError("layer " + std::to_string(layer) + " is out of range (0.." +
                         std::to_string(trace.n_layer - 1) + ")");
    if (head < 0 || head >= trace.n_head)
        throw InputError("head " + std::to_string(head) + " is out of range (0.." +
                         std::to_string(trace.n_head - 1) + ")");
}

}  // namespace

bool has_output_norms(const AttentionTrace& trace) {
    return !trace.value_out_norm.empty() &&
           trace.value_out_norm.size() == size_t(trace.n_layer) * trace.n_head * trace.n_token;
}

NormSource norm_source(const AttentionTrace& trace) {
    if (has_output_norms(trace)) return NormSource::OutputProjection;
    const bool has_values =
        !trace.v.empty() &&
        trace.v.size() == size_t(trace.n_layer) * trace.n_kv_head * trace.td() &&
        trace.kv_head_of.size() == size_t(trace.n_head);
    return has_values ? NormSource::ValueOnly : NormSource::None;
}

std::vector<float> value_norms(const AttentionTrace& trace, int layer, int head) {
    require_head(trace, layer, head);
    const size_t T = size_t(trace.n_token), D = size_t(trace.d_head);
    const NormSource source = norm_source(trace);
    if (source == NormSource::OutputProjection) {
        const std::span<const float> n = trace.value_out_norm_of(layer, head);
        return {n.begin(), n.end()};
    }
    if (source == NormSource::None) return std::vector<float>(T, 1.0f);
    // Without W_O the value vector's own length is the best stand-in: it is what W_O maps, and a
    // near-zero value moves nothing whatever the projection.
    const std::span<const float> v = trace.v_of(layer, head);
    std::vector<float> out(T);
    for (size_t j = 0; j < T; ++j) {
        double sq = 0;
        for (size_t d = 0; d < D; ++d) sq += double(v[j * D + d]) * v[j * D + d];
        out[j] = float(std::sqrt(sq));
    }
    return out;
}

void value_weighted(std::span<float> out, std::span<const float> weights,
                    std::span<const float> norms, int n_token, bool renormalise) {
    const size_t T = size_t(n_token);
    assert(out.size() == T * T && weights.size() == T * T && norms.size() == T);
    for (size_t i = 0; i < T; ++i) {
        double sum = 0;
        for (size_t j = 0; j < T; ++j) {
            // ‖w·f‖ = |w|·‖f‖, and softmax weights are never negative.
            const double v = double(weights[i * T + j]) * norms[j];
            out[i * T + j] = float(v);
            sum += v;
        }
        if (renormalise && sum > 0)
            for (size_t j = 0; j < T; ++j) out[i * T + j] = float(out[i * T + j] / sum);
    }
}

std::vector<float> value_norm_weighted(const AttentionTrace& trace, int layer, int head) {
    const std::vector<float> norms = value_norms(trace, layer, head);
    std::vector<float> out(trace.tt());
    value_weighted(out, trace.weights_of(layer, head), norms, trace.n_token, false);
    return out;
}

void lens_matrix(std::span<float> out, const AttentionTrace& trace, int layer, int head,
                 Lens lens) {
    assert(out.size() == trace.tt());
    if (lens == Lens::Attention) {
        const std::span<const float> w = trace.weights_of(layer, head);
        std::copy(w.begin(), w.end(), out.begin());
        return;
    }
    value_weighted(out, trace.weights_of(layer, head), value_norms(trace, layer, head),
                   trace.n_token, true);
}

std::vector<float> lens_layer_means(const AttentionTrace& trace, Lens lens) {
    if (lens == Lens::Attention) return layer_means(trace);
    const size_t tt = trace.tt();
    std::vector<float> out(size_t(trace.n_layer) * tt, 0.0f), head(tt);
    for (int l = 0; l < trace.n_layer; ++l) {
        float* mean = out.data() + size_t(l) * tt;
        for (int h = 0; h < trace.n_head; ++h) {
            lens_matrix(head, trace, l, h, lens);
            for (size_t c = 0; c < tt; ++c) mean[c] += head[c];
        }
        if (trace.n_head > 0)
            for (size_t c = 0; c < tt; ++c) mean[c] /= float(trace.n_head);
    }
    return out;
}

namespace {

// Each [T][T] slice of `per_layer` merged into words.
std::vector<float> merge_each(const std::vector<float>& per_layer, size_t count,
                              const WordGroups& words) {
    const size_t T = words.word_of.size(), W = size_t(words.n_word());
    std::vector<float> out;
    out.reserve(count * W * W);
    for (size_t l = 0; l < count; ++l) {
        const std::vector<float> m =
            merge_words(std::span<const float>(per_layer).subspan(l * T * T, T * T), words);
        out.insert(out.end(), m.begin(), m.end());
    }
    return out;
}

}  // namespace

std::vector<float> lens_rollout(const AttentionTrace& trace, Lens lens, bool words) {
    std::vector<float> rollout =
        attention_rollout_of(lens_layer_means(trace, lens), trace.n_layer, trace.n_token);
    if (!words) return rollout;
    return merge_each(rollout, size_t(trace.n_layer), group_words(trace));
}

std::vector<float> lens_flow(const AttentionTrace& trace, Lens lens, bool words, int layer,
                             const std::atomic<bool>* cancel, std::atomic<float>* progress) {
    if (layer == -1) layer = trace.n_layer - 1;
    if (layer < 0 || layer >= trace.n_layer)
        throw InputError("layer " + std::to_string(layer) + " is out of range (0.." +
                         std::to_string(trace.n_layer - 1) + ")");
    std::vector<float> means = lens_layer_means(trace, lens);
    means.resize(size_t(layer + 1) * trace.tt());  // only the layers up to `layer` carry flow
    std::vector<float> flow = attention_flow_of(means, layer + 1, trace.n_token, cancel, progress);
    if (!words || flow.empty()) return flow;
    return merge_each(flow, 1, group_words(trace));
}

}  // namespace attnscope
