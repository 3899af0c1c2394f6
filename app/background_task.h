// One background job at a time for work a click starts and nobody waits for: saving SVG and trace
// files (a long trace is hundreds of megabytes). The UI thread starts it and polls for its status
// line once per frame; the job's exception is caught in one place (the job wrapper) and becomes
// that status line. Nothing is thrown across threads.
#pragma once

#include <functional>
#include <future>
#include <optional>
#include <string>

namespace attnscope::app {

class BackgroundTask {
  public:
    // `wake` is called from the job's thread when it finishes (e.g. glfwPostEmptyEvent).
    explicit BackgroundTask(std::function<void()> wake = {}) : m_wake(std::move(wake)) {}
    ~BackgroundTask();  // waits for a running job
    BackgroundTask(const BackgroundTask&) = delete;
    BackgroundTask& operator=(const BackgroundTask&) = delete;

    // Starts `work` (returning a status line such as "saved a.svg") unless a job is running;
    // returns false then. If `work` throws, the status is "<failed>: <message>".
    bool start(std::string failed, std::function<std::string()> work);
    bool busy() const;
    // The status line of a finished job, once; nullopt while running or idle.
    std::optional<std::string> take_result();

  private:
    std::function<void()> m_wake;
    std::future<std::string> m_job;
};

}  // namespace attnscope::app
