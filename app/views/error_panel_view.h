// The error panel: what went wrong, in words, above the views. Everything the user had (model,
// trace, selection) stays on screen underneath.
#pragma once

#include "../app_state.h"

namespace attnscope::app {

enum class ErrorAction { None, Dismiss, Truncate };

class ErrorPanelView {
  public:
    ErrorAction draw(const ErrorState& error);
};

}  // namespace attnscope::app
