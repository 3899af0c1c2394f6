// Model B of the "Two models" view: a second model that runs the same sentence as the main one.
//
// - Loading and runs happen on this class's own two workers, so a slow model B never delays
//   typing on model A (whose runner the Session keeps) and the two forward passes can overlap.
// - Every request gets a generation number. A result older than the newest request, or made with
//   a model B that has since been replaced or closed, is dropped (counted in stale_dropped()).
// - A failure sets ModelBState::error and leaves everything else, model A's state included, as
//   it was: the Two models view says what went wrong, the error panel stays for model A.
// - Option changes that need a new view model rebuild B's without a new forward pass.
//
// Thread-safety: all methods are for the UI thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "app_state.h"
#include "backend.h"
#include "worker.h"

namespace attnscope::app {

class SecondModel {
  public:
    // `notify` is called from the worker threads when a result is ready (wake the event loop).
    SecondModel(std::shared_ptr<Backend> backend, std::function<void()> notify = {});
    ~SecondModel();

    // Starts loading model B; the current model B stays until the new one is ready.
    void open(const ModelSource& source, ModelBState& state);
    // Forgets model B (answers still on their way are dropped).
    void close(ModelBState& state);
    // Runs model B on `request` (the sentence model A runs); latest wins. Nothing without a
    // model B.
    void run(const RunRequest& request, const DisplayOptions& options, ModelBState& state);
    // New options that need a new view model: rebuilds B's from its trace (or reruns a request
    // still on its way with them).
    void redisplay(const DisplayOptions& options, ModelBState& state);
    // Once per frame: applies finished jobs. A model B that just loaded runs `input`. Returns
    // true if model B, its trace or its view model changed.
    bool update(const RunRequest& input, const DisplayOptions& options, ModelBState& state);

    // Nothing queued, running or waiting to be applied.
    bool idle() const { return !m_loader.busy() && !m_runner.busy(); }
    int stale_dropped() const { return m_stale_dropped; }

  private:
    void submit(std::optional<RunRequest> request, const DisplayOptions& options,
                ModelBState& state);

    std::shared_ptr<Backend> m_backend;
    uint64_t m_generation = 0;                       // counter of all requests
    uint64_t m_latest_load = 0;                      // newest load request (0 = none pending)
    uint64_t m_latest_run = 0;                       // newest run or display request
    std::shared_ptr<const LoadedModel> m_run_model;  // the model of the newest run request
    std::optional<RunRequest> m_last_request;        // what the newest run request ran
    bool m_waiting_run = false;                      // the newest run has not answered yet
    int m_stale_dropped = 0;

    // Last: destroyed first, so no job outlives the members it reads.
    Worker m_loader;
    Worker m_runner;
};

}  // namespace attnscope::app
