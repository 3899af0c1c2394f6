#include "options_view.h"

#include <imgui.h>

#include "../widgets.h"

namespace attnscope::app {

namespace {

bool colormap_combo(const char* label, Colormap* map, bool diverging) {
    bool changed = false;
    if (ImGui::BeginCombo(label, colormap_name(*map))) {
        for (int i = 0; i < k_colormap_count; ++i) {
            const Colormap m = Colormap(i);
            if (colormap_is_diverging(m) != diverging) continue;
            if (ImGui::Selectable(colormap_name(m), m == *map)) {
                *map = m;
                changed = true;
            }
        }
        ImGui::EndCombo();
    }
    return changed;
}

}  // namespace

bool OptionsView::draw(DisplayOptions& o) {
    bool changed = false;
    changed |= ImGui::Checkbox("Hide special tokens", &o.hide_special);
    ImGui::SameLine();
    widgets::help_marker(
        "Hide [CLS], [SEP], <s> and other added tokens. Each row is renormalised over the "
        "tokens still shown, so it sums to 1 again.");
    changed |= ImGui::Checkbox("Words", &o.words);
    ImGui::SameLine();
    widgets::help_marker(
        "Merge sub-word tokens into words in every attention view (Clark et al. 2019): a word's "
        "row is the mean of its pieces' rows, a word's column the sum of its pieces' columns, so "
        "rows still sum to 1. Special tokens are words of their own; with \"Hide special "
        "tokens\" they are dropped (and rows renormalised) before merging. The Q/K/V view and "
        "the softmax stepper stay per token.");
    int lens = int(o.lens);
    const char* const lenses[] = {"weights", "value-weighted"};  // in Lens order
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.5f);
    changed |= ImGui::Combo("Lens", &lens, lenses, IM_ARRAYSIZE(lenses));
    ImGui::SameLine();
    widgets::help_marker(
        "Attention weights: the softmax w_ij.\nValue-weighted (Kobayashi et al. 2020): "
        "|| w_ij * v_j W_O ||, how far key j actually moves query i's output through the head, "
        "so a key with a large weight but a tiny value vector (often [CLS], [SEP], <s>) fades. "
        "Each row is rescaled to sum 1, so colours, head means and rollout read as for weights; "
        "tooltips say which lens a value is under.");
    o.lens = Lens(lens);
    changed |= ImGui::Checkbox("Number layers and heads from 1", &o.one_based);
    const float w = ImGui::GetContentRegionAvail().x * 0.5f;
    ImGui::SetNextItemWidth(w);
    changed |= colormap_combo("Colour map", &o.colormap, false);
    ImGui::SetNextItemWidth(w);
    changed |= colormap_combo("Differences", &o.diverging, true);
    int scale = int(o.scale);
    ImGui::TextUnformatted("Scale");
    ImGui::SameLine();
    changed |= ImGui::RadioButton("0..1", &scale, int(ValueScale::Unit));
    ImGui::SameLine();
    changed |= ImGui::RadioButton("0..max", &scale, int(ValueScale::HeadMax));
    ImGui::SameLine();
    widgets::help_marker(
        "0..1: a colour means the same weight in every head.\n0..max: each head "
        "uses its whole colour range, so faint heads become visible.");
    o.scale = ValueScale(scale);
    if (m_font_scale_edit == 0) m_font_scale_edit = o.font_scale;
    ImGui::SetNextItemWidth(w);
    ImGui::SliderFloat("Text size", &m_font_scale_edit, 0.75f, 2.0f, "%.2fx");
    if (ImGui::IsItemDeactivatedAfterEdit()) {
        o.font_scale = m_font_scale_edit;
        changed = true;
    } else if (!ImGui::IsItemActive()) {
        m_font_scale_edit = o.font_scale;
    }
    return changed;
}

}  // namespace attnscope::app
