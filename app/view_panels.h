// What the compare-and-analyse views show, as plain data: the matrices (values, colour map, range,
// title) of compare heads, two sentences, two models, rollout and head search. The views upload
// these to their MatrixPanels and the SVG export (view_svg.h) draws the same ones, so a picture
// and the screen cannot disagree. No window, no GL.
//
// S = shown units (display trace), U = units of the rollout (all tokens or words), L = layers,
// H = heads.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "analyst.h"
#include "compare_state.h"

namespace attnscope::app {

// One coloured matrix as a view shows it.
struct PanelData {
    std::string title;          // "Layer 1 head 2", "A", "Rollout", ...
    std::vector<float> values;  // [rows][cols], masked cells = k_masked_value
    int rows = 0, cols = 0;
    Colormap map = Colormap::Viridis;
    ValueRange range;
};

// Compare heads: one [S][S] panel per pin, titled "Layer 1 head 2", each coloured over its own
// weight_range (the same for every pin with the 0..1 scale).
std::vector<PanelData> compare_panels(const DisplayTrace& display, std::span<const HeadRef> pins,
                                      const DisplayOptions& options);
// What the compare view's colours and statistics are of: "words; attention weight; statistics of
// the rows shown".
std::string compare_caption(const DisplayTrace& display);

// Two sentences and two models: head `head_a` of A and `head_b` of B on one colour scale (so equal
// colours mean equal values), then A − B in the diverging map over ±max|A − B| when `difference`
// (which needs A and B to show the same units). Titles "A", "B", "A − B"; callers may rename.
std::vector<PanelData> pair_panels(const DisplayTrace& a, HeadRef head_a, const DisplayTrace& b,
                                   HeadRef head_b, bool difference, const DisplayOptions& options);

// "A − B" for two [S][S] matrices shown in `d`'s units: a − b where `d.mask` shows a cell, in the
// diverging map over ±max|a − b| (difference_range). Used by the pair and rollout views.
PanelData difference_panel(std::span<const float> a, std::span<const float> b,
                           const DisplayTrace& d, const DisplayOptions& options);

// The title of a Two models panel: "A  L1 H2" for `model` "A" (in the display's numbering).
std::string model_head_title(const char* model, const DisplayTrace& display, HeadRef head);

// The label styles of the two-sentence view, per unit of A: 1 = special token (grey), 2 = differs
// from B (red), 0 = neither.
std::vector<uint8_t> differing_units(const DisplayTrace& a, const PairLayout& layout);

// Rollout: the layer mean, the rollout and (when `flow` is given) the flow after `layer`, [U][U]
// each, in `products->all_units`' units, each coloured over 0..its own largest value.
std::vector<PanelData> rollout_panels(const AnalysisOutput& products, const AnalysisOutput* flow,
                                      int layer, Colormap map);
// The range line under a rollout panel's title: "0 .. 0.53".
std::string rollout_range_label(ValueRange range);

// Head search: every head ranked, and the L x H map of the scores.
struct HeadSearch {
    std::vector<RankedHead> ranking;  // every head, best first
    std::string message;              // why there is no ranking ("" = there is one)
    int row = -1, col = -1;           // the shown cell ranked by weight (display units)
    PanelData map;                    // [L][H] scores; empty while there is no ranking
};
// Ranks by the shown cell from trace token `query` to `key` (SearchRank::Weight: hidden tokens,
// words and the lens count as the views show them) or by a statistic of `products` (null = still
// computing, said in `message`).
HeadSearch search_heads(const DisplayTrace& display, const AnalysisOutput* products, int query,
                        int key, SearchRank rank, HeadStatistic statistic, Colormap map);
// The line above the map: "From 'it' (token 8) to 'animal' (token 1): attention weight in every
// head" or "Heads by previous token".
std::string search_title(const DisplayTrace& display, const HeadSearch& search, SearchRank rank,
                         HeadStatistic statistic);
// "previous token", "attend to self", ...: how the search names a statistic.
const char* statistic_title(HeadStatistic statistic);
// How many heads the search lists.
inline constexpr size_t k_search_top = 10;
// The top k_search_top as tab-separated lines "1\tL1 H2\t0.532" (rank, head, score), the columns
// of the view's list (svg_text_block sets tabs as columns).
std::vector<std::string> search_top_lines(const DisplayTrace& display, const HeadSearch& search);

// Short summary lines of a head, narrow enough to sit under a small heatmap:
// "entropy 1.23  dist 2.4", "max 0.91  special 35%", "prev 12%  self 8%".
inline constexpr int k_stats_lines = 3;
std::string head_stats_line(const HeadStats& s, int line);

}  // namespace attnscope::app
