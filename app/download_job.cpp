#include "download_job.h"

#include <cstdio>
#include <new>

#include "attnscope/errors.h"

namespace attnscope::app {

DownloadJob::DownloadJob(std::function<void()> notify, PullFn pull)
    : m_notify(std::move(notify)), m_pull(std::move(pull)) {}

DownloadJob::~DownloadJob() {
    m_cancel = true;
    if (m_thread.joinable()) m_thread.join();
}

bool DownloadJob::start(const HubDownloadOptions& options) {
    {
        std::lock_guard lock(m_mutex);
        if (m_status.active) return false;
        m_status = Status{true, false, options.model_id, {}};
        m_outcome.reset();
    }
    if (m_thread.joinable()) m_thread.join();  // the previous download has ended
    m_cancel = false;
    m_thread = std::thread([this, options] { run(options); });
    return true;
}

void DownloadJob::cancel() {
    std::lock_guard lock(m_mutex);
    if (!m_status.active || m_outcome) return;
    m_cancel = true;
    m_status.cancelling = true;
}

DownloadJob::Status DownloadJob::status() const {
    std::lock_guard lock(m_mutex);
    return m_status;
}

std::optional<DownloadJob::Outcome> DownloadJob::take_outcome() {
    std::lock_guard lock(m_mutex);
    if (!m_outcome) return std::nullopt;
    std::optional<Outcome> out = std::move(m_outcome);
    m_outcome.reset();
    m_status = Status{};
    return out;
}

void DownloadJob::run(HubDownloadOptions options) {
    Outcome outcome;
    outcome.model_id = options.model_id;
    const DownloadCallback on_progress = [this](const DownloadProgress& p) {
        {
            std::lock_guard lock(m_mutex);
            m_status.progress = p;
        }
        if (m_notify) m_notify();
        return !m_cancel.load();
    };
    // The one catch site of downloads.
    try {
        outcome.result = m_pull(options, on_progress);
    } catch (const DownloadCancelled&) {
        outcome.cancelled = true;
    } catch (...) {
        outcome.error = describe_download_error(options.model_id, std::current_exception());
    }
    {
        std::lock_guard lock(m_mutex);
        m_outcome = std::move(outcome);
    }
    if (m_notify) m_notify();
}

ErrorState describe_download_error(const std::string& model_id, std::exception_ptr error) {
    const std::string title = "Could not download " + model_id;
    try {
        std::rethrow_exception(error);
    } catch (const Error& e) {
        return {title, e.what(), ErrorKind::Load};
    } catch (const std::bad_alloc&) {
        return {title, "out of memory", ErrorKind::Other};
    } catch (const std::exception& e) {
        return {title, std::string("unexpected error: ") + e.what(), ErrorKind::Other};
    } catch (...) {
        return {title, "unexpected error of unknown type", ErrorKind::Other};
    }
}

std::string download_status_line(const DownloadJob::Status& status) {
    if (!status.active) return {};
    const DownloadProgress& p = status.progress;
    char buf[512];
    if (status.cancelling) {
        std::snprintf(buf, sizeof buf, "Cancelling the download of %s...", status.model_id.c_str());
    } else if (p.stage == DownloadProgress::Stage::Checking) {
        std::snprintf(buf, sizeof buf, "Downloading %s: checking the files%s%s",
                      status.model_id.c_str(), p.file.empty() ? "" : ", ", p.file.c_str());
    } else if (p.stage == DownloadProgress::Stage::Downloading) {
        std::snprintf(buf, sizeof buf, "Downloading %s: %s (%d/%d), %.1f of %.1f MB",
                      status.model_id.c_str(), p.file.c_str(), p.file_index, p.n_files,
                      double(p.done) / (1024.0 * 1024.0), double(p.total) / (1024.0 * 1024.0));
    } else {
        std::snprintf(buf, sizeof buf, "Downloaded %s", status.model_id.c_str());
    }
    return buf;
}

}  // namespace attnscope::app
