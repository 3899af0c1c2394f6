// The SVG building blocks every view's picture is composed of (core/src/svg_export.cpp): a
// labelled panel at an offset, a colour bar, a text block and a page of panels side by side; and
// the marks of the user's selection (a token, a head) in them and in the heatmap, grid and head
// view.
#include <doctest/doctest.h>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include "attnscope/errors.h"
#include "attnscope/svg_export.h"
#include "test_util.h"

using namespace attnscope;

namespace {

size_t occurrences(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// The box of the cells of each <g class="panel">: first cell's top-left, last cell's bottom-right.
struct Box {
    double x0, y0, x1, y1;
    size_t cells;
};
std::vector<Box> panel_boxes(const std::string& svg) {
    std::vector<Box> boxes;
    const std::regex rect(
        "<rect class=\"cell\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\" width=\"([0-9.]+)\" "
        "height=\"([0-9.]+)\"");
    for (size_t at = svg.find("<g class=\"panel\""); at != std::string::npos;
         at = svg.find("<g class=\"panel\"", at + 1)) {
        const std::string group = svg.substr(at, svg.find("</g>", at) - at);
        Box b{1e9, 1e9, -1e9, -1e9, 0};
        for (auto it = std::sregex_iterator(group.begin(), group.end(), rect);
             it != std::sregex_iterator(); ++it) {
            const double x = std::stod((*it)[1]), y = std::stod((*it)[2]);
            const double w = std::stod((*it)[3]), h = std::stod((*it)[4]);
            b.x0 = std::min(b.x0, x);
            b.y0 = std::min(b.y0, y);
            b.x1 = std::max(b.x1, x + w);
            b.y1 = std::max(b.y1, y + h);
            ++b.cells;
        }
        boxes.push_back(b);
    }
    return boxes;
}

std::string hex(Rgb8 c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
    return buf;
}

// The boxes of the selection outlines of class `what` ("selected-row", ...), in order; their
// paths are "Mx0 y0Hx1Vy1Hx0Z".
std::vector<Box> outlines(const std::string& svg, const std::string& what) {
    std::vector<Box> boxes;
    const std::regex path("<path class=\"" + what +
                          "\" d=\"M([-0-9.]+) ([-0-9.]+)H([-0-9.]+)V([-0-9.]+)H[-0-9.]+Z\" "
                          "fill=\"none\" stroke=\"#c05000\" stroke-width=\"2\"/>");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), path); it != std::sregex_iterator();
         ++it)
        boxes.push_back({std::stod((*it)[1]), std::stod((*it)[2]), std::stod((*it)[3]),
                         std::stod((*it)[4]), 0});
    return boxes;
}

// Checks a mark's corners against `want` (x0, y0, x1, y1) to the SVG's two decimals.
void check_box(const Box& got, const std::vector<double>& want) {
    const double corners[4] = {got.x0, got.y0, got.x1, got.y1};
    for (size_t i = 0; i < 4; ++i) {
        INFO("corner ", i, ": ", corners[i], " expected ", want[i]);
        CHECK(std::abs(corners[i] - want[i]) < 0.011);
    }
}

// The text of every bold label in the selection's colour.
std::vector<std::string> selected_labels(const std::string& svg) {
    std::vector<std::string> out;
    const std::regex label("<text [^>]*fill=\"#c05000\"[^>]*font-weight=\"bold\"[^>]*>([^<]*)<");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label);
         it != std::sregex_iterator(); ++it)
        out.push_back((*it)[1]);
    return out;
}

// A causal trace of `words` (the first a special token), L x H heads of uniform rows.
AttentionTrace word_trace(const std::vector<std::string>& words, int n_layer, int n_head) {
    AttentionTrace t;
    t.model_name = "hand-made";
    t.causal = true;
    t.n_layer = n_layer;
    t.n_head = n_head;
    t.n_kv_head = n_head;
    t.n_token = int(words.size());
    for (size_t i = 0; i < words.size(); ++i) {
        t.tokens.ids.push_back(int32_t(i));
        t.tokens.tokens.push_back(words[i]);
        t.tokens.texts.push_back(words[i]);
        t.tokens.special.push_back(i == 0 ? 1 : 0);
        t.tokens.spans.push_back({i == 0 ? -1 : 0, 0, 0});
        t.tokens.type_ids.push_back(0);
    }
    test::set_uniform_causal_attention(t);
    return t;
}

}  // namespace

