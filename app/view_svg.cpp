// Each view's SVG: the heatmap, grid and head view have their own pictures in core; the compare-
// and-analyse views lay out the matrices their views draw (view_panels.h) as svg_export.h pages,
// with the same titles, label colours, numbers and selection marks as on screen.
#include "view_svg.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>

#include "attnscope/errors.h"
#include "attnscope/svg_export.h"
#include "models_rollout.h"
#include "view_panels.h"

namespace attnscope::app {

namespace {

void require_head(const DisplayTrace& d, int layer, int head) {
    if (layer < 0 || layer >= d.n_layer || head < 0 || head >= d.n_head)
        throw InputError("layer " + std::to_string(layer) + ", head " + std::to_string(head) +
                         " is out of range: the trace has " + std::to_string(d.n_layer) +
                         " layers x " + std::to_string(d.n_head) + " heads");
}

// The selected token's row in `units` (none when nothing is selected or the token is hidden), as
// the views find the row they outline.
std::optional<int> row_of(const DisplayTrace& units, int token) {
    if (token < 0 || token >= units.n_source_token) return std::nullopt;
    const int row = units.display_index[size_t(token)];
    return row >= 0 ? std::optional<int>(row) : std::nullopt;
}

void require_tokens(const DisplayTrace& d) {
    if (d.n_token == 0)
        throw InputError("no tokens to show (all are hidden special tokens): nothing to export");
}

// A tile of `panel` (which the page's spans point into: keep it alive until svg_page).
SvgTile tile_of(const PanelData& panel) {
    SvgTile t;
    t.panel.values = panel.values;
    t.panel.rows = panel.rows;
    t.panel.cols = panel.cols;
    t.panel.map = panel.map;
    t.panel.range = panel.range;
    t.title = {panel.title};
    return t;
}

// Token axes on both sides of a square panel.
void set_labels(SvgTile& t, const DisplayTrace& units, std::span<const uint8_t> styles, bool rows,
                bool cols) {
    if (rows) t.panel.row_labels = units.labels;
    if (cols) t.panel.col_labels = units.labels;
    t.panel.label_styles = styles;
}

std::vector<std::string> stats_lines(const HeadStats& s) {
    std::vector<std::string> lines;
    for (int i = 0; i < k_stats_lines; ++i) lines.push_back(head_stats_line(s, i));
    return lines;
}

const HeadStats& stats_of(const std::vector<HeadStats>& stats, const DisplayTrace& d, HeadRef h) {
    return stats[size_t(h.layer) * d.n_head + h.head];
}

bool has_stats(const AnalysisOutput* products, const DisplayTrace& d) {
    return products && products->stats.size() == size_t(d.n_layer) * d.n_head;
}

const char* k_computing = "the head statistics are still being computed: export again in a moment";

bool same_ranges(const std::vector<PanelData>& panels) {
    return std::all_of(panels.begin(), panels.end(), [&](const PanelData& p) {
        return p.range.lo == panels[0].range.lo && p.range.hi == panels[0].range.hi;
    });
}

// Compare heads: up to three pins per row, query labels left of each row, key labels above the
// first row, each head's statistics under it (as the view lays them out).
std::string compare_svg(const SvgRequest& r, const DisplayTrace& d) {
    std::vector<HeadRef> pins = r.compare.pins;
    clamp_pins(pins, d.n_layer, d.n_head);
    if (pins.empty())
        throw InputError("no heads are pinned: pin heads in the Compare view, then export");
    require_tokens(d);
    if (!has_stats(r.products.get(), d)) throw InputError(k_computing);
    const std::vector<PanelData> panels = compare_panels(d, pins, r.options);
    SvgPage page;
    page.title = {"Compare heads", compare_caption(d)};
    page.across = std::min(int(panels.size()), 3);
    // One colour bar when every head uses the same scale (0..1), else one per head.
    for (size_t p = 0; p < (same_ranges(panels) ? 1 : panels.size()); ++p)
        page.legends.push_back(
            {same_ranges(panels) ? "" : panels[p].title, panels[p].map, panels[p].range});
    for (size_t p = 0; p < panels.size(); ++p) {
        SvgTile t = tile_of(panels[p]);
        set_labels(t, d, d.special, int(p) % page.across == 0, int(p) < page.across);
        t.panel.selected_row = row_of(d, r.selected_token);
        t.caption = stats_lines(stats_of(r.products->stats, d, pins[p]));
        page.tiles.push_back(std::move(t));
    }
    return svg_page(page);
}

// The header shared by two sentences and two models: the colour bars of A and B (`label`, as the
// view's legend names them) and of A − B.
void pair_legends(SvgPage& page, const std::string& label, const std::vector<PanelData>& panels) {
    page.legends.push_back({label, panels[0].map, panels[0].range});
    if (panels.size() > 2)
        page.legends.push_back({"A \xe2\x88\x92 B", panels[2].map, panels[2].range});
}

// A, B and A − B side by side: one query-label column for all when the units align (A − B
// exists), else each of A and B with its own. `row_a` / `row_b`: the selected token's row in A
// (and A − B) and in B.
void pair_tiles(SvgPage& page, const std::vector<PanelData>& panels, const DisplayTrace& a,
                const DisplayTrace& b, std::span<const uint8_t> styles_a,
                std::span<const uint8_t> styles_b, std::optional<int> row_a,
                std::optional<int> row_b) {
    const bool aligned = panels.size() > 2;
    for (size_t p = 0; p < panels.size(); ++p) {
        SvgTile t = tile_of(panels[p]);
        if (p == 1) {
            set_labels(t, b, styles_b, !aligned, true);
            t.panel.selected_row = row_b;
        } else {
            set_labels(t, a, styles_a, p == 0, true);
            t.panel.selected_row = row_a;
        }
        page.tiles.push_back(std::move(t));
    }
    page.across = int(panels.size());
}

std::string diff_svg(const SvgRequest& r, const DisplayTrace& a) {
    const CompareState& c = r.compare;
    if (c.text_b.empty())
        throw InputError("there is no sentence B: type one in the Two sentences view, then export");
    if (!r.trace || !c.trace_b || !c.display_b)
        throw InputError("sentence B has not run yet: export again in a moment");
    const DisplayTrace& b = *c.display_b;
    const PairLayout layout = pair_layout(*r.trace, a, *c.trace_b, b);
    if (!layout.comparable) throw InputError(layout.message);
    require_tokens(a);
    require_tokens(b);
    require_head(a, r.layer, r.head);
    const HeadRef head{r.layer, r.head};
    const std::vector<PanelData> panels =
        pair_panels(a, head, b, head, layout.difference, r.options);
    SvgPage page;
    page.title = {"Two sentences: layer " + a.layer_labels[size_t(r.layer)] + ", head " +
                      a.head_labels[size_t(r.head)],
                  "A: " + r.trace->text, "B: " + c.trace_b->text};
    if (layout.difference && !layout.differing_tokens.empty())
        page.title.push_back(std::to_string(layout.differing_tokens.size()) +
                             " token(s) differ (red)");
    if (!layout.difference) page.warning = {layout.message};
    pair_legends(page, "A and B (" + lens_description(a) + ")", panels);
    // Aligned, every panel marks the tokens that differ; otherwise each its special tokens.
    const std::vector<uint8_t> marks = differing_units(a, layout);
    const std::optional<int> row_a = row_of(a, r.selected_token),
                             row_b = row_of(b, r.selected_token);
    if (layout.difference) {
        pair_tiles(page, panels, a, b, marks, marks, row_a, row_b);
    } else {
        pair_tiles(page, panels, a, b, a.special, b.special, row_a, row_b);
    }
    return svg_page(page);
}

// Two models in rollout mode, as ModelsView::draw_rollout shows it: A's and B's rollouts after the
// layers the view uses, on one colour scale, and A − B when the tokenisations match. Never A's
// rollout beside a stale or missing one of B: until B's is computed the export says so.
std::string models_rollout_svg(const SvgRequest& r) {
    const ModelBState& mb = r.compare.model_b;
    const bool has_a = r.products && r.products->all_units;
    const bool has_b = r.products_b && r.products_b->all_units;
    // A failed job leaves nothing to wait for (the view shows the error in place of the rollout).
    if (!has_a && !r.analysis_error.empty())
        throw InputError("the rollout of model A failed: " + r.analysis_error);
    if (!has_b && !r.analysis_error_b.empty())
        throw InputError("the rollout of model B failed: " + r.analysis_error_b);
    if (!has_a || !has_b) {
        const char* missing = !has_a && !has_b ? "A and B" : !has_a ? "A" : "B";
        throw InputError(std::string("the rollout of model ") + missing +
                         " is still being computed: export again in a moment");
    }
    const AnalysisOutput& pa = *r.products;
    const AnalysisOutput& pb = *r.products_b;
    const DisplayTrace& ua = *pa.all_units;
    const DisplayTrace& ub = *pb.all_units;
    require_tokens(ua);
    require_tokens(ub);
    Selection selection;
    selection.layer = r.layer;
    const RolloutLayers layers =
        models_rollout_layers(r.compare, selection, ua.n_layer, ub.n_layer);
    const ModelsLayout layout = models_rollout_layout(*r.trace, ua, *mb.trace, ub);
    const std::vector<PanelData> panels =
        models_rollout_panels(pa, pb, layers, layout.difference, r.options);
    SvgPage page;
    page.title = {"Two models: attention rollout",
                  "A: " + r.model_name + " (" + std::to_string(ua.n_layer) + " layers)",
                  "B: " + mb.model->name + " (" + std::to_string(ub.n_layer) + " layers)",
                  "Sentence: " + r.trace->text,
                  "all tokens (hidden special tokens too); A and B on one colour scale"};
    if (!layout.difference) page.warning = {layout.message};
    pair_legends(page,
                 "A and B (" + std::string(ua.words ? "words; " : "") + "rollout of the " +
                     lens_description(ua) + ")",
                 panels);
    // The selection counts A's tokens: B's only when they align (as the view marks them).
    pair_tiles(page, panels, ua, ub, ua.special, ub.special, row_of(ua, r.selected_token),
               layout.difference ? row_of(ub, r.selected_token) : std::nullopt);
    return svg_page(page);
}

std::string models_svg(const SvgRequest& r, const DisplayTrace& a) {
    const ModelBState& mb = r.compare.model_b;
    if (!mb.model)
        throw InputError("no model B is open: open one in the Two models view, then export");
    if (!r.trace || !mb.trace || !mb.display || mb.trace->text != r.trace->text)
        throw InputError("model B has not run on this sentence yet: export again in a moment");
    if (r.compare.models_mode == ModelsMode::Rollout) return models_rollout_svg(r);
    const DisplayTrace& b = *mb.display;
    require_tokens(a);
    require_tokens(b);
    require_head(a, r.layer, r.head);
    if (!has_stats(r.products.get(), a) || !mb.stats ||
        mb.stats->size() != size_t(b.n_layer) * b.n_head)
        throw InputError(k_computing);
    const ModelsLayout layout = models_layout(*r.trace, a, *mb.trace, b);
    Selection selection;
    selection.layer = r.layer;
    selection.head = r.head;
    const HeadRef head_a{r.layer, r.head};
    const HeadRef head_b = model_b_head(mb, selection, b.n_layer, b.n_head);
    std::vector<PanelData> panels = pair_panels(a, head_a, b, head_b, layout.difference, r.options);
    panels[0].title = model_head_title("A", a, head_a);
    panels[1].title = model_head_title("B", b, head_b);
    SvgPage page;
    page.title = {"Two models", "A: " + r.model_name, "B: " + mb.model->name,
                  "Sentence: " + r.trace->text};
    if (!layout.difference) page.warning = {layout.message};
    pair_legends(page, "A and B (" + lens_description(a) + ")", panels);
    // The selection counts A's tokens: B's only when they align (as the view marks them).
    pair_tiles(page, panels, a, b, a.special, b.special, row_of(a, r.selected_token),
               layout.difference ? row_of(b, r.selected_token) : std::nullopt);
    page.tiles[0].caption = stats_lines(stats_of(r.products->stats, a, head_a));
    page.tiles[1].caption = stats_lines(stats_of(*mb.stats, b, head_b));
    return svg_page(page);
}

// Rollout: the layer mean, the rollout and (once computed) the flow, on every unit of the trace.
std::string rollout_svg(const SvgRequest& r) {
    if (!r.products || !r.products->all_units)
        throw InputError("the rollout is still being computed: export again in a moment");
    const DisplayTrace& u = *r.products->all_units;
    require_tokens(u);
    require_head(u, r.layer, 0);
    const std::vector<PanelData> panels =
        rollout_panels(*r.products, r.flow.get(), r.layer, r.options.colormap);
    SvgPage page;
    page.title = {"After layer " + u.layer_labels[size_t(r.layer)] + ": layer mean, rollout" +
                      (r.flow ? " and flow" : ""),
                  std::string(u.words ? "words; " : "") + lens_description(u) +
                      "; all tokens (hidden special tokens too); colours span 0 .. each "
                      "panel's largest value"};
    page.across = int(panels.size());
    for (size_t p = 0; p < panels.size(); ++p) {
        page.legends.push_back({panels[p].title, panels[p].map, panels[p].range});
        SvgTile t = tile_of(panels[p]);
        t.title.push_back(rollout_range_label(panels[p].range));
        set_labels(t, u, u.special, p == 0, true);
        t.panel.selected_row = row_of(u, r.selected_token);
        page.tiles.push_back(std::move(t));
    }
    return svg_page(page);
}

// Head search: the layers x heads map with its colour bar and the top ten beside it.
std::string search_svg(const SvgRequest& r, const DisplayTrace& d) {
    const CompareState& c = r.compare;
    const HeadSearch search = search_heads(d, r.products.get(), r.selected_token, c.search_key,
                                           c.rank, c.statistic, r.options.colormap);
    if (!search.message.empty())
        throw InputError("the head search shows no ranking yet: " + search.message);
    std::vector<std::string> layers, heads = d.head_labels;
    for (const std::string& l : d.layer_labels) layers.push_back("L" + l);
    SvgPage page;
    page.title = {search_title(d, search, c.rank, c.statistic), "rows: layers, columns: heads"};
    page.legends.push_back({"score", search.map.map, search.map.range});
    SvgTile t = tile_of(search.map);
    t.title.clear();
    t.panel.row_labels = layers;
    t.panel.col_labels = heads;
    t.panel.upright_col_labels = true;
    t.panel.selected_cell = SvgCell{r.layer, r.head};  // the selected head, as the view marks it
    page.tiles.push_back(std::move(t));
    page.across = 1;
    // The map's cells as the view sizes them: large enough to read, at most 48 px.
    page.cell = std::clamp(std::floor(480.0 / std::max(d.n_layer, d.n_head)), 6.0, 48.0);
    page.side = {"Top " + std::to_string(k_search_top), "#\thead\tscore"};
    for (std::string& line : search_top_lines(d, search)) page.side.push_back(std::move(line));
    return svg_page(page);
}

}  // namespace

SvgRequest svg_request_of(const AppState& st, const std::vector<uint8_t>& heads,
                          const Analyst& analyst, const Analyst& analyst_b) {
    SvgRequest r;
    r.view = st.selection.view;
    r.display = st.display;
    r.options = st.options;
    r.layer = st.selection.layer;
    r.head = st.selection.head;
    r.mode = st.selection.heatmap_mode;
    r.heads = heads;
    // The clicked token, not the hovered one: the mouse is on the menu or dialog by now.
    r.selected_token = st.selection.token;
    r.trace = st.trace;
    if (st.model) r.model_name = st.model->name;
    r.compare = st.compare;
    // The Analyst's results count only for the view model on screen, as in the views.
    if (analyst.display() == st.display) {
        r.products = analyst.products();
        r.flow = analyst.flow(st.selection.layer);
        r.analysis_error = analyst.error();
    }
    // Model B's rollout counts only for B's trace and view model of now, as in the Two models view.
    const ModelBState& b = st.compare.model_b;
    if (b.display && analyst_b.display() == b.display && analyst_b.trace() == b.trace) {
        r.products_b = analyst_b.products();
        r.analysis_error_b = analyst_b.error();
    }
    return r;
}

bool view_has_svg(ViewKind view) {
    return view != ViewKind::Qkv && view != ViewKind::Softmax;
}

std::string view_svg(const SvgRequest& r) {
    if (!r.display) throw InputError("nothing to export yet: no trace is shown");
    const DisplayTrace& d = *r.display;
    switch (r.view) {
        case ViewKind::Heatmap: {
            const SvgMatrix what = r.mode == HeatmapMode::LayerMean    ? SvgMatrix::LayerMean
                                   : r.mode == HeatmapMode::Difference ? SvgMatrix::HeadMinusMean
                                                                       : SvgMatrix::Head;
            SvgSelection selection;
            selection.token = row_of(d, r.selected_token);
            return svg_heatmap(d, r.layer, r.head, what, r.options, selection);
        }
        case ViewKind::Grid: {
            SvgSelection selection;
            selection.token = row_of(d, r.selected_token);
            selection.head = SvgCell{r.layer, r.head};
            return svg_head_grid(d, r.options, selection);
        }
        case ViewKind::HeadView: {
            std::vector<uint8_t> heads = r.heads;
            if (heads.size() != size_t(d.n_head)) heads.assign(size_t(d.n_head), 1);
            // The focus is the selected token's row, as the head view draws it without hover.
            const int row = row_of(d, r.selected_token).value_or(-1);
            return svg_head_view(d, r.layer, heads, row, -1, head_view_min_weight(row >= 0),
                                 k_head_view_max_lines);
        }
        case ViewKind::Compare:
            return compare_svg(r, d);
        case ViewKind::Diff:
            return diff_svg(r, d);
        case ViewKind::Models:
            return models_svg(r, d);
        case ViewKind::Search:
            return search_svg(r, d);
        case ViewKind::Rollout:
            return rollout_svg(r);
        default:
            throw InputError(std::string("the ") + view_title(r.view) +
                             " view has no SVG form: export it as PNG (SVG is available for "
                             "every attention view, not the Q/K/V view or the softmax stepper)");
    }
}

size_t save_view_svg(const SvgRequest& request, const std::filesystem::path& path) {
    const std::string svg = view_svg(request);
    std::filesystem::path tmp = path;
    tmp += ".part";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
    out.write(svg.data(), std::streamsize(svg.size()));
    out.close();
    std::error_code ec;
    if (!out) {
        std::filesystem::remove(tmp, ec);
        throw Error("cannot write " + path.string() + " (disk full?)");
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw Error("cannot write " + path.string() + ": " + ec.message());
    }
    return svg.size();
}

}  // namespace attnscope::app
