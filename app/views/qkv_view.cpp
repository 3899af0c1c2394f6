#include "qkv_view.h"

#include <imgui.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "../widgets.h"
#include "teach_draw.h"

namespace attnscope::app {

namespace {

enum Column { Key, KStrip, Product, Dot, Scaled, Mask, Weight, VStrip, Contribution, ColumnCount };

// The column a stepper stage is about (stages 4-7 are all about the weight).
int column_of_stage(int stage) {
    switch (SoftmaxStage(stage)) {
        case SoftmaxStage::DotProducts:
            return Dot;
        case SoftmaxStage::Scale:
            return Scaled;
        case SoftmaxStage::Mask:
            return Mask;
        case SoftmaxStage::WeightedSum:
            return Contribution;
        default:
            return Weight;
    }
}

}  // namespace

void QkvView::draw(const TeachModel& m, int stage, Selection& sel, Colormap colormap) {
    const SoftmaxSteps& s = m.steps;
    const int T = s.n_token, D = s.d_head;
    const float fs = ImGui::GetFontSize();
    const float strip_w = std::clamp(float(D) * 6.0f, fs * 5.0f, fs * 9.0f);
    const float row_h = ImGui::GetTextLineHeight();

    teach::draw_teach_notes(m);
    // The query, the formula, the scale.
    ImGui::AlignTextToFramePadding();
    ImGui::Text("q  ('%s', token %d):", m.labels[size_t(s.query)].c_str(), s.query);
    ImGui::SameLine();
    teach::vector_strip(s.q, m.qk_abs, strip_w * 1.5f, ImGui::GetFrameHeight(), "q");
    ImGui::SameLine();
    ImGui::Text("  output = \u03a3_j softmax(q\u00b7k_j / \u221a%d + mask_j) \u00b7 v_j,   "
                "1/\u221a%d = %s",
                D, D, format_teach_value(s.scale).c_str());
    widgets::muted_text(
        "Each row is one key token j: its key k_j, the element-wise product q\u2218k_j, their sum "
        "q\u00b7k_j, scaled, masked, the softmax weight w_j, the value v_j and w_j\u00b7v_j. "
        "Blue is negative, red positive. Hover a strip for its numbers.");

    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX |
                                  ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_SizingFixedFit;
    const float footer_h = ImGui::GetFrameHeightWithSpacing() * 1.6f;
    if (!ImGui::BeginTable("##qkv", ColumnCount, flags, ImVec2(0, -footer_h))) return;
    ImGui::TableSetupScrollFreeze(1, 1);
    const float num_w = ImGui::CalcTextSize("\u2212000.00").x;
    ImGui::TableSetupColumn("Key j", ImGuiTableColumnFlags_WidthFixed, fs * 5.5f);
    ImGui::TableSetupColumn("k_j", ImGuiTableColumnFlags_WidthFixed, strip_w);
    ImGui::TableSetupColumn("q\u2218k_j", ImGuiTableColumnFlags_WidthFixed, strip_w);
    ImGui::TableSetupColumn("q\u00b7k_j", ImGuiTableColumnFlags_WidthFixed, num_w);
    ImGui::TableSetupColumn("\u00f7\u221aD", ImGuiTableColumnFlags_WidthFixed, num_w);
    ImGui::TableSetupColumn("mask", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("mask ").x);
    ImGui::TableSetupColumn("weight w_j", ImGuiTableColumnFlags_WidthFixed, fs * 7.0f);
    ImGui::TableSetupColumn("v_j", ImGuiTableColumnFlags_WidthFixed, strip_w);
    ImGui::TableSetupColumn("w_j\u00b7v_j", ImGuiTableColumnFlags_WidthFixed, strip_w);
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    const int hot_col = column_of_stage(stage);
    for (int c = 0; c < ColumnCount; ++c) {
        ImGui::TableSetColumnIndex(c);
        if (c == hot_col) ImGui::PushStyleColor(ImGuiCol_Text, widgets::accent());
        ImGui::TableHeader(ImGui::TableGetColumnName(c));
        if (c == hot_col) ImGui::PopStyleColor();
    }

    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
    const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    ImGuiListClipper clipper;
    clipper.Begin(T);
    while (clipper.Step()) {
        for (int j = clipper.DisplayStart; j < clipper.DisplayEnd; ++j) {
            const bool allowed = s.allowed[size_t(j)] != 0;
            const auto row = [&](const std::vector<float>& v) {
                return std::span<const float>(v).subspan(size_t(j) * D, size_t(D));
            };
            ImGui::TableNextRow();
            if (sel.hovered == j)
                ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, widgets::accent(0.30f));
            ImGui::TableSetColumnIndex(Key);
            ImGui::PushID(j);
            ImGui::PushStyleColor(ImGuiCol_Text, j == s.query ? widgets::accent()
                                                 : m.special[size_t(j)] ? dim : text);
            ImGui::Selectable(widgets::elide(m.labels[size_t(j)], fs * 5.2f).c_str(), false,
                              ImGuiSelectableFlags_SpanAllColumns |
                                  ImGuiSelectableFlags_AllowItemOverlap);
            ImGui::PopStyleColor();
            if (ImGui::IsItemHovered()) sel.hover_next = j;
            ImGui::PopID();
            ImGui::TableSetColumnIndex(KStrip);
            teach::vector_strip(row(s.keys), m.qk_abs, strip_w, row_h, "k");
            ImGui::TableSetColumnIndex(Product);
            teach::vector_strip(row(s.products), m.product_abs, strip_w, row_h, "q\u2218k");
            ImGui::TableSetColumnIndex(Dot);
            teach::text_right(format_teach_value(s.dots[size_t(j)]), allowed ? text : dim);
            ImGui::TableSetColumnIndex(Scaled);
            teach::text_right(format_teach_value(s.scaled[size_t(j)]), allowed ? text : dim);
            ImGui::TableSetColumnIndex(Mask);
            teach::text_right(allowed ? "0" : "\u2212\u221e", allowed ? dim : text);
            ImGui::TableSetColumnIndex(Weight);
            {
                const float w = s.weights[size_t(j)];
                const float bar_w = fs * 2.6f;
                if (allowed) {
                    teach::value_bar(w, 1.0f, false, bar_w, row_h, teach::weight_color(w, colormap));
                } else {
                    teach::value_bar(-std::numeric_limits<float>::infinity(), 1.0f, false, bar_w, row_h, 0);
                }
                ImGui::SameLine();
                teach::text_right(format_teach_value(w), allowed ? text : dim);
            }
            ImGui::TableSetColumnIndex(VStrip);
            teach::vector_strip(row(s.values), m.value_abs, strip_w, row_h, "v");
            ImGui::TableSetColumnIndex(Contribution);
            teach::vector_strip(row(s.contributions), m.contribution_abs, strip_w, row_h, "w\u00b7v");
        }
    }
    ImGui::EndTable();

    // The output: the sum of the last column.
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("output = \u03a3_j w_j\u00b7v_j:");
    ImGui::SameLine();
    teach::vector_strip(s.output, m.contribution_abs, strip_w * 2.0f, ImGui::GetFrameHeight(), "output");
    ImGui::SameLine();
    ImGui::TextDisabled("  (%d numbers; then W_O maps all heads' outputs into the residual stream)",
                        D);
}

}  // namespace attnscope::app
