// SVG pictures of the heatmap, the grid of heads and the head view. The values, colour ranges and
// links come from the same analysis.h functions the app's views call, so the picture matches the
// screen; only the page is white and the labels are real text (selectable, scalable, searchable).
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

constexpr double k_font = 11.0;             // label font size, px
constexpr double k_char_w = 0.62 * k_font;  // rough advance of a DejaVu Sans character
constexpr size_t k_label_chars = 24;        // longer labels are elided
constexpr const char* k_font_family = "DejaVu Sans, Verdana, Arial, sans-serif";
constexpr const char* k_text = "#202020";
constexpr const char* k_dim = "#8a8a8a";

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

// Width of a bold title line, with room to spare (no font metrics here).
double title_width(std::string_view title) {
    return double(code_points(title)) * k_char_w * 1.15 + 16.0;
}

double label_width(const DisplayTrace& d) {
    size_t widest = 5;  // "query"
    for (const std::string& l : d.labels) widest = std::max(widest, code_points(elide(l)));
    return double(widest) * k_char_w + 8.0;
}

void open_svg(std::string& out, double width, double height) {
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
}

void text(std::string& out, double x, double y, std::string_view s, const char* anchor,
          const char* color, const std::string& extra = {}) {
    out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor +
           "\" fill=\"" + color + "\"" + extra + ">" + xml_escape(s) + "</text>\n";
}

// One matrix of S x S cells at (x0, y0).
void cells(std::string& out, std::span<const float> values, const DisplayTrace& d, double x0,
           double y0, double cell, Colormap map, ValueRange range) {
    const int S = d.n_token;
    out += "<g shape-rendering=\"crispEdges\">\n";
    for (int i = 0; i < S; ++i)
        for (int j = 0; j < S; ++j) {
            const float v = values[size_t(i) * S + j];
            const std::string fill =
                d.masked(i, j) ? "url(#masked)" : hex(colormap_rgb(map, normalise(v, range)));
            out += "<rect class=\"cell\" x=\"" + num(x0 + j * cell) + "\" y=\"" +
                   num(y0 + i * cell) + "\" width=\"" + num(cell) + "\" height=\"" + num(cell) +
                   "\" fill=\"" + fill + "\"/>\n";
        }
    out += "</g>\n";
}

// A horizontal colour bar (a gradient-filled path) with its range below.
void colour_bar(std::string& out, double x, double y, double w, Colormap map, ValueRange range) {
    out += "<defs><linearGradient id=\"bar\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">";
    constexpr int k_stops = 16;
    for (int s = 0; s <= k_stops; ++s) {
        const float t = float(s) / k_stops;
        out += "<stop offset=\"" + num(t) + "\" stop-color=\"" + hex(colormap_rgb(map, t)) + "\"/>";
    }
    out += "</linearGradient></defs>\n";
    out += "<path d=\"M" + num(x) + " " + num(y) + "h" + num(w) + "v10h-" + num(w) +
           "Z\" fill=\"url(#bar)\"/>\n";
    char lo[32], hi[32];
    std::snprintf(lo, sizeof lo, "%.2f", range.lo);
    std::snprintf(hi, sizeof hi, "%.2f", range.hi);
    text(out, x, y + 10 + k_font + 2, lo, "start", k_text);
    text(out, x + w, y + 10 + k_font + 2, hi, "end", k_text);
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

}  // namespace

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

