// The interface between the engine and the per-architecture files (arch_*.cpp).
// Each architecture file holds its tensor-name table, its weights struct and its forward pass.
#pragma once

#include <cstdint>
#include <memory>

#include "attnscope/model.h"
#include "attnscope/trace.h"
#include "ops.h"

namespace attnscope {

class ArchModel {
public:
    virtual ~ArchModel() = default;
    // Runs the forward pass over trace.tokens (ids, type_ids) and trace.position_ids, filling every
    // recorded buffer of `trace` at tokens first..T-1; the engine has sized them all. first > 0
    // (causal models only) is a suffix pass: the engine has copied every buffer's rows for tokens
    // 0..first-1 from an earlier trace with the same prefix, and the new tokens read the prefix's
    // keys and values from there. If trace.prediction.positions is not empty (all >= first) and
    // the model has an LM head, fills trace.prediction.logits [P][V].
    virtual void forward(AttentionTrace& trace, int first) const = 0;
    virtual bool has_lm_head() const = 0;
    virtual int64_t n_params() const = 0;
};

// One layer's multi-head attention for architectures without rotary positions (n_kv_head ==
// n_head): splits qkv [T-first][3·H·D] (tokens first..T-1) into the trace's q, k, v of `layer`
// and records scores, weights and head outputs of those tokens there. `attn` gets their heads
// side by side [T-first][H·D].
inline void recorded_attention(RowMatrixXf& attn, AttentionTrace& tr, int layer,
                               const RowMatrixXf& qkv, bool causal, int first) {
    const int T = tr.n_token, H = tr.n_head, D = tr.d_head;
    const size_t qkv_off = size_t(layer) * H * T * D, tt_off = size_t(layer) * H * T * T;
    split_heads(&tr.q[qkv_off], &tr.k[qkv_off], &tr.v[qkv_off], qkv, first, T, H, H, D);
    AttentionRecord rec{&tr.q[qkv_off],     &tr.k[qkv_off],       &tr.v[qkv_off],
                        &tr.scores[tt_off], &tr.weights[tt_off], &tr.head_out[qkv_off]};
    attention(attn, rec, tr.mask.data(), causal, first, T, H, H, D);
}

// Records ‖v_j · W_O^h‖ for every head and tokens first..T-1 of `layer` into
// tr.value_out_norm; call after the layer's attention has filled tr.v.
inline void record_value_norms(AttentionTrace& tr, int layer, const Linear& out_proj, int first) {
    const int T = tr.n_token, H = tr.n_head, G = tr.n_kv_head, D = tr.d_head;
    value_output_norms(&tr.value_out_norm[size_t(layer) * H * T], &tr.v[size_t(layer) * G * T * D],
                       out_proj, first, T, H, G, D);
}

// Rows first..T-1 of the recorded [T][C] block at `dst` (embed, one layer of hidden) get the
// residual stream x [T-first][C] of those tokens.
inline void record_rows(float* dst, const RowMatrixXf& x, int first) {
    MatrixMap(dst + size_t(first) * x.cols(), x.rows(), x.cols()) = x;
}

// Factories: read every weight through the architecture's name table, checking shapes.
std::unique_ptr<ArchModel> make_gpt2(const ModelConfig& config, const WeightSource& weights);
std::unique_ptr<ArchModel> make_bert(const ModelConfig& config, const WeightSource& weights);  // bert, roberta
std::unique_ptr<ArchModel> make_distilbert(const ModelConfig& config, const WeightSource& weights);
std::unique_ptr<ArchModel> make_llama(const ModelConfig& config, const WeightSource& weights);

}  // namespace attnscope
