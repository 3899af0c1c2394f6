// JSON for the parts of an AttentionTrace that several subcommands print (dump, predict --json).
// The writers live in core (attnscope/trace_export.h) so the app's export writes the same JSON.
#pragma once

#include "attnscope/trace_export.h"
#include "json_out.h"

namespace attnscope::cli {

using attnscope::prediction_kind_name;
using attnscope::write_prediction;

}  // namespace attnscope::cli