std::string svg_heatmap(const DisplayTrace& d, int layer, int head, SvgMatrix what,
                        const DisplayOptions& options) {
    require_layer_head(d, layer, head);
    const int S = d.n_token;
    require_cells(size_t(S) * S, "a heatmap");
    std::vector<float> values(d.ss());
    ValueRange range;
    Colormap map = options.colormap;
    std::string title = "Layer " + d.layer_labels[size_t(layer)];
    switch (what) {
        case SvgMatrix::Head:
            values.assign(d.weights_of(layer, head).begin(), d.weights_of(layer, head).end());
            range = weight_range(options.scale, d.max_of(layer, head));
            title += ", head " + d.head_labels[size_t(head)];
            break;
        case SvgMatrix::LayerMean:
            values.assign(d.layer_mean_of(layer).begin(), d.layer_mean_of(layer).end());
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
    const double cell = std::clamp(std::floor(480.0 / std::max(S, 1)), 4.0, 24.0);
    const double label_w = label_width(d);
    const double title_h = k_font * 2.2;
    const double x0 = 8 + label_w, y0 = title_h + label_w;
    const double width = std::max({x0 + S * cell + 16, 260.0, title_width(title)});
    const double height = y0 + S * cell + 48;
    std::string out;
    out.reserve(size_t(S) * S * 90 + 4096);
    open_svg(out, width, height);
    text(out, 8, k_font * 1.4, title, "start", k_text, " font-weight=\"bold\"");
    cells(out, values, d, x0, y0, cell, map, range);
    // Token labels: queries left of their rows, keys above their columns (rotated).
    for (int i = 0; i < S; ++i) {
        const char* color = d.special[size_t(i)] ? k_dim : k_text;
        const std::string label = elide(d.labels[size_t(i)]);
        text(out, x0 - 4, y0 + (i + 0.5) * cell, label, "end", color,
             " dominant-baseline=\"central\"");
        const double x = x0 + (i + 0.5) * cell, y = y0 - 4;
        text(out, 0, 0, label, "start", color,
             " dominant-baseline=\"central\" transform=\"translate(" + num(x) + " " + num(y) +
                 ") rotate(-90)\"");
    }
    text(out, 8, title_h + k_font, "query \xe2\x86\x93", "start", k_dim);
    text(out, 8, title_h + 2.4 * k_font, "key \xe2\x86\x92", "start", k_dim);
    colour_bar(out, x0, y0 + S * cell + 10, std::min(160.0, std::max(80.0, S * cell)), map, range);
    out += "</svg>\n";
    return out;
}

std::string svg_head_grid(const DisplayTrace& d, const DisplayOptions& options) {
    const int L = d.n_layer, H = d.n_head, S = d.n_token;
    require_cells(size_t(L) * H * S * S, "the grid of heads");
    const double cell = S > 0 ? std::max(0.5, std::floor(64.0 / S * 4) / 4) : 1.0;
    const double thumb = cell * S, gap = 8, label_w = 5 * k_char_w + 8, header_h = k_font * 3.6;
    const std::string title = "Every head: rows are layers, columns heads (queries x keys each)";
    const double width = std::max(label_w + H * (thumb + gap) + 8, title_width(title));
    const double height = header_h + L * (thumb + gap) + 8;
    std::string out;
    out.reserve(size_t(L) * H * S * S * 90 + 4096);
    open_svg(out, width, height);
    text(out, 8, k_font * 1.4, title, "start", k_text, " font-weight=\"bold\"");
    for (int h = 0; h < H; ++h)
        text(out, label_w + h * (thumb + gap) + thumb / 2, header_h - 6,
             "H" + d.head_labels[size_t(h)], "middle", k_text);
    for (int l = 0; l < L; ++l) {
        const double y = header_h + l * (thumb + gap);
        text(out, 4, y + thumb / 2, "L" + d.layer_labels[size_t(l)], "start", k_text,
             " dominant-baseline=\"central\"");
        for (int h = 0; h < H; ++h)
            cells(out, d.weights_of(l, h), d, label_w + h * (thumb + gap), y, cell,
                  options.colormap, weight_range(options.scale, d.max_of(l, h)));
    }
    out += "</svg>\n";
    return out;
}

std::string svg_head_view(const DisplayTrace& d, int layer, std::span<const uint8_t> heads,
                          int query, int key, float min_weight, size_t max_links) {
    require_layer_head(d, layer, 0);
    const int S = d.n_token;
    const std::vector<Link> links =
        strongest_links(d, layer, heads, query, key, min_weight, max_links);
    const double row_h = k_font + 7, col_w = label_width(d) + 8, gap = 260;
    const double header_h = k_font * 4.2;
    const double left_end = 8 + col_w, right_start = left_end + gap;
    const double width = right_start + col_w + 8;
    const double height = header_h + S * row_h + 12;
    std::string out;
    out.reserve(links.size() * 160 + size_t(S) * 200 + 4096);
    open_svg(out, width, height);
    text(out, 8, k_font * 1.4,
         "Layer " + d.layer_labels[size_t(layer)] + ": query \xe2\x86\x92 key", "start", k_text,
         " font-weight=\"bold\"");
    // Legend: one coloured dot per head shown.
    double lx = 8;
    for (int h = 0; h < d.n_head; ++h) {
        if (h >= int(heads.size()) || !heads[size_t(h)]) continue;
        out += "<circle cx=\"" + num(lx + 4) + "\" cy=\"" + num(k_font * 2.9) +
               "\" r=\"4\" fill=\"" + hex(head_rgb(h)) + "\"/>\n";
        text(out, lx + 11, k_font * 2.9, "head " + d.head_labels[size_t(h)], "start", k_text,
             " dominant-baseline=\"central\"");
        lx += 11 + (5 + d.head_labels[size_t(h)].size()) * k_char_w + 10;
    }
    const bool focused = query >= 0 || key >= 0;
    const double y0 = header_h + row_h / 2;
    out += "<g stroke-linecap=\"round\" stroke-width=\"" + num(focused ? 2.0 : 1.0) + "\">\n";
    for (auto it = links.rbegin(); it != links.rend(); ++it)  // weakest first: strong on top
        out += "<line x1=\"" + num(left_end + 4) + "\" y1=\"" + num(y0 + it->query * row_h) +
               "\" x2=\"" + num(right_start - 4) + "\" y2=\"" + num(y0 + it->key * row_h) +
               "\" stroke=\"" + hex(head_rgb(it->head)) + "\" stroke-opacity=\"" +
               num(std::min(1.0f, it->weight)) + "\"/>\n";
    out += "</g>\n";
    for (int s = 0; s < S; ++s) {
        const double y = y0 + s * row_h;
        const char* color = d.special[size_t(s)] ? k_dim : k_text;
        const std::string label = elide(d.labels[size_t(s)]);
        const std::string weight = " dominant-baseline=\"central\"";
        text(out, left_end - 6, y, label, "end", s == query ? "#c05000" : color,
             s == query ? weight + " font-weight=\"bold\"" : weight);
        text(out, right_start + 6, y, label, "start", s == key ? "#c05000" : color,
             s == key ? weight + " font-weight=\"bold\"" : weight);
    }
    out += "</svg>\n";
    return out;
}

}  // namespace attnscope
