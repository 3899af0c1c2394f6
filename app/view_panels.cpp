#include "view_panels.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace attnscope::app {

namespace {

PanelData square_panel(std::string title, std::span<const float> values, const DisplayTrace& units,
                       Colormap map, ValueRange range) {
    PanelData p;
    p.title = std::move(title);
    p.values.resize(units.ss());
    apply_mask(p.values, values, units.mask);
    p.rows = p.cols = units.n_token;
    p.map = map;
    p.range = range;
    return p;
}

}  // namespace

std::vector<PanelData> compare_panels(const DisplayTrace& d, std::span<const HeadRef> pins,
                                      const DisplayOptions& options) {
    std::vector<PanelData> panels;
    for (const HeadRef& h : pins)
        panels.push_back(square_panel(
            "Layer " + d.layer_labels[size_t(h.layer)] + " head " + d.head_labels[size_t(h.head)],
            d.weights_of(h.layer, h.head), d, options.colormap,
            weight_range(options.scale, d.max_of(h.layer, h.head))));
    return panels;
}

std::string compare_caption(const DisplayTrace& d) {
    return std::string(d.words ? "words; " : "") + lens_description(d) +
           "; statistics of the rows shown" +
           (d.hide_special ? ", special % over the full rows before hiding" : "");
}

std::vector<PanelData> pair_panels(const DisplayTrace& a, HeadRef ha, const DisplayTrace& b,
                                   HeadRef hb, bool with_difference,
                                   const DisplayOptions& options) {
    const std::span<const float> wa = a.weights_of(ha.layer, ha.head);
    const std::span<const float> wb = b.weights_of(hb.layer, hb.head);
    const float max = std::max(a.max_of(ha.layer, ha.head), b.max_of(hb.layer, hb.head));
    const ValueRange range = weight_range(options.scale, max);
    std::vector<PanelData> panels;
    panels.push_back(square_panel("A", wa, a, options.colormap, range));
    panels.push_back(square_panel("B", wb, b, options.colormap, range));
    if (with_difference) panels.push_back(difference_panel(wa, wb, a, options));
    return panels;
}

PanelData difference_panel(std::span<const float> a, std::span<const float> b,
                           const DisplayTrace& d, const DisplayOptions& options) {
    PanelData diff;
    diff.title = "A \xe2\x88\x92 B";
    diff.values.resize(d.ss());
    difference(diff.values, a, b, d.mask);
    diff.rows = diff.cols = d.n_token;
    diff.map = options.diverging;
    // Equal matrices differ by 0 everywhere: difference_range keeps them the middle colour.
    diff.range = difference_range(max_abs_value(diff.values, d.mask));
    return diff;
}

std::string model_head_title(const char* model, const DisplayTrace& d, HeadRef h) {
    return std::string(model) + "  L" + d.layer_labels[size_t(h.layer)] + " H" +
           d.head_labels[size_t(h.head)];
}

std::vector<uint8_t> differing_units(const DisplayTrace& a, const PairLayout& layout) {
    std::vector<uint8_t> marks = a.special;
    marks.resize(size_t(a.n_token), 0);
    for (int32_t t : layout.differing_tokens)
        if (t < a.n_source_token && a.display_index[size_t(t)] >= 0)
            marks[size_t(a.display_index[size_t(t)])] = 2;
    return marks;
}

std::vector<PanelData> rollout_panels(const AnalysisOutput& products, const AnalysisOutput* flow,
                                      int layer, Colormap map) {
    const DisplayTrace& u = *products.all_units;
    const size_t uu = u.ss();
    // Rollout and flow entries are small and spread out: colour each panel over [0, its max].
    auto panel = [&](const char* title, std::span<const float> values) {
        return square_panel(title, values, u, map,
                            weight_range(ValueScale::HeadMax, max_value(values, u.mask)));
    };
    std::vector<PanelData> panels;
    panels.push_back(panel("Layer mean", u.layer_mean_of(layer)));
    // A causal token draws only on earlier ones: the same cells are masked as in the heads.
    panels.push_back(panel("Rollout", std::span(products.rollout).subspan(size_t(layer) * uu, uu)));
    if (flow) panels.push_back(panel("Flow", flow->flow));
    return panels;
}

std::string rollout_range_label(ValueRange range) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "0 .. %.2f", range.hi);
    return buf;
}

