// Llama (stories260K, TinyLlama, Llama-2 style): pre-RMSNorm decoder, rotary positions
// (rotate_half), SwiGLU feed-forward, grouped-query attention, optionally tied embeddings.
//
// Dimension legend: T = tokens, C = d_model, H = query heads, G = key/value heads, D = d_head,
// F = d_ff, V = vocab, N = T - first new tokens. Query head h reads KV head h / (H/G). The pass
// computes tokens first..T-1 (first = 0: all of them); a token never sees later ones, so when the
// engine has copied tokens 0..first-1 from an earlier trace of the same prefix, only the N new
// rows go through the weights, reading the prefix's k and v.
//
// x = embed[ids]                                    embed           [N][C]
// per layer:  a = rms(x); q|k|v = a·W_qkv            q_norope|k_norope|v  [N][(H+2G)·D]
//             q, k = rope(q), rope(k)                q, k at positions first..T-1 (after rotation)
//             attention (causal)                     weights         [H][N][T] of [H][T][T]
//             x += attn·W_o
//             m = rms(x); x += (silu(m·W_gate) ⊙ (m·W_up))·W_down
// logits = rms(x)·W_headᵀ                            (W_head = embed when tied)

#include "arch.h"
#include "ops.h"

namespace attnscope {

namespace {

// Tensor names (nn.Linear layout [out][in], no biases).
struct LlamaNames {
    static constexpr const char* embed = "model.embed_tokens.weight";
    static constexpr const char* norm = "model.norm.weight";
    static constexpr const char* lm_head = "lm_head.weight";
    static std::string layer(int i, const char* leaf) {
        return "model.layers." + std::to_string(i) + "." + leaf;
    }
    static constexpr const char* attn_norm = "input_layernorm.weight";
    static constexpr const char* q = "self_attn.q_proj.weight";
    static constexpr const char* k = "self_attn.k_proj.weight";
    static constexpr const char* v = "self_attn.v_proj.weight";
    static constexpr const char* o = "self_attn.o_proj.weight";
    static constexpr const char* ffn_norm = "post_attention_layernorm.weight";
    static constexpr const char* gate = "mlp.gate_proj.weight";
    static constexpr const char* up = "mlp.up_proj.weight";
    static constexpr const char* down = "mlp.down_proj.weight";
};

struct LlamaLayer {
    Norm attn_norm, ffn_norm;
    Linear qkv;      // [C][(H+2G)·D]
    Linear o;        // [H·D][C]
    Linear gate_up;  // [C][2F]: gate | up
    Linear down;     // [F][C]
};

class LlamaModel final : public ArchModel {
public:
    LlamaModel(const ModelConfig& config, const WeightSource& ws) : m_config(config) {
        using N = LlamaNames;
        const int C = config.d_model, F = config.d_ff, D = config.d_head;
        const int HD = config.n_head * D, GD = config.n_kv_head * D;
        m_embed = load_matrix(ws, N::embed, config.vocab_size, C);
        m_norm = load_rms_norm(ws, N::norm, C);
        if (ws.has(N::lm_head) && !config.tie_word_embeddings)
            m_lm_head = load_matrix(ws, N::lm_head, config.vocab_size, C);
        for (int i = 0; i < config.n_layer; ++i) {
            auto name = [&](const char* leaf) { return N::layer(i, leaf); };
            LlamaLayer layer;
            layer.attn_norm = load_rms_norm(ws, name(N::attn_norm), C);
            layer.qkv = load_linears_concat(ws, {name(N::q), name(N::k), name(N::v)}, {"", "", ""},
                                            C, {HD, GD, GD});
            layer.o = load_linear(ws, name(N::o), "", HD, C);
            layer.ffn_norm = load_rms_norm(ws, name(N::ffn_norm), C);
            layer.gate_up = load_linears_concat(ws, {name(N::gate), name(N::up)}, {"", ""}, C, {F, F});
            layer.down = load_linear(ws, name(N::down), "", F, C);
            m_layers.push_back(std::move(layer));
        }
    }