TEST_CASE("svg_panel: one cell per value at the offset, masked cells striped, labels outside") {
    // 2 x 3: the middle of the first row masked.
    const std::vector<float> values = {0.0f, k_masked_value, 1.0f, 0.5f, 0.25f, 0.75f};
    const std::vector<std::string> rows = {"it", "<b>"};
    const std::vector<std::string> cols = {"a", "b", "a very long token label that goes on"};
    const std::vector<uint8_t> styles = {0, 1, 2};
    SvgPanel p;
    p.values = values;
    p.rows = 2;
    p.cols = 3;
    p.map = Colormap::Magma;
    p.range = {0, 1};
    p.row_labels = rows;
    p.col_labels = cols;
    p.label_styles = styles;
    const std::string s = svg_panel(p, 100, 50, 10);
    CHECK(occurrences(s, "<rect ") == 6);
    CHECK(occurrences(s, "url(#masked)") == 1);
    CHECK(occurrences(s, "<g class=\"panel\"") == 1);
    const std::vector<Box> box = panel_boxes(s);
    REQUIRE(box.size() == 1);
    CHECK(std::vector<double>{box[0].x0, box[0].y0, box[0].x1, box[0].y1} ==
          std::vector<double>{100, 50, 130, 70});
    // Colours through the panel's map and range: value 1 is the top of magma.
    CHECK(s.find("fill=\"" + hex(colormap_rgb(Colormap::Magma, 1.0f)) + "\"") != std::string::npos);
    CHECK(s.find("fill=\"" + hex(colormap_rgb(Colormap::Magma, 0.75f)) + "\"") !=
          std::string::npos);
    // Row labels end left of the cells, column labels rotated above; escaped; elided after 24.
    CHECK(s.find("x=\"96\" y=\"55\" text-anchor=\"end\"") != std::string::npos);
    CHECK(s.find("&lt;b&gt;") != std::string::npos);
    CHECK(s.find("translate(105 46) rotate(-90)") != std::string::npos);
    CHECK(s.find("a very long token label \xe2\x80\xa6") == std::string::npos);
    CHECK(s.find("a very long token label\xe2\x80\xa6") != std::string::npos);
    CHECK(s.find("goes on") == std::string::npos);
    // Styles: the second key grey (special), the third red (differs); rows use the same codes.
    CHECK(occurrences(s, "fill=\"#8a8a8a\"") == 2);  // "<b>" (row 1) and "b" (column 1)
    CHECK(occurrences(s, "fill=\"#d03020\"") == 1);  // column 2
    // Labels shrink with the cells so that neighbours do not overlap.
    CHECK(s.find("font-size=\"9\"") != std::string::npos);
    CHECK(svg_label_font(24) == k_svg_font);
    CHECK(svg_label_font(6) == 5);
    CHECK(svg_row_label_width(p, 10) > 0);
    CHECK(svg_col_label_height(p, 10) > svg_row_label_width(p, 10));  // the long key label

    p.upright_col_labels = true;
    const std::string upright = svg_panel(p, 0, 0, 10);
    CHECK(upright.find("rotate(") == std::string::npos);
    CHECK(upright.find("text-anchor=\"middle\"") != std::string::npos);

    p.rows = 3;  // 9 cells for 6 values
    CHECK_THROWS_AS(svg_panel(p, 0, 0, 10), InputError);
}

