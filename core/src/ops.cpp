#include "ops.h"

#include <unsupported/Eigen/SpecialFunctions>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "attnscope/errors.h"

namespace attnscope {

// [SECTION] loading

RowMatrixXf load_matrix(const WeightSource& ws, const std::string& name, int rows, int cols) {
    std::vector<float> data = ws.get(name, {rows, cols});
    return ConstMatrixMap(data.data(), rows, cols);
}

Eigen::RowVectorXf load_vector(const WeightSource& ws, const std::string& name, int n) {
    std::vector<float> data = ws.get(name, {n});
    return Eigen::Map<const Eigen::RowVectorXf>(data.data(), n);
}

// Layers without a bias (Llama) keep an empty vector, so parameter counts stay exact.
static Eigen::RowVectorXf load_bias(const WeightSource& ws, const std::string& name, int n) {
    if (name.empty()) return {};
    return load_vector(ws, name, n);
}

Linear load_linear(const WeightSource& ws, const std::string& weight, const std::string& bias,
                   int in, int out) {
    Linear layer;
    layer.w = load_matrix(ws, weight, out, in).transpose();
    layer.b = load_bias(ws, bias, out);
    return layer;
}

Linear load_conv1d(const WeightSource& ws, const std::string& weight, const std::string& bias,
                   int in, int out) {
    Linear layer;
    layer.w = load_matrix(ws, weight, in, out);
    layer.b = load_bias(ws, bias, out);
    return layer;
}

Linear load_linears_concat(const WeightSource& ws, const std::vector<std::string>& weights,
                           const std::vector<std::string>& biases, int in,
                           const std::vector<int>& outs) {
    assert(weights.size() == outs.size() && biases.size() == outs.size());
    int total = 0;
    for (int o : outs) total += o;
    Linear layer;
    layer.w.resize(in, total);
    const bool has_bias = !biases.empty() && !biases[0].empty();
    layer.b.resize(has_bias ? total : 0);
    int col = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
        Linear part = load_linear(ws, weights[i], biases[i], in, outs[i]);
        layer.w.middleCols(col, outs[i]) = part.w;
        assert(part.b.size() == (has_bias ? outs[i] : 0));
        if (has_bias) layer.b.segment(col, outs[i]) = part.b;
        col += outs[i];
    }
    return layer;
}

Norm load_layer_norm(const WeightSource& ws, const std::string& base, int n) {
    Norm norm;
    bool old_names = !ws.has(base + ".weight") && ws.has(base + ".gamma");
    norm.w = load_vector(ws, base + (old_names ? ".gamma" : ".weight"), n);
    norm.b = load_vector(ws, base + (old_names ? ".beta" : ".bias"), n);
    return norm;
}

Norm load_rms_norm(const WeightSource& ws, const std::string& weight, int n) {
    Norm norm;
    norm.w = load_vector(ws, weight, n);
    return norm;
}

std::string find_prefix(const WeightSource& ws, const std::vector<std::string>& prefixes,
                        const std::string& probe) {
    for (const auto& prefix : prefixes)
        if (ws.has(prefix + probe)) return prefix;
    std::string tried;
    for (const auto& prefix : prefixes) tried += (tried.empty() ? "'" : ", '") + prefix + probe + "'";
    throw LoadError(ws.describe() + ": none of the expected tensors " + tried +
                    " is present; is this the right architecture?");
}

// [SECTION] element-wise maths

// Eigen's own OpenMP split is switched off (EIGEN_DONT_PARALLELIZE in core/CMakeLists.txt) so that
// threads are used only where the work pays for waking them, and never nested under the per-head
// loop. Splitting the output columns works for any number of rows, including the single row of a
// next-token prediction.
static bool worth_threads(size_t multiply_adds) { return multiply_adds >= (size_t(1) << 22); }

void matmul(MatrixMap out, const RowMatrixXf& a, const RowMatrixXf& b) {
    const Eigen::Index n = b.cols();
    const bool big = worth_threads(size_t(a.rows()) * a.cols() * n);
    const int chunks = big ? 8 : 1;
#pragma omp parallel for schedule(static) if (big)
    for (int c = 0; c < chunks; ++c) {
        const Eigen::Index begin = n * c / chunks, end = n * (c + 1) / chunks;
        out.middleCols(begin, end - begin).noalias() = a * b.middleCols(begin, end - begin);
    }
}

