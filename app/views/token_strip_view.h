// The token strip: every shown token as a chip. Hovering a chip points at that token everywhere
// (Selection::hover_next); clicking selects it (and clicking again clears). Chips are tinted by
// the attention the active token pays them in the selected head. The layout is computed when the
// tokens or the width change; a frame draws only the chips in view.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <imgui.h>

#include "../app_state.h"
#include "attnscope/analysis.h"

namespace attnscope::app {

class TokenStripView {
  public:
    // `max_height`: the strip scrolls beyond this height.
    void draw(const std::shared_ptr<const DisplayTrace>& display, const DisplayOptions& options,
              Selection& selection, float max_height);

  private:
    struct Chip {
        ImVec2 pos, size;   // relative to the strip's origin
        std::string label;  // elided label
    };
    void layout(const std::shared_ptr<const DisplayTrace>& display, float width);

    std::shared_ptr<const DisplayTrace> m_layout_for;  // held, so its address is not reused
    float m_layout_width = -1, m_layout_font = -1;
    std::vector<Chip> m_chips;  // [S]
    float m_content_h = 0;
};

}  // namespace attnscope::app