    void forward(AttentionTrace& tr, int first) const override {
        const int T = tr.n_token, C = m_config.d_model, F = m_config.d_ff;
        const int H = m_config.n_head, G = m_config.n_kv_head, D = m_config.d_head;
        const float eps = m_config.norm_eps;
        RowMatrixXf x(T - first, C), a, qkv, attn, proj, m, gate_up, ff;
        for (int t = first; t < T; ++t) x.row(t - first) = m_embed.row(tr.tokens.ids[t]);
        record_rows(tr.embed.data(), x, first);

        for (int l = 0; l < m_config.n_layer; ++l) {
            const LlamaLayer& layer = m_layers[l];
            const size_t q_off = size_t(l) * H * T * D, kv_off = size_t(l) * G * T * D;
            const size_t tt_off = size_t(l) * H * T * T;
            float *q = &tr.q[q_off], *k = &tr.k[kv_off];
            rms_norm(a, x, layer.attn_norm, eps);
            linear(qkv, a, layer.qkv);
            split_heads(&tr.q_norope[q_off], &tr.k_norope[kv_off], &tr.v[kv_off], qkv, first, T, H,
                        G, D);
            split_heads(q, k, nullptr, qkv, first, T, H, G, D);  // rotated in place below
            for (int h = 0; h < H; ++h)
                rope_rotate_half(q + size_t(h) * T * D, first, T, D, m_config.rope_theta);
            for (int g = 0; g < G; ++g)
                rope_rotate_half(k + size_t(g) * T * D, first, T, D, m_config.rope_theta);
            AttentionRecord rec{q, k, &tr.v[kv_off], &tr.scores[tt_off], &tr.weights[tt_off],
                                &tr.head_out[q_off]};
            attention(attn, rec, tr.mask.data(), true, first, T, H, G, D);
            record_value_norms(tr, l, layer.o, first);
            linear(proj, attn, layer.o);
            x += proj;
            rms_norm(m, x, layer.ffn_norm, eps);
            linear(gate_up, m, layer.gate_up);
            ff = gate_up.leftCols(F);
            apply_activation(ff, m_config.activation);
            ff.array() *= gate_up.rightCols(F).array();
            linear(proj, ff, layer.down);
            x += proj;
            record_rows(&tr.hidden[size_t(l) * T * C], x, first);
        }

        Prediction& pred = tr.prediction;
        if (pred.positions.empty()) return;
        const int P = int(pred.positions.size()), V = m_config.vocab_size;
        RowMatrixXf last(P, C), normed;
        for (int i = 0; i < P; ++i) last.row(i) = x.row(pred.positions[i] - first);
        rms_norm(normed, last, m_norm, eps);
        pred.logits.resize(size_t(P) * V);
        const RowMatrixXf& head = m_lm_head.size() ? m_lm_head : m_embed;
        matmul_transposed(MatrixMap(pred.logits.data(), P, V), normed, head);
    }

    bool has_lm_head() const override { return true; }

    int64_t n_params() const override {
        int64_t n = m_embed.size() + m_norm.n_params() + m_lm_head.size();
        for (const auto& l : m_layers)
            n += l.attn_norm.n_params() + l.ffn_norm.n_params() + l.qkv.n_params() +
                 l.o.n_params() + l.gate_up.n_params() + l.down.n_params();
        return n;
    }

private:
    ModelConfig m_config;
    RowMatrixXf m_embed;    // [V][C]
    RowMatrixXf m_lm_head;  // [V][C], empty when tied to m_embed
    Norm m_norm;
    std::vector<LlamaLayer> m_layers;
};

}  // namespace

std::unique_ptr<ArchModel> make_llama(const ModelConfig& config, const WeightSource& weights) {
    return std::make_unique<LlamaModel>(config, weights);
}

}  // namespace attnscope
