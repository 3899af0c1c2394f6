// Tensor operations shared by the architecture files. Row-major Eigen throughout, because
// safetensors and PyTorch are row-major and the trace buffers are too.
//
// Dimension legend: T = tokens, C = d_model, F = feed-forward width, N = output features,
// D = d_head, V = vocabulary.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "attnscope/model.h"

namespace attnscope {

using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrixXf>;
using ConstMatrixMap = Eigen::Map<const RowMatrixXf>;

// A dense layer stored as W [in][out] (y = x·W + b), whatever the file's layout: nn.Linear
// weights ([out][in]) are transposed once at load, GPT-2's Conv1D weights ([in][out]) are not.
struct Linear {
    RowMatrixXf w;       // [in][out]
    Eigen::RowVectorXf b;  // [out], or empty if the layer has no bias
    int64_t n_params() const { return w.size() + b.size(); }
};

struct Norm {
    Eigen::RowVectorXf w;  // [C] scale
    Eigen::RowVectorXf b;  // [C] shift (empty for RMSNorm)
    int64_t n_params() const { return w.size() + b.size(); }
};

// --- loading helpers: every read goes through the WeightSource, which checks shapes ---
Linear load_linear(const WeightSource& ws, const std::string& weight, const std::string& bias,
                   int in, int out);  // nn.Linear [out][in]; bias may be "" for none
Linear load_conv1d(const WeightSource& ws, const std::string& weight, const std::string& bias,
                   int in, int out);  // GPT-2 Conv1D [in][out]
// Several nn.Linear layers fed by the same input, concatenated along the output (Q|K|V).
Linear load_linears_concat(const WeightSource& ws, const std::vector<std::string>& weights,
                           const std::vector<std::string>& biases, int in,
                           const std::vector<int>& outs);
RowMatrixXf load_matrix(const WeightSource& ws, const std::string& name, int rows, int cols);
Eigen::RowVectorXf load_vector(const WeightSource& ws, const std::string& name, int n);
// LayerNorm from "<base>.weight"/"<base>.bias" or the old "<base>.gamma"/"<base>.beta" names.
Norm load_layer_norm(const WeightSource& ws, const std::string& base, int n);
Norm load_rms_norm(const WeightSource& ws, const std::string& weight, int n);
// The first prefix under which `probe` exists (e.g. "transformer." or "" for GPT-2).
std::string find_prefix(const WeightSource& ws, const std::vector<std::string>& prefixes,
                        const std::string& probe);

// --- maths: outputs first ---
void linear(RowMatrixXf& out, const RowMatrixXf& x, const Linear& layer);         // [T][N]
// out = a·b and out = a·bᵀ, threaded over output columns when large. out is pre-sized.
void matmul(MatrixMap out, const RowMatrixXf& a, const RowMatrixXf& b);
void matmul_transposed(MatrixMap out, const RowMatrixXf& a, const RowMatrixXf& b);
void layer_norm(RowMatrixXf& out, const RowMatrixXf& x, const Norm& norm, float eps);
void rms_norm(RowMatrixXf& out, const RowMatrixXf& x, const Norm& norm, float eps);
void gelu_erf(RowMatrixXf& x);    // exact GELU (BERT "gelu")
void gelu_tanh(RowMatrixXf& x);   // tanh approximation (GPT-2 "gelu_new")
void silu(RowMatrixXf& x);
void apply_activation(RowMatrixXf& x, const std::string& name);  // by config name

// Softmax over each row of a [rows][cols] block, in place. Masked entries are -inf and become 0.
// Subtracting the row max first keeps exp() from overflowing (scores reach ±190 on stories260K).
void softmax_rows(float* data, int rows, int cols);

// Rotary position embedding, Hugging Face "rotate_half" layout: dimension i pairs with i + D/2.
// x is [T][D] for one head; rows first..T-1 are rotated in place at positions first..T-1.
void rope_rotate_half(float* x, int first, int n_token, int d_head, float theta);

// Splits qkv [T-first][(H+2G)·D], the rows first..T-1 of the input laid out q heads | k heads |
// v heads, into rows first..T-1 of per-head q [H][T][D] and k, v [G][T][D]. Earlier rows are not
// touched (a suffix pass finds them copied from a previous trace there). An output may be null:
// not wanted.
void split_heads(float* q, float* k, float* v, const RowMatrixXf& qkv, int first, int n_token,
                 int n_head, int n_kv_head, int d_head);

// Where one layer's attention records its intermediates (all inside the trace's buffers).
struct AttentionRecord {
    const float* q;  // [H][T][D] input
    const float* k;  // [G][T][D] input
    const float* v;  // [G][T][D] input
    float* scores;   // [H][T][T] output: q·kᵀ/√D, -inf where masked
    float* weights;  // [H][T][T] output: softmax(scores)
    float* head_out; // [H][T][D] output: weights·v
};

// Scaled dot-product attention for every head of one layer; query head h reads KV head
// h / (H/G). mask is [T][T] (1 = visible). Computes query rows first..T-1 against keys 0..T-1:
// k and v must hold every row, scores, weights and head_out get rows first..T-1 (earlier rows
// are left alone). `attn` gets those rows' heads side by side [T-first][H·D], the input of the
// output projection. `causal` says the mask is exactly the lower triangle, which lets the products
// skip the hidden half; first > 0 only for causal attention.
void attention(RowMatrixXf& attn, const AttentionRecord& rec, const uint8_t* mask, bool causal,
               int first, int n_token, int n_head, int n_kv_head, int d_head);

// For every query head h and token j: ‖v_j · W_O[h·D:(h+1)·D, :]‖, the size of what value j
// adds to the residual stream through head h before the attention weight scales it (Kobayashi et
// al. 2020; the output bias is left out, as it does not depend on j). v is [G][T][D], query head
// h reads KV head h / (H/G); out_proj.w is [H·D][C]; out is [H][T], of which tokens first..T-1
// are written.
void value_output_norms(float* out, const float* v, const Linear& out_proj, int first,
                        int n_token, int n_head, int n_kv_head, int d_head);

}  // namespace attnscope
