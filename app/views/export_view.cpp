#include "export_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <filesystem>

#include "../widgets.h"

namespace attnscope::app {

namespace {
constexpr float k_scales[] = {1.0f, 2.0f, 3.0f, 4.0f};
constexpr const char* k_scale_names[] = {"1x (on-screen size)", "2x", "3x", "4x"};
constexpr TraceFormat k_formats[] = {TraceFormat::Json, TraceFormat::Npz, TraceFormat::Csv};
}  // namespace

void ExportView::open(ExportKind kind, const std::string& base) {
    m_kind = kind;
    m_base = base;
    m_path.clear();
    set_extension();
    m_open_request = true;
}

// Keeps the file name's extension in step with the kind and format chosen (a name the user
// typed keeps its stem and folder).
void ExportView::set_extension() {
    std::filesystem::path p(m_path.empty() ? m_base : m_path);
    const char* ext = m_kind == ExportKind::Png   ? ".png"
                      : m_kind == ExportKind::Svg ? ".svg"
                                                  : nullptr;
    p.replace_extension(ext ? std::string(ext)
                            : std::string(".") + trace_format_name(k_formats[m_format]));
    m_path = p.string();
}

std::optional<ExportRequest> ExportView::draw(const ExportContext& c) {
    std::optional<ExportRequest> out;
    if (m_open_request) {
        ImGui::OpenPopup("Export");
        m_open_request = false;
    }
    if (!ImGui::BeginPopupModal("Export", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return out;
    int kind = int(m_kind);
    bool changed = ImGui::RadioButton("View as PNG", &kind, int(ExportKind::Png));
    ImGui::SameLine();
    ImGui::BeginDisabled(!c.svg_available);
    changed |= ImGui::RadioButton("View as SVG", &kind, int(ExportKind::Svg));
    ImGui::EndDisabled();
    ImGui::SameLine();
    changed |= ImGui::RadioButton("Trace data", &kind, int(ExportKind::Trace));
    if (!c.svg_available && kind == int(ExportKind::Svg)) kind = int(ExportKind::Png);
    m_kind = ExportKind(kind);

    switch (m_kind) {
        case ExportKind::Png:
            ImGui::Text("The %s view as it is on screen.", c.view_title.c_str());
            ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12.0f);
            ImGui::Combo("Scale", &m_scale_index, k_scale_names, IM_ARRAYSIZE(k_scale_names));
            break;
        case ExportKind::Svg:
            ImGui::Text("The %s view as vector graphics (cells, labels, lines), for papers.",
                        c.view_title.c_str());
            break;
        case ExportKind::Trace: {
            changed |= ImGui::RadioButton("JSON", &m_format, 0);
            ImGui::SameLine();
            changed |= ImGui::RadioButton("NumPy .npz", &m_format, 1);
            ImGui::SameLine();
            changed |= ImGui::RadioButton("CSV", &m_format, 2);
            const char* what[] = {
                "Tokens and attention [layer][head][query][key], as `attnscope dump` writes.",
                c.imported ? "attention [L,H,T,T] and tokens, for np.load."
                           : "attention [L,H,T,T], scores, q, k, v, head_out, hidden and tokens, "
                             "for np.load.",
                nullptr};
            if (m_format == 2) {
                ImGui::Text("One head (%s): key tokens across, one row per query token.",
                            c.head_label.c_str());
            } else {
                ImGui::TextUnformatted(what[m_format]);
            }
            break;
        }
    }
    if (changed) set_extension();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24.0f);
    ImGui::InputText("File", &m_path);
    if (ImGui::Button("Export") && !m_path.empty()) {
        out = ExportRequest{m_kind, m_path, k_scales[m_scale_index], k_formats[m_format]};
        ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return out;
}

}  // namespace attnscope::app
