// A background thread that runs jobs one at a time, so loading and forward passes never block the
// UI thread. A queued job is replaced by a newer one of the same kind ("latest wins"): typing
// fast never builds a backlog. Results wait in an outbox the UI thread drains once per frame.
//
// Errors: the job's exception is caught in exactly one place, where the job finishes (run_job in
// worker.cpp), and becomes an ErrorState in its JobResult. Nothing is thrown across threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "app_state.h"
#include "attnscope/analysis.h"
#include "backend.h"

namespace attnscope::app {

// RunB: sentence B of the diff view; Analysis, Flow: the Analyst's jobs (analyst.h).
enum class JobKind { Load, Run, Display, RunB, Analysis, Flow };
const char* job_kind_name(JobKind kind);

// A finished forward pass (or a recomputed view model for the same trace).
struct TraceOutput {
    std::shared_ptr<const AttentionTrace> trace{};
    std::shared_ptr<const DisplayTrace> display{};
    std::shared_ptr<const std::vector<HeadStats>> stats{};  // model B's runs only (second_model.h)
};

struct AnalysisOutput;  // analyst.h

using JobOutput = std::variant<std::monostate, std::shared_ptr<const LoadedModel>, TraceOutput,
                               std::shared_ptr<const AnalysisOutput>>;

struct Job {
    JobKind kind = JobKind::Run;
    uint64_t generation = 0;  // the session's request counter when submitted
    std::function<JobOutput(std::atomic<float>& progress)> work;
};

struct JobResult {
    JobKind kind = JobKind::Run;
    uint64_t generation = 0;
    JobOutput output;                 // empty if error is set
    std::optional<ErrorState> error;  // what went wrong, ready for the error panel
    double seconds = 0;               // how long the job ran
};

class Worker {
  public:
    // `notify` is called (from the worker thread) after each result, e.g. to wake the event loop.
    explicit Worker(std::function<void()> notify = {});
    ~Worker();  // drops queued jobs, waits for the running one
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Queues a job, replacing a queued (not yet started) job of the same kind.
    void submit(Job job);
    // Results finished since the last call, oldest first.
    std::vector<JobResult> take_results();
    // True while a job is queued or running, or results wait to be taken.
    bool busy() const;
    // Progress of the running job in [0, 1] (what its work function last stored).
    float progress() const { return m_progress.load(); }
    // Kind of the running job, if any.
    std::optional<JobKind> running() const;

  private:
    void loop();

    std::function<void()> m_notify;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_queue;
    std::vector<JobResult> m_outbox;
    std::optional<JobKind> m_running;
    bool m_stop = false;
    std::atomic<float> m_progress{0};
    std::thread m_thread;  // last: starts after the members above exist
};

// Turns the exception a job threw into what the error panel shows (title by job kind and error
// type, detail = the message). Called only from inside the catch site in worker.cpp; public so
// the tests can check the wording.
ErrorState describe_error(JobKind kind, std::exception_ptr error);

}  // namespace attnscope::app
