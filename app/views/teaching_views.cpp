#include "teaching_views.h"

#include <string>

#include "../teach/examples.h"
#include "teach_draw.h"

namespace attnscope::app {

bool TeachingViews::draw_menus(RunRequest& input, bool* toggle_classroom) {
    bool changed = false;
    if (ImGui::BeginMenu("Examples")) {
        const auto& list = example_sentences();
        for (size_t i = 0; i < list.size();) {
            const std::string& group = list[i].group;
            const bool open = ImGui::BeginMenu(group.c_str());
            for (; i < list.size() && list[i].group == group; ++i) {
                if (open && ImGui::MenuItem(list[i].text.c_str())) {
                    input.text = list[i].text;
                    input.use_pair = false;
                    changed = true;
                }
            }
            if (open) ImGui::EndMenu();
        }
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Classroom")) {
        if (ImGui::MenuItem("Classroom mode (large text, high contrast)", k_classroom_key_name,
                            m_classroom.on()))
            *toggle_classroom = true;
        ImGui::Separator();
        ImGui::TextDisabled("Softmax stepper keys: Space play/pause, Left/Right step,");
        ImGui::TextDisabled("Up/Down speed, Home/End first/last stage.");
        ImGui::EndMenu();
    }
    return changed;
}

const TeachModel* TeachingViews::model(const std::shared_ptr<const AttentionTrace>& trace,
                                       const Selection& sel) {
    if (!trace) return nullptr;
    return m_cache.get(trace, sel.layer, sel.head, teach_query_token(sel.token, trace->n_token));
}

const TeachModel* TeachingViews::header(const std::shared_ptr<const AttentionTrace>& trace,
                                        Selection& sel) {
    const TeachModel* m = model(trace, sel);
    if (!m) {
        ImGui::TextDisabled("No tokens to show.");
        return nullptr;
    }
    int layer = sel.layer, head = sel.head, token = m->steps.query;
    if (teach::draw_teach_header(*m, trace->n_layer, trace->n_head, layer, head, token)) {
        sel.layer = layer;
        sel.head = head;
        sel.token = token;
        m = model(trace, sel);
    }
    return m;
}

void TeachingViews::draw_qkv(const std::shared_ptr<const AttentionTrace>& trace, Selection& sel,
                             Colormap colormap) {
    if (const TeachModel* m = header(trace, sel)) m_qkv.draw(*m, m_stepper.stage(), sel, colormap);
}

void TeachingViews::draw_softmax(const std::shared_ptr<const AttentionTrace>& trace,
                                 Selection& sel, Colormap colormap, float dt) {
    m_stepper.apply(read_stepper_keys());
    m_stepper.advance(dt);
    if (const TeachModel* m = header(trace, sel)) m_softmax.draw(*m, m_stepper, sel, colormap);
}

}  // namespace attnscope::app
