// The SVG building blocks every view's picture is composed of (core/src/svg_export.cpp): a
// labelled panel at an offset, a colour bar, a text block and a page of panels side by side.
#include <doctest/doctest.h>

#include <regex>
#include <string>
#include <vector>

#include "attnscope/errors.h"
#include "attnscope/svg_export.h"

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