TEST_CASE("svg_colour_bar, svg_text_block, svg_document") {
    const std::string bar = svg_colour_bar(10, 20, 100, Colormap::RdBu, {-0.5f, 0.5f});
    CHECK(occurrences(bar, "<stop ") == 17);
    CHECK(bar.find("id=\"bar-10-20\"") != std::string::npos);
    CHECK(bar.find("url(#bar-10-20)") != std::string::npos);
    CHECK(bar.find(">-0.50</text>") != std::string::npos);
    CHECK(bar.find(">0.50</text>") != std::string::npos);
    CHECK(bar.find("<rect") == std::string::npos);  // rects are cells only
    // Another position, another gradient id.
    CHECK(svg_colour_bar(10.5, 20, 100, Colormap::RdBu, {0, 1}).find("id=\"bar-10_5-20\"") !=
          std::string::npos);

    const std::vector<std::string> lines = {"Layer 1 & 2", "", "entropy 1.20  dist 3.0"};
    const std::string block = svg_text_block(5, 100, lines, SvgText::Title);
    CHECK(occurrences(block, "<text ") == 2);  // the empty line keeps its space only
    CHECK(block.find("Layer 1 &amp; 2") != std::string::npos);
    CHECK(block.find("font-weight=\"bold\"") != std::string::npos);
    CHECK(block.find("xml:space=\"preserve\"") != std::string::npos);
    CHECK(block.find("y=\"" + std::to_string(int(100 + 2 * k_svg_line + k_svg_font))) !=
          std::string::npos);
    CHECK(svg_text_block(0, 0, lines, SvgText::Warning).find("#b05a00") != std::string::npos);
    CHECK(svg_text_width("abcd", SvgText::Title) > svg_text_width("abcd"));
    // Tabs make columns: the second column starts after the widest first entry, on every line.
    const std::vector<std::string> table = {"1\tL0 H1\t0.900", "10\tL11 H11\t0.100"};
    const std::string cols = svg_text_block(0, 0, table);
    CHECK(occurrences(cols, "<text ") == 6);
    const double second = svg_text_width("10") + 8;
    char at[32];
    std::snprintf(at, sizeof at, "x=\"%g\"", second);
    CHECK(occurrences(cols, at) == 2);
    CHECK(svg_text_block_width(table) ==
          doctest::Approx(svg_text_width("10") + svg_text_width("L11 H11") +
                          svg_text_width("0.900") + 16));
    CHECK(svg_text_width("abcdefgh") > svg_text_width("abcd"));

    const std::string doc = svg_document(300, 200, block);
    CHECK(doc.rfind("<?xml", 0) == 0);
    CHECK(doc.find("viewBox=\"0 0 300 200\"") != std::string::npos);
    CHECK(doc.find("<pattern id=\"masked\"") != std::string::npos);
    CHECK(doc.find(block) != std::string::npos);
    CHECK(doc.substr(doc.size() - 7) == "</svg>\n");
}

