// The Analyst: head statistics, attention rollout and attention flow of the trace on screen, as
// its view model shows it (lens, hidden tokens, words), computed off the UI thread once per view
// model (never per frame) and cached for the views.
//
// - set_source() starts one Analysis job (statistics of every head as shown, and the rollout of
//   every layer in the display's units) on its own worker, so it never waits behind a forward
//   pass.
// - request_flow(layer) starts an attention-flow job (slow: ~T⁴·L) on a second worker with a
//   cancel flag; a new source or another layer cancels the running one. Results are cached per
//   layer until the source changes.
// - Results of an older source are dropped (generation numbers, like the Session's).
// - The Two models view runs a second Analyst on model B's trace (models_rollout.h).
//
// Thread-safety: all methods are for the UI thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "attnscope/head_analysis.h"
#include "attnscope/trace.h"
#include "worker.h"

namespace attnscope::app {

// What an Analysis or Flow job produces. U = units of the rollout: every token of the trace, or
// every word when the display merges words (rollout runs on all tokens, hidden ones included).
struct AnalysisOutput {
    std::vector<HeadStats> stats;  // [L][H] display_head_stats: as the display shows each head
    // The display's lens and units with nothing hidden: labels, mask, special tokens, token <->
    // unit maps and the layer means ([L][U][U]) of the rollout view (Analysis).
    std::shared_ptr<const DisplayTrace> all_units;
    std::vector<float> rollout;  // [L][U][U] lens_rollout (Analysis)
    std::vector<float> flow;     // [U][U] lens_flow to the units after flow_layer (Flow)
    int flow_layer = -1;
};

class Analyst {
  public:
    // `notify` is called from the worker threads when a result is ready.
    explicit Analyst(std::function<void()> notify = {});
    ~Analyst();

    // The trace the views show and its view model (null = none). A new pair cancels the flow and
    // starts the statistics and rollout.
    void set_source(std::shared_ptr<const AttentionTrace> trace,
                    std::shared_ptr<const DisplayTrace> display);
    // Asks for the flow to the units after `layer` of the current source (cached per layer).
    void request_flow(int layer);
    // Once per frame: takes finished results.
    void update();

    // Held shared so that a view's cache key never matches a new object at a reused address.
    const std::shared_ptr<const AttentionTrace>& trace() const { return m_trace; }
    const std::shared_ptr<const DisplayTrace>& display() const { return m_display; }
    // Statistics and rollout of the current source; null while computing.
    const std::shared_ptr<const AnalysisOutput>& products() const { return m_products; }
    // The flow (->flow) to the tokens after `layer` of the current trace; null until computed.
    std::shared_ptr<const AnalysisOutput> flow(int layer) const;
    // The layer whose flow is being computed (-1 = none) and its progress in [0, 1].
    int flow_running_layer() const { return m_flow_layer; }
    float flow_progress() const { return m_flow_worker.progress(); }
    // The last job's failure ("" = none).
    const std::string& error() const { return m_error; }
    // Nothing queued or running.
    bool idle() const { return !m_analysis_worker.busy() && !m_flow_worker.busy(); }
    // Results dropped because their source or flow request had been replaced.
    int stale_dropped() const { return m_stale_dropped; }

  private:
    void cancel_flow();

    std::shared_ptr<const AttentionTrace> m_trace;
    std::shared_ptr<const DisplayTrace> m_display;
    uint64_t m_generation = 0;                    // bumped for every request
    uint64_t m_analysis_gen = 0;                  // newest analysis request
    uint64_t m_flow_gen = 0;                      // newest flow request
    int m_flow_layer = -1;                        // layer of the flow request in progress
    std::shared_ptr<std::atomic<bool>> m_cancel;  // of the flow request in progress
    std::shared_ptr<const AnalysisOutput> m_products;
    std::map<int, std::shared_ptr<const AnalysisOutput>> m_flows;  // by layer
    std::string m_error;
    int m_stale_dropped = 0;

    // Last: destroyed first, so no job outlives the members it reads.
    Worker m_analysis_worker;
    Worker m_flow_worker;
};

}  // namespace attnscope::app
