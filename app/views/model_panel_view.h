// The loaded model's facts (architecture, layers x heads, parameters, where it came from) and the
// loading progress bar.
#pragma once

#include "../app_state.h"

namespace attnscope::app {

class ModelPanelView {
  public:
    // Returns true when the user asks to open another model.
    bool draw(const AppState& state);
};

}  // namespace attnscope::app