TEST_CASE("svg_page: tiles in rows on shared axes, captions, legends and a side block") {
    const int S = 4;
    std::vector<float> values(size_t(S) * S, 0.5f);
    const std::vector<std::string> labels = {"The", "cat", "sat", "."};
    SvgPage page;
    page.title = {"Compare heads", "attention weight"};
    page.legends = {{"A and B", Colormap::Viridis, {0, 1}}, {"A - B", Colormap::RdBu, {-1, 1}}};
    page.across = 3;
    for (int t = 0; t < 5; ++t) {
        SvgTile tile;
        tile.panel.values = values;
        tile.panel.rows = tile.panel.cols = S;
        if (t % 3 == 0) tile.panel.row_labels = labels;  // the first column only
        if (t < 3) tile.panel.col_labels = labels;       // the first row only
        tile.title = {"Layer 0 head " + std::to_string(t)};
        tile.caption = {"entropy 1.00  dist 1.0", "max 0.50  special 0%"};
        page.tiles.push_back(tile);
    }
    page.side = {"Top 10", "1  L0 H1  0.900"};
    const std::string s = svg_page(page);
    CHECK(occurrences(s, "<rect ") == size_t(5) * S * S);
    const std::vector<Box> b = panel_boxes(s);
    REQUIRE(b.size() == 5);
    for (const Box& box : b) CHECK(box.cells == size_t(S) * S);
    const double cell = svg_cell_size(S, 3);
    CHECK(b[0].x1 - b[0].x0 == doctest::Approx(S * cell));
    // A row's cells start at the same height; the second row starts below the first's captions.
    CHECK(b[0].y0 == b[1].y0);
    CHECK(b[1].y0 == b[2].y0);
    CHECK(b[3].y0 == b[4].y0);
    CHECK(b[3].y0 > b[0].y1 + 2 * k_svg_line);
    // Columns line up across rows and do not overlap.
    CHECK(b[3].x0 == b[0].x0);
    CHECK(b[4].x0 == b[1].x0);
    CHECK(b[1].x0 > b[0].x1);
    CHECK(b[2].x0 > b[1].x1);
    // The first column leaves room for the query labels; the first row for the key labels.
    CHECK(b[0].x0 > 8 + 3 * 0.5 * k_svg_font);
    CHECK(occurrences(s, "rotate(-90)") == size_t(3) * S);
    CHECK(occurrences(s, ">entropy 1.00  dist 1.0</text>") == 5);
    CHECK(occurrences(s, "<linearGradient") == 2);
    // The side block sits right of every tile.
    const std::smatch m = [&] {
        std::smatch out;
        std::regex_search(s, out, std::regex("<text x=\"([0-9.]+)\"[^>]*>Top 10</text>"));
        return out;
    }();
    REQUIRE(m.size() == 2);
    CHECK(std::stod(m[1]) > b[2].x1);
    // The page is large enough for all of it.
    std::smatch size;
    REQUIRE(std::regex_search(s, size, std::regex("width=\"([0-9.]+)\" height=\"([0-9.]+)\"")));
    CHECK(std::stod(size[1]) > std::stod(m[1]));
    CHECK(std::stod(size[2]) > b[4].y1 + 2 * k_svg_line);

    // A page too large for an SVG says so.
    std::vector<float> big(1001 * 1001, 0.0f);
    SvgPage huge;
    huge.tiles.resize(1);
    huge.tiles[0].panel.values = big;
    huge.tiles[0].panel.rows = huge.tiles[0].panel.cols = 1001;
    CHECK_THROWS_WITH_AS(svg_page(huge), doctest::Contains("export a PNG"), InputError);
}

TEST_CASE("svg_wrap: lines of at most N characters, broken at spaces") {
    CHECK(svg_wrap("one two three four", 9) ==
          std::vector<std::string>{"one two", "three", "four"});
    CHECK(svg_wrap("one two three four", 100) == std::vector<std::string>{"one two three four"});
    CHECK(svg_wrap("a supercalifragilistic b", 5) ==
          std::vector<std::string>{"a", "supercalifragilistic", "b"});
    CHECK(svg_wrap("\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9", 5).size() == 1);  // characters, not bytes
    CHECK(svg_wrap("", 10) == std::vector<std::string>{""});
}

TEST_CASE("svg_cell_size: about 480 px a panel, less side by side, 4 to 24 px") {
    CHECK(svg_cell_size(10, 1) == 24);
    CHECK(svg_cell_size(40, 1) == 12);
    CHECK(svg_cell_size(40, 3) == 11);  // 1320 px for three panels of 40
    CHECK(svg_cell_size(1000, 1) == 4);
    CHECK(svg_cell_size(0, 0) == 24);
}

