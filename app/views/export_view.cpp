#include "export_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace attnscope::app {

namespace {
constexpr float k_scales[] = {1.0f, 2.0f, 3.0f, 4.0f};
constexpr const char* k_scale_names[] = {"1x (on-screen size)", "2x", "3x", "4x"};
}  // namespace

void ExportView::open(const std::string& suggested_path) {
    m_path = suggested_path;
    m_open_request = true;
}

std::optional<ExportRequest> ExportView::draw() {
    std::optional<ExportRequest> out;
    if (m_open_request) {
        ImGui::OpenPopup("Export view");
        m_open_request = false;
    }
    if (!ImGui::BeginPopupModal("Export view", nullptr, ImGuiWindowFlags_AlwaysAutoResize))
        return out;
    ImGui::TextUnformatted("Save the view in front as a PNG image.");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24.0f);
    ImGui::InputText("File", &m_path);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12.0f);
    ImGui::Combo("Scale", &m_scale_index, k_scale_names, IM_ARRAYSIZE(k_scale_names));
    if (ImGui::Button("Export") && !m_path.empty()) {
        out = ExportRequest{m_path, k_scales[m_scale_index]};
        ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return out;
}

}  // namespace attnscope::app
