#include "model_picker_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>
#include <algorithm>

#include "../widgets.h"

namespace attnscope::app {

namespace fs = std::filesystem;

void ModelPickerView::browse(const fs::path& dir) {
    m_browse_dir = dir;
    m_path = dir.string();
    m_children.clear();
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code ec2;
        if (it->is_directory(ec2) && !it->path().filename().string().starts_with("."))
            m_children.push_back(it->path());
    }
    std::sort(m_children.begin(), m_children.end());
    m_browse_entry.reset();
    if (fs::is_regular_file(dir / "config.json", ec)) m_browse_entry = inspect_entry(dir, "folder");
}

std::optional<ModelSource> ModelPickerView::draw(const std::vector<ModelEntry>& entries,
                                                 const std::vector<SearchRoot>& roots,
                                                 bool* rescan) {
    std::optional<ModelSource> chosen;
    if (m_open_request) {
        ImGui::OpenPopup("Open model");
        m_open_request = false;
        std::error_code ec;
        if (m_browse_dir.empty()) browse(roots.empty() ? fs::current_path(ec) : roots.front().dir);
    }
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y * 0.5f), ImGuiCond_Appearing,
                            ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowSize(
        ImVec2(std::min(900.0f, display.x - 40), std::min(620.0f, display.y - 40)),
        ImGuiCond_Appearing);
    if (!ImGui::BeginPopupModal("Open model", nullptr, ImGuiWindowFlags_NoSavedSettings)) return {};

    ImGui::TextUnformatted("Models found");
    ImGui::SameLine();
    if (ImGui::SmallButton("Rescan")) *rescan = true;
    const float list_h = ImGui::GetContentRegionAvail().y * 0.45f;
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
    if (ImGui::BeginTable("##models", 5, flags, ImVec2(0, list_h))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("Model", ImGuiTableColumnFlags_WidthStretch, 3.0f);
        ImGui::TableSetupColumn("Type", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableSetupColumn("Layers x heads", ImGuiTableColumnFlags_WidthStretch, 1.2f);
        ImGui::TableSetupColumn("Parameters", ImGuiTableColumnFlags_WidthStretch, 1.2f);
        ImGui::TableSetupColumn("Found in", ImGuiTableColumnFlags_WidthStretch, 1.5f);
        ImGui::TableHeadersRow();
        for (size_t i = 0; i < entries.size(); ++i) {
            const ModelEntry& e = entries[i];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::PushID(int(i));
            if (!e.usable) ImGui::BeginDisabled();
            if (ImGui::Selectable(e.name.c_str(), false, ImGuiSelectableFlags_SpanAllColumns))
                chosen = ModelSource{e.dir, ""};
            if (!e.usable) ImGui::EndDisabled();
            if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
                ImGui::SetTooltip("%s%s%s", e.dir.string().c_str(), e.usable ? "" : "\n",
                                  e.problem.c_str());
            ImGui::PopID();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(e.model_type.c_str());
            ImGui::TableNextColumn();
            if (e.n_layer > 0) ImGui::Text("%d x %d", e.n_layer, e.n_head);
            ImGui::TableNextColumn();
            if (e.usable) {
                ImGui::Text("%s (%s)", e.n_params > 0 ? format_count(e.n_params).c_str() : "?",
                            format_bytes(e.weight_bytes).c_str());
            } else {
                ImGui::TextDisabled("none");
            }
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", e.origin.c_str());
        }
        ImGui::EndTable();
    }
    if (entries.empty())
        widgets::muted_text(
            "No model folders found. Searched: $ATTNSCOPE_MODELS, ./models, "
            "~/.cache/huggingface/hub.");

    ImGui::Separator();
    ImGui::TextUnformatted("Open a folder");
    ImGui::SetNextItemWidth(-ImGui::CalcTextSize("Go  Open").x - 40);
    if (ImGui::InputText("##path", &m_path, ImGuiInputTextFlags_EnterReturnsTrue)) browse(m_path);
    ImGui::SameLine();
    if (ImGui::Button("Go")) browse(m_path);
    ImGui::SameLine();
    if (ImGui::Button("Open")) chosen = ModelSource{m_path, ""};
    if (m_browse_entry) {
        const ModelEntry& e = *m_browse_entry;
        if (e.usable) {
            ImGui::Text("This folder is a %s model: %d layers x %d heads, %s parameters (%s).",
                        e.model_type.c_str(), e.n_layer, e.n_head, format_count(e.n_params).c_str(),
                        format_bytes(e.weight_bytes).c_str());
        } else {
            ImGui::TextColored(ImVec4(1, 0.7f, 0.4f, 1), "Not usable: %s", e.problem.c_str());
        }
    }
    ImGui::BeginChild("##browser", ImVec2(0, -ImGui::GetFrameHeightWithSpacing()), true);
    if (ImGui::Selectable(".. (parent folder)")) browse(m_browse_dir.parent_path());
    fs::path next;
    for (const fs::path& child : m_children) {
        if (ImGui::Selectable((child.filename().string() + "/").c_str())) next = child;
    }
    ImGui::EndChild();
    if (!next.empty()) browse(next);
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    if (chosen) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return chosen;
}

}  // namespace attnscope::app