const char* statistic_title(HeadStatistic s) {
    // In HeadStatistic's order.
    static constexpr const char* k_titles[] = {
        "previous token",           "attend to self",  "attend to first token (sink)",
        "attend to special tokens", "broad (entropy)", "mean attention distance",
        "largest weight",
    };
    static_assert(std::size(k_titles) == size_t(k_head_statistic_count));
    const int i = int(s);
    return i >= 0 && i < k_head_statistic_count ? k_titles[i] : "?";
}

HeadSearch search_heads(const DisplayTrace& d, const AnalysisOutput* products, int query, int key,
                        SearchRank rank, HeadStatistic statistic, Colormap map) {
    HeadSearch out;
    const int L = d.n_layer, H = d.n_head, T = d.n_source_token;
    if (rank == SearchRank::Weight) {
        if (query < 0 || key < 0 || query >= T || key >= T) {
            out.message = d.words ? "Click a query word (\"it\"), then a key word (\"animal\")."
                                  : "Click a query token (\"it\"), then a key token (\"animal\").";
            return out;
        }
        // Rank what the views show: the shown cell, so hidden tokens, words and the lens count.
        out.row = d.display_index[size_t(query)];
        out.col = d.display_index[size_t(key)];
        if (out.row < 0 || out.col < 0) {
            out.message =
                "A chosen token is a hidden special token: turn \"Hide special tokens\" off or "
                "pick another.";
            return out;
        }
        if (d.masked(out.row, out.col)) {
            out.message =
                "The query cannot attend to this key: in a left-to-right model a token sees only "
                "itself and earlier tokens. Pick an earlier key.";
            return out;
        }
        out.ranking = rank_heads_by_cell(d.weights, L, H, d.n_token, out.row, out.col);
    } else {
        if (!products) {
            out.message = "Computing head statistics...";
            return out;
        }
        out.ranking = rank_heads_by_statistic(products->stats, statistic);
    }
    out.map.values.assign(size_t(L) * H, 0.0f);
    float lo = 0, hi = 0;
    for (const RankedHead& r : out.ranking) {
        out.map.values[size_t(r.layer) * H + r.head] = r.weight;
        hi = std::max(hi, r.weight);
        lo = std::min(lo, r.weight);
    }
    if (rank == SearchRank::Weight) lo = 0;
    out.map.rows = L;
    out.map.cols = H;
    out.map.map = map;
    out.map.range = {lo, hi > lo ? hi : lo + 1.0f};
    return out;
}

std::string search_title(const DisplayTrace& d, const HeadSearch& s, SearchRank rank,
                         HeadStatistic statistic) {
    if (rank != SearchRank::Weight) return std::string("Heads by ") + statistic_title(statistic);
    if (s.row < 0 || s.col < 0) return "Heads by the weight from a query to a key";
    return "From '" + d.labels[size_t(s.row)] + "' (" + unit_ref(d, s.row) + ") to '" +
           d.labels[size_t(s.col)] + "' (" + unit_ref(d, s.col) + "): " + lens_description(d) +
           " in every head";
}

std::vector<std::string> search_top_lines(const DisplayTrace& d, const HeadSearch& s) {
    std::vector<std::string> lines;
    for (size_t i = 0; i < std::min(k_search_top, s.ranking.size()); ++i) {
        const RankedHead& r = s.ranking[i];
        char score[32];
        std::snprintf(score, sizeof score, "%.3f", r.weight);
        lines.push_back(std::to_string(i + 1) + "\tL" + d.layer_labels[size_t(r.layer)] + " H" +
                        d.head_labels[size_t(r.head)] + "\t" + score);
    }
    return lines;
}

std::string head_stats_line(const HeadStats& s, int line) {
    char buf[96];
    if (line == 0) {
        std::snprintf(buf, sizeof buf, "entropy %.2f  dist %.1f", s.entropy, s.mean_distance);
    } else if (line == 1) {
        std::snprintf(buf, sizeof buf, "max %.2f  special %.0f%%", s.max_weight,
                      100 * s.special_mass);
    } else {
        std::snprintf(buf, sizeof buf, "prev %.0f%%  self %.0f%%", 100 * s.previous_mass,
                      100 * s.self_mass);
    }
    return buf;
}

}  // namespace attnscope::app
