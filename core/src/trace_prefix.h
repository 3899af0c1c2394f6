// Reusing the start of an earlier trace (RunOptions::reuse): in a causal model token i sees only
// tokens 0..i, so every value recorded for a shared prefix of tokens is the same in both traces.
//
// Dimension legend: L = layers, H = query heads, G = key/value heads, T = tokens of the new trace,
// S = tokens of the earlier one, D = d_head, C = d_model, p = tokens reused.
#pragma once

#include "attnscope/model.h"
#include "attnscope/trace.h"

#include <array>
#include <cstddef>

namespace attnscope {

// Every float buffer a run records and its size for `t`'s dimensions (n_layer ... d_model,
// n_token): what the engine allocates, and what an earlier trace must have to be reused.
// `has_norope`: Llama also records q and k before RoPE.
struct RecordedBuffer {
    FloatBuffer AttentionTrace::*buffer;
    size_t size;
};
std::array<RecordedBuffer, 11> recorded_buffers(const AttentionTrace& t, bool has_norope);

// How many leading tokens of `prev` a run of `tr` may copy instead of computing: 0 unless `prev`
// was run (not imported) by `model` itself (same instance id), the model is causal, and every
// buffer of `prev` has the size its dimensions say. Otherwise the length of the common prefix of
// token ids and position ids, at most T-1 (the last token is always computed: the prediction
// reads it). `tr` needs its tokens, position_ids and dimensions set; its buffers are not read.
int reusable_prefix(const AttentionTrace& prev, const AttentionTrace& tr, const Model& model);

// Copies tokens 0..p-1 of every recorded buffer of `prev` into `tr`'s layout (sized by the
// engine for T tokens; strides differ since S != T). In scores and weights, a copied query row
// gets -inf and 0 for the keys p..T-1, which it never sees.
void copy_prefix(AttentionTrace& tr, const AttentionTrace& prev, int p);

}  // namespace attnscope