TEST_CASE("svg_panel: a selected row, column or cell is outlined and its labels bold") {
    // 3 x 3 at (100, 50), 10 px cells.
    const std::vector<float> values(9, 0.5f);
    const std::vector<std::string> labels = {"The", "animal", "it"};
    SvgPanel p;
    p.values = values;
    p.rows = p.cols = 3;
    p.range = {0, 1};
    p.row_labels = p.col_labels = labels;
    const std::string plain = svg_panel(p, 100, 50, 10);
    CHECK(plain.find("selected-") == std::string::npos);
    CHECK(plain.find("font-weight") == std::string::npos);

    // The row of "it": 1 px outside its cells (100..130 x 70..80), its row label bold.
    p.selected_row = 2;
    std::string s = svg_panel(p, 100, 50, 10);
    std::vector<Box> row = outlines(s, "selected-row");
    REQUIRE(row.size() == 1);
    check_box(row[0], {99, 69, 131, 81});
    CHECK(selected_labels(s) == std::vector<std::string>{"it"});
    CHECK(outlines(s, "selected-col").empty());
    CHECK(occurrences(s, "<rect ") == 9);  // the outline is a path: rects stay cells only
    CHECK(panel_boxes(s).size() == 1);     // and outside the panel's group
    CHECK(panel_boxes(s)[0].cells == 9);
    // A bold label is wider: the label column makes room for the widest one selected.
    SvgPanel unselected = p, widest = p;
    unselected.selected_row.reset();
    widest.selected_row = 1;
    CHECK(svg_row_label_width(p, 10) == svg_row_label_width(unselected, 10));  // bold "it" fits
    CHECK(svg_row_label_width(widest, 10) > svg_row_label_width(unselected, 10));

    // The column of "animal": 110..120 x 50..80, 1 px outside; its key label bold.
    p.selected_row.reset();
    p.selected_col = 1;
    s = svg_panel(p, 100, 50, 10);
    const std::vector<Box> col = outlines(s, "selected-col");
    REQUIRE(col.size() == 1);
    check_box(col[0], {109, 49, 121, 81});
    CHECK(selected_labels(s) == std::vector<std::string>{"animal"});
    CHECK(outlines(s, "selected-row").empty());

    // A cell (a head in a layers x heads map): just inside the cell, its row and column labels
    // bold; upright column labels too.
    p.selected_col.reset();
    p.selected_cell = SvgCell{2, 1};
    p.upright_col_labels = true;
    s = svg_panel(p, 100, 50, 10);
    const std::vector<Box> cell = outlines(s, "selected-cell");
    REQUIRE(cell.size() == 1);
    check_box(cell[0], {111, 71, 119, 79});
    CHECK(selected_labels(s) == std::vector<std::string>{"it", "animal"});

    // A selection outside the panel marks nothing: the SVG is the one without a selection.
    p.upright_col_labels = false;
    p.selected_cell = SvgCell{3, 0};
    p.selected_row = -1;
    p.selected_col = 7;
    CHECK(svg_panel(p, 100, 50, 10) == plain);
}

TEST_CASE("svg_page: the selection marks the tiles it is set on, at their cells") {
    const int S = 4;
    const std::vector<float> values(size_t(S) * S, 0.25f);
    const std::vector<std::string> labels = {"The", "cat", "sat", "."};
    SvgPage page;
    page.across = 2;
    for (int t = 0; t < 2; ++t) {
        SvgTile tile;
        tile.panel.values = values;
        tile.panel.rows = tile.panel.cols = S;
        tile.panel.row_labels = tile.panel.col_labels = labels;
        tile.title = {t == 0 ? "A" : "B"};
        page.tiles.push_back(tile);
    }
    const std::string plain = svg_page(page);
    CHECK(plain.find("selected-") == std::string::npos);

    page.tiles[0].panel.selected_row = 1;  // "cat" in A
    page.tiles[1].panel.selected_row = 1;  // and in B
    const std::string s = svg_page(page);
    const std::vector<Box> cells = panel_boxes(s);
    REQUIRE(cells.size() == 2);
    const std::vector<Box> rows = outlines(s, "selected-row");
    REQUIRE(rows.size() == 2);
    const double cell = (cells[0].x1 - cells[0].x0) / S;
    for (size_t t = 0; t < 2; ++t)
        check_box(rows[t], {cells[t].x0 - 1, cells[t].y0 + cell - 1, cells[t].x1 + 1,
                            cells[t].y0 + 2 * cell + 1});
    CHECK(occurrences(s, "<rect ") == size_t(2) * S * S);
    CHECK(selected_labels(s) == std::vector<std::string>{"cat", "cat"});
}

