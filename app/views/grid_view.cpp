#include "grid_view.h"

#include <imgui.h>
#include <algorithm>
#include <cmath>
#include <string>

#include "../widgets.h"

namespace attnscope::app {

namespace {

// Cells of one head worth checking: a lower-left cell, one in the middle, the top-right (masked
// in causal models).
void add_probes(const DisplayTrace& d, const gfx::HeadTextures& textures, int l, int h, ImVec2 p,
                float thumb, std::vector<PixelProbe>* probes) {
    const int S = d.n_token;
    const float cell = thumb / float(S);
    if (cell < 3.0f) return;  // cells must cover whole pixels to compare colours
    const gfx::HeatmapStyle style = textures.style_of(l, h);
    const int cells[3][2] = {{S - 1, 0}, {S / 2, S / 4}, {0, S - 1}};
    for (const auto& c : cells) {
        const int i = c[0], j = c[1];
        PixelProbe probe;
        probe.x = p.x + (float(j) + 0.5f) * cell;
        probe.y = p.y + (float(i) + 0.5f) * cell;
        probe.value = d.weights_of(l, h)[size_t(i) * S + j];
        probe.masked = d.masked(i, j);
        probe.map = style.colormap;
        probe.range = style.range;
        probe.what = "grid layer " + std::to_string(l) + " head " + std::to_string(h) + " cell (" +
                     std::to_string(i) + ", " + std::to_string(j) + ")";
        probes->push_back(std::move(probe));
    }
}

}  // namespace

void GridView::draw(const DisplayTrace& d, gfx::HeadTextures& textures,
                    gfx::HeatmapRenderer& renderer, size_t budget_values, Selection& sel,
                    std::vector<PixelProbe>* probes) {
    widgets::muted_text(
        "Rows: layers, columns: heads. Each thumbnail: queries (rows) x keys "
        "(columns). Click a head to open it.");
    if (d.n_token == 0) {
        ImGui::TextUnformatted("No tokens to show (all are hidden special tokens).");
        return;
    }
    const int L = d.n_layer, H = d.n_head;
    const float gap = 6.0f;
    const float label_w = ImGui::CalcTextSize("Layer 00").x + gap;
    const float header_h = ImGui::GetTextLineHeight() + 4.0f;
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float fit = std::floor(
        std::min((avail.x - label_w - 16.0f) / H - gap, (avail.y - header_h - 8.0f) / L - gap));
    const float thumb = std::clamp(fit, 24.0f, 320.0f);
    textures.update(renderer, budget_values, int(thumb));
    if (!textures.supported())
        ImGui::TextColored(ImVec4(1, 0.7f, 0.4f, 1),
                           "This GPU cannot hold %d heads in one texture.", L * H);

    ImGui::BeginChild("##grid", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 size(label_w + H * (thumb + gap), header_h + L * (thumb + gap));
    ImGui::InvisibleButton("##cells", size);
    const bool hovered_any = ImGui::IsItemHovered();
    const bool clicked = ImGui::IsItemClicked();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
    const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);

    // Which head is under the mouse.
    int hover_l = -1, hover_h = -1;
    if (hovered_any) {
        const ImVec2 m = ImGui::GetMousePos();
        const float fx = (m.x - origin.x - label_w) / (thumb + gap);
        const float fy = (m.y - origin.y - header_h) / (thumb + gap);
        if (fx >= 0 && fy >= 0 && fx - std::floor(fx) < thumb / (thumb + gap) &&
            fy - std::floor(fy) < thumb / (thumb + gap) && int(fx) < H && int(fy) < L) {
            hover_h = int(fx);
            hover_l = int(fy);
        }
    }

    for (int h = 0; h < H; ++h) {
        const std::string label = "H" + d.head_labels[size_t(h)];
        const float w = ImGui::CalcTextSize(label.c_str()).x;
        dl->AddText(ImVec2(origin.x + label_w + h * (thumb + gap) + (thumb - w) * 0.5f, origin.y),
                    h == sel.head ? text : dim, label.c_str());
    }
    // The active token's row, marked beside every thumbnail.
    const int active = sel.active_token();
    const int active_row = active >= 0 && active < d.n_source_token ? d.display_index[active] : -1;
    auto corner = [&](int l, int h) {
        return ImVec2(std::floor(origin.x + label_w + h * (thumb + gap)),
                      std::floor(origin.y + header_h + l * (thumb + gap)));
    };
    // All thumbnails first: consecutive images of one texture merge into a single draw call.
    for (int l = 0; l < L; ++l) {
        for (int h = 0; h < H; ++h) {
            const ImVec2 p = corner(l, h), q(p.x + thumb, p.y + thumb);
            if (textures.ready(l, h)) {
                dl->AddImage(textures.atlas(), p, q, textures.uv_min(l, h), textures.uv_max(l, h));
                if (probes) add_probes(d, textures, l, h, p, thumb, probes);
            }
        }
    }
    for (int l = 0; l < L; ++l) {
        const float y = origin.y + header_h + l * (thumb + gap);
        const std::string label = "L" + d.layer_labels[size_t(l)];
        dl->AddText(ImVec2(origin.x, y + (thumb - ImGui::GetTextLineHeight()) * 0.5f),
                    l == sel.layer ? text : dim, label.c_str());
        for (int h = 0; h < H; ++h) {
            const ImVec2 p = corner(l, h), q(p.x + thumb, p.y + thumb);
            if (!textures.ready(l, h)) dl->AddRectFilled(p, q, IM_COL32(40, 40, 48, 255));
            if (active_row >= 0) {
                const float ry = p.y + (active_row + 0.5f) * thumb / d.n_token;
                dl->AddTriangleFilled(ImVec2(p.x - 5, ry - 3), ImVec2(p.x - 5, ry + 3),
                                      ImVec2(p.x - 1, ry), widgets::accent());
            }
            if (l == sel.layer && h == sel.head) {
                dl->AddRect(ImVec2(p.x - 2, p.y - 2), ImVec2(q.x + 2, q.y + 2), widgets::accent(),
                            0, 0, 2.0f);
            } else if (l == hover_l && h == hover_h) {
                dl->AddRect(ImVec2(p.x - 1, p.y - 1), ImVec2(q.x + 1, q.y + 1), text);
            }
        }
    }
    if (hover_l >= 0) {
        ImGui::BeginTooltip();
        ImGui::Text("Layer %s, head %s", d.layer_labels[size_t(hover_l)].c_str(),
                    d.head_labels[size_t(hover_h)].c_str());
        ImGui::TextDisabled("largest %s %.3f; click to open", lens_description(d).c_str(),
                            d.max_of(hover_l, hover_h));
        ImGui::EndTooltip();
        if (clicked) {
            sel.layer = hover_l;
            sel.head = hover_h;
            sel.view = ViewKind::Heatmap;
        }
    }
    ImGui::EndChild();
}

}  // namespace attnscope::app
