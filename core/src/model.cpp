#include "attnscope/model.h"

#include <atomic>
#include <cassert>

#include "arch.h"
#include "attnscope/errors.h"
#include "attnscope/hub.h"

namespace attnscope {

namespace {

std::unique_ptr<ArchModel> make_arch(const ModelConfig& config, const WeightSource& weights) {
    switch (config.arch) {
        case Arch::Gpt2: return make_gpt2(config, weights);
        case Arch::Bert:
        case Arch::Roberta: return make_bert(config, weights);
        case Arch::DistilBert: return make_distilbert(config, weights);
        case Arch::Llama: return make_llama(config, weights);
    }
    assert(false && "unhandled Arch");
    return nullptr;
}

// Reports progress as the architecture reads its tensors. The count is an estimate (about a dozen
// tensors per layer), so the bar moves smoothly rather than exactly.
class ProgressWeights final : public WeightSource {
public:
    ProgressWeights(const WeightSource& inner, const ProgressFn& progress, int expected, float from)
        : m_inner(inner), m_progress(progress), m_expected(expected), m_from(from) {}
    bool has(const std::string& name) const override { return m_inner.has(name); }
    std::vector<float> get(const std::string& name, const std::vector<int64_t>& shape) const override {
        std::vector<float> data = m_inner.get(name, shape);
        ++m_done;
        if (m_progress)
            m_progress(m_from + (0.99f - m_from) * std::min(1.0f, float(m_done) / float(m_expected)));
        return data;
    }
    std::string describe() const override { return m_inner.describe(); }

private:
    const WeightSource& m_inner;
    const ProgressFn& m_progress;
    int m_expected;
    float m_from;
    mutable int m_done = 0;
};

}  // namespace

Model::Model() = default;
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

const Tokenizer& Model::tokenizer() const {
    if (!m_tokenizer) throw LoadError("model '" + m_name + "' has no tokenizer");
    return *m_tokenizer;
}

Model Model::load(const std::filesystem::path& model_dir, const ProgressFn& progress) {
    if (!std::filesystem::is_directory(model_dir))
        throw LoadError("model folder not found: " + model_dir.string());
    auto report = [&](float p) {
        if (progress) progress(p);
    };
    report(0.0f);
    ModelConfig config = load_model_config(model_dir);
    report(0.05f);
    std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(model_dir, config.model_type);
    if (tokenizer->vocab_size() > config.vocab_size)
        throw LoadError(model_dir.string() + ": the tokenizer has " +
                        std::to_string(tokenizer->vocab_size()) + " tokens but config.json says vocab_size " +
                        std::to_string(config.vocab_size));
    report(0.15f);
    std::unique_ptr<WeightSource> weights = open_safetensors_weights(model_dir);
    report(0.2f);
    ProgressWeights counted(*weights, progress, 12 * config.n_layer + 8, 0.2f);
    // "org/name" for a Hugging Face cache snapshot, whose own folder name is a commit hash.
    std::string name = model_display_name(model_dir);
    Model model = from_weights(config, counted, std::move(tokenizer), name);
    model.m_dir = model_dir;
    report(1.0f);
    return model;
}

Model Model::from_weights(const ModelConfig& config, const WeightSource& weights,
                          std::unique_ptr<Tokenizer> tokenizer, std::string name) {
    Model model;
    model.m_config = config;
    model.m_arch = make_arch(config, weights);
    model.m_tokenizer = std::move(tokenizer);
    model.m_name = std::move(name);
    model.m_n_params = model.m_arch->n_params();
    static std::atomic<uint64_t> s_instances{0};
    model.m_instance_id = ++s_instances;  // from 1: a trace's 0 means "no model" (imported)
    return model;
}

}  // namespace attnscope