void matmul_transposed(MatrixMap out, const RowMatrixXf& a, const RowMatrixXf& b) {
    const Eigen::Index n = b.rows();
    const bool big = worth_threads(size_t(a.rows()) * a.cols() * n);
    const int chunks = big ? 8 : 1;
#pragma omp parallel for schedule(static) if (big)
    for (int c = 0; c < chunks; ++c) {
        const Eigen::Index begin = n * c / chunks, end = n * (c + 1) / chunks;
        out.middleCols(begin, end - begin).noalias() =
            a * b.middleRows(begin, end - begin).transpose();
    }
}

void linear(RowMatrixXf& out, const RowMatrixXf& x, const Linear& layer) {
    out.resize(x.rows(), layer.w.cols());
    matmul(MatrixMap(out.data(), out.rows(), out.cols()), x, layer.w);
    if (layer.b.size()) out.rowwise() += layer.b;
}

void layer_norm(RowMatrixXf& out, const RowMatrixXf& x, const Norm& norm, float eps) {
    out.resize(x.rows(), x.cols());
    const float inv_n = 1.0f / float(x.cols());
    for (Eigen::Index t = 0; t < x.rows(); ++t) {
        // Two passes (mean, then variance of the centred row) avoid the cancellation of E[x²]-E[x]².
        float mean = x.row(t).sum() * inv_n;
        Eigen::RowVectorXf centred = x.row(t).array() - mean;
        float var = centred.squaredNorm() * inv_n;
        out.row(t) = (centred.array() * (1.0f / std::sqrt(var + eps))) * norm.w.array() + norm.b.array();
    }
}

void rms_norm(RowMatrixXf& out, const RowMatrixXf& x, const Norm& norm, float eps) {
    out.resize(x.rows(), x.cols());
    const float inv_n = 1.0f / float(x.cols());
    for (Eigen::Index t = 0; t < x.rows(); ++t) {
        float mean_square = x.row(t).squaredNorm() * inv_n;
        out.row(t) = x.row(t).array() * (1.0f / std::sqrt(mean_square + eps)) * norm.w.array();
    }
}

void gelu_erf(RowMatrixXf& x) {
    auto a = x.array();
    a = 0.5f * a * (1.0f + (a * float(M_SQRT1_2)).erf());
}

void gelu_tanh(RowMatrixXf& x) {
    const float k = std::sqrt(2.0f / float(M_PI));
    auto a = x.array();
    a = 0.5f * a * (1.0f + (k * (a + 0.044715f * a.cube())).tanh());
}

void silu(RowMatrixXf& x) {
    auto a = x.array();
    a = a / (1.0f + (-a).exp());
}

void apply_activation(RowMatrixXf& x, const std::string& name) {
    if (name == "gelu" || name == "gelu_python") return gelu_erf(x);
    if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return gelu_tanh(x);
    if (name == "silu" || name == "swish") return silu(x);
    if (name == "relu") {
        x = x.cwiseMax(0.0f);
        return;
    }
    throw LoadError("unsupported activation function '" + name + "' in config.json");
}

// [SECTION] attention

void softmax_rows(float* data, int rows, int cols) {
    for (int i = 0; i < rows; ++i) {
        Eigen::Map<Eigen::ArrayXf> row(data + size_t(i) * cols, cols);
        float max = row.maxCoeff();
        if (max == -std::numeric_limits<float>::infinity()) {
            row.setZero();  // a fully masked row (cannot happen with our masks, but stay finite)
            continue;
        }
        row = (row - max).exp();  // exp(-inf) = 0 for masked keys
        row *= 1.0f / row.sum();
    }
}

void rope_rotate_half(float* x, int first, int n_token, int d_head, float theta) {
    const int half = d_head / 2;
    for (int t = first; t < n_token; ++t) {
        float* row = x + size_t(t) * d_head;
        for (int i = 0; i < half; ++i) {
            // Angles in double: position × frequency loses digits in float at long positions.
            double inv_freq = 1.0 / std::pow(double(theta), (2.0 * i) / d_head);
            double angle = double(t) * inv_freq;
            float c = float(std::cos(angle)), s = float(std::sin(angle));
            float x1 = row[i], x2 = row[i + half];
            row[i] = x1 * c - x2 * s;
            row[i + half] = x2 * c + x1 * s;
        }
    }
}

void split_heads(float* q, float* k, float* v, const RowMatrixXf& qkv, int first, int n_token,
                 int n_head, int n_kv_head, int d_head) {
    assert(qkv.rows() == n_token - first);
    assert(qkv.cols() == Eigen::Index(n_head + 2 * n_kv_head) * d_head);
    auto copy_heads = [&](float* dst, int first_col_head, int count) {
        if (!dst) return;
        for (int h = 0; h < count; ++h)
            MatrixMap(dst + (size_t(h) * n_token + first) * d_head, n_token - first, d_head) =
                qkv.middleCols(Eigen::Index(first_col_head + h) * d_head, d_head);
    };
    copy_heads(q, 0, n_head);
    copy_heads(k, n_head, n_kv_head);
    copy_heads(v, n_head + n_kv_head, n_kv_head);
}

