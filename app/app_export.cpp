// The App's export and import: the File and Export menus, their dialogs, saves on a background
// thread, the views an imported trace cannot fill, and the scripted --export-svg / --save-trace.
// (app.cpp lays out the window; this file keeps the export feature in one place.)
#include <cstdio>
#include <filesystem>

#include "app.h"
#include "attnscope/errors.h"
#include "attnscope/trace_export.h"
#include "view_svg.h"
#include "widgets.h"

namespace attnscope::app {

namespace {

std::string file_base(const AppState& st) {
    return std::string("attnscope-") + view_name(st.selection.view);
}

std::string size_text(uintmax_t bytes) {
    char buf[32];
    if (bytes >= (1u << 20)) {
        std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / double(1u << 20));
    } else {
        std::snprintf(buf, sizeof buf, "%.1f KB", double(bytes) / 1024.0);
    }
    return buf;
}

// What an imported trace lacks for `view`, or nullptr if the view can show it.
const char* missing_for_imported(ViewKind view) {
    switch (view) {
        case ViewKind::Qkv:
            return "The Q/K/V view is not available for imported attention: the file has the "
                   "attention weights only, not the query, key and value vectors.";
        case ViewKind::Softmax:
            return "The softmax stepper is not available for imported attention: the file has "
                   "the weights after the softmax, not the scores before it.";
        case ViewKind::Diff:
            return "Two sentences is not available for imported attention: sentence B would need "
                   "a model to run it. Open a model to compare sentences.";
        case ViewKind::Models:
            return "Two models is not available for imported attention: the same sentence would "
                   "need to run on a model. Open a model to compare models.";
        default:
            return nullptr;
    }
}

// The view in front has an SVG form for this trace.
bool svg_available(const AppState& st) {
    const bool imported = st.trace && st.trace->imported;
    return view_has_svg(st.selection.view) &&
           !(imported && missing_for_imported(st.selection.view));
}

std::string head_label(const AppState& st) {
    return "layer " + std::to_string(st.selection.layer) + ", head " +
           std::to_string(st.selection.head);
}

}  // namespace

void App::draw_file_menu() {
    const AppState& st = m_session.state();
    if (!ImGui::BeginMenu("File")) return;
    if (ImGui::MenuItem("Open attention (.npz)...")) {
        std::filesystem::path folder;
        if (st.model && !st.model->source.import_file.empty())
            folder = st.model->source.import_file.parent_path();
        m_import_view.open(folder);
    }
    if (ImGui::MenuItem("Save trace...", nullptr, false, st.trace != nullptr))
        m_export_view.open(ExportKind::Trace, "attnscope-trace");
    ImGui::EndMenu();
}

void App::draw_export_menu() {
    const AppState& st = m_session.state();
    if (!ImGui::BeginMenu("Export")) return;
    const bool shown = st.display != nullptr;
    if (ImGui::MenuItem("View as PNG...", nullptr, false, shown))
        m_export_view.open(ExportKind::Png, file_base(st));
    if (ImGui::MenuItem("View as SVG...", nullptr, false, shown && svg_available(st)))
        m_export_view.open(ExportKind::Svg, file_base(st));
    if (ImGui::MenuItem("Trace as JSON / NPZ / CSV...", nullptr, false, st.trace != nullptr))
        m_export_view.open(ExportKind::Trace, "attnscope-trace");
    ImGui::EndMenu();
}

void App::draw_export_dialogs() {
    const AppState& st = m_session.state();
    ExportContext context;
    context.svg_available = svg_available(st);
    context.view_title = view_title(st.selection.view);
    context.head_label = head_label(st);
    context.imported = st.trace && st.trace->imported;
    if (auto request = m_export_view.draw(context)) {
        if (request->kind == ExportKind::Png) {
            m_export_request = request;
            m_export_delay = 2;  // let the dialog close before the view is captured
        } else {
            start_export(*request);
        }
    }
    if (auto file = m_import_view.draw()) {
        ModelSource source;
        source.import_file = *file;
        m_session.open_model(source);  // loads on the loader thread; errors go to the panel
    }
    if (auto status = m_saver.take_result()) m_status = *status;
}

void App::start_export(const ExportRequest& request) {
    const AppState& st = m_session.state();
    const std::filesystem::path path = request.path;
    bool started = false;
    if (request.kind == ExportKind::Svg) {
        const SvgRequest svg = svg_request_of(st, m_head_view.enabled_heads(), m_analysis.analyst(),
                                              m_analysis.analyst_b());
        started = m_saver.start("could not export " + path.string(), [svg, path] {
            const size_t bytes = save_view_svg(svg, path);
            return "saved " + path.string() + " (" + size_text(bytes) + ")";
        });
    } else if (st.trace) {
        const std::shared_ptr<const AttentionTrace> trace = st.trace;
        const int layer = st.selection.layer, head = st.selection.head;
        const TraceFormat format = request.format;
        started =
            m_saver.start("could not save " + path.string(), [trace, path, format, layer, head] {
                save_trace(*trace, path, format, layer, head);
                std::error_code ec;
                return "saved " + path.string() + " (" +
                       size_text(std::filesystem::file_size(path, ec)) + ")";
            });
    }
    m_status = started ? "saving " + path.string() + "..." : "an export is still running";
}

bool App::draw_unavailable(ViewKind view) {
    const AppState& st = m_session.state();
    const char* missing = st.trace && st.trace->imported ? missing_for_imported(view) : nullptr;
    if (!missing) {
        m_notice.clear();
        return false;
    }
    m_notice = missing;
    ImGui::Dummy(ImVec2(0, ImGui::GetTextLineHeight()));
    widgets::muted_text(missing);
    return true;
}

// Scripted runs: the SVG and trace files of --export-svg and --save-trace, written now (the run
// waits for them), and what the screenshot cannot say.
void App::capture_exports() {
    const AppState& st = m_session.state();
    if (st.trace && st.trace->imported)
        std::printf("attnscope: imported attention from %s: %d layers x %d heads, %d tokens, %s\n",
                    st.model->source.import_file.string().c_str(), st.trace->n_layer,
                    st.trace->n_head, st.trace->n_token,
                    st.trace->causal ? "causal" : "bidirectional");
    if (!m_notice.empty()) std::printf("attnscope: notice: %s\n", m_notice.c_str());
    try {
        if (!m_args.export_svg.empty()) {
            const SvgRequest r = svg_request_of(st, m_head_view.enabled_heads(),
                                                m_analysis.analyst(), m_analysis.analyst_b());
            const size_t bytes = save_view_svg(r, m_args.export_svg);
            std::printf("attnscope: exported %s view as SVG (%zu bytes) to %s\n",
                        view_name(st.selection.view), bytes, m_args.export_svg.c_str());
        }
        if (!m_args.save_trace.empty()) {
            TraceFormat format = TraceFormat::Json;
            trace_format_of_path(m_args.save_trace, &format);  // checked by the argument parser
            if (!st.trace) throw InputError("no trace to save");
            save_trace(*st.trace, m_args.save_trace, format, st.selection.layer, st.selection.head);
            std::printf("attnscope: saved the trace as %s to %s\n", trace_format_name(format),
                        m_args.save_trace.c_str());
        }
    } catch (const std::exception& e) {  // scripted runs report it and exit non-zero
        fail(5, e.what());
    }
}

}  // namespace attnscope::app
