#include "softmax_view.h"

#include <imgui.h>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "../widgets.h"
#include "teach_draw.h"

namespace attnscope::app {

namespace {

// Short stage names, also the table's column headers.
constexpr const char* k_short[k_softmax_stage_count] = {
    "1 q\u00b7k", "2 \u00f7\u221aD", "3 +mask", "4 \u2212max", "5 exp", "6 \u03a3", "7 \u00f7\u03a3",
    "8 \u03a3 w\u00b7v"};
// The stages that have their own number column (Sum only adds the exps up).
constexpr int k_number_stages[] = {0, 1, 2, 3, 4, 6};

bool pressed(ImGuiKey key) {
    return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key), true);
}

// Row i of the heatmap: the final weights, in the heatmap's colours.
void heatmap_row(const TeachModel& m, Colormap map, float width, float height, float alpha) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const int T = m.steps.n_token;
    const float cell = width / float(std::max(1, T));
    for (int j = 0; j < T; ++j) {
        const ImVec2 a(std::floor(p.x + j * cell), p.y), b(std::floor(p.x + (j + 1) * cell), p.y + height);
        if (!m.steps.allowed[size_t(j)]) {
            teach::add_stripes(dl, a, b);
        } else {
            const Rgb8 c = colormap_rgb(map, m.steps.weights[size_t(j)]);
            dl->AddRectFilled(a, b, widgets::color(c, alpha));
        }
    }
    ImGui::Dummy(ImVec2(width, height));
}

}  // namespace

StepperKeys read_stepper_keys() {
    StepperKeys k;
    if (ImGui::GetIO().WantTextInput) return k;  // typing in the sentence box
    k.play_pause = ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false);
    k.forward = pressed(ImGuiKey_RightArrow);
    k.back = pressed(ImGuiKey_LeftArrow);
    k.faster = pressed(ImGuiKey_UpArrow);
    k.slower = pressed(ImGuiKey_DownArrow);
    k.first = pressed(ImGuiKey_Home);
    k.last = pressed(ImGuiKey_End);
    return k;
}

std::string token_level_note(const DisplayOptions& o, bool stepper) {
    std::string note;
    auto add = [&](const char* part) { note += note.empty() ? part : std::string("; ") + part; };
    if (o.words) add("per token, not per word");
    if (o.lens != Lens::Attention) add("attention weights, not the value-weighted lens");
    if (stepper && o.hide_special)
        add("the raw softmax row over every token (the other views hide special tokens and "
            "renormalise)");
    if (!note.empty()) note[0] = char(std::toupper(static_cast<unsigned char>(note[0])));
    return note;
}

void SoftmaxView::draw(const TeachModel& m, Stepper& stepper, Selection& sel, Colormap colormap) {
    const float fs = ImGui::GetFontSize();
    const float panel_w = std::min(fs * 17.0f, ImGui::GetContentRegionAvail().x * 0.4f);
    ImGui::BeginChild("##stepper_panel", ImVec2(panel_w, 0), false);
    draw_panel(m, stepper, colormap);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##stepper_table", ImVec2(0, 0), false);
    draw_table(m, stepper, sel, colormap);
    ImGui::EndChild();
}

