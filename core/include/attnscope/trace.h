// The trace of one forward pass: everything attnscope shows comes from here.
// Plain data: contiguous row-major float buffers, a shape comment on every field. Views only read it.
//
// Dimension names: L = n_layer, H = n_head (query heads), G = n_kv_head (key/value heads),
// T = n_token, D = d_head, C = d_model, V = vocab_size, P = predicted positions.
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <string>
#include <vector>

#include "attnscope/model.h"
#include "attnscope/tokenizer.h"

namespace attnscope {

namespace detail {
// Storage for trace buffers (trace_buffer.cpp). Blocks of 8 MiB and more freed by one run are
// kept (up to 1.5 GiB) and handed to the next run of a similar size, so a long input does not
// fault in a fresh 1.3 GiB from the kernel on every keystroke. Thread-safe.
void* allocate_trace_bytes(size_t bytes);
void free_trace_bytes(void* p, size_t bytes) noexcept;
// Gives the kept blocks back to the system (the app does when nothing has run for a while).
void release_cached_trace_memory() noexcept;
// Bytes in kept blocks (freed by a run, not yet given back).
size_t cached_trace_bytes() noexcept;
}  // namespace detail

// The allocator of trace buffers: reuses big blocks (above), and resize() leaves new
// elements default-initialised (for float: not written). The engine writes every element of every
// trace buffer, and zero-filling them first, on one thread, was a quarter of a 1024-token run.
// Copies and assign(n, value) still write.
template <class T>
struct TraceAllocator {
    using value_type = T;
    TraceAllocator() = default;
    template <class U>
    TraceAllocator(const TraceAllocator<U>&) noexcept {}
    T* allocate(size_t n) { return static_cast<T*>(detail::allocate_trace_bytes(n * sizeof(T))); }
    void deallocate(T* p, size_t n) noexcept { detail::free_trace_bytes(p, n * sizeof(T)); }
    template <class U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
    template <class U>
    bool operator==(const TraceAllocator<U>&) const noexcept { return true; }
};

// A trace buffer: a std::vector<float> with the allocator above.
using FloatBuffer = std::vector<float, TraceAllocator<float>>;

// One candidate token with its probability.
struct TokenProb {
    int32_t id = 0;
    std::string token;  // vocabulary string
    std::string text;   // display string
    float prob = 0;     // softmax probability
    float logit = 0;
};

enum class PredictionKind {
    None,       // encoder without an MLM head, or no [MASK] in the input
    NextToken,  // causal LM: the token after the last position
    MaskFill,   // masked LM: one list per [MASK] position
};

struct Prediction {
    PredictionKind kind = PredictionKind::None;
    std::vector<int32_t> positions;          // [P] token index the prediction is for (last token;
                                             //     or each [MASK])
    std::vector<std::vector<TokenProb>> top;  // [P][k] best first
    FloatBuffer logits;                      // [P][V] full logits at those positions
};

struct AttentionTrace {
    // --- what ran ---
    std::string model_name;
    uint64_t model_instance = 0;  // Model::instance_id() of the model that ran (0: imported)
    Arch arch = Arch::Gpt2;
    bool causal = false;
    int n_layer = 0, n_head = 0, n_kv_head = 0, n_token = 0, d_head = 0, d_model = 0;
    std::string text, text_pair;  // the inputs
    bool has_pair = false;
    bool imported = false;  // read from a file (import_attention_npz), not run: only the sizes,
                            // tokens, weights and mask are filled; q/k/v, scores, head_out,
                            // hidden, embed are empty and d_head = d_model = 0; nothing can rerun
    int reused_prefix = 0;  // tokens 0..reused_prefix-1 were copied from an earlier trace
                            // (RunOptions::reuse), not computed; 0 for a full run

    // --- tokens ---
    Encoding tokens;                  // ids, vocabulary strings, display strings, spans [T]
    std::vector<int32_t> position_ids;  // [T] rows of the position table used (RoBERTa: 2..T+1)
    std::vector<int32_t> kv_head_of;  // [H] which KV head query head h reads (h / (H/G))

    // --- per layer and head ---
    FloatBuffer embed;     // [T][C]          input of layer 0
    FloatBuffer q;         // [L][H][T][D]    queries (Llama: after RoPE)
    FloatBuffer k;         // [L][G][T][D]    keys    (Llama: after RoPE)
    FloatBuffer v;         // [L][G][T][D]    values
    FloatBuffer q_norope;  // [L][H][T][D]    Llama only (empty otherwise): before RoPE
    FloatBuffer k_norope;  // [L][G][T][D]    Llama only (empty otherwise): before RoPE
    FloatBuffer scores;    // [L][H][T][T]    q·kᵀ/√D before softmax; masked entries -inf
    std::vector<uint8_t> mask;    // [T][T]          1 where query i may attend to key j
    FloatBuffer weights;   // [L][H][T][T]    softmax(scores): row i = query, col j = key
    FloatBuffer head_out;  // [L][H][T][D]    weights · V, before the output projection
    FloatBuffer value_out_norm;  // [L][H][T]  ‖v_j · W_O^h‖: value j (bias of V included) through
                                 //            head h's rows of the output projection, i.e. how far
                                 //            key j can move the residual stream through head h
                                 //            (Kobayashi et al. 2020). Empty for imported traces.
    FloatBuffer hidden;    // [L][T][C]       residual stream after each layer

    // --- the model's answer ---
    Prediction prediction;

    // --- accessors (spans into the buffers above) ---
    size_t tt() const { return size_t(n_token) * n_token; }
    size_t td() const { return size_t(n_token) * d_head; }
    std::span<const float> weights_of(int layer, int head) const {
        assert(layer >= 0 && layer < n_layer && head >= 0 && head < n_head);
        return {weights.data() + (size_t(layer) * n_head + head) * tt(), tt()};
    }
    std::span<const float> scores_of(int layer, int head) const {
        assert(layer >= 0 && layer < n_layer && head >= 0 && head < n_head);
        return {scores.data() + (size_t(layer) * n_head + head) * tt(), tt()};
    }
    std::span<const float> q_of(int layer, int head) const {
        return {q.data() + (size_t(layer) * n_head + head) * td(), td()};
    }
    // Keys and values of the KV head that query head `head` reads.
    std::span<const float> k_of(int layer, int head) const {
        return {k.data() + (size_t(layer) * n_kv_head + kv_head_of[head]) * td(), td()};
    }
    std::span<const float> v_of(int layer, int head) const {
        return {v.data() + (size_t(layer) * n_kv_head + kv_head_of[head]) * td(), td()};
    }
    std::span<const float> head_out_of(int layer, int head) const {
        return {head_out.data() + (size_t(layer) * n_head + head) * td(), td()};
    }
    // [T] ‖v_j · W_O^h‖ for every key j of one head.
    std::span<const float> value_out_norm_of(int layer, int head) const {
        assert(!value_out_norm.empty());
        return {value_out_norm.data() + (size_t(layer) * n_head + head) * n_token, size_t(n_token)};
    }
    std::span<const float> hidden_of(int layer) const {
        return {hidden.data() + size_t(layer) * n_token * d_model, size_t(n_token) * d_model};
    }
};

}  // namespace attnscope
