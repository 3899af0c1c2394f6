// State of the compare-and-analyse views (issue 5): pinned heads, the second sentence and its
// trace, the head-search key token and ranking. Plain data, part of AppState; the Session runs
// sentence B, the views edit the rest. No window, no GL.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attnscope/analysis.h"
#include "attnscope/head_analysis.h"
#include "attnscope/trace.h"

namespace attnscope::app {

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

struct CompareState {
    // Compare view: heads side by side (at most k_max_pins, no duplicates).
    std::vector<HeadRef> pins;

    // Diff view: the second sentence, run by the Session like sentence A.
    std::string text_b;                             // the box (edited by the UI)
    std::shared_ptr<const AttentionTrace> trace_b;  // null until a run of text_b finished
    std::shared_ptr<const DisplayTrace> display_b;  // its view model, for the current options
    std::string error_b;                            // why the last run of B failed ("" = fine)
    bool running_b = false;                         // a run of B is pending or running

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

// "" if every pin names a head of an n_layer x n_head model, else the message for the first bad one.
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

}  // namespace attnscope::app
