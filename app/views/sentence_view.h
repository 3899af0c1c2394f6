// The sentence box (and the second box of sentence pairs for encoders). Every keystroke edits
// AppState::input; the caller starts the debounced re-run when draw() returns true.
#pragma once

#include "../backend.h"

namespace attnscope::app {

class SentenceView {
  public:
    // Returns true if the input changed this frame. `focus` puts the keyboard in the first box.
    bool draw(RunRequest& input, const LoadedModel* model, bool running, bool focus);
};

}  // namespace attnscope::app
