#include "trace_prefix.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace attnscope {

namespace {

// `t` has every buffer of a run, at the sizes its dimensions imply.
bool buffers_complete(const AttentionTrace& t, bool has_norope) {
    const size_t T = size_t(t.n_token);
    if (t.tokens.ids.size() != T || t.position_ids.size() != T) return false;
    for (const RecordedBuffer& b : recorded_buffers(t, has_norope))
        if ((t.*b.buffer).size() != b.size) return false;
    return true;
}

// Big copies are memory-bound; both cores still move more bytes per second than one.
bool worth_threads(size_t floats) { return floats >= (size_t(1) << 20); }

// Rows 0..p-1 of `n_block` blocks of [rows][width] floats: blocks of S rows in `src`, of T rows
// in `dst`.
void copy_rows(float* dst, const float* src, size_t n_block, size_t T, size_t S, size_t p,
               size_t width) {
    const bool big = worth_threads(n_block * p * width);
#pragma omp parallel for schedule(static) if (big)
    for (size_t b = 0; b < n_block; ++b)
        std::copy_n(src + b * S * width, p * width, dst + b * T * width);
}

// Query rows 0..p-1 of `n_block` square blocks ([S][S] in `src`, [T][T] in `dst`): keys 0..p-1
// copied, keys p..T-1 set to `unseen` (a query never sees a later key).
void copy_square_rows(float* dst, const float* src, size_t n_block, size_t T, size_t S, size_t p,
                      float unseen) {
    const bool big = worth_threads(n_block * p * T);
#pragma omp parallel for schedule(static) if (big)
    for (size_t b = 0; b < n_block; ++b) {
        for (size_t i = 0; i < p; ++i) {
            const float* from = src + (b * S + i) * S;
            float* to = dst + (b * T + i) * T;
            std::copy_n(from, p, to);
            std::fill(to + p, to + T, unseen);
        }
    }
}

}  // namespace

std::array<RecordedBuffer, 11> recorded_buffers(const AttentionTrace& t, bool has_norope) {
    const size_t L = t.n_layer, H = t.n_head, G = t.n_kv_head, T = t.n_token, D = t.d_head,
                 C = t.d_model;
    return {{
        {&AttentionTrace::embed, T * C},
        {&AttentionTrace::q, L * H * T * D},
        {&AttentionTrace::k, L * G * T * D},
        {&AttentionTrace::v, L * G * T * D},
        {&AttentionTrace::q_norope, has_norope ? L * H * T * D : 0},
        {&AttentionTrace::k_norope, has_norope ? L * G * T * D : 0},
        {&AttentionTrace::scores, L * H * T * T},
        {&AttentionTrace::weights, L * H * T * T},
        {&AttentionTrace::head_out, L * H * T * D},
        {&AttentionTrace::value_out_norm, L * H * T},
        {&AttentionTrace::hidden, L * T * C},
    }};
}

int reusable_prefix(const AttentionTrace& prev, const AttentionTrace& tr, const Model& model) {
    const ModelConfig& c = model.config();
    if (!c.causal || prev.imported || prev.model_instance != model.instance_id()) return 0;
    const bool same_shape = prev.arch == tr.arch && prev.n_layer == tr.n_layer &&
                            prev.n_head == tr.n_head && prev.n_kv_head == tr.n_kv_head &&
                            prev.d_head == tr.d_head && prev.d_model == tr.d_model;
    if (!same_shape || !buffers_complete(prev, c.arch == Arch::Llama)) return 0;
    const int n = std::min(prev.n_token, tr.n_token - 1);
    int p = 0;
    while (p < n && prev.tokens.ids[p] == tr.tokens.ids[p] &&
           prev.position_ids[p] == tr.position_ids[p])
        ++p;
    return p;
}

void copy_prefix(AttentionTrace& tr, const AttentionTrace& prev, int p) {
    assert(p > 0 && p < tr.n_token && p <= prev.n_token);
    const size_t L = tr.n_layer, H = tr.n_head, G = tr.n_kv_head, D = tr.d_head, C = tr.d_model;
    const size_t T = tr.n_token, S = prev.n_token;
    copy_rows(tr.embed.data(), prev.embed.data(), 1, T, S, p, C);
    copy_rows(tr.q.data(), prev.q.data(), L * H, T, S, p, D);
    copy_rows(tr.k.data(), prev.k.data(), L * G, T, S, p, D);
    copy_rows(tr.v.data(), prev.v.data(), L * G, T, S, p, D);
    if (!tr.q_norope.empty()) {
        copy_rows(tr.q_norope.data(), prev.q_norope.data(), L * H, T, S, p, D);
        copy_rows(tr.k_norope.data(), prev.k_norope.data(), L * G, T, S, p, D);
    }
    copy_square_rows(tr.scores.data(), prev.scores.data(), L * H, T, S, p,
                     -std::numeric_limits<float>::infinity());
    copy_square_rows(tr.weights.data(), prev.weights.data(), L * H, T, S, p, 0.0f);
    copy_rows(tr.head_out.data(), prev.head_out.data(), L * H, T, S, p, D);
    copy_rows(tr.value_out_norm.data(), prev.value_out_norm.data(), L * H, T, S, p, 1);
    copy_rows(tr.hidden.data(), prev.hidden.data(), L, T, S, p, C);
}

}  // namespace attnscope
