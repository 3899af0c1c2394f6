// The token strip: every shown token as a chip. Hovering a chip points at that token everywhere
// (Selection::hover_next); clicking selects it (and clicking again clears). Chips are tinted by
// the attention the active token pays them in the selected head.
#pragma once

#include "../app_state.h"
#include "attnscope/analysis.h"

namespace attnscope::app {

class TokenStripView {
public:
    // `max_height`: the strip scrolls beyond this height.
    void draw(const DisplayTrace& display, const DisplayOptions& options, Selection& selection,
              float max_height);
};

}  // namespace attnscope::app
