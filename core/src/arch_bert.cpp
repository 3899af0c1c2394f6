// The BERT family (bert, roberta, distilbert): post-LayerNorm encoders with learned positions,
// exact-erf GELU and an optional masked-LM head. One forward pass, one name table per model type.
//
// Dimension legend: T = tokens, C = d_model, H = heads, D = d_head (C = H·D), F = d_ff, V = vocab.
//
// x = LN(word[ids] + position[pos] + token_type[types])         embed      [T][C]
// per layer:  qkv = x·W_qkv + b                                  q|k|v      [T][3C]
//             attention (no mask: no padding)                    weights    [H][T][T]
//             x = LN(x + attn·W_o + b)
//             x = LN(x + gelu(x·W_1 + b)·W_2 + b)                hidden     [T][C]
// MLM head:   logits = LN(gelu(x·W_t + b))·wordᵀ + bias          (decoder tied to word)

#include <cassert>
#include <optional>

#include "arch.h"
#include "ops.h"

namespace attnscope {

namespace {

// Tensor names. `prefixes` are tried in order for the encoder ("bert." or none); the layer names
// are relative to "<prefix><layer_base><i>.". Head names are absolute; the first that exists of
// each list is used.
struct EncoderNames {
    std::vector<std::string> prefixes;
    std::string word, position, token_type, embed_norm;
    std::string layer_base;
    std::string q, k, v, o, attn_norm, ff_in, ff_out, out_norm;  // ".weight"/".bias" appended
    std::string head_dense, head_norm;
    std::vector<std::string> head_decoder;  // untied decoder weight, if the file has one
    std::vector<std::string> head_bias;
};

const EncoderNames kBertNames = {
    {"bert.", ""},
    "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
    "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm",
    "encoder.layer.",
    "attention.self.query", "attention.self.key", "attention.self.value",
    "attention.output.dense", "attention.output.LayerNorm",
    "intermediate.dense", "output.dense", "output.LayerNorm",
    "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
    {"cls.predictions.decoder.weight"},
    {"cls.predictions.bias", "cls.predictions.decoder.bias"},
};

const EncoderNames kRobertaNames = {
    {"roberta.", ""},
    "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
    "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm",
    "encoder.layer.",
    "attention.self.query", "attention.self.key", "attention.self.value",
    "attention.output.dense", "attention.output.LayerNorm",
    "intermediate.dense", "output.dense", "output.LayerNorm",
    "lm_head.dense", "lm_head.layer_norm",
    {"lm_head.decoder.weight"},
    {"lm_head.bias", "lm_head.decoder.bias"},
};

// DistilBERT has no token types; its positions are 0..T-1 like BERT's.
const EncoderNames kDistilBertNames = {
    {"distilbert.", ""},
    "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
    "", "embeddings.LayerNorm",
    "transformer.layer.",
    "attention.q_lin", "attention.k_lin", "attention.v_lin",
    "attention.out_lin", "sa_layer_norm",
    "ffn.lin1", "ffn.lin2", "output_layer_norm",
    "vocab_transform", "vocab_layer_norm",
    {"vocab_projector.weight"},
    {"vocab_projector.bias"},
};

struct EncoderLayer {
    Linear qkv;  // [C][3C]
    Linear o;    // [C][C]
    Norm attn_norm;
    Linear ff_in;   // [C][F]
    Linear ff_out;  // [F][C]
    Norm out_norm;
};

struct MlmHead {
    Linear dense;          // [C][C]
    Norm norm;
    RowMatrixXf decoder;   // [V][C] untied decoder; empty when tied to the word embeddings
    Eigen::RowVectorXf bias;  // [V]
};

const std::string* first_present(const WeightSource& ws, const std::vector<std::string>& names) {
    for (const auto& n : names)
        if (ws.has(n)) return &n;
    return nullptr;
}

class EncoderModel final : public ArchModel {
public:
    EncoderModel(const ModelConfig& config, const WeightSource& ws, const EncoderNames& names)
        : m_config(config) {
        const int C = config.d_model, F = config.d_ff, V = config.vocab_size;
        const std::string p = find_prefix(ws, names.prefixes, names.word);
        m_word = load_matrix(ws, p + names.word, V, C);
        // RoBERTa's table has max_positions + pad_token_id + 1 rows; the engine's position ids say
        // which rows are used, so load whatever the config declares.
        m_position = load_matrix(ws, p + names.position, position_rows(config), C);
        if (!names.token_type.empty() && config.type_vocab_size > 0)
            m_token_type = load_matrix(ws, p + names.token_type, config.type_vocab_size, C);
        m_embed_norm = load_layer_norm(ws, p + names.embed_norm, C);
        for (int i = 0; i < config.n_layer; ++i) {
            const std::string b = p + names.layer_base + std::to_string(i) + ".";
            EncoderLayer layer;
            layer.qkv = load_linears_concat(
                ws, {b + names.q + ".weight", b + names.k + ".weight", b + names.v + ".weight"},
                {b + names.q + ".bias", b + names.k + ".bias", b + names.v + ".bias"}, C, {C, C, C});
            layer.o = load_linear(ws, b + names.o + ".weight", b + names.o + ".bias", C, C);
            layer.attn_norm = load_layer_norm(ws, b + names.attn_norm, C);
            layer.ff_in = load_linear(ws, b + names.ff_in + ".weight", b + names.ff_in + ".bias", C, F);
            layer.ff_out = load_linear(ws, b + names.ff_out + ".weight", b + names.ff_out + ".bias", F, C);
            layer.out_norm = load_layer_norm(ws, b + names.out_norm, C);
            m_layers.push_back(std::move(layer));
        }
        // The MLM head is optional: BertModel / sentence-transformers checkpoints have none.
        if (ws.has(names.head_dense + ".weight")) {
            MlmHead head;
            head.dense = load_linear(ws, names.head_dense + ".weight", names.head_dense + ".bias", C, C);
            head.norm = load_layer_norm(ws, names.head_norm, C);
            const std::string* decoder = first_present(ws, names.head_decoder);
            if (decoder) head.decoder = load_matrix(ws, *decoder, V, C);
            const std::string* bias = first_present(ws, names.head_bias);
            head.bias = bias ? load_vector(ws, *bias, V) : Eigen::RowVectorXf::Zero(V);
            m_head = std::move(head);
        }
    }

