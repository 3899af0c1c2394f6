// The screen shown when no model is loaded: where to put a model folder, how to download one,
// which folders were searched.
#pragma once

#include <vector>

#include "../app_state.h"
#include "../model_catalog.h"

namespace attnscope::app {

class WelcomeView {
  public:
    // Returns true when the user asks to open a folder; sets *chosen when they click a model.
    bool draw(const std::vector<SearchRoot>& roots, const std::vector<ModelEntry>& entries,
              const LoadState& loading, const ModelEntry** chosen);
};

}  // namespace attnscope::app
