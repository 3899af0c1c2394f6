// The session: the interaction logic between the UI and the engine, with no window and no GL.
//
// - Loading and forward passes run on two worker threads (a slow load never delays typing on the
//   current model); the UI thread only submits jobs and applies results in update().
// - Typing is debounced: a run starts once the text has been still for `debounce`.
// - Every request gets a generation number. A result older than the trace on screen, or made with
//   a model that is no longer current, is dropped: a stale result never replaces a newer one.
// - A failed job leaves everything the user had in place and sets AppState::error.
//
// Thread-safety: all methods are for the UI thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "app_state.h"
#include "backend.h"
#include "second_model.h"
#include "worker.h"

namespace attnscope::app {

using Clock = std::chrono::steady_clock;

struct SessionConfig {
    std::chrono::milliseconds debounce{25};  // pause after the last keystroke before a run
    // After this long with nothing to do, the engine's kept trace blocks (up to 1.5 GiB after a
    // long input, kept so the next keystroke's run skips the page faults) go back to the system.
    std::chrono::milliseconds release_memory_after{20000};
};

class Session {
  public:
    // `notify` is called from worker threads when a result is ready (wake the event loop).
    explicit Session(std::unique_ptr<Backend> backend, SessionConfig config = {},
                     std::function<void()> notify = {});
    ~Session();

    const AppState& state() const { return m_state; }
    // Views may edit state().input (then call text_edited) and state().selection directly.
    AppState& state() { return m_state; }

    // Starts loading a model; the current one stays usable until the new one is ready. A source
    // with import_file opens attention saved by another program instead: its trace is shown as
    // it is and nothing runs until another model is opened.
    void open_model(const ModelSource& source);
    // The text boxes changed at `now`; a run starts after the debounce pause.
    void text_edited(Clock::time_point now);
    // The second sentence (state().compare.text_b, diff view) changed at `now`: it runs after the
    // debounce pause, on the runner like sentence A, with its own generation number. It also runs
    // when the model changes.
    void text_b_edited(Clock::time_point now);
    // Runs the current input now (after a model loads, on Enter, on retry).
    void run_now(Clock::time_point now = Clock::now());
    // Model B of the Two models view (state().compare.model_b): it runs every sentence model A
    // runs, on its own workers (second_model.h). Closing forgets it.
    void open_model_b(const ModelSource& source);
    void close_model_b();
    const SecondModel& second_model() const { return m_second; }
    // New display options; recomputes the view model off the UI thread when needed.
    void set_options(const DisplayOptions& options);
    void dismiss_error() { m_state.error.reset(); }

    // Once per frame: applies finished jobs, starts a debounced run. Returns true if the model,
    // trace or display changed.
    bool update(Clock::time_point now);

    // Nothing pending: no debounce running, no job queued or running, no result waiting.
    bool idle() const;
    // When a pending edit's debounce ends (the event loop may sleep until then); none if no edit.
    std::optional<Clock::time_point> debounce_deadline() const {
        if (!m_pending_edit && !m_pending_edit_b) return std::nullopt;
        if (!m_pending_edit) return *m_pending_edit_b + m_config.debounce;
        if (!m_pending_edit_b) return *m_pending_edit + m_config.debounce;
        return std::min(*m_pending_edit, *m_pending_edit_b) + m_config.debounce;
    }

    struct Stats {
        int runs_submitted = 0;
        int runs_shown = 0;
        int stale_dropped =
            0;  // results dropped because a newer one was shown or the model changed
        int display_jobs = 0;
        double last_run_seconds = 0;
        double shown_run_seconds = 0;  // sum over the runs shown (forward pass + view model)
    };
    const Stats& stats() const { return m_stats; }
    // When the edit behind the trace on screen happened (keystroke-to-screen latency).
    std::optional<Clock::time_point> shown_edit_time() const { return m_shown_edit_time; }

  private:
    struct PendingRun {
        std::shared_ptr<const LoadedModel> model;
        uint64_t options_generation = 0;
        Clock::time_point edit_time;
    };

    std::shared_ptr<const AttentionTrace> reusable(
        const std::shared_ptr<const AttentionTrace>& shown,
        const std::shared_ptr<const LoadedModel>& made_by, const RunRequest& request) const;
    void submit_trace_job(JobKind kind, uint64_t gen, const RunRequest& request,
                          std::shared_ptr<const AttentionTrace> previous);
    void submit_run(Clock::time_point edit_time);
    void submit_display();
    bool apply(JobResult&& result);
    bool apply_load(JobResult&& result);
    bool apply_run(JobResult&& result);
    bool apply_display(JobResult&& result);
    void submit_run_b();
    bool apply_run_b(JobResult&& result);

    std::shared_ptr<Backend> m_backend;
    SessionConfig m_config;
    AppState m_state;
    Stats m_stats;

    uint64_t m_generation = 0;          // counter shared by all requests
    uint64_t m_latest_load = 0;         // generation of the newest load request
    bool m_latest_load_is_import = false;  // ... and it opens an .npz of attention
    uint64_t m_latest_run = 0;          // generation of the newest run request
    uint64_t m_options_generation = 0;  // bumped when options need a new DisplayTrace
    std::map<uint64_t, PendingRun> m_pending_runs;
    std::optional<Clock::time_point> m_pending_edit;  // an edit waiting for the debounce
    std::optional<Clock::time_point> m_shown_edit_time;
    // The models that made the traces on screen (state().trace, compare.trace_b): a run may start
    // from a trace of the same model (Backend::run's `previous`).
    std::shared_ptr<const LoadedModel> m_trace_model, m_trace_b_model;
    // Sentence B: the newest request, the model it used, an edit waiting for the debounce.
    uint64_t m_latest_run_b = 0;
    bool m_waiting_b = false;  // the newest B request has not answered yet
    std::shared_ptr<const LoadedModel> m_model_b;
    std::optional<Clock::time_point> m_pending_edit_b;
    Clock::time_point m_last_busy = Clock::now();  // the last update() that was not idle
    bool m_memory_released = false;                // since m_last_busy
    SecondModel m_second;  // model B, on its own workers

    // Last: destroyed first, so no job outlives the members it reads.
    Worker m_loader;
    Worker m_runner;
};

}  // namespace attnscope::app
