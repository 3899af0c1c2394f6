#include "app_state.h"

#include <algorithm>
#include <cstdio>

namespace attnscope::app {

const char* view_name(ViewKind view) {
    switch (view) {
        case ViewKind::Grid:
            return "grid";
        case ViewKind::Heatmap:
            return "heatmap";
        case ViewKind::HeadView:
            return "headview";
        case ViewKind::Compare:
            return "compare";
        case ViewKind::Diff:
            return "diff";
        case ViewKind::Models:
            return "models";
        case ViewKind::Search:
            return "search";
        case ViewKind::Rollout:
            return "rollout";
        case ViewKind::Qkv:  // teaching views (issue 4)
            return "qkv";
        case ViewKind::Softmax:
            return "softmax";
    }
    return "?";
}

const char* view_title(ViewKind view) {
    switch (view) {
        case ViewKind::Grid:
            return "Model grid";
        case ViewKind::Heatmap:
            return "Heatmap";
        case ViewKind::HeadView:
            return "Head view";
        case ViewKind::Compare:
            return "Compare heads";
        case ViewKind::Diff:
            return "Two sentences";
        case ViewKind::Models:
            return "Two models";
        case ViewKind::Search:
            return "Head search";
        case ViewKind::Rollout:
            return "Rollout";
        case ViewKind::Qkv:
            return "Q/K/V";
        case ViewKind::Softmax:
            return "Softmax steps";
    }
    return "?";
}

const char* view_short_title(ViewKind view) {
    switch (view) {
        case ViewKind::Grid:
            return "Grid";
        case ViewKind::HeadView:
            return "Heads";
        case ViewKind::Compare:
            return "Compare";
        case ViewKind::Diff:
            return "Sentences";
        case ViewKind::Models:
            return "Models";
        case ViewKind::Search:
            return "Search";
        case ViewKind::Softmax:
            return "Softmax";
        case ViewKind::Heatmap:
        case ViewKind::Rollout:
        case ViewKind::Qkv:
            return view_title(view);
    }
    return "?";
}

bool full_view_titles_fit(float avail, float per_tab,
                          const std::function<float(const char*)>& text_width) {
    float needed = 0;
    for (int i = 0; i < k_view_count; ++i) needed += text_width(view_title(ViewKind(i))) + per_tab;
    return needed <= avail;
}

bool parse_view(const std::string& name, ViewKind* out) {
    for (int i = 0; i < k_view_count; ++i) {
        if (name == view_name(ViewKind(i))) {
            *out = ViewKind(i);
            return true;
        }
    }
    return false;
}

const char* heatmap_mode_name(HeatmapMode mode) {
    switch (mode) {
        case HeatmapMode::Head:
            return "head";
        case HeatmapMode::LayerMean:
            return "mean";
        case HeatmapMode::Difference:
            return "diff";
    }
    return "?";
}

bool parse_heatmap_mode(const std::string& name, HeatmapMode* out) {
    for (HeatmapMode m : {HeatmapMode::Head, HeatmapMode::LayerMean, HeatmapMode::Difference}) {
        if (name == heatmap_mode_name(m)) {
            *out = m;
            return true;
        }
    }
    return false;
}

void clamp_selection(Selection& s, int n_layer, int n_head, int n_token) {
    s.layer = std::clamp(s.layer, 0, std::max(0, n_layer - 1));
    s.head = std::clamp(s.head, 0, std::max(0, n_head - 1));
    if (s.token >= n_token) s.token = n_token > 0 ? n_token - 1 : -1;
    if (s.hovered >= n_token) s.hovered = -1;
    if (s.hover_next >= n_token) s.hover_next = -1;
}

std::string run_status(const AttentionTrace* trace, double last_run_seconds) {
    if (!trace) return {};
    if (trace->imported) return "imported";
    char buf[80];
    if (trace->reused_prefix > 0)  // a suffix pass: say why it was quick
        std::snprintf(buf, sizeof buf, "run %.0f ms, reused %d of %d tokens",
                      last_run_seconds * 1000.0, trace->reused_prefix, trace->n_token);
    else
        std::snprintf(buf, sizeof buf, "run %.0f ms", last_run_seconds * 1000.0);
    return buf;
}

}  // namespace attnscope::app
