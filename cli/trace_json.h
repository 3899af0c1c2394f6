// JSON for the parts of an AttentionTrace that several subcommands print (dump, predict --json).
#pragma once

#include "attnscope/trace.h"
#include "json_out.h"

namespace attnscope::cli {

// "next_token", "mask_fill" or "none".
const char* prediction_kind_name(PredictionKind kind);

// {"kind": ..., "positions": [...], "top": [[{"id", "token", "text", "prob", "logit"}, ...], ...]}
void write_prediction(JsonWriter& out, const Prediction& prediction);

}  // namespace attnscope::cli
