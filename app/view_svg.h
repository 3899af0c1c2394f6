// Which views have an SVG form, and the SVG of one, from plain data (no window, no GL): the
// heatmap (in its current mode), the grid of heads, the head view (its enabled heads and focus),
// compare heads, two sentences, two models, head search and rollout (the matrices of
// view_panels.h, which those views draw too). Callers run it off the UI thread; everything the
// request points to is shared and immutable.
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
    int focus_token = -1;  // head view: the active token; head search: the query token (trace
                           // index, -1 = none)

    // Compare heads, two sentences, two models, head search, rollout:
    std::shared_ptr<const AttentionTrace> trace;  // the trace `display` shows (sentence A)
    std::string model_name;                       // model A's name
    CompareState compare;  // pins, sentence B, model B, the search's key token and ranking
    std::shared_ptr<const AnalysisOutput> products;  // the Analyst's for `display` (null = not
                                                     //   computed yet)
    std::shared_ptr<const AnalysisOutput> flow;      // rollout: the flow after `layer` (or null)
};

// True for every attention view: all but the Q/K/V view and the softmax stepper.
bool view_has_svg(ViewKind view);

// The SVG of the request's view. Throws InputError for a view without an SVG form, a view that
// shows nothing yet (no pins, sentence B or model B not run, statistics still computing: the
// message says which) or a trace too large for one (svg_export.h's k_svg_max_cells).
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
