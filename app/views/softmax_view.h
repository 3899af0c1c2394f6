// The softmax stepper: one head's attention for one query token, stage by stage (q·k, scale,
// mask, subtract the max, exp, sum, divide, weighted sum of V), with play / pause / step / speed,
// values that morph between stages and a line under each stage saying what it does. The numbers
// come from TeachModel (core's softmax_steps); only the in-between animation values are mixed
// here, per frame, while a stage animates.
#pragma once

#include <string>
#include <vector>

#include "../app_state.h"
#include "../teach/teach_model.h"

namespace attnscope::app {

// The stepper's keys pressed this frame (1.86 key map: Space, arrows, Home, End).
StepperKeys read_stepper_keys();

// One line for the token-level teaching views (Q/K/V, and the stepper when `stepper`) saying
// where they differ from the other views under these options: they work on tokens even with
// words on, on attention weights whatever the lens, and the stepper's row is the raw softmax over
// every token even when special tokens are hidden (elsewhere renormalised). "" if nothing differs.
std::string token_level_note(const DisplayOptions& options, bool stepper);

class SoftmaxView {
  public:
    // Draws the view for `m` into the remaining space, left panel (controls, explanation) and
    // right table (one row per key). Hovering a row sets selection.hover_next.
    void draw(const TeachModel& m, Stepper& stepper, Selection& selection, Colormap colormap);

  private:
    void draw_panel(const TeachModel& m, Stepper& stepper, Colormap colormap);
    void draw_table(const TeachModel& m, const Stepper& stepper, Selection& selection,
                    Colormap colormap);
    std::vector<float> m_anim;  // [T] the animated stage's values this frame
    int m_scrolled_to = -1;     // query token the table last scrolled to (keeps its row in view)
};

}  // namespace attnscope::app
