// Vector (SVG 1.1) pictures of the attention views, for papers: the heatmap of one head, the grid
// of all heads, the head view's lines. Pure functions from the view model (DisplayTrace) to SVG
// text, with the same colour maps, value ranges and link selection as the app's views, so an SVG
// shows what the screen shows (on a white page instead of the dark theme).
//
// Structure the tests rely on: a heatmap has exactly one <rect> per cell (S x S, class "cell");
// the grid one <rect class="cell"> per cell of every head; masked cells are filled with a striped
// pattern (drawn with <path>, so no other <rect> appears); the head view has one <line> per link.
//
// Thread-safety: re-entrant; the DisplayTrace is only read.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "attnscope/analysis.h"

namespace attnscope {

// What a heatmap shows for the selected head (the app's heatmap modes).
enum class SvgMatrix {
    Head,           // the head's weights
    LayerMean,      // the mean over the layer's heads
    HeadMinusMean,  // head minus layer mean, diverging colours
};

// Cells in one SVG at most: beyond this the file is too large to be useful (and slow to open);
// the functions throw InputError suggesting a PNG or fewer tokens.
inline constexpr size_t k_svg_max_cells = 1000000;

// One head (or the layer mean, or their difference) with its token labels and a colour bar.
std::string svg_heatmap(const DisplayTrace& display, int layer, int head, SvgMatrix what,
                        const DisplayOptions& options);

// Every head: rows are layers, columns heads, each a small heatmap without token labels.
std::string svg_head_grid(const DisplayTrace& display, const DisplayOptions& options);

// The head view of one layer: tokens in two columns (queries left, keys right) and a line per
// link, coloured by head with opacity = weight. `heads[h]` != 0 selects the heads; `query` / `key`
// (shown-token indices, -1 = none) focus on one token, as in the app. Links are the app's:
// strongest_links(display, layer, heads, query, key, min_weight, max_links).
std::string svg_head_view(const DisplayTrace& display, int layer, std::span<const uint8_t> heads,
                          int query, int key, float min_weight, size_t max_links);

// The colour of head h in line drawings (matplotlib's tab10 plus two); the app's head view uses it.
Rgb8 head_rgb(int head);

// `text` with & < > " ' escaped for XML, and characters XML 1.0 forbids (controls other than
// tab and newline, invalid UTF-8) replaced with U+FFFD.
std::string xml_escape(std::string_view text);

}  // namespace attnscope
