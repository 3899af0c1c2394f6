#include "welcome_view.h"

#include <imgui.h>
#include <cstdio>
#include <filesystem>

#include "../widgets.h"

namespace attnscope::app {

bool WelcomeView::draw(const std::vector<SearchRoot>& roots, const std::vector<ModelEntry>& entries,
                       const LoadState& loading, const ModelEntry** chosen) {
    bool open = false;
    const float width = std::min(ImGui::GetContentRegionAvail().x, 760.0f);
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() +
                         (ImGui::GetContentRegionAvail().x - width) * 0.5f);
    ImGui::BeginChild("##welcome", ImVec2(width, 0), false);
    ImGui::Dummy(ImVec2(0, 20));
    ImGui::TextUnformatted("attnscope shows how a transformer pays attention, live as you type.");
    ImGui::Dummy(ImVec2(0, 8));
    if (loading.active) {
        ImGui::TextWrapped("Loading %s ...", loading.what.c_str());
        ImGui::ProgressBar(loading.progress, ImVec2(-1, 0));
        ImGui::EndChild();
        return false;
    }
    if (first_usable(entries)) {
        ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.4f, 1.0f), "No model loaded. Models found:");
        for (const ModelEntry& e : entries) {
            if (!e.usable) continue;
            char label[512];
            std::snprintf(label, sizeof label, "%s  (%s, %d layers x %d heads, %s parameters)",
                          e.name.c_str(), e.model_type.c_str(), e.n_layer, e.n_head,
                          format_count(e.n_params).c_str());
            if (ImGui::Selectable(label)) *chosen = &e;
        }
    } else {
        ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.4f, 1.0f), "No model found.");
    }
    ImGui::Dummy(ImVec2(0, 6));
    ImGui::TextWrapped(
        "attnscope opens Hugging Face model folders (config.json, model.safetensors and the "
        "tokenizer files) of GPT-2, BERT, DistilBERT, RoBERTa and Llama models.");
    ImGui::Dummy(ImVec2(0, 6));
    ImGui::TextUnformatted("Put a model folder in one of these places:");
    std::error_code ec;
    ImGui::BulletText("./models/<name>/  (next to where you start attnscope: %s/models)",
                      std::filesystem::current_path(ec).string().c_str());
    ImGui::BulletText("a folder named by the environment variable ATTNSCOPE_MODELS");
    ImGui::BulletText(
        "the Hugging Face cache, ~/.cache/huggingface/hub (attnscope pull, huggingface-cli)");
    ImGui::Dummy(ImVec2(0, 6));
    ImGui::TextUnformatted(
        "To download GPT-2 small (550 MB) into the Hugging Face cache, for example:");
    ImGui::Indent();
    ImGui::TextDisabled("attnscope pull gpt2");
    ImGui::TextDisabled("or: Open a model folder... > Download from the Hugging Face Hub");
    ImGui::Unindent();
    ImGui::Dummy(ImVec2(0, 10));
    if (ImGui::Button("Open a model folder...")) open = true;
    ImGui::Dummy(ImVec2(0, 10));
    if (!roots.empty()) {
        ImGui::TextDisabled("Searched:");
        for (const SearchRoot& r : roots)
            ImGui::BulletText("%s (%s)", r.dir.string().c_str(), r.origin.c_str());
    }
    for (const ModelEntry& e : entries) {
        if (!e.usable) ImGui::BulletText("%s: %s", e.name.c_str(), e.problem.c_str());
    }
    ImGui::EndChild();
    return open;
}

}  // namespace attnscope::app
