#include "import_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "../widgets.h"

namespace attnscope::app {

namespace fs = std::filesystem;

namespace {
constexpr size_t k_max_entries = 500;  // a huge folder is listed in part (typing a path works)
}  // namespace

void ImportView::open(const fs::path& folder) {
    std::error_code ec;
    browse(folder.empty() ? fs::current_path(ec) : folder);
    m_open_request = true;
}

// Lists the folder once when it changes (never per frame: it touches the disk).
void ImportView::browse(const fs::path& folder) {
    m_folder = folder;
    m_folders.clear();
    m_files.clear();
    m_truncated = false;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        if (m_folders.size() + m_files.size() >= k_max_entries) {
            m_truncated = true;
            break;
        }
        const fs::path& p = it->path();
        if (p.filename().string().starts_with(".")) continue;
        std::error_code ec2;
        if (it->is_directory(ec2)) {
            m_folders.push_back(p);
        } else if (p.extension() == ".npz" || p.extension() == ".npy") {
            m_files.push_back(p);
        }
    }
    std::sort(m_folders.begin(), m_folders.end());
    std::sort(m_files.begin(), m_files.end());
}

std::optional<fs::path> ImportView::draw() {
    std::optional<fs::path> out;
    if (m_open_request) {
        ImGui::OpenPopup("Open attention");
        m_open_request = false;
    }
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x * 0.6f, vp->WorkSize.y * 0.6f),
                             ImGuiCond_Appearing);
    if (!ImGui::BeginPopupModal("Open attention", nullptr)) return out;
    ImGui::TextUnformatted("Attention saved by another program, e.g. Hugging Face transformers:");
    ImGui::SameLine();
    widgets::help_marker(
        "np.savez(\"a.npz\", attention=np.stack([a[0].numpy() for a in out.attentions]), "
        "tokens=np.array(tokens))\n\n"
        "'attention' is [layers, heads, tokens, tokens] (or with a batch of one after the "
        "layers); per-layer arrays attention_0, attention_1 ... work too. 'tokens' is optional. "
        "float16/32/64, compressed or not. Every row must sum to 1.\n\n"
        "Only attention is in such a file: the Q/K/V view, the softmax stepper and the "
        "prediction need a model the engine runs.");
    ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 5.0f);
    const bool enter = ImGui::InputText("##file", &m_path, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    std::error_code ec;
    const bool is_file = fs::is_regular_file(m_path, ec);
    ImGui::BeginDisabled(!is_file);
    if ((ImGui::Button("Open") || enter) && is_file) {
        out = fs::path(m_path);
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndDisabled();

    ImGui::TextDisabled("%s", m_folder.string().c_str());
    ImGui::BeginChild("##files", ImVec2(0, -ImGui::GetFrameHeightWithSpacing()), true);
    std::optional<fs::path> go;
    if (m_folder.has_parent_path() && m_folder != m_folder.root_path() &&
        ImGui::Selectable(".. (up)"))
        go = m_folder.parent_path();
    for (const fs::path& f : m_folders)
        if (ImGui::Selectable((f.filename().string() + "/").c_str())) go = f;
    for (const fs::path& f : m_files) {
        if (ImGui::Selectable(f.filename().string().c_str(), m_path == f.string(),
                              ImGuiSelectableFlags_AllowDoubleClick)) {
            m_path = f.string();
            if (ImGui::IsMouseDoubleClicked(0)) {
                out = f;
                ImGui::CloseCurrentPopup();
            }
        }
    }
    if (m_folders.empty() && m_files.empty()) ImGui::TextDisabled("No .npz files here.");
    if (m_truncated) ImGui::TextDisabled("(the first %zu entries)", k_max_entries);
    ImGui::EndChild();
    if (go) browse(*go);
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return out;
}

}  // namespace attnscope::app
