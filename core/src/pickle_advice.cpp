#include "pickle_advice.h"

namespace attnscope::detail {

std::string pickle_refusal_advice(const std::string& source, const std::string& destination) {
    return "attnscope refuses pickle checkpoints because unpickling can run arbitrary code. "
           "Convert "
           "the model to safetensors once, in an environment you trust, with:\n  python3 -c "
           "\"from transformers import AutoModel; AutoModel.from_pretrained('" +
           source + "').save_pretrained('" + destination +
           "', safe_serialization=True)\"\n(for a model with an LM head use its *ForCausalLM / "
           "*ForMaskedLM class instead of AutoModel), or download the safetensors version of the "
           "model.";
}

}  // namespace attnscope::detail
