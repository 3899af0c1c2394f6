#include "background_task.h"

#include <chrono>
#include <exception>
#include <new>

namespace attnscope::app {

BackgroundTask::~BackgroundTask() {
    if (m_job.valid()) m_job.wait();
}

bool BackgroundTask::start(std::string failed, std::function<std::string()> work) {
    if (busy()) return false;
    m_job = std::async(
        std::launch::async,
        [work = std::move(work), failed = std::move(failed), wake = m_wake]() -> std::string {
            std::string status;
            try {  // the one catch site for export jobs
                status = work();
            } catch (const std::bad_alloc&) {
                status = failed + ": out of memory";
            } catch (const std::exception& e) {
                status = failed + ": " + e.what();
            } catch (...) {
                status = failed + ": unexpected error";
            }
            if (wake) wake();
            return status;
        });
    return true;
}

bool BackgroundTask::busy() const {
    return m_job.valid() && m_job.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
}

std::optional<std::string> BackgroundTask::take_result() {
    if (!m_job.valid() || busy()) return std::nullopt;
    return m_job.get();
}

}  // namespace attnscope::app
