#include "error_panel_view.h"

#include <imgui.h>

namespace attnscope::app {

ErrorAction ErrorPanelView::draw(const ErrorState& error) {
    ErrorAction action = ErrorAction::None;
    ImGui::PushStyleColor(ImGuiCol_ChildBg, IM_COL32(90, 30, 30, 255));
    ImGui::PushStyleColor(ImGuiCol_Border, IM_COL32(220, 90, 90, 255));
    const float wrap = ImGui::GetContentRegionAvail().x - 20.0f;
    const float text_h = ImGui::CalcTextSize(error.detail.c_str(), nullptr, false, wrap).y;
    const float h =
        ImGui::GetFrameHeightWithSpacing() + text_h + ImGui::GetStyle().WindowPadding.y * 2 + 4;
    ImGui::BeginChild("##error", ImVec2(0, h), true, ImGuiWindowFlags_NoScrollbar);
    ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.7f, 1.0f), "%s", error.title.c_str());
    ImGui::SameLine(ImGui::GetContentRegionAvail().x - 150.0f);
    if (error.kind == ErrorKind::TooLong) {
        if (ImGui::SmallButton("Truncate")) action = ErrorAction::Truncate;
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Keep only the first tokens the model accepts.");
        ImGui::SameLine();
    }
    if (ImGui::SmallButton("Dismiss")) action = ErrorAction::Dismiss;
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrap);
    ImGui::TextUnformatted(error.detail.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
    ImGui::PopStyleColor(2);
    return action;
}

}  // namespace attnscope::app
