// Model loading: config.json, weights (safetensors, sharded or not) and the tokenizer.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attnscope/tokenizer.h"

namespace attnscope {

enum class Arch { Gpt2, Bert, DistilBert, Roberta, Llama };

const char* arch_name(Arch arch);  // "gpt2", "bert", "distilbert", "roberta", "llama"

// The numbers of config.json that the engine uses, normalised across architectures.
struct ModelConfig {
    Arch arch = Arch::Gpt2;
    std::string model_type;        // config.json's model_type
    int n_layer = 0;
    int n_head = 0;                // query heads
    int n_kv_head = 0;             // key/value heads (== n_head except grouped-query attention)
    int d_model = 0;
    int d_head = 0;                // d_model / n_head
    int d_ff = 0;                  // feed-forward width
    int vocab_size = 0;
    int max_positions = 0;         // longest input in tokens (RoBERTa: max_position_embeddings - 2)
    int type_vocab_size = 0;       // BERT token types (0 if none)
    int pad_token_id = -1;
    int bos_token_id = -1;
    int eos_token_id = -1;
    float norm_eps = 1e-5f;        // LayerNorm / RMSNorm epsilon
    float rope_theta = 10000.0f;   // Llama only
    std::string activation;        // "gelu_new", "gelu", "silu", ...
    bool causal = false;           // decoder (GPT-2, Llama) vs encoder
    bool tie_word_embeddings = true;
};

// Parses config.json text; `file_label` names it in errors. Throws LoadError for malformed JSON,
// a missing or unsupported model_type, or missing/invalid sizes (naming the field).
ModelConfig parse_model_config(const std::string& json_text, const std::string& file_label);
ModelConfig load_model_config(const std::filesystem::path& model_dir);

// A source of named F32 weights. The safetensors folder reader and the random-weight generator
// (for `bench --shape`) both implement it, so both go through each architecture's name table.
class WeightSource {
public:
    virtual ~WeightSource() = default;
    virtual bool has(const std::string& name) const = 0;
    // The tensor as F32, checked against `shape`. Throws LoadError naming the file, the tensor,
    // expected vs actual shape; and for NaN or infinite values.
    virtual std::vector<float> get(const std::string& name, const std::vector<int64_t>& shape) const = 0;
    // A human-readable description of where weights come from, for messages.
    virtual std::string describe() const = 0;
};

// Weights from model.safetensors or model.safetensors.index.json (shards) in a folder.
// Throws LoadError if neither exists; a pytorch_model.bin-only folder gets a message saying why it
// is refused (pickle can run code) and how to convert it.
std::unique_ptr<WeightSource> open_safetensors_weights(const std::filesystem::path& model_dir);

// Random weights of the right shapes (normal, std 0.02; norms at 1), deterministic per seed.
std::unique_ptr<WeightSource> random_weights(uint64_t seed);

class ArchModel;  // per-architecture weights and forward pass (internal)

// Reports loading progress in [0, 1]; may be called from the loading thread.
using ProgressFn = std::function<void(float)>;

// A loaded model: config, tokenizer, weights. Immutable after load; run() may be called from any
// thread, several at once.
class Model {
public:
    ~Model();
    Model(Model&&) noexcept;
    Model& operator=(Model&&) noexcept;

    // Loads a Hugging Face model folder. Throws LoadError / TokenizerError.
    static Model load(const std::filesystem::path& model_dir, const ProgressFn& progress = {});
    // A model with this config and the given weights (random weights for benchmarks), with the
    // tokenizer from `tokenizer_dir` if not empty. Throws LoadError.
    static Model from_weights(const ModelConfig& config, const WeightSource& weights,
                              std::unique_ptr<Tokenizer> tokenizer, std::string name);

    const ModelConfig& config() const { return m_config; }
    const Tokenizer& tokenizer() const;
    bool has_tokenizer() const { return m_tokenizer != nullptr; }
    const std::string& name() const { return m_name; }  // folder name, or "org/name" (Hub cache)
    const std::filesystem::path& dir() const { return m_dir; }
    int64_t n_params() const { return m_n_params; }
    // Unique to this loaded model within the process (a counter, never reused; moves keep it).
    // Traces record it, so a run can tell its own model's traces (RunOptions::reuse) from those
    // of another model, even one with the same name and config.
    uint64_t instance_id() const { return m_instance_id; }
    const ArchModel& arch_model() const { return *m_arch; }

private:
    Model();
    ModelConfig m_config;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::unique_ptr<ArchModel> m_arch;
    std::string m_name;
    std::filesystem::path m_dir;
    int64_t m_n_params = 0;
    uint64_t m_instance_id = 0;
};

// What `attnscope info` shows about a folder without loading weights: the files found.
struct ModelFolderInfo {
    std::filesystem::path dir;
    bool has_config = false;
    bool has_weights = false;       // model.safetensors or an index
    std::vector<std::string> files; // names of the relevant files present
};
ModelFolderInfo inspect_model_folder(const std::filesystem::path& dir);

}  // namespace attnscope
