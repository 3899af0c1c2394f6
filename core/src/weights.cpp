// Weight sources: safetensors folders (single file or sharded) and seeded random weights.
//
// Every check that involves a tensor name happens here, so the architecture files can simply ask
// for "h.0.attn.c_attn.weight" with a shape and get F32 values or a precise error.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "attnscope/errors.h"
#include "attnscope/model.h"
#include "attnscope/safetensors.h"
#include "pickle_advice.h"

namespace attnscope {

namespace {

namespace fs = std::filesystem;

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// [SECTION] Safetensors folder

class SafetensorsWeights final : public WeightSource {
  public:
    // `source_label` is what messages call the weights: "model.safetensors" or the index file.
    SafetensorsWeights(fs::path dir, std::string source_label,
                       std::vector<std::unique_ptr<SafetensorsFile>> files)
        : m_dir(std::move(dir)), m_label(std::move(source_label)), m_files(std::move(files)) {
        for (const auto& file : m_files) {
            for (const auto& info : file->header().tensors) {
                auto [it, inserted] = m_tensors.emplace(info.name, Entry{file.get(), &info});
                if (!inserted)
                    throw LoadError(m_label + ": tensor '" + info.name + "' is in both " +
                                    it->second.file->path().filename().string() + " and " +
                                    file->path().filename().string());
            }
        }
    }

    bool has(const std::string& name) const override { return m_tensors.count(name) != 0; }

    std::vector<float> get(const std::string& name,
                           const std::vector<int64_t>& shape) const override {
        auto it = m_tensors.find(name);
        if (it == m_tensors.end()) throw LoadError(not_found_message(name));
        const SafetensorsFile& file = *it->second.file;
        const TensorInfo& info = *it->second.info;
        const std::string where = file.path().filename().string() + ": tensor '" + name + "'";
        if (info.shape != shape)
            throw LoadError(where + ": expected shape " + shape_string(shape) + ", got " +
                            shape_string(info.shape));
        std::vector<float> values = file.to_f32(info);
        // A NaN or infinity in the weights poisons every attention row downstream; say where it is
        // rather than showing a blank heatmap.
        for (size_t i = 0; i < values.size(); ++i) {
            if (!std::isfinite(values[i]))
                throw LoadError(where + " (" + dtype_name(info.dtype) + "): value at index " +
                                std::to_string(i) + " of " + std::to_string(values.size()) +
                                " is " + (std::isnan(values[i]) ? "NaN" : "infinite") +
                                "; the weights are corrupt");
        }
        return values;
    }

    std::string describe() const override {
        if (m_files.size() == 1 && m_label == "model.safetensors")
            return (m_dir / "model.safetensors").string();
        return m_label + " in " + m_dir.string() + " (" + std::to_string(m_files.size()) +
               " shards)";
    }

  private:
    struct Entry {
        const SafetensorsFile* file;
        const TensorInfo* info;  // points into file->header(), stable while the file lives
    };

    std::string not_found_message(const std::string& name) const {
        std::vector<std::pair<size_t, const std::string*>> ranked;
        ranked.reserve(m_tensors.size());
        for (const auto& [other, entry] : m_tensors)
            if (other.size() <= 256)  // keeps this quadratic measure cheap on hostile names
                ranked.emplace_back(edit_distance(name, other), &other);
        const size_t n_show = std::min<size_t>(5, ranked.size());
        std::partial_sort(ranked.begin(), ranked.begin() + long(n_show), ranked.end(),
                          [](const auto& a, const auto& b) {
                              return a.first != b.first ? a.first < b.first : *a.second < *b.second;
                          });
        std::string message = "tensor '" + name + "' not found in " + m_label + " (" +
                              std::to_string(m_tensors.size()) + " tensors";
        if (n_show > 0) {
            message += "; similar names present: ";
            for (size_t i = 0; i < n_show; ++i)
                message += (i ? ", '" : "'") + *ranked[i].second + "'";
        }
        return message + "). Is this the right architecture for these weights?";
    }