TEST_CASE("svg_heatmap, svg_head_grid, svg_head_view: the selected token and head are marked") {
    const AttentionTrace tr = word_trace({"<s>", "The", "animal", "was", "tired"}, 2, 3);
    DisplayOptions options;
    const DisplayTrace d = make_display_trace(tr, options);
    const int S = d.n_token;
    REQUIRE(S == 5);

    // Heatmap: the query row of "was" (token 3) outlined around its cells.
    const std::string plain = svg_heatmap(d, 1, 2, SvgMatrix::Head, options);
    CHECK(plain == svg_heatmap(d, 1, 2, SvgMatrix::Head, options, SvgSelection{}));
    CHECK(plain.find("selected-") == std::string::npos);
    SvgSelection selection;
    selection.token = 3;
    std::string heat = svg_heatmap(d, 1, 2, SvgMatrix::Head, options, selection);
    std::vector<Box> cells = panel_boxes(heat);
    REQUIRE(cells.size() == 1);
    const double cell = (cells[0].x1 - cells[0].x0) / S;
    const std::vector<Box> row = outlines(heat, "selected-row");
    REQUIRE(row.size() == 1);
    check_box(row[0], {cells[0].x0 - 1, cells[0].y0 + 3 * cell - 1, cells[0].x1 + 1,
                       cells[0].y0 + 4 * cell + 1});
    CHECK(selected_labels(heat) == std::vector<std::string>{"was"});
    CHECK(occurrences(heat, "<rect ") == size_t(S) * S);
    selection.token = S;  // not a shown token: nothing marked
    CHECK(svg_heatmap(d, 1, 2, SvgMatrix::Head, options, selection) == plain);

    // Grid: head (1, 2) outlined 2 px outside its thumbnail, its labels bold; "was" marked beside
    // every head.
    const std::string grid_plain = svg_head_grid(d, options);
    CHECK(grid_plain.find("selected-") == std::string::npos);
    CHECK(selected_labels(grid_plain).empty());
    selection.token = 3;
    selection.head = SvgCell{1, 2};
    const std::string grid = svg_head_grid(d, options, selection);
    cells = panel_boxes(grid);
    REQUIRE(cells.size() == size_t(d.n_layer) * d.n_head);
    const Box& head = cells[size_t(1) * d.n_head + 2];
    const std::vector<Box> outlined = outlines(grid, "selected-head");
    REQUIRE(outlined.size() == 1);
    check_box(outlined[0], {head.x0 - 2, head.y0 - 2, head.x1 + 2, head.y1 + 2});
    CHECK(selected_labels(grid) == std::vector<std::string>{"H2", "L1"});
    CHECK(occurrences(grid, "<path class=\"selected-token\"") == size_t(d.n_layer) * d.n_head);
    CHECK(occurrences(grid, "<rect ") == size_t(d.n_layer) * d.n_head * S * S);
    selection.token.reset();
    const std::string grid_head_only = svg_head_grid(d, options, selection);
    CHECK(occurrences(grid_head_only, "selected-token") == 0);
    CHECK(outlines(grid_head_only, "selected-head").size() == 1);

    // Head view: the focused query "was" bold on a highlight left of the lines; none without.
    const std::vector<uint8_t> heads(size_t(d.n_head), 1);
    const std::string view_plain = svg_head_view(d, 1, heads, -1, -1, 0.02f, 600);
    CHECK(view_plain.find("selected-token") == std::string::npos);
    const std::string view = svg_head_view(d, 1, heads, 3, -1, 0.005f, 600);
    CHECK(occurrences(view, "<path class=\"selected-token\"") == 1);
    CHECK(selected_labels(view) == std::vector<std::string>{"was"});
    CHECK(occurrences(view, "<rect") == 0);
    // The highlight spans the label (bold), from 4 px left of it to the column's edge, on its row.
    std::smatch m;
    REQUIRE(
        std::regex_search(view, m,
                          std::regex("class=\"selected-token\" d=\"M([0-9.]+) ([0-9.]+)H([0-9.]+)"
                                     "V([0-9.]+)H")));
    std::smatch label;
    REQUIRE(std::regex_search(view, label,
                              std::regex("<text x=\"([0-9.]+)\" y=\"([0-9.]+)\" "
                                         "text-anchor=\"end\" fill=\"#c05000\"")));
    CHECK(std::stod(m[3]) == doctest::Approx(std::stod(label[1]) + 6));
    CHECK(std::stod(m[2]) < std::stod(label[2]));
    CHECK(std::stod(m[4]) > std::stod(label[2]));
    CHECK(std::stod(m[1]) < std::stod(label[1]) - svg_text_width("was"));
}
