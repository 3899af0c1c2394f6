// The engine backend: the app's only door into Model::load and run_model.
#include "backend.h"

#include <algorithm>

#include "attnscope/engine.h"
#include "attnscope/errors.h"
#include "attnscope/hub.h"
#include "attnscope/tokenizer.h"
#include "attnscope/trace_export.h"
#include "model_catalog.h"

namespace attnscope::app {

namespace {

constexpr const char* k_causal_text =
    "The animal didn't cross the street because it was too tired.";

// config.json of GPT-2 small (124M): the shape of the frame-time benchmark.
constexpr const char* k_gpt2_small_config = R"({
  "model_type": "gpt2", "n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024,
  "n_ctx": 1024, "vocab_size": 50257, "layer_norm_epsilon": 1e-5,
  "activation_function": "gelu_new", "bos_token_id": 50256, "eos_token_id": 50256
})";

LoadedModel describe(std::shared_ptr<const Model> model, const ModelSource& source) {
    const ModelConfig& c = model->config();
    LoadedModel m;
    m.source = source;
    m.name = source.shape.empty() ? model->name() : source.shape;
    m.arch = arch_name(c.arch);
    m.n_layer = c.n_layer;
    m.n_head = c.n_head;
    m.n_kv_head = c.n_kv_head;
    m.d_model = c.d_model;
    m.max_positions = c.max_positions;
    m.n_params = model->n_params();
    m.causal = c.causal;
    m.random_weights = !source.shape.empty();
    m.accepts_pair = !c.causal;
    if (model->has_tokenizer() && model->tokenizer().mask_token_id())
        m.mask_token = model->tokenizer().mask_token();
    m.default_text = k_causal_text;
    if (!c.causal && !m.mask_token.empty())
        m.default_text =
            "The animal didn't cross the street because " + m.mask_token + " was too tired.";
    m.model = std::move(model);
    return m;
}

// The tokens of `e` with the ordinary ones repeated cyclically so that there are exactly `n`,
// keeping a leading and a trailing special token in place.
Encoding repeat_encoding(const Encoding& e, int n) {
    std::vector<int32_t> order;
    const int T = e.size();
    const bool lead = T > 0 && e.special[0];
    const bool trail = T > 1 && e.special[T - 1];
    std::vector<int32_t> body;
    for (int i = lead ? 1 : 0; i < (trail ? T - 1 : T); ++i) body.push_back(i);
    if (body.empty()) throw InputError("the text has no ordinary tokens to repeat");
    if (lead) order.push_back(0);
    const int n_body = std::max(0, n - int(lead) - int(trail));
    for (int i = 0; i < n_body; ++i) order.push_back(body[size_t(i) % body.size()]);
    if (trail) order.push_back(T - 1);

    return select_tokens(e, order);
}

class EngineBackend final : public Backend {
  public:
    LoadedModel load(const ModelSource& source, const ProgressFn& progress) override {
        if (!source.import_file.empty()) return load_import(source);
        if (!source.shape.empty()) return load_shape(source, progress);
        // A folder, or a model id ("gpt2", "org/name") found in the Hugging Face cache.
        const std::filesystem::path dir = resolve_model_location(source.dir.string());
        auto model = std::make_shared<const Model>(Model::load(dir, progress));
        return describe(std::move(model), source);
    }

    AttentionTrace run(const LoadedModel& m, const RunRequest& request,
                       const AttentionTrace* previous) override {
        if (m.imported)
            throw InputError("imported attention cannot be run again: open a model to run text");
        if (!m.model) throw LoadError("no model is loaded");
        std::optional<std::string_view> pair;
        if (request.use_pair && m.accepts_pair) pair = request.pair;
        RunOptions options;
        options.truncate = request.truncate;
        options.reuse = previous;
        if (request.n_tokens <= 0) return run_model(*m.model, request.text, pair, options);
        Encoding base = m.model->tokenizer().encode(request.text, pair);
        return run_encoding(*m.model, repeat_encoding(base, request.n_tokens), options);
    }

  private:
    // An .npz of attention: a stand-in "model" that carries the imported trace.
    static LoadedModel load_import(const ModelSource& source) {
        auto trace =
            std::make_shared<const AttentionTrace>(import_attention_npz(source.import_file));
        LoadedModel m;
        m.source = source;
        m.name = source.import_file.filename().string();
        m.arch = "imported attention";
        m.n_layer = trace->n_layer;
        m.n_head = trace->n_head;
        m.n_kv_head = trace->n_kv_head;
        m.max_positions = trace->n_token;
        m.causal = trace->causal;
        m.imported = std::move(trace);
        return m;
    }

    LoadedModel load_shape(const ModelSource& source, const ProgressFn& progress) {
        if (source.shape != "gpt2-small")
            throw LoadError("unknown model shape '" + source.shape + "' (known: " + known_shapes() +
                            ")");
        ModelConfig config = parse_model_config(k_gpt2_small_config, "gpt2-small config");
        std::filesystem::path tokenizer_dir = find_gpt2_tokenizer(model_search_roots());
        if (tokenizer_dir.empty())
            throw LoadError(
                "gpt2-small needs a GPT-2 tokenizer: put a folder with vocab.json and merges.txt "
                "named 'gpt2' in the models folder");
        if (progress) progress(0.1f);
        std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(tokenizer_dir, "gpt2");
        auto weights = random_weights(1234);
        if (progress) progress(0.2f);
        auto model = std::make_shared<const Model>(
            Model::from_weights(config, *weights, std::move(tokenizer), "gpt2-small (random)"));
        if (progress) progress(1.0f);
        return describe(std::move(model), source);
    }
};

}  // namespace

std::unique_ptr<Backend> make_engine_backend() {
    return std::make_unique<EngineBackend>();
}

bool is_known_shape(const std::string& shape) {
    return shape == "gpt2-small";
}
const char* known_shapes() {
    return "gpt2-small";
}

}  // namespace attnscope::app