    fs::path m_dir;
    std::string m_label;
    std::vector<std::unique_ptr<SafetensorsFile>> m_files;
    std::unordered_map<std::string, Entry> m_tensors;
};

std::string read_text_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError(path.string() + ": cannot read file");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::unique_ptr<WeightSource> open_sharded(const fs::path& dir, const fs::path& index_path) {
    using nlohmann::json;
    const std::string label = index_path.filename().string();
    json index;
    try {
        index = json::parse(read_text_file(index_path));
    } catch (const json::parse_error& e) {
        throw LoadError(index_path.string() + ": malformed JSON at byte " + std::to_string(e.byte) +
                        ": " + e.what());
    } catch (const json::exception& e) {  // e.g. a number too large for a double (1e999)
        throw LoadError(index_path.string() + ": unusable JSON: " + e.what());
    }
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        throw LoadError(index_path.string() +
                        ": expected an object with \"weight_map\": {tensor name: shard file}");

    // Open each shard once, in name order, then check that the map agrees with the shards.
    std::vector<std::string> shard_names;
    for (const auto& [tensor, shard] : index["weight_map"].items()) {
        if (!shard.is_string())
            throw LoadError(index_path.string() + ": weight_map entry for '" + tensor +
                            "' must be a file name, got a JSON " + shard.type_name());
        const std::string& shard_name = shard.get_ref<const std::string&>();
        // Shards live beside the index; refuse paths that would read elsewhere.
        if (shard_name.empty() || shard_name.find('/') != std::string::npos || shard_name == "." ||
            shard_name == "..")
            throw LoadError(index_path.string() + ": shard name '" + shard_name + "' for tensor '" +
                            tensor + "' is not a plain file name");
        if (!fs::exists(dir / shard_name))
            throw LoadError(label + " names shard '" + shard_name + "' (for tensor '" + tensor +
                            "'), but that file is missing from " + dir.string() +
                            "; the download is incomplete");
        shard_names.push_back(shard_name);
    }
    std::sort(shard_names.begin(), shard_names.end());
    shard_names.erase(std::unique(shard_names.begin(), shard_names.end()), shard_names.end());
    if (shard_names.empty()) throw LoadError(index_path.string() + ": weight_map is empty");

    std::vector<std::unique_ptr<SafetensorsFile>> files;
    for (const auto& shard_name : shard_names)
        files.push_back(std::make_unique<SafetensorsFile>(dir / shard_name));

    for (const auto& [tensor, shard] : index["weight_map"].items()) {
        const auto& shard_name = shard.get_ref<const std::string&>();
        const auto pos = std::lower_bound(shard_names.begin(), shard_names.end(), shard_name);
        if (!files[size_t(pos - shard_names.begin())]->find(tensor))
            throw LoadError(label + " puts tensor '" + tensor + "' in " + shard_name +
                            ", but that shard does not contain it");
    }
    return std::make_unique<SafetensorsWeights>(dir, label, std::move(files));
}

// Files that hold pickled PyTorch weights; loading them means running the pickle's code.
// .pt/.pth/.ckpt and pytorch_model*.bin are checkpoints by convention. Other .bin files are often
// something else (llama2.c weights, tok512.bin), so they count only if they start like torch.save
// output: a zip archive (PyTorch >= 1.6) or a raw pickle (protocol byte 0x80).
bool is_pickle_checkpoint(const fs::path& path) {
    const std::string ext = path.extension().string();
    if (ext == ".pt" || ext == ".pth" || ext == ".ckpt") return true;
    if (ext != ".bin") return false;
    if (path.filename().string().rfind("pytorch_model", 0) == 0) return true;
    char magic[4] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(magic, 4);
    if (in.gcount() < 2) return false;
    return std::memcmp(magic, "PK\x03\x04", 4) == 0 || uint8_t(magic[0]) == 0x80;
}

// Weight formats that are safe but that attnscope does not read, to say so instead of "none".
bool is_other_weight_format(const fs::path& path) {
    const std::string ext = path.extension().string();
    return ext == ".h5" || ext == ".msgpack" || ext == ".gguf" || ext == ".onnx";
}

// [SECTION] Random weights

// splitmix64: a counter-based generator, so each value depends only on (key, index). That makes
// the output deterministic and independent of the order tensors are requested in.
inline uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t fnv1a(const std::string& s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Norm gains start at 1 (as in every framework's init), so random models keep sane activations.
// A norm weight is "gamma", or "<x>.weight" where the last component <x> is a norm: it contains
// "norm" (LayerNorm, layer_norm, layernorm, input_layernorm, model.norm, sa_layer_norm...) or is
// GPT-2's ln_1 / ln_2 / ln_f.
bool is_norm_gain(const std::string& name) {
    if (ends_with(name, "gamma")) return true;
    if (!ends_with(name, ".weight")) return false;
    const std::string stem = name.substr(0, name.size() - 7);
    std::string last = stem.substr(stem.rfind('.') == std::string::npos ? 0 : stem.rfind('.') + 1);
    std::transform(last.begin(), last.end(), last.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return last.find("norm") != std::string::npos || last.rfind("ln_", 0) == 0 || last == "ln";
}

bool is_bias(const std::string& name) {
    return name == "bias" || ends_with(name, ".bias") || ends_with(name, "_bias") ||
           ends_with(name, "beta");
}

class RandomWeights final : public WeightSource {
  public:
    explicit RandomWeights(uint64_t seed) : m_seed(seed) {}

    // Output projections that real checkpoints usually tie to the token embeddings are reported
    // absent, so architectures use the tied embedding (as for GPT-2, BERT and most small models)
    // instead of allocating a second vocab x d_model matrix. Everything else is present.
    bool has(const std::string& name) const override {
        return !(ends_with(name, "lm_head.weight") || ends_with(name, "decoder.weight") ||
                 ends_with(name, "vocab_projector.weight"));
    }

    std::vector<float> get(const std::string& name,
                           const std::vector<int64_t>& shape) const override {
        uint64_t numel = 1;
        for (int64_t d : shape) {
            if (d < 0 || __builtin_mul_overflow(numel, uint64_t(d), &numel) ||
                numel > (uint64_t(1) << 40))
                throw LoadError("random weights: tensor '" + name + "': shape " +
                                shape_string(shape) + " is invalid or too large");
        }
        if (is_norm_gain(name)) return std::vector<float>(numel, 1.0f);
        if (is_bias(name)) return std::vector<float>(numel, 0.0f);

        // Irwin-Hall: the sum of four uniform 16-bit integers from one 64-bit draw is close to
        // normal (bounded at 3.46 sigma) and costs a few integer ops per value, which keeps
        // gpt2-small's 124M values well under a second. Exact normality does not matter here.
        constexpr float k_std = 0.02f;
        // The sum of 4 uniforms on [0, 65535] has mean 4 * 32767.5 and variance 4 * (65536^2-1)/12.
        constexpr double k_mean = 4 * 32767.5;
        const double sum_std = std::sqrt(4.0 * (65536.0 * 65536.0 - 1.0) / 12.0);
        const float scale = float(k_std / sum_std);
        const uint64_t key = splitmix64(m_seed ^ fnv1a(name));
        std::vector<float> out(numel);
        for (uint64_t i = 0; i < numel; ++i) {
            const uint64_t r = splitmix64(key + i * 0x9e3779b97f4a7c15ull);
            const uint32_t sum = uint32_t(r & 0xffff) + uint32_t((r >> 16) & 0xffff) +
                                 uint32_t((r >> 32) & 0xffff) + uint32_t(r >> 48);
            out[i] = float(double(sum) - k_mean) * scale;
        }
        return out;
    }

    std::string describe() const override {
        return "random weights (seed " + std::to_string(m_seed) + ")";
    }

  private:
    uint64_t m_seed;
};

}  // namespace

std::unique_ptr<WeightSource> open_safetensors_weights(const fs::path& model_dir) {
    std::error_code ec;
    if (!fs::is_directory(model_dir, ec))
        throw LoadError(model_dir.string() + ": model folder does not exist or is not a folder");

    // Like transformers: a single file wins over an index.
    const fs::path single = model_dir / "model.safetensors";
    if (fs::exists(single, ec)) {
        std::vector<std::unique_ptr<SafetensorsFile>> files;
        files.push_back(std::make_unique<SafetensorsFile>(single));
        return std::make_unique<SafetensorsWeights>(model_dir, "model.safetensors",
                                                    std::move(files));
    }
    const fs::path index = model_dir / "model.safetensors.index.json";
    if (fs::exists(index, ec)) return open_sharded(model_dir, index);

    std::vector<std::string> pickles;
    for (const auto& entry : fs::directory_iterator(model_dir, ec))
        if (entry.is_regular_file(ec) && is_pickle_checkpoint(entry.path()))
            pickles.push_back(entry.path().filename().string());
    std::sort(pickles.begin(), pickles.end());
    if (!pickles.empty()) {
        const std::string dir = model_dir.string();
        throw LoadError(
            dir + ": has only PyTorch pickle weights (" + pickles.front() +
            (pickles.size() > 1 ? " and " + std::to_string(pickles.size() - 1) + " more" : "") +
            ") and no model.safetensors. " + detail::pickle_refusal_advice(dir, dir));
    }
    std::vector<std::string> others;
    for (const auto& entry : fs::directory_iterator(model_dir, ec))
        if (entry.is_regular_file(ec) && is_other_weight_format(entry.path()))
            others.push_back(entry.path().filename().string());
    std::sort(others.begin(), others.end());
    std::string message = model_dir.string() +
                          ": no weights found; looked for model.safetensors and "
                          "model.safetensors.index.json (with its shards)";
    if (!others.empty())
        message +=
            ". Found " + others.front() +
            (others.size() > 1 ? " and " + std::to_string(others.size() - 1) + " more" : "") +
            ", a format attnscope does not read; download the safetensors version instead";
    throw LoadError(message);
}

std::unique_ptr<WeightSource> random_weights(uint64_t seed) {
    return std::make_unique<RandomWeights>(seed);
}

}  // namespace attnscope
