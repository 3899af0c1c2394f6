#include "sentence_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace attnscope::app {

bool SentenceView::draw(RunRequest& input, const LoadedModel* model, bool running, bool focus) {
    bool changed = false;
    const bool pair_ok = model && model->accepts_pair;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(pair_ok && input.use_pair ? "Sentence A" : "Sentence");
    ImGui::SameLine();
    const float status_w = ImGui::CalcTextSize("running...").x + ImGui::GetStyle().ItemSpacing.x;
    ImGui::SetNextItemWidth(-status_w - (pair_ok ? ImGui::GetFrameHeight() * 6.5f : 0.0f));
    if (focus) ImGui::SetKeyboardFocusHere();
    changed |= ImGui::InputTextWithHint("##text", "Type a sentence", &input.text);
    if (pair_ok) {
        ImGui::SameLine();
        changed |= ImGui::Checkbox("Sentence pair", &input.use_pair);
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Give the model a second segment (BERT-style sentence pairs).");
    }
    ImGui::SameLine();
    if (running) {
        ImGui::TextDisabled("running...");
    } else {
        ImGui::TextDisabled("         ");
    }
    if (pair_ok && input.use_pair) {
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted("Sentence B");
        ImGui::SameLine();
        ImGui::SetNextItemWidth(-status_w);
        changed |= ImGui::InputTextWithHint("##pair", "Second sentence", &input.pair);
    }
    return changed;
}

}  // namespace attnscope::app