    static int position_rows(const ModelConfig& c) {
        return c.arch == Arch::Roberta ? c.max_positions + c.pad_token_id + 1 : c.max_positions;
    }

    // Every token attends to every other, so there is no suffix pass: `first` is always 0.
    void forward(AttentionTrace& tr, [[maybe_unused]] int first) const override {
        assert(first == 0);
        const int T = tr.n_token, C = m_config.d_model;
        const float eps = m_config.norm_eps;
        RowMatrixXf x(T, C), e, qkv, attn, proj, ff;
        for (int t = 0; t < T; ++t) {
            e = m_word.row(tr.tokens.ids[t]) + m_position.row(tr.position_ids[t]);
            if (m_token_type.size()) e += m_token_type.row(tr.tokens.type_ids[t]);
            x.row(t) = e;
        }
        layer_norm(x, RowMatrixXf(x), m_embed_norm, eps);
        MatrixMap(tr.embed.data(), T, C) = x;

        for (int l = 0; l < m_config.n_layer; ++l) {
            const EncoderLayer& layer = m_layers[l];
            linear(qkv, x, layer.qkv);
            recorded_attention(attn, tr, l, qkv, false, 0);
            record_value_norms(tr, l, layer.o, 0);
            linear(proj, attn, layer.o);
            proj += x;
            layer_norm(x, proj, layer.attn_norm, eps);
            linear(ff, x, layer.ff_in);
            apply_activation(ff, m_config.activation);
            linear(proj, ff, layer.ff_out);
            proj += x;
            layer_norm(x, proj, layer.out_norm, eps);
            MatrixMap(&tr.hidden[size_t(l) * T * C], T, C) = x;
        }

        Prediction& pred = tr.prediction;
        if (pred.positions.empty() || !m_head) return;
        const int P = int(pred.positions.size()), V = m_config.vocab_size;
        RowMatrixXf at(P, C), h, normed;
        for (int i = 0; i < P; ++i) at.row(i) = x.row(pred.positions[i]);
        linear(h, at, m_head->dense);
        apply_activation(h, m_config.activation);
        layer_norm(normed, h, m_head->norm, eps);
        pred.logits.resize(size_t(P) * V);
        MatrixMap logits(pred.logits.data(), P, V);
        const RowMatrixXf& decoder = m_head->decoder.size() ? m_head->decoder : m_word;
        matmul_transposed(logits, normed, decoder);
        logits.rowwise() += m_head->bias;
    }

    bool has_lm_head() const override { return m_head.has_value(); }

    int64_t n_params() const override {
        int64_t n = m_word.size() + m_position.size() + m_token_type.size() + m_embed_norm.n_params();
        for (const auto& l : m_layers)
            n += l.qkv.n_params() + l.o.n_params() + l.attn_norm.n_params() + l.ff_in.n_params() +
                 l.ff_out.n_params() + l.out_norm.n_params();
        if (m_head)
            n += m_head->dense.n_params() + m_head->norm.n_params() + m_head->decoder.size() +
                 m_head->bias.size();
        return n;
    }

private:
    ModelConfig m_config;
    RowMatrixXf m_word;        // [V][C]
    RowMatrixXf m_position;    // [positions][C]
    RowMatrixXf m_token_type;  // [type_vocab][C], empty for DistilBERT
    Norm m_embed_norm;
    std::vector<EncoderLayer> m_layers;
    std::optional<MlmHead> m_head;
};

}  // namespace

std::unique_ptr<ArchModel> make_bert(const ModelConfig& config, const WeightSource& weights) {
    return std::make_unique<EncoderModel>(
        config, weights, config.arch == Arch::Roberta ? kRobertaNames : kBertNames);
}

std::unique_ptr<ArchModel> make_distilbert(const ModelConfig& config, const WeightSource& weights) {
    return std::make_unique<EncoderModel>(config, weights, kDistilBertNames);
}

}  // namespace attnscope
