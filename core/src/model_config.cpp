// config.json → ModelConfig, normalised across architectures, and a look at a model folder's files.
//
// Each architecture names the same numbers differently (n_layer / num_hidden_layers / n_layers);
// this file is the only place that knows those spellings and transformers' defaults.
#include <algorithm>
#include <climits>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "attnscope/errors.h"
#include "attnscope/model.h"

namespace attnscope {

namespace {

using nlohmann::json;

// A value for an error message. Containers are named, not dumped: dump() recurses per nesting
// level, and the value only matters when it is a scalar of the wrong kind.
std::string describe(const json& value) {
    if (value.is_array() || value.is_object()) return std::string("an ") + value.type_name();
    std::string s = value.dump(-1, ' ', false, json::error_handler_t::replace);
    return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

// Reads fields of one config.json, naming the file and field in every error.
class ConfigReader {
  public:
    ConfigReader(const json& root, const std::string& label) : m_root(root), m_label(label) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw LoadError(m_label + ": " + what);
    }

    bool present(const char* field) const {
        auto it = m_root.find(field);
        return it != m_root.end() && !it->is_null();
    }

    // A required size: a JSON integer > 0 that fits in int.
    int size(const char* field) const {
        if (!present(field)) fail(std::string("missing required field \"") + field + "\"");
        return positive_int(field, m_root.at(field));
    }

    int size_or(const char* field, int fallback) const {
        return present(field) ? positive_int(field, m_root.at(field)) : fallback;
    }

    // An optional token id: null or absent gives -1. Some configs give a list (several EOS ids);
    // the first is the one used for display.
    int token_id(const char* field, int fallback = -1) const {
        if (!present(field)) return fallback;
        const json* value = &m_root.at(field);
        if (value->is_array()) {
            if (value->empty()) return fallback;
            value = &(*value)[0];
        }
        const int64_t id = integer(field, *value);
        if (id < 0 || id > INT_MAX)
            fail(std::string("\"") + field + "\" must be a token id >= 0, got " +
                 std::to_string(id));
        return int(id);
    }

    double number_or(const char* field, double fallback) const {
        if (!present(field)) return fallback;
        const json& value = m_root.at(field);
        if (!value.is_number())
            fail(std::string("\"") + field + "\" must be a number, got " + describe(value));
        return value.get<double>();
    }

    // A small positive float (norm epsilon); zero or negative would make norms divide by ~0.
    float epsilon_or(const char* field, double fallback) const {
        const double eps = number_or(field, fallback);
        if (!(eps > 0) || !std::isfinite(eps))
            fail(std::string("\"") + field + "\" must be a positive number, got " +
                 std::to_string(eps));
        return float(eps);
    }

    std::string string_or(const char* field, const std::string& fallback) const {
        if (!present(field)) return fallback;
        const json& value = m_root.at(field);
        if (!value.is_string())
            fail(std::string("\"") + field + "\" must be a string, got " + describe(value));
        return value.get<std::string>();
    }

    bool bool_or(const char* field, bool fallback) const {
        if (!present(field)) return fallback;
        const json& value = m_root.at(field);
        if (!value.is_boolean())
            fail(std::string("\"") + field + "\" must be true or false, got " + describe(value));
        return value.get<bool>();
    }

  private:
    int64_t integer(const char* field, const json& value) const {
        // 64.0 is rejected too: transformers would fail on a float size, and a float here usually
        // means the wrong field or a hand-edited file.
        if (value.is_number_unsigned()) {
            const uint64_t v = value.get<uint64_t>();
            if (v > uint64_t(INT_MAX))
                fail(std::string("\"") + field + "\" is too large: " + std::to_string(v));
            return int64_t(v);
        }
        if (value.is_number_integer()) return value.get<int64_t>();
        fail(std::string("\"") + field + "\" must be an integer, got " + describe(value));
    }

    int positive_int(const char* field, const json& value) const {
        const int64_t v = integer(field, value);
        if (v <= 0)
            fail(std::string("\"") + field + "\" must be a positive integer, got " +
                 std::to_string(v));
        return int(v);
    }

    const json& m_root;
    std::string m_label;
};

void read_gpt2(const ConfigReader& r, ModelConfig& c) {
    c.n_layer = r.size("n_layer");
    c.n_head = r.size("n_head");
    c.n_kv_head = c.n_head;
    c.d_model = r.size("n_embd");
    c.d_ff = r.present("n_inner") ? r.size("n_inner") : 4 * c.d_model;
    c.max_positions = r.present("n_positions") ? r.size("n_positions") : r.size("n_ctx");
    c.vocab_size = r.size("vocab_size");
    c.norm_eps = r.epsilon_or("layer_norm_epsilon", 1e-5);
    c.activation = r.string_or("activation_function", "gelu_new");
    c.causal = true;
    c.tie_word_embeddings = r.bool_or("tie_word_embeddings", true);
    c.pad_token_id = r.token_id("pad_token_id");
    c.bos_token_id = r.token_id("bos_token_id");
    c.eos_token_id = r.token_id("eos_token_id");
}

// BERT and RoBERTa share BertConfig's field names and defaults.
void read_bert(const ConfigReader& r, ModelConfig& c, int default_pad_token_id) {
    c.n_layer = r.size("num_hidden_layers");
    c.n_head = r.size("num_attention_heads");
    c.n_kv_head = c.n_head;
    c.d_model = r.size("hidden_size");
    c.d_ff = r.size("intermediate_size");
    c.max_positions = r.size("max_position_embeddings");
    c.vocab_size = r.size("vocab_size");
    c.type_vocab_size = r.size_or("type_vocab_size", 2);
    c.norm_eps = r.epsilon_or("layer_norm_eps", 1e-12);
    c.activation = r.string_or("hidden_act", "gelu");
    c.causal = false;
    c.tie_word_embeddings = r.bool_or("tie_word_embeddings", true);
    c.pad_token_id = r.token_id("pad_token_id", default_pad_token_id);
    c.bos_token_id = r.token_id("bos_token_id");
    c.eos_token_id = r.token_id("eos_token_id");
}

void read_roberta(const ConfigReader& r, ModelConfig& c) {
    read_bert(r, c, 1);
    // RoBERTa's position ids start at pad_token_id + 1 (2 for roberta-base), so a table of 514
    // positions holds 512 tokens.
    const int usable = c.max_positions - std::max(c.pad_token_id, 0) - 1;
    if (usable <= 0)
        r.fail("max_position_embeddings " + std::to_string(c.max_positions) +
               " leaves no positions after RoBERTa's offset of pad_token_id + 1 = " +
               std::to_string(c.pad_token_id + 1));
    c.max_positions = usable;
}

void read_distilbert(const ConfigReader& r, ModelConfig& c) {
    c.n_layer = r.size("n_layers");
    c.n_head = r.size("n_heads");
    c.n_kv_head = c.n_head;
    c.d_model = r.size("dim");
    c.d_ff = r.size("hidden_dim");
    c.max_positions = r.size("max_position_embeddings");
    c.vocab_size = r.size("vocab_size");
    c.type_vocab_size = 0;  // DistilBERT has no token type embeddings
    c.norm_eps = 1e-12f;    // not configurable: transformers hard-codes it
    c.activation = r.string_or("activation", "gelu");
    c.causal = false;
    c.tie_word_embeddings = r.bool_or("tie_word_embeddings", true);
    c.pad_token_id = r.token_id("pad_token_id", 0);
}

void read_llama(const ConfigReader& r, ModelConfig& c) {
    c.n_layer = r.size("num_hidden_layers");
    c.n_head = r.size("num_attention_heads");
    c.n_kv_head = r.size_or("num_key_value_heads", c.n_head);
    c.d_model = r.size("hidden_size");
    c.d_ff = r.size("intermediate_size");
    c.max_positions = r.size("max_position_embeddings");
    c.vocab_size = r.size("vocab_size");
    c.norm_eps = r.epsilon_or("rms_norm_eps", 1e-6);
    c.rope_theta = float(r.number_or("rope_theta", 10000.0));
    if (!(c.rope_theta > 0) || !std::isfinite(c.rope_theta))
        r.fail("\"rope_theta\" must be a positive number");
    // Scaled RoPE (Llama 3's "llama3", "linear", "dynamic", YaRN) changes the rotation angles; running
    // such a model with plain RoPE would show wrong attention without any error, so refuse it.
    if (r.present("rope_scaling"))
        r.fail("\"rope_scaling\" is set, but attnscope implements only plain RoPE; this model's "
               "attention would be wrong");
    c.activation = r.string_or("hidden_act", "silu");
    c.causal = true;
    c.tie_word_embeddings = r.bool_or("tie_word_embeddings", false);
    c.pad_token_id = r.token_id("pad_token_id");
    c.bos_token_id = r.token_id("bos_token_id");
    c.eos_token_id = r.token_id("eos_token_id");
}

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError(path.string() + ": cannot read file");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

const char* arch_name(Arch arch) {
    switch (arch) {
        case Arch::Gpt2:
            return "gpt2";
        case Arch::Bert:
            return "bert";
        case Arch::DistilBert:
            return "distilbert";
        case Arch::Roberta:
            return "roberta";
        case Arch::Llama:
            return "llama";
    }
    return "?";
}

ModelConfig parse_model_config(const std::string& json_text, const std::string& file_label) {
    json root;
    try {
        root = json::parse(json_text);
    } catch (const json::parse_error& e) {
        throw LoadError(file_label + ": malformed JSON at byte " + std::to_string(e.byte) + ": " +
                        e.what());
    } catch (const json::exception& e) {  // e.g. a number too large for a double (1e999)
        throw LoadError(file_label + ": unusable JSON: " + e.what());
    }
    if (!root.is_object()) throw LoadError(file_label + ": must be a JSON object");
    const ConfigReader r(root, file_label);

    ModelConfig c;
    c.model_type = r.string_or("model_type", "");
    if (c.model_type.empty())
        r.fail("missing \"model_type\"; attnscope needs it to know the architecture");
    if (c.model_type == "gpt2") {
        c.arch = Arch::Gpt2;
        read_gpt2(r, c);
    } else if (c.model_type == "bert") {
        c.arch = Arch::Bert;
        read_bert(r, c, 0);
    } else if (c.model_type == "roberta") {
        c.arch = Arch::Roberta;
        read_roberta(r, c);
    } else if (c.model_type == "distilbert") {
        c.arch = Arch::DistilBert;
        read_distilbert(r, c);
    } else if (c.model_type == "llama") {
        c.arch = Arch::Llama;
        read_llama(r, c);
    } else {
        r.fail("model_type \"" + c.model_type +
               "\" is not supported (supported: gpt2, bert, roberta, distilbert, llama)");
    }

    if (c.d_model % c.n_head != 0)
        r.fail("hidden size " + std::to_string(c.d_model) + " is not divisible by the " +
               std::to_string(c.n_head) + " attention heads");
    c.d_head = c.d_model / c.n_head;
    if (c.n_head % c.n_kv_head != 0)
        r.fail(std::to_string(c.n_head) + " attention heads are not a multiple of the " +
               std::to_string(c.n_kv_head) + " key/value heads (num_key_value_heads)");
    // Newer Llama configs may state head_dim; attnscope assumes d_model / n_head.
    if (c.arch == Arch::Llama && r.present("head_dim") && r.size("head_dim") != c.d_head)
        r.fail("\"head_dim\" " + std::to_string(r.size("head_dim")) +
               " differs from hidden_size / " +
               "num_attention_heads = " + std::to_string(c.d_head) + ", which is not supported");
    if (c.arch == Arch::Llama && c.d_head % 2 != 0)
        r.fail("head size " + std::to_string(c.d_head) + " is odd; RoPE needs an even head size");
    return c;
}

ModelConfig load_model_config(const std::filesystem::path& model_dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(model_dir, ec))
        throw LoadError(model_dir.string() + ": model folder does not exist or is not a folder");
    const auto path = model_dir / "config.json";
    if (!std::filesystem::exists(path, ec))
        throw LoadError(
            model_dir.string() +
            ": config.json is missing; a Hugging Face model folder needs it (looked for " +
            path.string() + ")");
    return parse_model_config(read_text_file(path), path.string());
}

ModelFolderInfo inspect_model_folder(const std::filesystem::path& dir) {
    // In the order `attnscope info` lists them: config, weights, tokenizer.
    static const char* const k_known[] = {
        "config.json",
        "model.safetensors",
        "model.safetensors.index.json",
        "pytorch_model.bin",
        "pytorch_model.bin.index.json",
        "tokenizer.json",
        "vocab.json",
        "merges.txt",
        "vocab.txt",
        "tokenizer_config.json",
        "special_tokens_map.json",
    };
    ModelFolderInfo info;
    info.dir = dir;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return info;

    for (const char* name : k_known)
        if (std::filesystem::is_regular_file(dir / name, ec)) info.files.emplace_back(name);

    // Shards: any other *.safetensors, such as model-00001-of-00002.safetensors.
    std::vector<std::string> shards;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name != "model.safetensors" && entry.path().extension() == ".safetensors" &&
            entry.is_regular_file(ec))
            shards.push_back(name);
    }
    std::sort(shards.begin(), shards.end());
    info.files.insert(info.files.end(), shards.begin(), shards.end());

    auto has = [&](const char* name) {
        return std::find(info.files.begin(), info.files.end(), name) != info.files.end();
    };
    info.has_config = has("config.json");
    info.has_weights = has("model.safetensors") || has("model.safetensors.index.json");
    return info;
}

}  // namespace attnscope
