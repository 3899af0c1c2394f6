#include "search_view.h"

#include <imgui.h>
#include <algorithm>
#include <cmath>
#include <string>

#include "../widgets.h"

namespace attnscope::app {

void SearchView::draw_token_pickers(const DisplayTrace& d, CompareState& compare, Selection& sel) {
    // Two rows of token chips: the query (Selection::token, shared with every view) and the key.
    for (int row = 0; row < 2; ++row) {
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted(row == 0 ? "From (query)" : "To (key)    ");
        int& chosen = row == 0 ? sel.token : compare.search_key;
        const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
        for (int s = 0; s < d.n_token; ++s) {
            const int t = d.source_index[size_t(s)];
            const std::string label = widgets::elide(d.labels[size_t(s)], 120.0f);
            const float w =
                ImGui::CalcTextSize(label.c_str()).x + 2 * ImGui::GetStyle().FramePadding.x;
            ImGui::SameLine();
            if (ImGui::GetCursorScreenPos().x + w > right) {
                ImGui::NewLine();
                ImGui::Dummy(ImVec2(ImGui::CalcTextSize("From (query)").x, 0));
                ImGui::SameLine();
            }
            ImGui::PushID(row * 100000 + s);
            // A word is chosen when any of its pieces is.
            const bool on =
                chosen >= 0 && chosen < d.n_source_token && d.display_index[size_t(chosen)] == s;
            if (on) ImGui::PushStyleColor(ImGuiCol_Button, widgets::accent(0.55f));
            if (ImGui::Button(label.c_str())) {
                chosen = on ? -1 : t;
                // Clicking a query then a key: after the query, the key row is next.
            }
            if (ImGui::IsItemHovered()) sel.hover_next = t;
            if (on) ImGui::PopStyleColor();
            ImGui::PopID();
        }
    }
}

void SearchView::draw_rank_picker(CompareState& compare) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Rank heads by");
    ImGui::SameLine();
    const std::string current = compare.rank == SearchRank::Weight
                                    ? std::string("weight from query to key")
                                    : statistic_title(compare.statistic);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16.0f);
    if (ImGui::BeginCombo("##rank", current.c_str())) {
        if (ImGui::Selectable("weight from query to key", compare.rank == SearchRank::Weight))
            compare.rank = SearchRank::Weight;
        for (int i = 0; i < k_head_statistic_count; ++i) {
            const HeadStatistic s = HeadStatistic(i);
            const bool on = compare.rank == SearchRank::Statistic && compare.statistic == s;
            if (ImGui::Selectable(statistic_title(s), on)) {
                compare.rank = SearchRank::Statistic;
                compare.statistic = s;
            }
        }
        ImGui::EndCombo();
    }
}

void SearchView::update_ranking(const Key& key, const DisplayTrace& d,
                                gfx::HeatmapRenderer& renderer) {
    m_key = key;
    m_search = search_heads(d, key.products.get(), key.query, key.key, key.rank, key.statistic,
                            key.colormap);
    if (m_search.message.empty()) m_map.set(renderer, m_search.map);
}

