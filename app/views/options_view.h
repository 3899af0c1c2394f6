// Display options every view honours: hidden special tokens, 0/1-based labels, colour maps,
// value scale, font size. Edits a copy; the caller hands changes to the session.
#pragma once

#include "attnscope/analysis.h"

namespace attnscope::app {

class OptionsView {
  public:
    // Returns true when `options` changed (the font scale only when the slider is released).
    bool draw(DisplayOptions& options);

  private:
    float m_font_scale_edit = 0;  // slider value while dragging
};

}  // namespace attnscope::app