void SoftmaxView::draw_panel(const TeachModel& m, Stepper& stepper, Colormap colormap) {
    const SoftmaxSteps& s = m.steps;
    const float fs = ImGui::GetFontSize();
    // Controls: first, back, play/pause, forward, last, speed.
    if (ImGui::Button("|<")) stepper.first();
    ImGui::SameLine(0, 4);
    if (ImGui::Button("<")) stepper.back();
    ImGui::SameLine(0, 4);
    if (ImGui::Button(stepper.playing() ? "Pause" : "Play", ImVec2(fs * 3.6f, 0)))
        stepper.toggle_play();
    ImGui::SameLine(0, 4);
    if (ImGui::Button(">")) stepper.forward();
    ImGui::SameLine(0, 4);
    if (ImGui::Button(">|")) stepper.last();
    ImGui::SameLine();
    ImGui::SetNextItemWidth(fs * 3.6f);
    char speed[16];
    std::snprintf(speed, sizeof speed, "%gx", double(stepper.speed() * 2.0f));
    if (ImGui::BeginCombo("##speed", speed)) {
        for (int i = 0; i < Stepper::k_speed_count; ++i) {
            char item[16];
            std::snprintf(item, sizeof item, "%gx", double(Stepper::k_speeds[i] * 2.0f));
            if (ImGui::Selectable(item, i == stepper.speed_index())) stepper.set_speed_index(i);
        }
        ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Animation speed (Up / Down arrows)");
    ImGui::TextDisabled("Space play/pause, \u2190 \u2192 step");
    teach::draw_teach_notes(m);

    // The stages, current one highlighted; a click jumps there.
    ImGui::Separator();
    for (int k = 0; k < k_softmax_stage_count; ++k) {
        const bool current = k == stepper.stage();
        const bool done = k < stepper.stage();
        ImGui::PushID(k);
        ImGui::PushStyleColor(ImGuiCol_Text, current ? widgets::accent()
                                             : done  ? ImGui::GetColorU32(ImGuiCol_Text)
                                                     : ImGui::GetColorU32(ImGuiCol_TextDisabled));
        const std::string item = std::string(current ? "\u25b6 " : "   ") +
                                 softmax_stage_title(SoftmaxStage(k));
        if (ImGui::Selectable(item.c_str(), current)) stepper.set_stage(k);
        ImGui::PopStyleColor();
        ImGui::PopID();
    }
    ImGui::Separator();

    // What this stage does, and its one number.
    const SoftmaxStage stage = stepper.softmax_stage();
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(softmax_stage_explanation(stage));
    ImGui::PopTextWrapPos();
    ImGui::Spacing();
    ImGui::PushStyleColor(ImGuiCol_Text, widgets::accent());
    switch (stage) {
        case SoftmaxStage::DotProducts:
            ImGui::Text("q has D = %d numbers", s.d_head);
            break;
        case SoftmaxStage::Scale:
            ImGui::Text("1/\u221a%d = %s", s.d_head, format_teach_value(s.scale).c_str());
            break;
        case SoftmaxStage::Mask: {
            const int n_masked = int(std::count(s.allowed.begin(), s.allowed.end(), uint8_t(0)));
            ImGui::Text("%d of %d keys masked", n_masked, s.n_token);
            break;
        }
        case SoftmaxStage::SubtractMax:
            ImGui::Text("row max = %s", format_teach_value(s.row_max).c_str());
            break;
        case SoftmaxStage::Exp:
            ImGui::TextUnformatted("exp(0) = 1, exp(\u2212\u221e) = 0");
            break;
        case SoftmaxStage::Sum: {
            // The sum grows as the rows are added, top to bottom.
            const int T = s.n_token;
            const int upto = int(std::ceil(stepper.eased() * float(T)));
            double partial = 0;
            for (int j = 0; j < upto; ++j) partial += s.exps[size_t(j)];
            ImGui::Text("\u03a3 exp = %s", format_teach_value(float(partial)).c_str());
            break;
        }
        case SoftmaxStage::Normalise:
            ImGui::Text("\u03a3 exp = %s;  \u03a3 w = 1", format_teach_value(s.sum).c_str());
            break;
        case SoftmaxStage::WeightedSum:
            ImGui::TextUnformatted("output = \u03a3 w\u00b7v:");
            break;
    }
    ImGui::PopStyleColor();
    const float w = ImGui::GetContentRegionAvail().x;
    if (stage == SoftmaxStage::WeightedSum) {
        teach::vector_strip(s.output, m.contribution_abs, w, fs * 1.2f, "output", stepper.eased());
        widgets::muted_text("It goes on through W_O into the residual stream.");
    }
    if (stage >= SoftmaxStage::Normalise) {
        ImGui::TextUnformatted("= this token's row of the heatmap:");
        heatmap_row(m, colormap, w, fs * 1.2f, 1.0f);
    }
}

void SoftmaxView::draw_table(const TeachModel& m, const Stepper& stepper, Selection& sel,
                             Colormap colormap) {
    const SoftmaxSteps& s = m.steps;
    const int T = s.n_token;
    const int stage = stepper.stage();
    const float t = stepper.eased();
    const float fs = ImGui::GetFontSize();

    // The animated values of the current stage: from the previous stage's to this one's.
    const SoftmaxStage to = SoftmaxStage(stage);
    const SoftmaxStage from = SoftmaxStage(std::max(0, stage - 1));
    m_anim.resize(size_t(T));
    if (stage == 0) {
        for (int j = 0; j < T; ++j) m_anim[size_t(j)] = s.dots[size_t(j)] * t;
    } else {
        interpolate_values(m_anim, stage_values(s, from), stage_values(s, to), t);
    }
    const bool show_contrib = stage == int(SoftmaxStage::WeightedSum);
    // The last column: the current stage's values as bars, or at the last stage w_j·v_j strips.
    const int n_cols = 1 + int(std::size(k_number_stages)) + 1;
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
    // Tight rows: a 20-token sentence fits a 1280x720 screen at classroom size.
    ImGui::PushStyleVar(ImGuiStyleVar_CellPadding,
                        ImVec2(ImGui::GetStyle().CellPadding.x, 1.0f));
    const bool open = ImGui::BeginTable("##steps", n_cols, flags);
    ImGui::PopStyleVar();
    if (!open) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("Key", ImGuiTableColumnFlags_WidthFixed, fs * 5.5f);
    const float num_w = ImGui::CalcTextSize("\u2212000.00").x;
    for (int k : k_number_stages)
        ImGui::TableSetupColumn(k_short[k], ImGuiTableColumnFlags_WidthFixed, num_w);
    ImGui::TableSetupColumn(show_contrib ? "w_j\u00b7v_j" : k_short[stage],
                            ImGuiTableColumnFlags_WidthStretch);
    // Header: the current stage's column stands out.
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    for (int c = 0; c < n_cols; ++c) {
        ImGui::TableSetColumnIndex(c);
        const bool hot = c >= 1 && c <= int(std::size(k_number_stages)) &&
                         (k_number_stages[c - 1] == stage ||
                          (stage == int(SoftmaxStage::Sum) && k_number_stages[c - 1] == 4));
        if (hot) ImGui::PushStyleColor(ImGuiCol_Text, widgets::accent());
        ImGui::TableHeader(ImGui::TableGetColumnName(c));
        if (hot) ImGui::PopStyleColor();
    }

    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
    const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const bool signed_bar = stage <= int(SoftmaxStage::SubtractMax);
    // Signed stages: the range of the two stages animated between (bars shrink when scaled).
    const float bar_abs = signed_bar ? std::max(m.stage_abs[size_t(from)], m.stage_abs[size_t(to)])
                                     : 1.0f;
    if (s.query != m_scrolled_to) {
        m_scrolled_to = s.query;
        const float row_total = ImGui::GetTextLineHeight() + 2.0f;  // cell padding 1 + 1
        ImGui::SetScrollY(std::max(0.0f, (float(s.query) + 2.0f) * row_total -
                                             ImGui::GetWindowHeight()));
    }
    const int sum_upto = stage == int(SoftmaxStage::Sum) ? int(std::ceil(t * float(T))) : T;
    const float row_h = ImGui::GetTextLineHeight();

    ImGuiListClipper clipper;
    clipper.Begin(T);
    while (clipper.Step()) {
        for (int j = clipper.DisplayStart; j < clipper.DisplayEnd; ++j) {
            ImGui::TableNextRow();
            const bool allowed = s.allowed[size_t(j)] != 0;
            if (sel.hovered == j)
                ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, widgets::accent(0.30f));
            ImGui::TableSetColumnIndex(0);
            ImGui::PushID(j);
            const std::string label = widgets::elide(m.labels[size_t(j)], fs * 5.2f);
            ImGui::PushStyleColor(ImGuiCol_Text, j == s.query ? widgets::accent()
                                                 : m.special[size_t(j)] ? dim : text);
            ImGui::Selectable(label.c_str(), false,
                              ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap);
            ImGui::PopStyleColor();
            if (ImGui::IsItemHovered()) {
                sel.hover_next = j;
                ImGui::SetTooltip("key %d: '%s'%s", j, m.labels[size_t(j)].c_str(),
                                  allowed ? "" : " (masked: after the query)");
            }
            ImGui::PopID();
            for (size_t c = 0; c < std::size(k_number_stages); ++c) {
                const int k = k_number_stages[c];
                ImGui::TableSetColumnIndex(int(c) + 1);
                if (k > stage) continue;  // not computed yet
                const bool animating = k == stage;
                float v = animating ? m_anim[size_t(j)] : stage_values(s, SoftmaxStage(k))[size_t(j)];
                const bool summed = k == 4 && stage == int(SoftmaxStage::Sum) && j < sum_upto;
                teach::text_right(format_teach_value(v),
                                  animating || summed ? widgets::accent() : allowed ? text : dim);
            }
            ImGui::TableSetColumnIndex(n_cols - 1);
            if (!show_contrib) {
                const float v = m_anim[size_t(j)];
                const ImU32 fill = signed_bar ? teach::diverging_color(v < 0 ? -1.0f : 1.0f, 1.0f)
                                              : teach::weight_color(v, colormap);
                teach::value_bar(v, bar_abs, signed_bar, ImGui::GetContentRegionAvail().x, row_h,
                                 fill);
            } else {
                teach::vector_strip(
                    std::span<const float>(s.contributions).subspan(size_t(j) * s.d_head, size_t(s.d_head)),
                    m.contribution_abs, ImGui::GetContentRegionAvail().x, row_h, "w\u00b7v", t);
            }
        }
    }
    ImGui::EndTable();
}

}  // namespace attnscope::app
