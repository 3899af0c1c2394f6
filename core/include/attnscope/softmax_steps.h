// The teaching stepper: every stage of scaled dot-product attention for one query token of one
// head, as plain data, so a view can walk a student through q·k → scale → mask → softmax → Σ w·v
// one step at a time (issue 4).
//
// Dimension names: T = n_token (keys of the row), D = d_head.
//
// Thread-safety: pure functions on plain data; re-entrant. A SoftmaxSteps is immutable once built.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "attnscope/trace.h"

namespace attnscope {

// Every intermediate of one attention row: query token `query` of (layer, head).
//
// Numbers: dot products and products are recomputed in double from the trace's q and k (then
// stored as float). From `scaled` on, allowed keys use the score the model itself recorded
// (trace.scores, its float matmul), so `weights` reproduces trace.weights to float rounding;
// `dots[j] * scale` equals `scaled[j]` to about 1e-6 relative. Masked keys, which a causal model
// never scores, show the recomputed dots[j] * scale in `scaled`.
struct SoftmaxSteps {
    int layer = 0, head = 0;
    int query = 0;         // i, the query token of the row
    int kv_head = 0;       // which KV head this query head reads (GQA: head / (H / G))
    bool grouped = false;  // true if several query heads share KV heads (n_kv_head < n_head)
    bool rope = false;     // true if q and k are after the rotary position embedding (Llama)
    bool causal = false;   // decoder: keys after the query are masked
    int n_token = 0;       // T
    int d_head = 0;        // D

    std::vector<float> q;              // [D]    query of token i (post-RoPE when `rope`)
    std::vector<float> q_norope;       // [D]    before RoPE (only when `rope`, else empty)
    std::vector<float> keys;           // [T][D] k_j (post-RoPE when `rope`)
    std::vector<float> keys_norope;    // [T][D] before RoPE (only when `rope`, else empty)
    std::vector<float> values;         // [T][D] v_j
    std::vector<float> products;       // [T][D] q ∘ k_j, element-wise
    std::vector<float> dots;           // [T]    q · k_j = Σ_d products[j][d]
    float scale = 1;                   //        1 / √D
    std::vector<float> scaled;         // [T]    q · k_j / √D
    std::vector<uint8_t> allowed;      // [T]    1 where token i may attend to key j
    std::vector<float> mask;           // [T]    additive mask: 0 allowed, -inf masked
    std::vector<float> masked;         // [T]    scaled + mask (-inf for masked keys)
    float row_max = 0;                 //        max over allowed keys of `masked`
    std::vector<float> shifted;        // [T]    masked - row_max (≤ 0; -inf for masked keys)
    std::vector<float> exps;           // [T]    exp(shifted) in (0, 1]; 0 for masked keys
    float sum = 0;                     //        Σ_j exps[j] (≥ 1: the max's term is exp(0) = 1)
    std::vector<float> weights;        // [T]    exps / sum; sums to 1; 0 for masked keys
    std::vector<float> contributions;  // [T][D] weights[j] · v_j
    std::vector<float> output;         // [D]    Σ_j weights[j] · v_j (trace.head_out row i)
};

// Computes every stage for query token `query` of (layer, head). Cost O(T·D).
// Throws InputError if layer, head or query is out of range for the trace.
SoftmaxSteps softmax_steps(const AttentionTrace& trace, int layer, int head, int query);

// The stages a step-by-step view walks through, in order.
enum class SoftmaxStage {
    DotProducts,  // q ∘ k_j and q · k_j
    Scale,        // × 1/√D
    Mask,         // + mask (-inf for keys the query may not see)
    SubtractMax,  // − row max
    Exp,          // exp()
    Sum,          // Σ exp
    Normalise,    // ÷ sum → weights
    WeightedSum,  // Σ w_j v_j → output
};
inline constexpr int k_softmax_stage_count = 8;

// Short title ("Subtract the row maximum") and a student-facing explanation that starts with the
// stage's number ("4. Subtract the row maximum: ..."). Static strings.
const char* softmax_stage_title(SoftmaxStage stage);
const char* softmax_stage_explanation(SoftmaxStage stage);

// The per-key values [T] a stage shows: dots, scaled, masked, shifted, exps, exps (Sum adds them
// up: see steps.sum), weights, weights (WeightedSum mixes the values with them: see
// steps.contributions and steps.output). A span into `steps`.
std::span<const float> stage_values(const SoftmaxSteps& steps, SoftmaxStage stage);

// For animating between two stages: out = (1 − t)·a + t·b, t clamped to [0, 1]. Where either side
// is not finite (a masked key's -inf), the value jumps from a to b at t = 0.5 instead, since there
// is nothing to interpolate. Throws InputError if the sizes differ.
void interpolate_values(std::span<float> out, std::span<const float> a, std::span<const float> b,
                        float t);
// The same between two stages' stage_values.
std::vector<float> interpolate_stages(const SoftmaxSteps& steps, SoftmaxStage from, SoftmaxStage to,
                                      float t);

}  // namespace attnscope
