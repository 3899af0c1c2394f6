// What the app asks of the engine: load a model, run it on a text. An interface so the logic tests
// can drive the session with hand-made traces and controlled timing, without model files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "attnscope/model.h"
#include "attnscope/trace.h"

namespace attnscope::app {

// Where a model comes from: a Hugging Face folder, or a named shape with random weights
// ("gpt2-small", for benchmarks).
struct ModelSource {
    std::filesystem::path dir;
    std::string shape;
    std::filesystem::path import_file{};  // an .npz of attention to show instead of a model
    std::string describe() const {
        if (!import_file.empty()) return "attention from " + import_file.string();
        return shape.empty() ? dir.string() : "random " + shape;
    }
};

// A loaded model and the facts the UI shows about it. Immutable once made; shared with jobs.
struct LoadedModel {
    std::shared_ptr<const Model> model;  // null for test backends
    ModelSource source;
    std::string name;  // folder name or shape name
    std::string arch;  // "gpt2", "bert", ...
    int n_layer = 0, n_head = 0, n_kv_head = 0, d_model = 0, max_positions = 0;
    int64_t n_params = 0;
    bool causal = false;
    bool random_weights = false;  // never present attention of random weights as meaningful
    bool accepts_pair = false;    // encoders take a second sentence
    std::string mask_token;       // "[MASK]", "<mask>", empty if none
    std::string default_text;     // a sentence to open with
    // Attention imported from source.import_file (import_attention_npz): the one trace to show.
    // Set only for imports; such a "model" never runs (Backend::run refuses it).
    std::shared_ptr<const AttentionTrace> imported;
};

// One forward pass the user asked for.
struct RunRequest {
    std::string text{};
    std::string pair{};
    bool use_pair = false;  // pass `pair` as the second segment
    int n_tokens = 0;       // > 0: repeat the text's tokens to exactly this many (benchmarks)
    bool truncate = false;  // cut inputs longer than the model's positions instead of failing
};

using ProgressFn = std::function<void(float)>;

// Runs on worker threads. Implementations throw attnscope::Error for bad input.
class Backend {
  public:
    virtual ~Backend() = default;
    virtual LoadedModel load(const ModelSource& source, const ProgressFn& progress) = 0;
    // `previous` (may be null; read during the call only): a trace this model made earlier, e.g.
    // the one on screen. The engine copies the tokens it shares with the new input instead of
    // computing them, when that is safe (RunOptions::reuse); the result is the same either way.
    virtual AttentionTrace run(const LoadedModel& model, const RunRequest& request,
                               const AttentionTrace* previous) = 0;
};

// The real engine: Model::load, random weights of a known shape, run_model / run_encoding.
std::unique_ptr<Backend> make_engine_backend();

// Shapes `--shape` accepts.
bool is_known_shape(const std::string& shape);
const char* known_shapes();  // "gpt2-small"

}  // namespace attnscope::app