void attention(RowMatrixXf& attn, const AttentionRecord& rec, const uint8_t* mask, bool causal,
               int first, int n_token, int n_head, int n_kv_head, int d_head) {
    const int T = n_token, D = d_head;
    assert(first >= 0 && first < T && (causal || first == 0));
    const int group = n_head / n_kv_head;
    const float scale = 1.0f / std::sqrt(float(D));
    const float neg_inf = -std::numeric_limits<float>::infinity();
    attn.resize(T - first, Eigen::Index(n_head) * D);
    // Heads are independent: one per thread. Eigen sees it is inside a parallel region and keeps
    // each product single-threaded. Small inputs stay on one thread: waking a team costs more
    // than the work (and far more when the machine is busy).
    const bool big = size_t(T - first) * T * D * n_head > (size_t(1) << 21);
#pragma omp parallel for schedule(dynamic) if (big)
    for (int h = 0; h < n_head; ++h) {
        const int g = h / group;
        ConstMatrixMap q(rec.q + size_t(h) * T * D, T, D);
        ConstMatrixMap k(rec.k + size_t(g) * T * D, T, D);
        ConstMatrixMap v(rec.v + size_t(g) * T * D, T, D);
        MatrixMap scores(rec.scores + size_t(h) * T * T, T, T);
        MatrixMap weights(rec.weights + size_t(h) * T * T, T, T);
        MatrixMap out(rec.head_out + size_t(h) * T * D, T, D);

        if (causal) {
            // Row blocks of queries: block [i0, end) sees keys 0..end-1 only, so both products
            // cover the lower triangle plus a block-wide sliver, and every write walks memory in
            // row order. (triangularView assignments walk a row-major triangle column by column:
            // at T = 1024 that cost several times the products themselves.) A suffix pass starts
            // at row `first`, inside the block that holds it (its keys 0..first-1 are already in
            // k and v); blocks stay where a full pass has them, so each row meets the same keys.
            constexpr int k_block = 64;
            for (int b0 = first / k_block * k_block; b0 < T; b0 += k_block) {
                const int i0 = std::max(b0, first), end = std::min(b0 + k_block, T);
                const int rows = end - i0;
                scores.block(i0, 0, rows, end).noalias() =
                    (q.middleRows(i0, rows) * k.topRows(end).transpose()) * scale;
                for (int i = i0; i < end; ++i) {
                    float* s = scores.data() + size_t(i) * T;
                    float* w = weights.data() + size_t(i) * T;
                    std::fill(s + i + 1, s + T, neg_inf);
                    std::copy_n(s, i + 1, w);
                    softmax_rows(w, 1, i + 1);
                    std::fill(w + i + 1, w + T, 0.0f);
                }
                out.middleRows(i0, rows).noalias() =
                    weights.block(i0, 0, rows, end) * v.topRows(end);
            }
        } else {
            scores.noalias() = (q * k.transpose()) * scale;
            for (size_t i = 0; i < size_t(T) * T; ++i)
                if (!mask[i]) scores.data()[i] = neg_inf;
            weights = scores;
            softmax_rows(weights.data(), T, T);
            out.noalias() = weights * v;
        }
        attn.middleCols(Eigen::Index(h) * D, D) = out.bottomRows(T - first);
    }
}

void value_output_norms(float* out, const float* v, const Linear& out_proj, int first,
                        int n_token, int n_head, int n_kv_head, int d_head) {
    const int T = n_token, D = d_head, group = n_head / n_kv_head, n_new = T - first;
    assert(out_proj.w.rows() == Eigen::Index(n_head) * D);
    const bool big = size_t(n_new) * D * out_proj.w.cols() * n_head > (size_t(1) << 22);
#pragma omp parallel for schedule(static) if (big)
    for (int h = 0; h < n_head; ++h) {
        ConstMatrixMap v_g(v + (size_t(h / group) * T + first) * D, n_new, D);
        const RowMatrixXf through =
            v_g * out_proj.w.middleRows(Eigen::Index(h) * D, D);  // [T-first][C]
        Eigen::Map<Eigen::VectorXf>(out + size_t(h) * T + first, n_new) = through.rowwise().norm();
    }
}

}  // namespace attnscope
