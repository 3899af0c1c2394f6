#include "attnscope/engine.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

#include "arch.h"
#include "attnscope/errors.h"
#include "trace_prefix.h"

namespace attnscope {

namespace {

// Cuts an encoding to n tokens. Encoders keep their closing special token ([SEP], </s>) so the
// input still looks like what the model was trained on.
Encoding truncate_encoding(const Encoding& enc, int n, bool keep_last_special) {
    const int last = enc.size() - 1;
    const bool keep_last = keep_last_special && enc.special[last];
    std::vector<int32_t> positions;
    for (int i = 0; i < n - (keep_last ? 1 : 0); ++i) positions.push_back(i);
    if (keep_last) positions.push_back(last);
    return select_tokens(enc, positions);
}

std::vector<int32_t> position_ids_for(const ModelConfig& config, const Encoding& enc) {
    std::vector<int32_t> pos(enc.size());
    if (config.arch == Arch::Roberta) {
        // transformers' create_position_ids_from_input_ids: a running count of non-pad tokens
        // after padding_idx; pads themselves sit at padding_idx.
        int32_t count = 0;
        for (int i = 0; i < enc.size(); ++i) {
            bool pad = enc.ids[i] == config.pad_token_id;
            if (!pad) ++count;
            pos[i] = pad ? config.pad_token_id : config.pad_token_id + count;
        }
    } else {
        std::iota(pos.begin(), pos.end(), 0);
    }
    return pos;
}

void fill_top_k(Prediction& pred, const Model& model, int top_k) {
    const int V = model.config().vocab_size;
    const int P = int(pred.positions.size());
    pred.top.assign(P, {});
    for (int p = 0; p < P; ++p) {
        const float* logits = pred.logits.data() + size_t(p) * V;
        float max = *std::max_element(logits, logits + V);
        double sum = 0;
        for (int i = 0; i < V; ++i) sum += std::exp(double(logits[i]) - max);
        std::vector<int32_t> order(V);
        std::iota(order.begin(), order.end(), 0);
        const int k = std::min(top_k, V);
        std::partial_sort(order.begin(), order.begin() + k, order.end(),
                          [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
        for (int i = 0; i < k; ++i) {
            TokenProb tp;
            tp.id = order[i];
            tp.logit = logits[tp.id];
            tp.prob = float(std::exp(double(tp.logit) - max) / sum);
            if (model.has_tokenizer() && tp.id < model.tokenizer().vocab_size()) {
                tp.token = model.tokenizer().id_to_token(tp.id);
                const int32_t one[1] = {tp.id};
                tp.text = model.tokenizer().decode(one);
            } else {
                tp.token = tp.text = "#" + std::to_string(tp.id);
            }
            pred.top[p].push_back(std::move(tp));
        }
    }
}

}  // namespace

AttentionTrace run_encoding(const Model& model, const Encoding& input, const RunOptions& options) {
    const ModelConfig& c = model.config();
    if (input.size() == 0)
        throw InputError("the text gives no tokens for " + model.name() +
                         "; type at least one word");
    Encoding enc = input;
    if (enc.size() > c.max_positions) {
        if (!options.truncate) throw TooLongError(enc.size(), c.max_positions);
        enc = truncate_encoding(enc, c.max_positions, !c.causal);
    }
    for (int32_t id : enc.ids)
        if (id < 0 || id >= c.vocab_size)
            throw InputError("token id " + std::to_string(id) + " is outside the vocabulary of " +
                             model.name() + " (size " + std::to_string(c.vocab_size) + ")");

    const int L = c.n_layer, H = c.n_head, G = c.n_kv_head, T = enc.size(), D = c.d_head;
    AttentionTrace tr;
    tr.model_name = model.name();
    tr.model_instance = model.instance_id();
    tr.arch = c.arch;
    tr.causal = c.causal;
    tr.n_layer = L;
    tr.n_head = H;
    tr.n_kv_head = G;
    tr.n_token = T;
    tr.d_head = D;
    tr.d_model = c.d_model;
    tr.position_ids = position_ids_for(c, enc);
    tr.tokens = std::move(enc);
    for (int h = 0; h < H; ++h) tr.kv_head_of.push_back(h / (H / G));
    // Tokens shared with an earlier trace are copied from it, not computed (trace_prefix.h).
    const int first = options.reuse ? reusable_prefix(*options.reuse, tr, model) : 0;

    // resize, not assign: the forward pass writes every element (see FloatBuffer). Largest
    // first, so a kept block too big for one request is too big for the rest of this run, and
    // the block cache can give it back at once (trace_buffer.cpp).
    auto buffers = recorded_buffers(tr, c.arch == Arch::Llama);
    std::stable_sort(
        buffers.begin(), buffers.end(),
        [](const RecordedBuffer& a, const RecordedBuffer& b) { return a.size > b.size; });
    for (const RecordedBuffer& b : buffers) (tr.*b.buffer).resize(b.size);
    tr.mask.assign(size_t(T) * T, 1);
    if (c.causal)
        for (int i = 0; i < T; ++i)
            for (int j = i + 1; j < T; ++j) tr.mask[size_t(i) * T + j] = 0;

    const ArchModel& arch = model.arch_model();
    if (arch.has_lm_head()) {
        if (c.causal) {
            tr.prediction.kind = PredictionKind::NextToken;
            tr.prediction.positions = {T - 1};
        } else if (model.has_tokenizer()) {
            if (auto mask_id = model.tokenizer().mask_token_id())
                for (int i = 0; i < T; ++i)
                    if (tr.tokens.ids[i] == *mask_id) tr.prediction.positions.push_back(i);
            if (!tr.prediction.positions.empty()) tr.prediction.kind = PredictionKind::MaskFill;
        }
    }
    if (first > 0) copy_prefix(tr, *options.reuse, first);
    tr.reused_prefix = first;
    arch.forward(tr, first);
    if (!tr.prediction.positions.empty()) fill_top_k(tr.prediction, model, options.top_k);
    return tr;
}

AttentionTrace run_model(const Model& model, std::string_view text,
                         std::optional<std::string_view> pair, const RunOptions& options) {
    if (pair && model.config().causal)
        throw InputError(model.name() + " is a left-to-right model: it takes one text, not a pair");
    Encoding enc = model.tokenizer().encode(text, pair);
    AttentionTrace trace = run_encoding(model, enc, options);
    trace.text = std::string(text);
    if (pair) {
        trace.has_pair = true;
        trace.text_pair = std::string(*pair);
    }
    return trace;
}

std::vector<int32_t> generate_greedy(const Model& model, std::vector<int32_t> ids, int n_new) {
    if (!model.config().causal)
        throw InputError(model.name() + " is not a left-to-right model; it cannot generate text");
    for (int step = 0; step < n_new && int(ids.size()) < model.config().max_positions; ++step) {
        Encoding enc;
        for (int32_t id : ids) {
            enc.ids.push_back(id);
            enc.tokens.push_back(model.has_tokenizer() ? model.tokenizer().id_to_token(id) : "");
            enc.texts.push_back(enc.tokens.back());
            enc.spans.push_back({});
            enc.type_ids.push_back(0);
            enc.special.push_back(0);
        }
        AttentionTrace tr = run_encoding(model, enc, {.top_k = 1});
        ids.push_back(tr.prediction.top[0][0].id);
    }
    return ids;
}

}  // namespace attnscope
