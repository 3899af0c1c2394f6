#include "model_picker_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>
#include <algorithm>
#include <cstdio>

#include "../widgets.h"
#include "attnscope/hub.h"

namespace attnscope::app {

namespace fs = std::filesystem;

namespace {

ModelSource folder_source(const fs::path& dir) {
    ModelSource source;
    source.dir = dir;
    return source;
}

std::string megabytes(uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / (1024.0 * 1024.0));
    return buf;
}

}  // namespace

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

void ModelPickerView::draw_hub_section(const std::vector<ModelEntry>& entries,
                                       const DownloadJob::Status& download, HubRequest* hub) {
    ImGui::TextUnformatted("Download from the Hugging Face Hub");
    ImGui::SameLine();
    widgets::help_marker(
        "Downloads config.json, the tokenizer files and the safetensors weights into the Hugging "
        "Face cache, which transformers shares. Same as `attnscope pull ID`. An interrupted "
        "download resumes where it stopped. HF_ENDPOINT sets the server, HF_TOKEN an access "
        "token for gated or private models.");
    const float avail = ImGui::GetContentRegionAvail().x;
    ImGui::SetNextItemWidth(avail * 0.6f);
    if (ImGui::BeginCombo("##known", "Known models: pick one, or type any id below",
                          ImGuiComboFlags_HeightLarge)) {
        for (const KnownHubModel& k : known_hub_models()) {
            const bool cached = find_hub_entry(entries, k.id) != nullptr;
            const std::string label = std::string(k.id) + "  (" + k.size +
                                      (cached ? ", in the cache)" : ")") + "  " + k.description;
            if (ImGui::Selectable(label.c_str(), m_hub_id == k.id)) {
                m_hub_id = k.id;
                m_hub_revision = "main";
            }
        }
        ImGui::EndCombo();
    }
    // Model id [.........] revision [....] [Download]: the id box takes what the rest leaves.
    const ImGuiStyle& style = ImGui::GetStyle();
    const float revision_w = ImGui::CalcTextSize("refs/pr/12345").x + style.FramePadding.x * 2;
    const float button_w = ImGui::CalcTextSize("Download").x + style.FramePadding.x * 2;
    const float id_w = avail - ImGui::CalcTextSize("Model id").x -
                       ImGui::CalcTextSize("revision").x - revision_w - button_w -
                       style.ItemSpacing.x * 4;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Model id");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::max(100.0f, id_w));
    bool enter = ImGui::InputText("##hub_id", &m_hub_id, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    ImGui::TextUnformatted("revision");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(revision_w);
    enter |=
        ImGui::InputText("##hub_revision", &m_hub_revision, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    const bool valid_id = is_hub_model_id(m_hub_id);
    const bool valid_revision = is_valid_revision(m_hub_revision);
    ImGui::BeginDisabled(download.active || !valid_id || !valid_revision);
    if ((ImGui::Button("Download") || enter) && !download.active && valid_id && valid_revision) {
        hub->download_id = m_hub_id;
        hub->revision = m_hub_revision;
    }
    ImGui::EndDisabled();

    if (download.active) {
        const DownloadProgress& p = download.progress;
        ImGui::TextUnformatted(download_status_line(download).c_str());
        const float fraction = p.total ? float(double(p.done) / double(p.total)) : 0.0f;
        const std::string overlay =
            p.total ? megabytes(p.done) + " / " + megabytes(p.total) : std::string();
        const float cancel_w =
            ImGui::CalcTextSize("Cancel").x + ImGui::GetStyle().FramePadding.x * 4;
        ImGui::ProgressBar(fraction, ImVec2(-cancel_w, 0), overlay.c_str());
        ImGui::SameLine();
        ImGui::BeginDisabled(download.cancelling);
        if (ImGui::Button("Cancel##download")) hub->cancel = true;
        ImGui::EndDisabled();
    } else if (!m_hub_id.empty() && !valid_id) {
        ImGui::TextColored(ImVec4(1, 0.7f, 0.4f, 1),
                           "'%s' is not a model id: use name or org/name (e.g. gpt2)",
                           m_hub_id.c_str());
    } else if (!valid_revision) {
        ImGui::TextColored(ImVec4(1, 0.7f, 0.4f, 1), "'%s' is not a revision name",
                           m_hub_revision.c_str());
    } else if (find_hub_entry(entries, m_hub_id)) {
        widgets::muted_text(("'" + m_hub_id +
                             "' is in the cache already (listed above); Download fetches what "
                             "changed on the Hub, then opens it.")
                                .c_str());
    } else {
        widgets::muted_text("When the download ends, the model opens.");
    }
}

std::optional<ModelSource> ModelPickerView::draw(const std::vector<ModelEntry>& entries,
                                                 const std::vector<SearchRoot>& roots, bool* rescan,
                                                 const DownloadJob::Status& download,
                                                 HubRequest* hub) {
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
    const float list_h = ImGui::GetContentRegionAvail().y * 0.38f;
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
                chosen = folder_source(e.dir);
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
        if (entries.empty()) {  // inside the table, so the sections below keep their place
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextDisabled("None found yet: download one below.");
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip(
                    "Searched $ATTNSCOPE_MODELS, ./models and the Hugging Face cache.");
        }
        ImGui::EndTable();
    }

    ImGui::Separator();
    draw_hub_section(entries, download, hub);

    ImGui::Separator();
    ImGui::TextUnformatted("Open a folder, or a model id from the cache");
    ImGui::SetNextItemWidth(-ImGui::CalcTextSize("Go  Open").x - 40);
    if (ImGui::InputText("##path", &m_path, ImGuiInputTextFlags_EnterReturnsTrue)) browse(m_path);
    ImGui::SameLine();
    if (ImGui::Button("Go")) browse(m_path);
    ImGui::SameLine();
    if (ImGui::Button("Open")) chosen = folder_source(m_path);
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
