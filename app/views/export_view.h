// The export dialog: the view in front as PNG (1-4x its on-screen size) or SVG (vector: every
// attention view, not the Q/K/V view or the softmax stepper), or the trace as JSON, NumPy .npz or
// CSV (the selected head). It only collects the request; the App captures the PNG and runs the
// other exports off the UI thread.
#pragma once

#include <optional>
#include <string>

#include "attnscope/trace_export.h"

namespace attnscope::app {

enum class ExportKind {
    Png,    // the view in front, pixels
    Svg,    // the view in front, vector (the views of view_has_svg)
    Trace,  // the trace's data
};

struct ExportRequest {
    ExportKind kind = ExportKind::Png;
    std::string path;
    float scale = 1.0f;                      // Png: 1 = on-screen size
    TraceFormat format = TraceFormat::Json;  // Trace
};

// What the dialog tells the user about the current state.
struct ExportContext {
    bool svg_available = true;  // the view in front has an SVG form
    std::string view_title;     // "Heatmap"
    std::string head_label;     // "layer 1, head 2": what CSV saves
    bool imported = false;      // the trace has attention only (no q/k/v in the .npz)
};

class ExportView {
  public:
    // Opens the dialog on `kind`; `base` names the file without its extension ("attnscope-grid").
    void open(ExportKind kind, const std::string& base);
    // Draws the dialog if open; returns the request when the user confirms.
    std::optional<ExportRequest> draw(const ExportContext& context);

  private:
    void set_extension();

    bool m_open_request = false;
    ExportKind m_kind = ExportKind::Png;
    std::string m_base;
    std::string m_path;
    int m_scale_index = 0;
    int m_format = 0;  // index into TraceFormat (json, npz, csv)
};

}  // namespace attnscope::app
