// The Q/K/V breakdown of one head for one query token: the query vector q, every key k_j and
// value v_j as strips of d_head coloured cells, q∘k_j and its sum q·k_j, the scale 1/√D, the
// mask, the softmax weight, and the output Σ_j w_j·v_j. One row per key; hovering a row
// highlights that token everywhere. Every number comes from TeachModel.
#pragma once

#include "../app_state.h"
#include "../teach/teach_model.h"

namespace attnscope::app {

class QkvView {
  public:
    // `stage` (0-based, the stepper's) highlights the columns that stage is about.
    void draw(const TeachModel& m, int stage, Selection& selection, Colormap colormap);
};

}  // namespace attnscope::app
