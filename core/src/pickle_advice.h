// Why attnscope refuses PyTorch pickle checkpoints and how to convert one: shared by the weights
// loader and `attnscope pull`, so both say the same thing.
#pragma once

#include <string>

namespace attnscope::detail {

// The explanation and the conversion command, starting "attnscope refuses pickle checkpoints".
// `source` is what from_pretrained reads (a folder or a Hub model id), `destination` the folder
// the safetensors copy is saved to.
std::string pickle_refusal_advice(const std::string& source, const std::string& destination);

}  // namespace attnscope::detail
