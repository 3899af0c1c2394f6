// The app's plain state: what is loaded, what is shown, what is selected, what went wrong.
// One AppState, owned by the Session; views read it and change only the Selection and the text.
#pragma once

#include <functional>

#include <memory>
#include <optional>
#include <string>

#include "attnscope/analysis.h"
#include "attnscope/trace.h"
#include "backend.h"
#include "compare_state.h"

namespace attnscope::app {

enum class ErrorKind { Load, Input, TooLong, Other };

// What the error panel shows. The data the user had stays as it was.
struct ErrorState {
    std::string title;   // "Could not load the model"
    std::string detail;  // the engine's message: file, tensor, expected vs actual
    ErrorKind kind = ErrorKind::Other;
};

enum class ViewKind {
    Grid,
    Heatmap,
    HeadView,
    Compare,
    Diff,
    Models,  // two models side by side (issue 5)
    Search,
    Rollout,
    Qkv,
    Softmax
};
inline constexpr int k_view_count = 10;
const char* view_name(ViewKind view);   // "grid", "heatmap", "headview", "compare", ... (flags)
const char* view_title(ViewKind view);  // "Model grid", "Heatmap", "Head view", "Compare", ...
// A shorter title for the tab bar when the full ones do not fit (large text on a projector):
// "Grid", "Heatmap", "Heads", "Compare", "Sentences", ...
const char* view_short_title(ViewKind view);
// Whether the tab bar shows the full titles: they must fit in `avail` pixels, each tab taking its
// text's width (`text_width`) plus `per_tab` (padding and spacing). Otherwise the short ones.
bool full_view_titles_fit(float avail, float per_tab,
                          const std::function<float(const char*)>& text_width);
bool parse_view(const std::string& name, ViewKind* out);

// What the heatmap view shows for the selected head.
enum class HeatmapMode {
    Head,        // the head's weights
    LayerMean,   // the mean over the layer's heads
    Difference,  // head minus layer mean (diverging colours)
};
const char* heatmap_mode_name(HeatmapMode mode);  // "head", "mean", "diff"
bool parse_heatmap_mode(const std::string& name, HeatmapMode* out);

// What the user points at. Token indices are indices into the trace's tokens (not the shown
// ones), so hiding special tokens keeps the selection. Views talk to each other only through this.
struct Selection {
    int layer = 0, head = 0;
    int token = -1;                  // clicked token, -1 = none
    ViewKind view = ViewKind::Grid;  // the view in front (clicking a grid cell opens the heatmap)
    HeatmapMode heatmap_mode = HeatmapMode::Head;

    // The token under the mouse: written during a frame (hover_next), read the next frame
    // (hovered), so every view sees the same value whatever the drawing order.
    int hovered = -1;
    int hover_next = -1;

    int active_token() const { return hovered >= 0 ? hovered : token; }
    void begin_frame() {
        hovered = hover_next;
        hover_next = -1;
    }
    // Clicking a token selects it; clicking the selected token again clears the selection.
    void click_token(int t) { token = (token == t) ? -1 : t; }
};

// Keeps a selection valid for a trace of this shape (after a new trace or model).
void clamp_selection(Selection& s, int n_layer, int n_head, int n_token);

// The menu bar's note on the trace shown: "run 12 ms" (the last forward pass; "run 12 ms, reused
// 390 of 391 tokens" when it started from the previous trace, RunOptions::reuse), or "imported"
// for a trace read from a file, which never ran here (null = no trace: "").
std::string run_status(const AttentionTrace* trace, double last_run_seconds);

// A screen position where a view drew one heatmap cell, with the value and the colour mapping it
// used: the pixel tests read the framebuffer there and compare with colormap_rgb.
struct PixelProbe {
    float x = 0, y = 0;  // framebuffer pixel (top-left origin)
    float value = 0;
    bool masked = false;
    Colormap map = Colormap::Viridis;
    ValueRange range;
    std::string what;  // "grid L0 H1 (3, 2)" for messages
};

// The loading state shown by the model panel.
struct LoadState {
    bool active = false;
    std::string what;  // the folder or shape being loaded
    float progress = 0;
};

struct AppState {
    std::shared_ptr<const LoadedModel> model;     // null until a model is loaded
    std::shared_ptr<const AttentionTrace> trace;  // the trace shown (null before the first run)
    std::shared_ptr<const DisplayTrace> display;  // its view model, for `options`
    uint64_t trace_generation = 0;                // request generation of `trace`
    RunRequest input;                             // the text boxes (edited by the UI)
    DisplayOptions options;
    Selection selection;
    std::optional<ErrorState> error;
    LoadState loading;
    bool running = false;  // a forward pass is queued or running
    CompareState compare;  // pins, sentence B, head search (compare_state.h)
};

}  // namespace attnscope::app
