// SVG pictures of the attention views. The building blocks (panel, colour bar, text block, page)
// know nothing of attention; the heatmap, grid and head view take their values, colour ranges and
// links from the same analysis.h functions the app's views call, so the picture matches the
// screen. Only the page is white and the labels are real text (selectable, scalable, searchable).
//
// S = shown tokens, L = layers, H = heads.
#include "attnscope/svg_export.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "attnscope/errors.h"
#include "unicode.h"

namespace attnscope {

namespace {

constexpr double k_font = k_svg_font;  // body text size, px
constexpr double k_char_w = 0.62;      // rough advance of a DejaVu Sans character, per px
constexpr double k_bold_w = 1.15;      // bold text is wider
constexpr size_t k_label_chars = 24;   // longer labels are elided
constexpr const char* k_font_family = "DejaVu Sans, Verdana, Arial, sans-serif";
constexpr const char* k_text = "#202020";
constexpr const char* k_dim = "#8a8a8a";
constexpr const char* k_marked = "#d03020";   // a token that differs between two sentences
constexpr const char* k_warning = "#b05a00";  // why a view shows less than usual
// The selection: the app's accent colour (a light orange) is too pale on a white page for text
// and thin outlines, so these use a darker orange; the head view's label highlight keeps the
// accent itself, under the dark text.
constexpr const char* k_focus = "#c05000";
constexpr const char* k_focus_fill = "#ffc83c";
constexpr double k_outline_px = 2.0;  // as thick as the views' selection outlines

// A coordinate or size with at most two decimals and no trailing zeros (smaller files).
std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;
}

std::string hex(Rgb8 c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
    return buf;
}

size_t code_points(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

// At most k_label_chars characters, with an ellipsis when cut.
std::string elide(const std::string& label) {
    const std::string s = unicode::utf8_lossy(label);
    if (code_points(s) <= k_label_chars) return s;
    size_t at = 0;
    for (size_t n = 0; n < k_label_chars - 1; ++n) at += unicode::utf8_len(uint8_t(s[at]));
    return s.substr(0, at) + "\xe2\x80\xa6";
}

// Width of the widest label once elided, at `font` px.
double labels_width(std::span<const std::string> labels, double font) {
    size_t widest = 0;
    for (const std::string& l : labels) widest = std::max(widest, code_points(elide(l)));
    return double(widest) * k_char_w * font;
}

// Width of one label once elided, at `font` px, bold (a selected label is wider).
double bold_label_width(const std::string& label, double font) {
    return double(code_points(elide(label))) * k_char_w * font * k_bold_w;
}

// The widest of `labels`, the `selected` one (if any) counted bold.
double labels_width(std::span<const std::string> labels, double font, std::optional<int> selected) {
    double width = labels_width(labels, font);
    if (selected && *selected >= 0 && size_t(*selected) < labels.size())
        width = std::max(width, bold_label_width(labels[size_t(*selected)], font));
    return width;
}

// The outline of a selection around the box (x0, y0)..(x1, y1), named by its class.
void outline(std::string& out, const char* what, double x0, double y0, double x1, double y1) {
    out += std::string("<path class=\"") + what + "\" d=\"M" + num(x0) + " " + num(y0) + "H" +
           num(x1) + "V" + num(y1) + "H" + num(x0) + "Z\" fill=\"none\" stroke=\"" + k_focus +
           "\" stroke-width=\"" + num(k_outline_px) + "\"/>\n";
}

// The head view's focused token: a highlight behind its label (the screen's, at about the same
// strength on white).
void highlight(std::string& out, double x0, double y0, double x1, double y1) {
    out += "<path class=\"selected-token\" d=\"M" + num(x0) + " " + num(y0) + "H" + num(x1) + "V" +
           num(y1) + "H" + num(x0) + "Z\" fill=\"" + k_focus_fill + "\" fill-opacity=\"0.5\"/>\n";
}

constexpr const char* k_bold = " font-weight=\"bold\"";

bool in_range(std::optional<int> i, int n) {
    return i && *i >= 0 && *i < n;
}

// The panel's selected row (or the row of its selected cell), if any; the same for columns.
std::optional<int> selected_row_of(const SvgPanel& p) {
    return p.selected_row    ? p.selected_row
           : p.selected_cell ? std::optional<int>(p.selected_cell->row)
                             : std::nullopt;
}
std::optional<int> selected_col_of(const SvgPanel& p) {
    return p.selected_col    ? p.selected_col
           : p.selected_cell ? std::optional<int>(p.selected_cell->col)
                             : std::nullopt;
}

void text(std::string& out, double x, double y, std::string_view s, const char* anchor,
          const char* color, const std::string& extra = {}) {
    out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor +
           "\" fill=\"" + color + "\"" + extra + ">" + xml_escape(s) + "</text>\n";
}

const char* label_color(std::span<const uint8_t> styles, int i) {
    const uint8_t style = size_t(i) < styles.size() ? styles[size_t(i)] : 0;
    return style == uint8_t(SvgLabel::Marked) ? k_marked
           : style == uint8_t(SvgLabel::Dim)  ? k_dim
                                              : k_text;
}

void require_layer_head(const DisplayTrace& d, int layer, int head) {
    if (layer < 0 || layer >= d.n_layer || head < 0 || head >= d.n_head)
        throw InputError("layer " + std::to_string(layer) + ", head " + std::to_string(head) +
                         " is out of range: the trace has " + std::to_string(d.n_layer) +
                         " layers x " + std::to_string(d.n_head) + " heads");
}

void require_cells(size_t n, const char* what) {
    if (n > k_svg_max_cells)
        throw InputError(std::string("an SVG of ") + what + " would have " + std::to_string(n) +
                         " cells (at most " + std::to_string(k_svg_max_cells) +
                         "): export a PNG, or show fewer tokens");
}

// The lines of a text block split at tabs into columns, and each column's width.
constexpr double k_column_gap = 8;
struct Columns {
    std::vector<std::vector<std::string>> cells;  // [line][column]
    std::vector<double> width;                    // [column] its widest entry
    double total() const {
        double w = 0;
        for (double c : width) w += c + k_column_gap;
        return width.empty() ? 0 : w - k_column_gap;
    }
};
Columns split_columns(std::span<const std::string> lines, SvgText style) {
    Columns out;
    for (const std::string& line : lines) {
        std::vector<std::string> row;
        for (size_t at = 0;;) {
            const size_t tab = line.find('\t', at);
            row.push_back(line.substr(at, tab == std::string::npos ? tab : tab - at));
            if (tab == std::string::npos) break;
            at = tab + 1;
        }
        for (size_t c = 0; c < row.size(); ++c) {
            if (out.width.size() <= c) out.width.push_back(0.0);
            out.width[c] = std::max(out.width[c], svg_text_width(row[c], style));
        }
        out.cells.push_back(std::move(row));
    }
    return out;
}

// A title block: the first line bold, the others dim.
std::string title_block(double x, double y, std::span<const std::string> lines) {
    if (lines.empty()) return {};
    return svg_text_block(x, y, lines.first(1), SvgText::Title) +
           svg_text_block(x, y + k_svg_line, lines.subspan(1), SvgText::Dim);
}

double title_block_width(std::span<const std::string> lines) {
    if (lines.empty()) return 0;
    return std::max(svg_text_block_width(lines.first(1), SvgText::Title),
                    svg_text_block_width(lines.subspan(1), SvgText::Dim));
}

}  // namespace

// [SECTION] Building blocks

std::string svg_document(double width, double height, std::string_view body) {
    std::string out;
    out.reserve(body.size() + 1024);
    out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(width) +
           "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
           "\" font-family=\"" + k_font_family + "\" font-size=\"" + num(k_font) + "\">\n";
    // The stripes of masked cells: two greys, as the app draws them (paths, not rects, so that
    // counting <rect> counts cells).
    out +=
        "<defs><pattern id=\"masked\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
        "patternTransform=\"rotate(45)\"><path d=\"M0 0H6V6H0Z\" fill=\"" +
        hex(k_masked_light) + "\"/><path d=\"M0 0H3V6H0Z\" fill=\"" + hex(k_masked_dark) +
        "\"/></pattern></defs>\n";
    out += "<path d=\"M0 0H" + num(width) + "V" + num(height) + "H0Z\" fill=\"#ffffff\"/>\n";
    out += body;
    out += "</svg>\n";
    return out;
}

std::string svg_text_block(double x, double y, std::span<const std::string> lines, SvgText style) {
    const char* color = style == SvgText::Dim       ? k_dim
                        : style == SvgText::Warning ? k_warning
                                                    : k_text;
    // Runs of spaces separate numbers ("entropy 1.23  dist 2.4"): keep them.
    const std::string extra = std::string(" xml:space=\"preserve\"") +
                              (style == SvgText::Title ? " font-weight=\"bold\"" : "");
    const Columns table = split_columns(lines, style);
    std::string out;
    for (size_t i = 0; i < table.cells.size(); ++i) {
        double cx = x;
        for (size_t c = 0; c < table.cells[i].size(); ++c) {
            const std::string& cell = table.cells[i][c];
            if (!cell.empty())  // an empty line keeps its space, with no element
                text(out, cx, y + double(i) * k_svg_line + k_font, cell, "start", color, extra);
            cx += table.width[c] + k_column_gap;
        }
    }
    return out;
}

double svg_text_width(std::string_view line, SvgText style) {
    return double(code_points(line)) * k_char_w * k_font *
               (style == SvgText::Title ? k_bold_w : 1.0) +
           4.0;
}

std::vector<std::string> svg_wrap(std::string_view text, size_t max_chars) {
    std::vector<std::string> lines;
    std::string line;
    size_t at = 0;
    while (at < text.size()) {
        const size_t space = text.find(' ', at);
        const std::string_view word =
            text.substr(at, space == std::string_view::npos ? std::string_view::npos : space - at);
        at = space == std::string_view::npos ? text.size() : space + 1;
        if (word.empty()) continue;
        if (!line.empty() && code_points(line) + 1 + code_points(word) > max_chars) {
            lines.push_back(std::move(line));
            line.clear();
        }
        if (!line.empty()) line += ' ';
        line += word;
    }
    if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
    return lines;
}

double svg_text_block_width(std::span<const std::string> lines, SvgText style) {
    return split_columns(lines, style).total();
}

std::string svg_colour_bar(double x, double y, double width, Colormap map, ValueRange range) {
    std::string id = "bar-" + num(x) + "-" + num(y);
    std::replace(id.begin(), id.end(), '.', '_');
    std::string out =
        "<defs><linearGradient id=\"" + id + "\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">";
    constexpr int k_stops = 16;
    for (int s = 0; s <= k_stops; ++s) {
        const float t = float(s) / k_stops;
        out += "<stop offset=\"" + num(t) + "\" stop-color=\"" + hex(colormap_rgb(map, t)) + "\"/>";
    }
    out += "</linearGradient></defs>\n";
    out += "<path d=\"M" + num(x) + " " + num(y) + "h" + num(width) + "v10h-" + num(width) +
           "Z\" fill=\"url(#" + id + ")\"/>\n";
    char lo[32], hi[32];
    std::snprintf(lo, sizeof lo, "%.2f", range.lo);
    std::snprintf(hi, sizeof hi, "%.2f", range.hi);
    text(out, x, y + 10 + k_font + 2, lo, "start", k_text);
    text(out, x + width, y + 10 + k_font + 2, hi, "end", k_text);
    return out;
}

double svg_label_font(double cell) {
    // Labels one per cell never overlap their neighbours; below 3 px they are there for zooming.
    return std::min(k_font, std::max(3.0, cell - 1.0));
}

double svg_cell_size(int units, int across) {
    units = std::max(units, 1);
    across = std::max(across, 1);
    const double cell = std::floor(std::min(480.0 / units, 1320.0 / (double(across) * units)));
    return std::clamp(cell, 4.0, 24.0);
}

double svg_row_label_width(const SvgPanel& p, double cell) {
    return p.row_labels.empty()
               ? 0.0
               : labels_width(p.row_labels, svg_label_font(cell), selected_row_of(p)) + 8.0;
}

double svg_col_label_height(const SvgPanel& p, double cell) {
    if (p.col_labels.empty()) return 0.0;
    const double font = svg_label_font(cell);
    return p.upright_col_labels ? font + 6.0
                                : labels_width(p.col_labels, font, selected_col_of(p)) + 8.0;
}

std::string svg_panel(const SvgPanel& p, double x, double y, double cell) {
    if (p.values.size() != size_t(p.rows) * size_t(p.cols))
        throw InputError("an SVG panel of " + std::to_string(p.rows) + " x " +
                         std::to_string(p.cols) + " cells got " + std::to_string(p.values.size()) +
                         " values");
    std::string out;
    out.reserve(size_t(p.rows) * p.cols * 90 + 256);
    out += "<g class=\"panel\" shape-rendering=\"crispEdges\">\n";
    for (int i = 0; i < p.rows; ++i)
        for (int j = 0; j < p.cols; ++j) {
            const float v = p.values[size_t(i) * p.cols + j];
            const std::string fill = is_masked_value(v)
                                         ? "url(#masked)"
                                         : hex(colormap_rgb(p.map, normalise(v, p.range)));
            out += "<rect class=\"cell\" x=\"" + num(x + j * cell) + "\" y=\"" + num(y + i * cell) +
                   "\" width=\"" + num(cell) + "\" height=\"" + num(cell) + "\" fill=\"" + fill +
                   "\"/>\n";
        }
    out += "</g>\n";
    // The selection over the cells (outside the group, which holds cells only).
    if (in_range(p.selected_row, p.rows)) {
        const int i = *p.selected_row;
        outline(out, "selected-row", x - 1, y + i * cell - 1, x + p.cols * cell + 1,
                y + (i + 1) * cell + 1);
    }
    if (in_range(p.selected_col, p.cols)) {
        const int j = *p.selected_col;
        outline(out, "selected-col", x + j * cell - 1, y - 1, x + (j + 1) * cell + 1,
                y + p.rows * cell + 1);
    }
    if (p.selected_cell && in_range(p.selected_cell->row, p.rows) &&
        in_range(p.selected_cell->col, p.cols)) {
        const int i = p.selected_cell->row, j = p.selected_cell->col;
        outline(out, "selected-cell", x + j * cell + 1, y + i * cell + 1, x + (j + 1) * cell - 1,
                y + (i + 1) * cell - 1);
    }
    const std::optional<int> label_row = selected_row_of(p), label_col = selected_col_of(p);
    const double font = svg_label_font(cell);
    const std::string size = font == k_font ? "" : " font-size=\"" + num(font) + "\"";
    const std::string central = " dominant-baseline=\"central\"" + size;
    for (int i = 0; i < int(p.row_labels.size()) && i < p.rows; ++i) {
        const bool selected = label_row == i;
        text(out, x - 4, y + (i + 0.5) * cell, elide(p.row_labels[size_t(i)]), "end",
             selected ? k_focus : label_color(p.label_styles, i),
             selected ? central + k_bold : central);
    }
    for (int j = 0; j < int(p.col_labels.size()) && j < p.cols; ++j) {
        const std::string label = elide(p.col_labels[size_t(j)]);
        const double cx = x + (j + 0.5) * cell;
        const bool selected = label_col == j;
        const char* color = selected ? k_focus : label_color(p.label_styles, j);
        const std::string bold = selected ? k_bold : "";
        if (p.upright_col_labels) {
            text(out, cx, y - 4, label, "middle", color, size + bold);
        } else {  // rotated, reading upwards from just above the column
            text(out, 0, 0, label, "start", color,
                 central + bold + " transform=\"translate(" + num(cx) + " " + num(y - 4) +
                     ") rotate(-90)\"");
        }
    }
    return out;
}

std::string svg_page(const SvgPage& page) {
    const int n = int(page.tiles.size());
    size_t n_cells = 0;
    int units = 1;
    for (const SvgTile& t : page.tiles) {
        n_cells += size_t(t.panel.rows) * size_t(t.panel.cols);
        units = std::max({units, t.panel.rows, t.panel.cols});
    }
    require_cells(n_cells, "this view");
    const int across = std::clamp(page.across, 1, std::max(n, 1));
    const double cell = page.cell > 0 ? page.cell : svg_cell_size(units, across);
    const double margin = 8, gap = 18;
    std::string body;
    double y = margin, width = 0;

    // Header: title, warning, then the colour bars in one row.
    body += title_block(margin, y, page.title);
    width = std::max(width, title_block_width(page.title));
    y += double(page.title.size()) * k_svg_line;
    std::vector<std::string> warning;  // the screen wraps it; a page ~110 characters wide does too
    for (const std::string& w : page.warning)
        for (std::string& line : svg_wrap(w, 110)) warning.push_back(std::move(line));
    body += svg_text_block(margin, y, warning, SvgText::Warning);
    width = std::max(width, svg_text_block_width(warning, SvgText::Warning));
    y += double(warning.size()) * k_svg_line;
    if (!page.legends.empty()) {
        y += 8;
        double x = margin;
        constexpr double k_bar_w = 120;
        for (const SvgLegend& l : page.legends) {
            text(body, x, y + 5, l.label, "start", k_dim, " dominant-baseline=\"central\"");
            x += svg_text_width(l.label, SvgText::Dim) + 4;
            body += svg_colour_bar(x, y, k_bar_w, l.map, l.range);
            x += k_bar_w + 24;
        }
        width = std::max(width, x);
        y += k_svg_bar_height;
    }
    y += 10;
    const double tiles_top = y;

    // Columns: as wide as their widest tile; the cells of a column start at the same x.
    std::vector<double> left(size_t(across), 0.0), col_w(size_t(across), 0.0);
    for (int i = 0; i < n; ++i) {
        const SvgTile& t = page.tiles[size_t(i)];
        left[size_t(i % across)] =
            std::max(left[size_t(i % across)], svg_row_label_width(t.panel, cell));
    }
    for (int i = 0; i < n; ++i) {
        const SvgTile& t = page.tiles[size_t(i)];
        double w = t.panel.cols * cell;
        w = std::max(w, title_block_width(t.title));
        w = std::max(w, svg_text_block_width(t.caption));
        col_w[size_t(i % across)] = std::max(col_w[size_t(i % across)], w);
    }
    std::vector<double> col_x(size_t(across), margin);
    for (int c = 1; c < across; ++c)
        col_x[size_t(c)] = col_x[size_t(c - 1)] + left[size_t(c - 1)] + col_w[size_t(c - 1)] + gap;
    const double tiles_right = n > 0 ? col_x.back() + left.back() + col_w.back() : margin;
    width = std::max(width, tiles_right);

    // Rows: every tile of a row has its cells at the same height.
    for (int r0 = 0; r0 < n; r0 += across) {
        const int r1 = std::min(n, r0 + across);
        double title_h = 0, top = 0, cells_h = 0, caption_h = 0;
        for (int i = r0; i < r1; ++i) {
            const SvgTile& t = page.tiles[size_t(i)];
            title_h = std::max(title_h, double(t.title.size()) * k_svg_line);
            top = std::max(top, svg_col_label_height(t.panel, cell));
            cells_h = std::max(cells_h, t.panel.rows * cell);
            if (!t.caption.empty())
                caption_h = std::max(caption_h, 4 + double(t.caption.size()) * k_svg_line);
        }
        const double cells_y = y + title_h + top;
        for (int i = r0; i < r1; ++i) {
            const SvgTile& t = page.tiles[size_t(i)];
            const double x = col_x[size_t(i % across)] + left[size_t(i % across)];
            body += title_block(x, y, t.title);
            body += svg_panel(t.panel, x, cells_y, cell);
            body += svg_text_block(x, cells_y + t.panel.rows * cell + 4, t.caption);
        }
        y = cells_y + cells_h + caption_h + gap;
    }
    double height = y - gap + margin;

    if (!page.side.empty()) {
        const double x = tiles_right + 28;
        body += svg_text_block(x, tiles_top, std::span(page.side).first(1), SvgText::Title);
        body += svg_text_block(x, tiles_top + k_svg_line, std::span(page.side).subspan(1));
        const double w =
            std::max(svg_text_block_width(std::span(page.side).first(1), SvgText::Title),
                     svg_text_block_width(std::span(page.side).subspan(1)));
        width = std::max(width, x + w);
        height = std::max(height, tiles_top + double(page.side.size()) * k_svg_line + margin);
    }
    return svg_document(std::ceil(width + margin), std::ceil(height), body);
}

// [SECTION] Helpers

Rgb8 head_rgb(int head) {
    // matplotlib's tab10 plus two: readable on dark and light backgrounds, distinct side by side.
    static constexpr Rgb8 k_palette[] = {
        {31, 119, 180},  {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
        {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {160, 160, 160},
        {188, 189, 34},  {23, 190, 207}, {255, 215, 0},   {0, 200, 140},
    };
    constexpr int n = int(sizeof(k_palette) / sizeof(k_palette[0]));
    return k_palette[((head % n) + n) % n];
}

std::string xml_escape(std::string_view raw) {
    const std::string s = unicode::utf8_lossy(raw);
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        const unicode::Utf8Char c = unicode::decode_utf8(s, i);
        switch (c.cp) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                // XML 1.0 allows tab, newline, carriage return and U+0020..U+D7FF, U+E000..U+FFFD,
                // U+10000..: anything else cannot appear even escaped.
                if ((c.cp < 0x20 && c.cp != '\t' && c.cp != '\n' && c.cp != '\r') ||
                    c.cp == 0xFFFE || c.cp == 0xFFFF) {
                    out += "\xef\xbf\xbd";
                } else {
                    out.append(s, i, c.len);
                }
        }
        i += c.len;
    }
    return out;
}

// [SECTION] The heatmap, the grid of heads and the head view

std::string svg_heatmap(const DisplayTrace& d, int layer, int head, SvgMatrix what,
                        const DisplayOptions& options, const SvgSelection& selection) {
    require_layer_head(d, layer, head);
    const int S = d.n_token;
    require_cells(size_t(S) * S, "a heatmap");
    std::vector<float> values(d.ss());
    ValueRange range;
    Colormap map = options.colormap;
    std::string title = "Layer " + d.layer_labels[size_t(layer)];
    switch (what) {
        case SvgMatrix::Head:
            apply_mask(values, d.weights_of(layer, head), d.mask);
            range = weight_range(options.scale, d.max_of(layer, head));
            title += ", head " + d.head_labels[size_t(head)];
            break;
        case SvgMatrix::LayerMean:
            apply_mask(values, d.layer_mean_of(layer), d.mask);
            range = weight_range(options.scale, max_value(d.layer_mean_of(layer), d.mask));
            title += ", mean of all heads";
            break;
        case SvgMatrix::HeadMinusMean:
            difference(values, d.weights_of(layer, head), d.layer_mean_of(layer), d.mask);
            range = difference_range(max_abs_value(values, d.mask));
            map = options.diverging;
            title += ", head " + d.head_labels[size_t(head)] + " minus the layer mean";
            break;
    }
    SvgPanel panel;
    panel.values = values;
    panel.rows = panel.cols = S;
    panel.map = map;
    panel.range = range;
    panel.row_labels = panel.col_labels = d.labels;
    panel.label_styles = d.special;
    if (in_range(selection.token, S)) panel.selected_row = selection.token;
    const double cell = svg_cell_size(S, 1);
    // The corner left of the key labels and above the query labels names the axes.
    const std::vector<std::string> axes = {"query \xe2\x86\x93", "key \xe2\x86\x92"};
    const double left = std::max(svg_row_label_width(panel, cell), svg_text_width(axes[0]) + 8);
    const double top = std::max(svg_col_label_height(panel, cell), 2 * k_svg_line + 4);
    const double margin = 8, title_h = 2 * k_svg_line;
    const double x0 = margin + left, y0 = margin + title_h + top;
    const double width =
        std::max({x0 + S * cell + 16, 260.0, svg_text_width(title, SvgText::Title) + 16});
    const double height = y0 + S * cell + 10 + k_svg_bar_height + margin;
    std::string body = svg_text_block(margin, margin, std::span(&title, 1), SvgText::Title);
    body += svg_text_block(margin, margin + title_h, axes, SvgText::Dim);
    body += svg_panel(panel, x0, y0, cell);
    body += svg_colour_bar(x0, y0 + S * cell + 10, std::min(160.0, std::max(80.0, S * cell)), map,
                           range);
    return svg_document(width, height, body);
}

std::string svg_head_grid(const DisplayTrace& d, const DisplayOptions& options,
                          const SvgSelection& selection) {
    const int L = d.n_layer, H = d.n_head, S = d.n_token;
    require_cells(size_t(L) * H * S * S, "the grid of heads");
    const double cell = S > 0 ? std::max(0.5, std::floor(64.0 / S * 4) / 4) : 1.0;
    const double thumb = cell * S, gap = 8, label_w = 5 * k_char_w * k_font + 8;
    const double header_h = k_font * 3.6;
    const std::string title = "Every head: rows are layers, columns heads (queries x keys each)";
    const double width =
        std::max(label_w + H * (thumb + gap) + 8, svg_text_width(title, SvgText::Title) + 16);
    const double height = header_h + L * (thumb + gap) + 8;
    std::string body;
    body.reserve(size_t(L) * H * S * S * 90 + 4096);
    body += svg_text_block(8, 8, std::span(&title, 1), SvgText::Title);
    // The selected head: outlined, its layer and head labels bold (the screen dims the others).
    const bool has_head =
        selection.head && in_range(selection.head->row, L) && in_range(selection.head->col, H);
    const int head_l = has_head ? selection.head->row : -1;
    const int head_h = has_head ? selection.head->col : -1;
    const int token_row = in_range(selection.token, S) ? *selection.token : -1;
    for (int h = 0; h < H; ++h)
        text(body, label_w + h * (thumb + gap) + thumb / 2, header_h - 6,
             "H" + d.head_labels[size_t(h)], "middle", h == head_h ? k_focus : k_text,
             h == head_h ? k_bold : "");
    std::vector<float> values(d.ss());
    for (int l = 0; l < L; ++l) {
        const double y = header_h + l * (thumb + gap);
        text(body, 4, y + thumb / 2, "L" + d.layer_labels[size_t(l)], "start",
             l == head_l ? k_focus : k_text,
             std::string(" dominant-baseline=\"central\"") + (l == head_l ? k_bold : ""));
        for (int h = 0; h < H; ++h) {
            apply_mask(values, d.weights_of(l, h), d.mask);
            SvgPanel panel;
            panel.values = values;
            panel.rows = panel.cols = S;
            panel.map = options.colormap;
            panel.range = weight_range(options.scale, d.max_of(l, h));
            const double x = label_w + h * (thumb + gap);
            body += svg_panel(panel, x, y, cell);
            if (token_row >= 0) {  // a small triangle pointing at the token's row
                const double ry = y + (token_row + 0.5) * cell;
                body += "<path class=\"selected-token\" d=\"M" + num(x - 5) + " " + num(ry - 3) +
                        "V" + num(ry + 3) + "L" + num(x - 1) + " " + num(ry) + "Z\" fill=\"" +
                        k_focus + "\"/>\n";
            }
            if (l == head_l && h == head_h)
                outline(body, "selected-head", x - 2, y - 2, x + thumb + 2, y + thumb + 2);
        }
    }
    return svg_document(width, height, body);
}

std::string svg_head_view(const DisplayTrace& d, int layer, std::span<const uint8_t> heads,
                          int query, int key, float min_weight, size_t max_links) {
    require_layer_head(d, layer, 0);
    const int S = d.n_token;
    const std::vector<Link> links =
        strongest_links(d, layer, heads, query, key, min_weight, max_links);
    // A focused label is bold, and wider: its column makes room for it.
    double widest = labels_width(d.labels, k_font);
    for (int focus : {query, key})
        if (focus >= 0 && focus < S)
            widest = std::max(widest, bold_label_width(d.labels[size_t(focus)], k_font));
    const double row_h = k_font + 7, col_w = widest + 16, gap = 260;
    const double header_h = k_font * 4.2;
    const double left_end = 8 + col_w, right_start = left_end + gap;
    const double width = right_start + col_w + 8;
    const double height = header_h + S * row_h + 12;
    std::string body;
    body.reserve(links.size() * 160 + size_t(S) * 200 + 4096);
    text(body, 8, k_font * 1.4,
         "Layer " + d.layer_labels[size_t(layer)] + ": query \xe2\x86\x92 key", "start", k_text,
         " font-weight=\"bold\"");
    // Legend: one coloured dot per head shown.
    double lx = 8;
    for (int h = 0; h < d.n_head; ++h) {
        if (h >= int(heads.size()) || !heads[size_t(h)]) continue;
        body += "<circle cx=\"" + num(lx + 4) + "\" cy=\"" + num(k_font * 2.9) +
                "\" r=\"4\" fill=\"" + hex(head_rgb(h)) + "\"/>\n";
        text(body, lx + 11, k_font * 2.9, "head " + d.head_labels[size_t(h)], "start", k_text,
             " dominant-baseline=\"central\"");
        lx += 11 + (5 + d.head_labels[size_t(h)].size()) * k_char_w * k_font + 10;
    }
    const bool focused = query >= 0 || key >= 0;
    const double y0 = header_h + row_h / 2;
    body += "<g stroke-linecap=\"round\" stroke-width=\"" + num(focused ? 2.0 : 1.0) + "\">\n";
    for (auto it = links.rbegin(); it != links.rend(); ++it)  // weakest first: strong on top
        body += "<line x1=\"" + num(left_end + 4) + "\" y1=\"" + num(y0 + it->query * row_h) +
                "\" x2=\"" + num(right_start - 4) + "\" y2=\"" + num(y0 + it->key * row_h) +
                "\" stroke=\"" + hex(head_rgb(it->head)) + "\" stroke-opacity=\"" +
                num(std::min(1.0f, it->weight)) + "\"/>\n";
    body += "</g>\n";
    for (int s = 0; s < S; ++s) {
        const double y = y0 + s * row_h;
        const char* color = d.special[size_t(s)] ? k_dim : k_text;
        const std::string label = elide(d.labels[size_t(s)]);
        const std::string weight = " dominant-baseline=\"central\"";
        // The focused token sits on a highlight, as on screen (paths: rects are cells only).
        const double highlight_w = bold_label_width(d.labels[size_t(s)], k_font) + 10;
        const double top = y - row_h / 2 + 1, bottom = y + row_h / 2 - 1;
        if (s == query) highlight(body, left_end - highlight_w, top, left_end, bottom);
        if (s == key) highlight(body, right_start, top, right_start + highlight_w, bottom);
        text(body, left_end - 6, y, label, "end", s == query ? k_focus : color,
             s == query ? weight + k_bold : weight);
        text(body, right_start + 6, y, label, "start", s == key ? k_focus : color,
             s == key ? weight + k_bold : weight);
    }
    return svg_document(width, height, body);
}

}  // namespace attnscope
