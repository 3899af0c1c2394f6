// The teaching views together: the Q/K/V breakdown and the softmax stepper share one cached
// TeachModel (rebuilt when the trace, layer, head or query token changes) and one Stepper, plus
// classroom mode and the built-in example sentences. The App calls this class only.
#pragma once

#include <memory>
#include <optional>

#include <imgui.h>

#include "../app_state.h"
#include "../teach/classroom.h"
#include "../teach/teach_model.h"
#include "qkv_view.h"
#include "softmax_view.h"

namespace attnscope::app {

class TeachingViews {
  public:
    // --step K (1-based), applied once.
    void set_step(int stage_1based) { m_stepper.set_stage(stage_1based - 1); }
    const Stepper& stepper() const { return m_stepper; }
    bool classroom() const { return m_classroom.on(); }
    // Switches classroom mode (see ClassroomMode::set).
    void set_classroom(bool on, DisplayOptions& options, ImGuiStyle& base_style) {
        m_classroom.set(on, options, base_style);
    }

    // Menu bar entries: "Examples" (picking one fills `input.text`; returns true then) and the
    // classroom toggle, which sets *toggle_classroom.
    bool draw_menus(RunRequest& input, bool* toggle_classroom);

    // The two views. `dt`: seconds since the last frame (fixed per frame in scripted runs).
    void draw_qkv(const std::shared_ptr<const AttentionTrace>& trace, Selection& selection,
                  Colormap colormap);
    void draw_softmax(const std::shared_ptr<const AttentionTrace>& trace, Selection& selection,
                      Colormap colormap, float dt);

    // The model shown for this trace and selection (tests), or null.
    const TeachModel* model(const std::shared_ptr<const AttentionTrace>& trace,
                            const Selection& selection);
    bool animating() const { return m_stepper.animating(); }

  private:
    const TeachModel* header(const std::shared_ptr<const AttentionTrace>& trace, Selection& sel);

    TeachCache m_cache;
    Stepper m_stepper;
    QkvView m_qkv;
    SoftmaxView m_softmax;
    ClassroomMode m_classroom;
};

}  // namespace attnscope::app
