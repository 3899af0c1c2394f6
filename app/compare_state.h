// State of the compare-and-analyse views (issue 5): pinned heads, the second sentence and its
// trace, the second model and its trace, the head-search key token and ranking. Plain data, part
// of AppState; the Session runs sentence B and model B, the views edit the rest. No window, no GL.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attnscope/analysis.h"
#include "attnscope/head_analysis.h"
#include "attnscope/trace.h"
#include "backend.h"

namespace attnscope::app {

struct Selection;  // app_state.h

// One head of the model, 0-based.
struct HeadRef {
    int layer = 0, head = 0;
    bool operator==(const HeadRef&) const = default;
};

inline constexpr int k_max_pins = 6;

// What the head search ranks heads by.
enum class SearchRank {
    Weight,     // the weight from the query token to the key token
    Statistic,  // a pattern statistic (CompareState::statistic)
};

// The "Two models" view: a second model that runs the same sentence as the first (model A, the
// one the other views show). Filled by the Session (second_model.h); the view edits layer, head,
// linked.
struct ModelBState {
    std::shared_ptr<const LoadedModel> model;             // null until a model B is loaded
    std::shared_ptr<const AttentionTrace> trace;          // model B on the current sentence
    std::shared_ptr<const DisplayTrace> display;          // its view model, for the current options
    std::shared_ptr<const std::vector<HeadStats>> stats;  // [L][H] display_head_stats of it
    std::string loading;                                  // the folder being loaded ("" = none)
    std::string error;        // why B's last load or run failed ("" = fine); never the error panel
    bool running = false;     // a run of model B is queued or running
    int layer = 0, head = 0;  // B's own head, used when the shapes differ or `linked` is off
    bool linked = true;       // B shows A's layer and head (when B has them)
};

// What the Two models view shows of each model.
enum class ModelsMode {
    Head,     // the selected head of A and of B, with their statistics
    Rollout,  // each model's attention rollout (models_rollout.h)
};
// "head", "rollout" (the --models-mode values).
const char* models_mode_name(ModelsMode mode);
// Parses a name of models_mode_name(); returns false if unknown.
bool parse_models_mode(std::string_view name, ModelsMode* out);

struct CompareState {
    // Compare view: heads side by side (at most k_max_pins, no duplicates).
    std::vector<HeadRef> pins;

    // Diff view: the second sentence, run by the Session like sentence A.
    std::string text_b;                             // the box (edited by the UI)
    std::shared_ptr<const AttentionTrace> trace_b;  // null until a run of text_b finished
    std::shared_ptr<const DisplayTrace> display_b;  // its view model, for the current options
    std::string error_b;                            // why the last run of B failed ("" = fine)
    bool running_b = false;                         // a run of B is pending or running

    // Two models view. The mode and rollout layers outlive a model B (closing B resets model_b).
    ModelBState model_b;
    ModelsMode models_mode = ModelsMode::Head;
    // Rollout mode: each model's rollout after its own last layer (a distilled model and its
    // teacher differ in depth); off: after the selected layer (B's as for heads, see
    // models_rollout_layers).
    bool rollout_last_layer = true;

    // Search view: the query token is Selection::token; the key token is `search_key`.
    int search_key = -1;  // index into the trace's tokens, -1 = none
    SearchRank rank = SearchRank::Weight;
    HeadStatistic statistic = HeadStatistic::PreviousToken;

    // Adds a pin unless present or full; returns true if added.
    bool add_pin(HeadRef h);
    void remove_pin(size_t index);
};

// Parses "L:H,L:H,..." (0-based, at most k_max_pins, no repeats; ranges are checked against the
// model later by check_pins). False + *error for bad syntax.
bool parse_pins(const std::string& text, std::vector<HeadRef>* out, std::string* error);

// "" if every pin names a head of an n_layer x n_head model, else the message for the first bad
// one.
std::string check_pins(const std::vector<HeadRef>& pins, int n_layer, int n_head);

// Drops pins outside an n_layer x n_head model (after a model change).
void clamp_pins(std::vector<HeadRef>& pins, int n_layer, int n_head);

// How the diff view can show sentences A and B.
struct PairLayout {
    bool comparable = false;  // same model shape: the same head exists in both
    bool difference = false;  // the tokens align one to one: A − B cell by cell
    std::string message;      // why not (shown to the user); empty when difference is true
    std::vector<int32_t> differing_tokens;  // trace token indices whose ids differ
};
// Decides from the two traces and their view models (which must use the same options).
PairLayout pair_layout(const AttentionTrace& a, const DisplayTrace& da, const AttentionTrace& b,
                       const DisplayTrace& db);

// How the Two models view can show models A and B on the same sentence: side by side always, and
// A − B cell by cell when compare_models allows it and the view models show the same units.
// `message` says why there is no difference ("" when there is one).
struct ModelsLayout {
    bool difference = false;
    std::string message;
};
ModelsLayout models_layout(const AttentionTrace& a, const DisplayTrace& da, const AttentionTrace& b,
                           const DisplayTrace& db);

// The head model B shows: A's selected head when linked and B has it, else B's own choice;
// always inside B's n_layer x n_head.
HeadRef model_b_head(const ModelBState& b, const Selection& selection, int n_layer, int n_head);

}  // namespace attnscope::app
