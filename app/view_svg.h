// Which views have an SVG form, and the SVG of one, from plain data (no window, no GL): the
// heatmap (in its current mode), the grid of heads, the head view (its enabled heads and focus),
// compare heads, two sentences, two models (selected heads or rollouts, as its mode says), head
// search and rollout (the matrices of view_panels.h and models_rollout.h, which those views draw
// too), with the selected token and head marked as each view marks them on screen. Callers run it
// off the UI thread; everything the request points to is shared and immutable.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "analyst.h"
#include "app_state.h"
#include "attnscope/analysis.h"

namespace attnscope::app {

struct SvgRequest {
    ViewKind view = ViewKind::Heatmap;
    std::shared_ptr<const DisplayTrace> display;
    DisplayOptions options;
    int layer = 0, head = 0;
    HeatmapMode mode = HeatmapMode::Head;  // heatmap
    std::vector<uint8_t> heads;            // head view: [H] 1 = shown (empty = all)
    // The selected token (trace index, -1 = none): its row outlined in the matrices, marked beside
    // the grid's heads, the head view's focus, the head search's query token. The selected head is
    // (layer, head): outlined in the grid and the head search's map.
    int selected_token = -1;

    // Compare heads, two sentences, two models, head search, rollout:
    std::shared_ptr<const AttentionTrace> trace;  // the trace `display` shows (sentence A)
    std::string model_name;                       // model A's name
    CompareState compare;  // pins, sentence B, model B, the search's key token and ranking
    std::shared_ptr<const AnalysisOutput> products;  // the Analyst's for `display` (null = not
                                                     //   computed yet)
    std::shared_ptr<const AnalysisOutput> flow;      // rollout: the flow after `layer` (or null)
    // Two models in rollout mode: model B's Analyst's for B's view model (null = not computed
    // yet), and why A's or B's rollout failed ("" = it did not).
    std::shared_ptr<const AnalysisOutput> products_b;
    std::string analysis_error, analysis_error_b;
};

// The request for the view in front of `state`, with its selection; `heads` are the head view's
// enabled heads. `analyst` is model A's, `analyst_b` model B's (the Two models view's rollout);
// their results count only when they are for the view models shown.
SvgRequest svg_request_of(const AppState& state, const std::vector<uint8_t>& heads,
                          const Analyst& analyst, const Analyst& analyst_b);

// True for every attention view: all but the Q/K/V view and the softmax stepper.
bool view_has_svg(ViewKind view);

// The SVG of the request's view. Throws InputError for a view without an SVG form, a view that
// shows nothing yet (no pins, sentence B or model B not run, statistics or a rollout still
// computing: the message says which) or a trace too large for one (svg_export.h's
// k_svg_max_cells).
std::string view_svg(const SvgRequest& request);

// Writes view_svg(request) to `path`; returns its size in bytes. Throws Error if the file cannot
// be written (a failed write leaves no file).
size_t save_view_svg(const SvgRequest& request, const std::filesystem::path& path);

// The head view's line selection (head_view.cpp uses the same numbers): the strongest lines
// with weight >= 0.02 (0.005 once a token is focused), at most 600 of them.
inline constexpr size_t k_head_view_max_lines = 600;
inline float head_view_min_weight(bool focused) {
    return focused ? 0.005f : 0.02f;
}

}  // namespace attnscope::app
