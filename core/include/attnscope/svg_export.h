// Vector (SVG 1.1) pictures of the attention views, for papers: the heatmap of one head, the grid
// of all heads, the head view's lines, and the building blocks the other views' pictures are
// composed of (a labelled matrix panel at an offset, a colour bar, a text block, a page of panels
// side by side). Pure functions from plain data to SVG text, with the same colour maps, value
// ranges and link selection as the app's views, so an SVG shows what the screen shows (on a white
// page instead of the dark theme).
//
// Structure the tests rely on: every matrix cell is one <rect class="cell"> and no other <rect>
// appears (masked cells are filled with a striped pattern drawn with <path>; colour bars are
// paths); the cells of one matrix are grouped in one <g class="panel">; a heatmap has S x S cells,
// the grid S x S per head; the head view has one <line> per link. The user's selection is marked
// by paths outside the panels' groups, each named by its class: "selected-row", "selected-col",
// "selected-cell", "selected-head" (outlines d="Mx0 y0Hx1Vy1Hx0Z") and "selected-token"
// (the grid's row markers, the head view's label highlight); the selected labels are bold.
//
// Thread-safety: re-entrant; the inputs are only read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attnscope/analysis.h"

namespace attnscope {

// [SECTION] The heatmap, the grid of heads and the head view

// What a heatmap shows for the selected head (the app's heatmap modes).
enum class SvgMatrix {
    Head,           // the head's weights
    LayerMean,      // the mean over the layer's heads
    HeadMinusMean,  // head minus layer mean, diverging colours
};

// Cells in one SVG at most: beyond this the file is too large to be useful (and slow to open);
// the functions throw InputError suggesting a PNG or fewer tokens.
inline constexpr size_t k_svg_max_cells = 1000000;

// One head of the grid, or one cell of any matrix.
struct SvgCell {
    int row = 0, col = 0;
};

// What the user selected, marked in a picture as the views mark it on screen, so that a figure
// shows the token and head the researcher was looking at. Nothing set = nothing marked: the SVG
// is byte for byte the one without a selection.
struct SvgSelection {
    std::optional<int> token;     // a shown-token index (display row): its query row outlined, its
                                  //   label bold; the grid marks the row beside every head
    std::optional<SvgCell> head;  // the grid: {layer, head} outlined, its labels bold
};

// One head (or the layer mean, or their difference) with its token labels and a colour bar.
// `selection.token` outlines its query row (the heatmap view's mark).
std::string svg_heatmap(const DisplayTrace& display, int layer, int head, SvgMatrix what,
                        const DisplayOptions& options, const SvgSelection& selection = {});

// Every head: rows are layers, columns heads, each a small heatmap without token labels.
// `selection.head` is outlined and `selection.token`'s row marked left of each head (the grid
// view's marks).
std::string svg_head_grid(const DisplayTrace& display, const DisplayOptions& options,
                          const SvgSelection& selection = {});

// The head view of one layer: tokens in two columns (queries left, keys right) and a line per
// link, coloured by head with opacity = weight. `heads[h]` != 0 selects the heads; `query` / `key`
// (shown-token indices, -1 = none) focus on one token, as in the app: its label bold on a
// highlight. Links are the app's: strongest_links(display, layer, heads, query, key, min_weight,
// max_links).
std::string svg_head_view(const DisplayTrace& display, int layer, std::span<const uint8_t> heads,
                          int query, int key, float min_weight, size_t max_links);

// [SECTION] Building blocks. Each returns a fragment of SVG to put inside svg_document; x and y are
// page pixels, y downwards.

inline constexpr double k_svg_font = 11.0;        // body text size, px
inline constexpr double k_svg_line = 15.0;        // line height of a text block, px
inline constexpr double k_svg_bar_height = 25.0;  // a colour bar with its numbers under it

// The page: an XML declaration, the <svg> element (white background, the masked-cell pattern)
// around `body`.
std::string svg_document(double width, double height, std::string_view body);

// How a block of text looks: Title is bold, Dim grey (notes, descriptions), Warning orange (why a
// view shows less than usual).
enum class SvgText { Title, Body, Dim, Warning };

// Lines of text left-aligned at x, the block's top at y, k_svg_line apart. Tabs split a line into
// columns, each starting after the widest entry of the column before (a small table).
std::string svg_text_block(double x, double y, std::span<const std::string> lines,
                           SvgText style = SvgText::Body);
// Rough width of a line in px (no font metrics here: DejaVu Sans advances, with room to spare).
double svg_text_width(std::string_view line, SvgText style = SvgText::Body);
// `text` broken at spaces into lines of at most `max_chars` characters (a longer word stays whole
// on its own line): SVG text does not wrap by itself.
std::vector<std::string> svg_wrap(std::string_view text, size_t max_chars);
// Width of a whole svg_text_block, its columns included.
double svg_text_block_width(std::span<const std::string> lines, SvgText style = SvgText::Body);

// A horizontal colour bar of `width` px at (x, y), `range.lo` under its left end and `range.hi`
// under its right end (k_svg_bar_height tall in all). Its gradient's id comes from x and y, so two
// bars on a page must not start at the same point.
std::string svg_colour_bar(double x, double y, double width, Colormap map, ValueRange range);

// Label colours, the views' codes for token labels: a special token greyed, a token that differs
// between two sentences marked red.
enum class SvgLabel : uint8_t { Normal = 0, Dim = 1, Marked = 2 };

// One coloured matrix with its labels. Spans point into the caller's data.
struct SvgPanel {
    std::span<const float> values;  // [rows][cols]; k_masked_value = masked (striped) cell
    int rows = 0, cols = 0;
    Colormap map = Colormap::Viridis;
    ValueRange range;                         // colours span lo..hi (normalise)
    std::span<const std::string> row_labels;  // [rows] right-aligned left of the cells, or empty
    std::span<const std::string> col_labels;  // [cols] above the cells, or empty
    std::span<const uint8_t> label_styles;    // SvgLabel of row i and column i (one token axis),
                                              //   or empty = Normal
    bool upright_col_labels = false;  // short column labels (head numbers) centred, not rotated
    // The user's selection, as the views mark it (none = nothing marked): a row, a column or a
    // cell outlined in the accent colour, and its labels bold.
    std::optional<int> selected_row;       // the selected token's query row
    std::optional<int> selected_col;       // a column (a key token)
    std::optional<SvgCell> selected_cell;  // the selected head in a layers x heads map
};

// The panel's cells with their top-left corner at (x, y), `cell` px each, in one
// <g class="panel">; row labels end 4 px left of x, column labels start 4 px above y. Labels are
// elided after 24 characters and set smaller when cells are smaller than the text
// (svg_label_font), so that every label is there without overlapping. A selected row or column is
// outlined 1 px outside its cells (their colours stay visible), a selected cell just inside.
std::string svg_panel(const SvgPanel& panel, double x, double y, double cell);
// Space the panel's labels take left of and above its cells.
double svg_row_label_width(const SvgPanel& panel, double cell);
double svg_col_label_height(const SvgPanel& panel, double cell);
// Font size of the labels of cells `cell` px high: k_svg_font, smaller for small cells.
double svg_label_font(double cell);
// Pixels per cell for square-ish panels of `units` cells, `across` of them side by side: about
// 480 px per panel (less when several sit side by side), between 4 and 24 px.
double svg_cell_size(int units, int across);

// A panel with a title above it and a caption (e.g. a head's statistics) under it.
struct SvgTile {
    SvgPanel panel;
    std::vector<std::string> title;    // first line bold, further lines dim
    std::vector<std::string> caption;  // lines under the cells
};

// A colour bar with its name, in the legend row of a page.
struct SvgLegend {
    std::string label;  // "A and B"
    Colormap map = Colormap::Viridis;
    ValueRange range;
};

// A whole picture: title lines, a warning, a row of colour bars, then the tiles `across` per row
// (the cells of a row's tiles start at the same height and all cells have the same size, so panels
// on the same token axes line up), and an optional text block right of them.
struct SvgPage {
    std::vector<std::string> title;    // first line bold, further lines dim
    std::vector<std::string> warning;  // orange lines under the title, wrapped (svg_wrap)
    std::vector<SvgLegend> legends;
    std::vector<SvgTile> tiles;
    int across = 3;                 // tiles per row
    double cell = 0;                // px per cell; 0 = svg_cell_size of the largest panel
    std::vector<std::string> side;  // text right of the tiles, first line bold (e.g. a top 10)
};

// The SVG of a page. Throws InputError if the tiles hold more than k_svg_max_cells cells.
std::string svg_page(const SvgPage& page);

// [SECTION] Helpers

// The colour of head h in line drawings (matplotlib's tab10 plus two); the app's head view uses it.
Rgb8 head_rgb(int head);

// `text` with & < > " ' escaped for XML, and characters XML 1.0 forbids (controls other than
// tab and newline, invalid UTF-8) replaced with U+FFFD.
std::string xml_escape(std::string_view text);

}  // namespace attnscope
