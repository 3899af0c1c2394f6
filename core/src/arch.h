// The interface between the engine and the per-architecture files (arch_*.cpp).
// Each architecture file holds its tensor-name table, its weights struct and its forward pass.
#pragma once

#include <cstdint>
#include <memory>

#include "attnscope/model.h"
#include "attnscope/trace.h"

namespace attnscope {

class ArchModel {
public:
    virtual ~ArchModel() = default;
    // Runs the forward pass over trace.tokens (ids, type_ids) and trace.position_ids, filling every
    // recorded buffer of `trace`; the engine has sized them all. If trace.prediction.positions is
    // not empty and the model has an LM head, fills trace.prediction.logits [P][V].
    virtual void forward(AttentionTrace& trace) const = 0;
    virtual bool has_lm_head() const = 0;
    virtual int64_t n_params() const = 0;
};

// Factories: read every weight through the architecture's name table, checking shapes.
std::unique_ptr<ArchModel> make_gpt2(const ModelConfig& config, const WeightSource& weights);
std::unique_ptr<ArchModel> make_bert(const ModelConfig& config, const WeightSource& weights);  // bert, roberta
std::unique_ptr<ArchModel> make_distilbert(const ModelConfig& config, const WeightSource& weights);
std::unique_ptr<ArchModel> make_llama(const ModelConfig& config, const WeightSource& weights);

}  // namespace attnscope
