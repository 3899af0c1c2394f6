// Running a model on text: tokenize, forward pass with every intermediate recorded, prediction.
// Thread-safety: all functions are re-entrant; a Model may be shared by several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "attnscope/model.h"
#include "attnscope/trace.h"

namespace attnscope {

struct RunOptions {
    int top_k = 10;         // candidates kept per predicted position
    bool truncate = false;  // cut inputs longer than the model's positions instead of throwing
    // An earlier trace (not owned; read during the call only, from any thread). In a causal model
    // a token never sees later ones, so every value recorded for tokens before the first changed
    // one is unchanged: those rows are copied from `reuse` and only the rest are computed
    // (trace.reused_prefix says how many). Used only when safe, else ignored (a full run): made by
    // this very Model object (Model::instance_id, not just the same name or config), causal,
    // run rather than imported, every buffer present, and at least the first token's id and
    // position the same. The last token is always computed (the prediction needs it). Values
    // equal a full run's to float rounding: products over fewer rows may add in another order.
    const AttentionTrace* reuse = nullptr;
};

// Tokenizes `text` (and `pair` for encoders), runs the model and returns the full trace.
// Throws InputError (invalid UTF-8, no tokens), TooLongError (more tokens than positions, unless
// options.truncate).
AttentionTrace run_model(const Model& model, std::string_view text,
                         std::optional<std::string_view> pair = std::nullopt,
                         const RunOptions& options = {});

// Runs an already tokenized input (ids must be valid for the model's vocabulary). options.reuse
// (above) may save recomputing the tokens it shares with an earlier trace.
AttentionTrace run_encoding(const Model& model, const Encoding& encoding, const RunOptions& options = {});

// Greedy (argmax) decoding for causal models: appends n_new tokens to `prompt_ids`, returns all ids.
std::vector<int32_t> generate_greedy(const Model& model, std::vector<int32_t> prompt_ids, int n_new);

}  // namespace attnscope
