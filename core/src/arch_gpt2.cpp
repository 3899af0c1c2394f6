// GPT-2 (gpt2, distilgpt2): pre-LayerNorm decoder, learned positions, Conv1D weights, tied LM head.
//
// Dimension legend: T = tokens, C = d_model, H = heads, D = d_head (C = H·D), F = 4·C, V = vocab,
// N = T - first new tokens. The pass computes tokens first..T-1 (first = 0: all of them); a token
// never sees later ones, so when the engine has copied tokens 0..first-1 from an earlier trace of
// the same prefix, only the N new rows go through the weights, reading the prefix's k and v.
//
// x = wte[ids] + wpe[first..T)                   embed       [N][C]
// per layer:  a = ln_1(x); qkv = a·W_attn + b   q|k|v       [N][3C]
//             attention (causal)                 weights     [H][N][T] of [H][T][T]
//             x += attn·W_proj + b
//             m = ln_2(x); x += gelu_new(m·W_fc + b)·W_proj2 + b
// logits = ln_f(x)·wteᵀ                          (tied head)

#include <cmath>

#include "arch.h"
#include "ops.h"

namespace attnscope {

namespace {

// Tensor names, relative to the prefix ("" or "transformer."). HF's Conv1D stores weights
// [in][out], transposed relative to nn.Linear. The h.N.attn.bias / masked_bias buffers are the
// causal mask, rebuilt here, so they are never read.
struct Gpt2Names {
    static constexpr const char* wte = "wte.weight";
    static constexpr const char* wpe = "wpe.weight";
    static constexpr const char* ln_f = "ln_f";
    static std::string layer(int i, const char* leaf) { return "h." + std::to_string(i) + "." + leaf; }
    static constexpr const char* ln_1 = "ln_1";
    static constexpr const char* attn_w = "attn.c_attn.weight";
    static constexpr const char* attn_b = "attn.c_attn.bias";
    static constexpr const char* proj_w = "attn.c_proj.weight";
    static constexpr const char* proj_b = "attn.c_proj.bias";
    static constexpr const char* ln_2 = "ln_2";
    static constexpr const char* fc_w = "mlp.c_fc.weight";
    static constexpr const char* fc_b = "mlp.c_fc.bias";
    static constexpr const char* fc_proj_w = "mlp.c_proj.weight";
    static constexpr const char* fc_proj_b = "mlp.c_proj.bias";
};

struct Gpt2Layer {
    Norm ln_1, ln_2;
    Linear attn;   // [C][3C]
    Linear proj;   // [C][C]
    Linear fc;     // [C][F]
    Linear fc_proj;  // [F][C]
};

class Gpt2Model final : public ArchModel {
public:
    Gpt2Model(const ModelConfig& config, const WeightSource& ws) : m_config(config) {
        using N = Gpt2Names;
        const int C = config.d_model, F = config.d_ff;
        const std::string p = find_prefix(ws, {"", "transformer."}, N::wte);
        m_wte = load_matrix(ws, p + N::wte, config.vocab_size, C);
        m_wpe = load_matrix(ws, p + N::wpe, config.max_positions, C);
        m_ln_f = load_layer_norm(ws, p + N::ln_f, C);
        for (int i = 0; i < config.n_layer; ++i) {
            auto name = [&](const char* leaf) { return p + N::layer(i, leaf); };
            Gpt2Layer layer;
            layer.ln_1 = load_layer_norm(ws, name(N::ln_1), C);
            layer.attn = load_conv1d(ws, name(N::attn_w), name(N::attn_b), C, 3 * C);
            layer.proj = load_conv1d(ws, name(N::proj_w), name(N::proj_b), C, C);
            layer.ln_2 = load_layer_norm(ws, name(N::ln_2), C);
            layer.fc = load_conv1d(ws, name(N::fc_w), name(N::fc_b), C, F);
            layer.fc_proj = load_conv1d(ws, name(N::fc_proj_w), name(N::fc_proj_b), F, C);
            m_layers.push_back(std::move(layer));
        }
    }

    void forward(AttentionTrace& tr, int first) const override {
        const int T = tr.n_token, C = m_config.d_model;
        const float eps = m_config.norm_eps;
        RowMatrixXf x(T - first, C), a, qkv, attn, proj, m, ff;
        for (int t = first; t < T; ++t)
            x.row(t - first) = m_wte.row(tr.tokens.ids[t]) + m_wpe.row(tr.position_ids[t]);
        record_rows(tr.embed.data(), x, first);

        for (int l = 0; l < m_config.n_layer; ++l) {
            const Gpt2Layer& layer = m_layers[l];
            layer_norm(a, x, layer.ln_1, eps);
            linear(qkv, a, layer.attn);
            recorded_attention(attn, tr, l, qkv, true, first);
            record_value_norms(tr, l, layer.proj, first);
            linear(proj, attn, layer.proj);
            x += proj;
            layer_norm(m, x, layer.ln_2, eps);
            linear(ff, m, layer.fc);
            apply_activation(ff, m_config.activation);
            linear(proj, ff, layer.fc_proj);
            x += proj;
            record_rows(&tr.hidden[size_t(l) * T * C], x, first);
        }

        Prediction& pred = tr.prediction;
        if (pred.positions.empty()) return;
        RowMatrixXf last(pred.positions.size(), C), normed;
        for (size_t i = 0; i < pred.positions.size(); ++i)
            last.row(i) = x.row(pred.positions[i] - first);
        layer_norm(normed, last, m_ln_f, eps);
        pred.logits.resize(pred.positions.size() * size_t(m_config.vocab_size));
        matmul_transposed(MatrixMap(pred.logits.data(), normed.rows(), m_config.vocab_size), normed,
                          m_wte);
    }

    bool has_lm_head() const override { return true; }

    int64_t n_params() const override {
        int64_t n = m_wte.size() + m_wpe.size() + m_ln_f.n_params();
        for (const auto& l : m_layers)
            n += l.ln_1.n_params() + l.ln_2.n_params() + l.attn.n_params() + l.proj.n_params() +
                 l.fc.n_params() + l.fc_proj.n_params();
        return n;
    }

private:
    ModelConfig m_config;
    RowMatrixXf m_wte;  // [V][C] token embeddings, also the LM head
    RowMatrixXf m_wpe;  // [max_positions][C]
    Norm m_ln_f;
    std::vector<Gpt2Layer> m_layers;
};

}  // namespace

std::unique_ptr<ArchModel> make_gpt2(const ModelConfig& config, const WeightSource& weights) {
    return std::make_unique<Gpt2Model>(config, weights);
}

}  // namespace attnscope
