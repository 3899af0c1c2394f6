// A download from the Hugging Face Hub (pull_model) on its own thread, so the UI never waits on
// the network. The UI reads status() each frame, may cancel(), and takes the outcome once the
// download ends: the snapshot folder to open, or an ErrorState for the error panel.
//
// Errors: the download's exception is caught in exactly one place, where its thread finishes
// (run() in download_job.cpp), and travels as plain data. Cancelling is not an error; the partial
// files stay in the cache and the next download of the same model resumes them.
//
// Thread-safety: the public methods are for one thread (the UI thread); the download thread
// shares only the state guarded by the mutex and the cancel flag.
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "app_state.h"
#include "attnscope/hub.h"

namespace attnscope::app {

class DownloadJob {
  public:
    using PullFn = std::function<PullResult(const HubDownloadOptions&, const DownloadCallback&)>;

    // `notify` is called from the download thread when there is progress to show and when the
    // download ends (wake the event loop). `pull` is pull_model except in tests.
    explicit DownloadJob(std::function<void()> notify = {}, PullFn pull = pull_model);
    ~DownloadJob();  // cancels a running download and waits for it to stop
    DownloadJob(const DownloadJob&) = delete;
    DownloadJob& operator=(const DownloadJob&) = delete;

    // Starts a download; false (and nothing happens) while another one runs or its outcome has
    // not been taken yet.
    bool start(const HubDownloadOptions& options);
    // Asks the running download to stop (it ends with `cancelled`); no-op when none runs.
    void cancel();

    struct Status {
        bool active = false;      // started, outcome not taken yet
        bool cancelling = false;  // cancel() was called, the download has not stopped yet
        std::string model_id;
        DownloadProgress progress;
    };
    Status status() const;

    struct Outcome {
        std::string model_id;
        std::optional<PullResult> result;  // set when the download completed
        std::optional<ErrorState> error;   // set when it failed
        bool cancelled = false;
    };
    // The finished download's outcome, once; nullopt while it runs or when there is none.
    std::optional<Outcome> take_outcome();

  private:
    void run(HubDownloadOptions options);

    std::function<void()> m_notify;
    PullFn m_pull;
    mutable std::mutex m_mutex;
    Status m_status;                   // guarded by m_mutex
    std::optional<Outcome> m_outcome;  // guarded by m_mutex
    std::atomic<bool> m_cancel{false};
    std::thread m_thread;
};

// What the error panel shows for a failed download: title "Could not download <id>", detail the
// message. Public so the tests can check the wording.
ErrorState describe_download_error(const std::string& model_id, std::exception_ptr error);

// One line for a status bar: "Downloading gpt2: model.safetensors (4/5), 120.0 of 548.0 MB".
std::string download_status_line(const DownloadJob::Status& status);

}  // namespace attnscope::app
