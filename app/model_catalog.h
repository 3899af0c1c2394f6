// Finding model folders: ATTNSCOPE_MODELS, ./models and the Hugging Face cache
// (~/.cache/huggingface/hub/models--*/snapshots/*). Reads only directory listings and config.json;
// never loads weights. Pure filesystem code, no UI.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace attnscope::app {

// A folder that may hold models.
struct SearchRoot {
    std::filesystem::path dir;
    std::string origin;     // "ATTNSCOPE_MODELS", "./models", "Hugging Face cache"
    bool hf_cache = false;  // laid out as models--org--name/snapshots/<revision>/
};

// One candidate model folder.
struct ModelEntry {
    std::filesystem::path dir;
    std::string name;        // folder name; "org/name" for the Hugging Face cache
    std::string hub_id;      // "org/name" for a Hugging Face cache snapshot, else empty
    std::string origin;      // the SearchRoot it came from
    bool usable = false;     // config.json and model.safetensors (or its shard index) present
    std::string problem;     // why not usable ("no model.safetensors", ...)
    std::string model_type;  // config.json's model_type ("" if unreadable)
    int n_layer = 0, n_head = 0;
    uint64_t weight_bytes = 0;  // size of the safetensors file(s)
    int64_t n_params = 0;  // elements of all tensors, from the safetensors headers (0 if unknown)
};

// The roots in search order: $ATTNSCOPE_MODELS (a folder of models, or one model folder),
// ./models, then the Hugging Face hub cache (hub_cache_dir(): $HF_HUB_CACHE, $HF_HOME/hub or
// ~/.cache/huggingface/hub). Roots that do not exist are left out.
std::vector<SearchRoot> model_search_roots();

// Every model-like folder (one with config.json) under the roots, in root order and by name
// within a root; duplicates (the same folder through two roots) are listed once.
std::vector<ModelEntry> find_models(const std::vector<SearchRoot>& roots);

// Describes one folder (used for the roots' children and for a folder the user picks).
ModelEntry inspect_entry(const std::filesystem::path& dir, const std::string& origin);

// Number of parameters a safetensors file declares (tensor elements, without GPT-2's stored
// attention-mask buffers), read from its header only; 0 if the file cannot be read or its header
// is malformed (loading it reports the details).
int64_t count_safetensors_elements(const std::filesystem::path& file);

// The first usable entry, or nullptr.
const ModelEntry* first_usable(const std::vector<ModelEntry>& entries);

// A Hub model known to work with attnscope, offered for download in the model picker.
struct KnownHubModel {
    const char* id;           // "gpt2"
    const char* description;  // "GPT-2 small: 12 layers x 12 heads, 124M parameters"
    const char* size;         // download size, "548 MB"
};
std::span<const KnownHubModel> known_hub_models();

// The entry of the Hugging Face cache snapshot of `model_id` in `entries`, or nullptr.
const ModelEntry* find_hub_entry(const std::vector<ModelEntry>& entries,
                                 const std::string& model_id);

// A folder with GPT-2's tokenizer files (vocab.json + merges.txt) whose config says gpt2, for
// models made from random weights; empty if none.
std::filesystem::path find_gpt2_tokenizer(const std::vector<SearchRoot>& roots);

// "1.2 MB", "498 MB", "1.4 GB".
std::string format_bytes(uint64_t bytes);
// "124M", "1.2B", "260K".
std::string format_count(int64_t count);

}  // namespace attnscope::app
