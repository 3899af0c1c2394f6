// The app's command line. Every flag is known; an unknown flag, a missing value or a bad value is
// an error with a message, never silently ignored.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app_state.h"
#include "attnscope/analysis.h"
#include "autopilot.h"

namespace attnscope::app {

struct AppArgs {
    // What to open.
    std::optional<std::filesystem::path> model;  // --model DIR
    std::optional<std::filesystem::path> import_file;  // --import FILE.npz (attention, no model)
    std::string shape;                           // --shape NAME (random weights, benchmarks)
    std::optional<std::string> text;             // --text TEXT
    std::optional<std::string> pair;             // --pair TEXT (second sentence, encoders)
    int n_tokens = 0;                            // --n-tokens N: repeat the text's tokens to N

    // What to show (0-based indices, whatever the label option).
    std::optional<ViewKind> view;             // --view grid|heatmap|headview|qkv|softmax|...
    std::optional<int> layer, head, token;    // --layer L --head H --token I
    std::optional<HeatmapMode> heatmap_mode;  // --mode head|mean|diff
    std::vector<HeadRef> pins;                // --pin L:H,... (compare view, at most 6)
    std::optional<std::string> text_b;        // --text-b TEXT (diff view: sentence B)
    std::optional<std::filesystem::path> model_b;  // --model-b DIR (models view: model B)
    std::optional<ModelsMode> models_mode;         // --models-mode head|rollout (models view)
    std::optional<int> to_token;              // --to J (head search: the key token)
    std::optional<HeadStatistic> rank;        // --rank NAME (head search by a pattern)
    float zoom = 0;                           // --zoom PX: heatmap pixels per cell (0 = fit)
    int step = 0;                             // --step K: softmax stepper stage, 1-based (0 = unset)
    bool classroom = false;                   // --classroom: large text, high contrast
    DisplayOptions options;                   // --hide-special --one-based --colormap NAME
                                              // --scale unit|max --font-scale S --words
                                              // --lens attention|value

    // Window and scripted runs (tests, benchmarks).
    int width = 1280, height = 800;    // --size WxH
    int frames = 0;                    // --frames N: render N frames once settled, exit
    std::string screenshot;            // --screenshot FILE (PNG of the window)
    std::string export_path;           // --export FILE (PNG of the view in front)
    float export_scale = 1.0f;         // --export-scale S
    std::string export_svg;            // --export-svg FILE (SVG of the view in front)
    std::string save_trace;            // --save-trace FILE (.json, .npz, .csv: format by name)
    bool check_pixels = false;         // --check-pixels: compare cells with colormap
    bool print_frame_times = false;    // --print-frame-times
    std::string type_text;             // --type TEXT: type it, one key per run
    std::vector<ScriptPoint> clicks;   // --click X,Y (repeatable): left clicks
    std::optional<ScriptPoint> mouse;  // --mouse X,Y: where the mouse rests
    double timeout = 120;              // --timeout SECONDS to settle before failing

    bool open_model_picker = false;  // --open-model-picker: start with the picker open
    bool help = false, version = false;

    bool scripted() const { return frames > 0; }
};

// Parses argv[1..]. Returns false and sets *error for bad input.
bool parse_app_args(int argc, const char* const* argv, AppArgs* out, std::string* error);

// The --help text.
const char* app_usage();

}  // namespace attnscope::app
