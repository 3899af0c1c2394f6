#include "worker.h"

#include <chrono>
#include <new>

#include "attnscope/errors.h"

namespace attnscope::app {

const char* job_kind_name(JobKind kind) {
    switch (kind) {
        case JobKind::Load:
            return "load";
        case JobKind::Run:
            return "run";
        case JobKind::Display:
            return "display";
        case JobKind::RunB:
            return "run B";
        case JobKind::Analysis:
            return "analysis";
        case JobKind::Flow:
            return "flow";
    }
    return "?";
}

Worker::Worker(std::function<void()> notify)
    : m_notify(std::move(notify)), m_thread([this] { loop(); }) {}

Worker::~Worker() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_queue.clear();
    }
    m_wake.notify_all();
    m_thread.join();
}

void Worker::submit(Job job) {
    {
        std::lock_guard lock(m_mutex);
        std::erase_if(m_queue, [&](const Job& q) { return q.kind == job.kind; });
        m_queue.push_back(std::move(job));
    }
    m_wake.notify_one();
}

std::vector<JobResult> Worker::take_results() {
    std::lock_guard lock(m_mutex);
    std::vector<JobResult> out;
    out.swap(m_outbox);
    return out;
}

bool Worker::busy() const {
    std::lock_guard lock(m_mutex);
    return !m_queue.empty() || m_running.has_value() || !m_outbox.empty();
}

std::optional<JobKind> Worker::running() const {
    std::lock_guard lock(m_mutex);
    return m_running;
}

ErrorState describe_error(JobKind kind, std::exception_ptr error) {
    const char* doing = kind == JobKind::Load       ? "Could not load the model"
                        : kind == JobKind::Analysis ? "Could not analyse the heads"
                        : kind == JobKind::Flow     ? "Could not compute the attention flow"
                                                    : "Could not run the model";
    try {
        std::rethrow_exception(error);
    } catch (const TooLongError& e) {
        return {"The text is too long", e.what(), ErrorKind::TooLong};
    } catch (const InputError& e) {
        return {"The text cannot be used", e.what(), ErrorKind::Input};
    } catch (const TokenizerError& e) {
        return {std::string(doing) + ": tokenizer problem", e.what(), ErrorKind::Load};
    } catch (const LoadError& e) {
        return {doing, e.what(), ErrorKind::Load};
    } catch (const Error& e) {
        return {doing, e.what(), ErrorKind::Other};
    } catch (const std::bad_alloc&) {
        return {doing, "out of memory (the input or the model is too large for this machine)",
                ErrorKind::Other};
    } catch (const std::exception& e) {
        return {doing, std::string("unexpected error: ") + e.what(), ErrorKind::Other};
    } catch (...) {
        return {doing, "unexpected error of unknown type", ErrorKind::Other};
    }
}

void Worker::loop() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || !m_queue.empty(); });
            if (m_stop) return;
            job = std::move(m_queue.front());
            m_queue.pop_front();
            m_running = job.kind;
            m_progress = 0.0f;
        }
        JobResult result;
        result.kind = job.kind;
        result.generation = job.generation;
        const auto start = std::chrono::steady_clock::now();
        // The one catch site: every job's failure ends here and travels as plain data.
        try {
            result.output = job.work(m_progress);
        } catch (...) {
            result.error = describe_error(job.kind, std::current_exception());
        }
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        {
            std::lock_guard lock(m_mutex);
            m_outbox.push_back(std::move(result));
            m_running.reset();
        }
        if (m_notify) m_notify();
    }
}

}  // namespace attnscope::app
