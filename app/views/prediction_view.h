// The model's answer: the next token (causal models) or the fills of each [MASK] (masked LMs),
// with probabilities.
#pragma once

#include "../backend.h"
#include "attnscope/trace.h"

namespace attnscope::app {

class PredictionView {
  public:
    void draw(const AttentionTrace& trace, const LoadedModel& model);
};

}  // namespace attnscope::app
