#include "model_catalog.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>

#include "attnscope/errors.h"
#include "attnscope/hub.h"

namespace attnscope::app {

namespace fs = std::filesystem;

namespace {

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

uint64_t file_size_or_zero(const fs::path& p) {
    std::error_code ec;
    auto n = fs::file_size(p, ec);
    return ec ? 0 : uint64_t(n);
}

std::vector<fs::path> sorted_children(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (is_dir(it->path())) out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// An integer field under any of `names`, 0 if absent.
int int_field(const nlohmann::json& j, std::initializer_list<const char*> names) {
    for (const char* n : names) {
        auto it = j.find(n);
        if (it != j.end() && it->is_number_integer()) return it->get<int>();
    }
    return 0;
}

// The snapshot a Hugging Face cache entry points at: refs/main if present (as `--model org/name`
// resolves it), else the newest.
fs::path hf_snapshot(const fs::path& repo_dir, const std::string& model_id) {
    try {
        return find_cached_snapshot(repo_dir.parent_path(), model_id, "main");
    } catch (const LoadError&) {
        // no refs/main (a model pulled at another revision): fall back to the newest snapshot
    }
    const fs::path snapshots = repo_dir / "snapshots";
    fs::path best;
    fs::file_time_type best_time{};
    for (const fs::path& s : sorted_children(snapshots)) {
        std::error_code ec;
        auto t = fs::last_write_time(s, ec);
        if (!ec && (best.empty() || t > best_time)) {
            best = s;
            best_time = t;
        }
    }
    return best;
}

}  // namespace

int64_t count_safetensors_elements(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    unsigned char len_bytes[8] = {};
    if (!in.read(reinterpret_cast<char*>(len_bytes), 8)) return 0;
    uint64_t len = 0;
    for (int i = 7; i >= 0; --i) len = (len << 8) | len_bytes[i];
    if (len == 0 || len > (uint64_t(100) << 20)) return 0;
    std::string header(len, '\0');
    if (!in.read(header.data(), std::streamsize(len))) return 0;
    const nlohmann::json j = nlohmann::json::parse(header, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return 0;
    int64_t total = 0;
    for (const auto& [name, info] : j.items()) {
        if (name == "__metadata__" || !info.is_object()) continue;
        // GPT-2's causal-mask buffers are stored like weights but are not parameters.
        if (name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias")) continue;
        auto shape = info.find("shape");
        if (shape == info.end() || !shape->is_array()) return 0;
        int64_t n = 1;
        for (const auto& d : *shape) {
            if (!d.is_number_unsigned() && !d.is_number_integer()) return 0;
            n *= d.get<int64_t>();
        }
        total += n;
    }
    return total;
}

std::vector<SearchRoot> model_search_roots() {
    std::vector<SearchRoot> roots;
    if (const char* env = std::getenv("ATTNSCOPE_MODELS"); env && *env && is_dir(env))
        roots.push_back({env, "ATTNSCOPE_MODELS", false});
    if (is_dir("models")) roots.push_back({fs::absolute("models"), "./models", false});
    const fs::path hub = hub_cache_dir();
    if (!hub.empty() && is_dir(hub)) roots.push_back({hub, "Hugging Face cache", true});
    return roots;
}

ModelEntry inspect_entry(const fs::path& dir, const std::string& origin) {
    ModelEntry e;
    e.dir = dir;
    e.name = dir.filename().string();
    e.origin = origin;
    const bool has_config = is_file(dir / "config.json");
    const bool single = is_file(dir / "model.safetensors");
    const bool sharded = is_file(dir / "model.safetensors.index.json");
    if (single) {
        e.weight_bytes = file_size_or_zero(dir / "model.safetensors");
        e.n_params = count_safetensors_elements(dir / "model.safetensors");
    }
    if (sharded) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string n = it->path().filename().string();
            if (n.starts_with("model-") && n.ends_with(".safetensors")) {
                e.weight_bytes += file_size_or_zero(it->path());
                e.n_params += count_safetensors_elements(it->path());
            }
        }
    }
    if (has_config) {
        std::ifstream in(dir / "config.json");
        std::stringstream ss;
        ss << in.rdbuf();
        nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
        if (j.is_object()) {
            if (auto it = j.find("model_type"); it != j.end() && it->is_string())
                e.model_type = it->get<std::string>();
            e.n_layer = int_field(j, {"num_hidden_layers", "n_layer", "n_layers"});
            e.n_head = int_field(j, {"num_attention_heads", "n_head", "n_heads"});
        } else {
            e.problem = "config.json is not valid JSON";
        }
    }
    if (!has_config) {
        e.problem = "no config.json";
    } else if (!single && !sharded) {
        e.problem = is_file(dir / "pytorch_model.bin")
                        ? "only pytorch_model.bin (convert it to model.safetensors)"
                        : "no model.safetensors (tokenizer/config only)";
    }
    e.usable = e.problem.empty();
    return e;
}

std::vector<ModelEntry> find_models(const std::vector<SearchRoot>& roots) {
    std::vector<ModelEntry> out;
    std::set<fs::path> seen;
    auto add = [&](const fs::path& dir, const std::string& origin, const std::string& name,
                   const std::string& hub_id) {
        std::error_code ec;
        fs::path canon = fs::weakly_canonical(dir, ec);
        if (!seen.insert(ec ? dir : canon).second) return;
        ModelEntry e = inspect_entry(dir, origin);
        if (!name.empty()) e.name = name;
        e.hub_id = hub_id;
        out.push_back(std::move(e));
    };
    for (const SearchRoot& root : roots) {
        if (root.hf_cache) {
            for (const fs::path& repo : sorted_children(root.dir)) {
                const std::string id = model_id_from_hub_folder(repo.filename().string());
                if (id.empty()) continue;
                const fs::path snap = hf_snapshot(repo, id);
                // A pull links config.json last: without it the snapshot is still incomplete.
                if (snap.empty() || !is_file(snap / "config.json")) continue;
                add(snap, root.origin, id, id);
            }
            continue;
        }
        if (is_file(root.dir / "config.json")) {  // the root is itself one model folder
            add(root.dir, root.origin, "", "");
            continue;
        }
        for (const fs::path& child : sorted_children(root.dir))
            if (is_file(child / "config.json")) add(child, root.origin, "", "");
    }
    return out;
}

const ModelEntry* first_usable(const std::vector<ModelEntry>& entries) {
    for (const ModelEntry& e : entries)
        if (e.usable) return &e;
    return nullptr;
}

std::span<const KnownHubModel> known_hub_models() {
    // Checked to load in attnscope (safetensors weights, supported architecture). Sizes are those
    // of the download, weights included.
    static constexpr KnownHubModel k_models[] = {
        {"gpt2", "GPT-2 small: 12 layers x 12 heads, 124M parameters", "550 MB"},
        {"distilgpt2", "DistilGPT-2: 6 layers x 12 heads, 82M parameters", "355 MB"},
        {"bert-base-uncased", "BERT base, uncased: 12 layers x 12 heads, 110M parameters",
         "440 MB"},
        {"distilbert-base-uncased", "DistilBERT, uncased: 6 layers x 12 heads, 66M parameters",
         "270 MB"},
        {"roberta-base", "RoBERTa base: 12 layers x 12 heads, 125M parameters", "500 MB"},
        {"sentence-transformers/all-MiniLM-L6-v2",
         "MiniLM sentence encoder: 6 layers x 12 heads, 23M parameters", "92 MB"},
        {"TinyLlama/TinyLlama-1.1B-Chat-v1.0",
         "TinyLlama chat: 22 layers x 32 heads (4 KV heads), 1.1B parameters", "2.2 GB"},
    };
    return k_models;
}

const ModelEntry* find_hub_entry(const std::vector<ModelEntry>& entries,
                                 const std::string& model_id) {
    for (const ModelEntry& e : entries)
        if (!e.hub_id.empty() && e.hub_id == model_id) return &e;
    return nullptr;
}

fs::path find_gpt2_tokenizer(const std::vector<SearchRoot>& roots) {
    for (const ModelEntry& e : find_models(roots)) {
        if (e.model_type == "gpt2" && is_file(e.dir / "vocab.json") &&
            is_file(e.dir / "merges.txt"))
            return e.dir;
    }
    return {};
}

std::string format_bytes(uint64_t bytes) {
    char buf[32];
    if (bytes < 1024) {
        std::snprintf(buf, sizeof buf, "%llu B", (unsigned long long)bytes);
    } else if (bytes < 1024ull * 1024) {
        std::snprintf(buf, sizeof buf, "%.1f KB", bytes / 1024.0);
    } else if (bytes < 1024ull * 1024 * 1024) {
        std::snprintf(buf, sizeof buf, "%.1f MB", bytes / (1024.0 * 1024));
    } else {
        std::snprintf(buf, sizeof buf, "%.2f GB", bytes / (1024.0 * 1024 * 1024));
    }
    return buf;
}

std::string format_count(int64_t count) {
    char buf[32];
    if (count < 1000) {
        std::snprintf(buf, sizeof buf, "%lld", (long long)count);
    } else if (count < 1000000) {
        std::snprintf(buf, sizeof buf, "%.1fK", count / 1e3);
    } else if (count < 1000000000) {
        std::snprintf(buf, sizeof buf, "%.1fM", count / 1e6);
    } else {
        std::snprintf(buf, sizeof buf, "%.2fB", count / 1e9);
    }
    return buf;
}

}  // namespace attnscope::app
