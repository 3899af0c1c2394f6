// The streaming JSON writer lives in core (attnscope/json_writer.h) so the app's trace export
// can use it too; the subcommands keep using it under these names.
#pragma once

#include "attnscope/json_writer.h"

namespace attnscope::cli {

using attnscope::append_json_string;
using attnscope::JsonWriter;

}  // namespace attnscope::cli