void SearchView::draw(const std::shared_ptr<const DisplayTrace>& display,
                      const DisplayOptions& options, const Analyst& analyst,
                      gfx::HeatmapRenderer& renderer, CompareState& compare, Selection& sel,
                      std::vector<PixelProbe>* probes) {
    const DisplayTrace& d = *display;
    m_up_to_date = false;
    draw_rank_picker(compare);
    if (compare.rank == SearchRank::Weight) draw_token_pickers(d, compare, sel);
    // Statistics only count once the Analyst has this view model's.
    const std::shared_ptr<const AnalysisOutput> products =
        analyst.display() == display ? analyst.products() : nullptr;
    const Key key{display,      products,          sel.token,       compare.search_key,
                  compare.rank, compare.statistic, options.colormap};
    if (!(key == m_key)) update_ranking(key, d, renderer);
    m_up_to_date = compare.rank == SearchRank::Weight || key.products != nullptr;
    ImGui::Separator();
    if (!m_search.message.empty()) {
        widgets::muted_text(m_search.message.c_str());
        return;
    }
    const int L = d.n_layer, H = d.n_head;
    ImGui::TextUnformatted(search_title(d, m_search, compare.rank, compare.statistic).c_str());
    ImGui::SameLine();
    m_legend.draw(renderer, m_map.colormap(), m_map.range(), ImGui::GetFontSize() * 6.0f);

    // Left: the layers x heads map; right: the top ten.
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float list_w = ImGui::GetFontSize() * 22.0f;
    const float label_w = ImGui::CalcTextSize("L00").x + 8.0f;
    const float head_h = ImGui::GetTextLineHeight() + 4.0f;
    float cell = std::min((avail.x - list_w - label_w - 24.0f) / float(H),
                          (avail.y - head_h - 8.0f) / float(L));
    cell = std::clamp(std::floor(cell), 4.0f, 64.0f);
    ImGui::BeginGroup();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    for (int h = 0; h < H; ++h) {
        if (cell < ImGui::GetFontSize() * 1.4f && h % 2) continue;
        const std::string l = d.head_labels[size_t(h)];
        dl->AddText(
            ImVec2(o.x + label_w + h * cell + (cell - ImGui::CalcTextSize(l.c_str()).x) / 2, o.y),
            dim, l.c_str());
    }
    for (int l = 0; l < L; ++l) {
        const std::string s = "L" + d.layer_labels[size_t(l)];
        dl->AddText(ImVec2(o.x, o.y + head_h + l * cell + (cell - ImGui::GetTextLineHeight()) / 2),
                    l == sel.layer ? ImGui::GetColorU32(ImGuiCol_Text) : dim, s.c_str());
    }
    ImGui::SetCursorScreenPos(ImVec2(o.x + label_w, o.y + head_h));
    const MatrixPanel::Hit hit =
        m_map.draw("##heads", cell, -1, sel.layer, sel.head, probes, "search map");
    if (hit.row >= 0) {
        ImGui::BeginTooltip();
        ImGui::Text("Layer %s, head %s: %.4f", d.layer_labels[size_t(hit.row)].c_str(),
                    d.head_labels[size_t(hit.col)].c_str(), m_map.value(hit.row, hit.col));
        ImGui::TextDisabled("click to select, double-click to open the heatmap");
        ImGui::EndTooltip();
        if (hit.clicked) {
            sel.layer = hit.row;
            sel.head = hit.col;
        }
        if (ImGui::IsMouseDoubleClicked(0)) sel.view = ViewKind::Heatmap;
    }
    ImGui::EndGroup();

    ImGui::SameLine(0, 24.0f);
    ImGui::BeginGroup();
    ImGui::Text("Top %zu", k_search_top);
    if (ImGui::BeginTable("##top", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit,
                          ImVec2(list_w, 0))) {
        ImGui::TableSetupColumn("#");
        ImGui::TableSetupColumn("head");
        ImGui::TableSetupColumn("score");
        ImGui::TableSetupColumn("");
        ImGui::TableHeadersRow();
        for (size_t i = 0; i < std::min(k_search_top, m_search.ranking.size()); ++i) {
            const RankedHead& r = m_search.ranking[i];
            ImGui::PushID(int(i));
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::Text("%zu", i + 1);
            ImGui::TableNextColumn();
            const std::string name =
                "L" + d.layer_labels[size_t(r.layer)] + " H" + d.head_labels[size_t(r.head)];
            if (ImGui::Selectable(name.c_str(), r.layer == sel.layer && r.head == sel.head)) {
                sel.layer = r.layer;
                sel.head = r.head;
            }
            if (products && ImGui::IsItemHovered()) {
                const HeadStats& s = products->stats[size_t(r.layer) * H + r.head];
                ImGui::SetTooltip("%s\n%s\n%s", head_stats_line(s, 0).c_str(),
                                  head_stats_line(s, 1).c_str(), head_stats_line(s, 2).c_str());
            }
            ImGui::TableNextColumn();
            ImGui::Text("%.3f", r.weight);
            ImGui::TableNextColumn();
            const HeadRef ref{r.layer, r.head};
            const bool pinned =
                std::find(compare.pins.begin(), compare.pins.end(), ref) != compare.pins.end();
            ImGui::BeginDisabled(pinned || int(compare.pins.size()) >= k_max_pins);
            if (ImGui::SmallButton(pinned ? "pinned" : "pin")) compare.add_pin(ref);
            ImGui::EndDisabled();
            ImGui::PopID();
        }
        ImGui::EndTable();
    }
    ImGui::EndGroup();
}

}  // namespace attnscope::app
