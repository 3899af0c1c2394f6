#include "session.h"

namespace attnscope::app {

Session::Session(std::unique_ptr<Backend> backend, SessionConfig config,
                 std::function<void()> notify)
    : m_backend(std::move(backend)),
      m_config(config),
      m_second(m_backend, notify),
      m_loader(notify),
      m_runner(notify) {}

Session::~Session() = default;

void Session::open_model(const ModelSource& source) {
    const uint64_t gen = ++m_generation;
    m_latest_load = gen;
    m_latest_load_is_import = !source.import_file.empty();
    m_state.loading = {true, source.describe(), 0.0f};
    std::shared_ptr<Backend> backend = m_backend;
    m_loader.submit({JobKind::Load, gen, [backend, source](std::atomic<float>& progress) {
                         LoadedModel m = backend->load(source, [&](float p) { progress = p; });
                         return JobOutput(std::make_shared<const LoadedModel>(std::move(m)));
                     }});
}

void Session::text_edited(Clock::time_point now) {
    m_pending_edit = now;
}

void Session::text_b_edited(Clock::time_point now) {
    m_pending_edit_b = now;
}

void Session::run_now(Clock::time_point now) {
    m_pending_edit.reset();
    submit_run(now);
}

void Session::open_model_b(const ModelSource& source) {
    m_second.open(source, m_state.compare.model_b);
}

void Session::close_model_b() {
    m_second.close(m_state.compare.model_b);
}

void Session::set_options(const DisplayOptions& options) {
    const bool recompute = options.needs_recompute(m_state.options);
    m_state.options = options;
    if (!recompute) return;
    ++m_options_generation;
    submit_display();
    if (m_state.compare.trace_b) submit_run_b();  // B's view model must use the same options
    m_second.redisplay(options, m_state.compare.model_b);
}

bool Session::update(Clock::time_point now) {
    bool changed = false;
    for (JobResult& r : m_loader.take_results()) changed |= apply(std::move(r));
    for (JobResult& r : m_runner.take_results()) changed |= apply(std::move(r));
    changed |= m_second.update(m_state.input, m_state.options, m_state.compare.model_b);
    if (m_pending_edit && now - *m_pending_edit >= m_config.debounce) {
        const Clock::time_point edit = *m_pending_edit;
        m_pending_edit.reset();
        submit_run(edit);
    }
    if (m_pending_edit_b && now - *m_pending_edit_b >= m_config.debounce) {
        m_pending_edit_b.reset();
        submit_run_b();
    } else if (!m_pending_edit_b && m_state.model && m_model_b != m_state.model &&
               !m_state.compare.text_b.empty()) {
        submit_run_b();  // a new model: run B on it too
    }
    m_state.compare.running_b = m_waiting_b || m_pending_edit_b.has_value();
    m_state.loading.active = m_loader.busy();
    m_state.loading.progress = m_loader.progress();
    m_state.running = m_runner.busy() || m_pending_edit.has_value();
    if (!idle()) {
        m_last_busy = now;
        m_memory_released = false;
    } else if (!m_memory_released && now - m_last_busy >= m_config.release_memory_after) {
        detail::release_cached_trace_memory();
        m_memory_released = true;
    }
    return changed;
}

bool Session::idle() const {
    return !m_pending_edit && !m_pending_edit_b && !m_loader.busy() && !m_runner.busy() &&
           m_second.idle();
}

// The trace `shown` (made by `made_by`) if a run of `request` on the current model may start from
// it: same model, a trace that was run (an imported one has no q, k, v) and no truncation. The
// engine checks again that the tokens match; this only decides what to offer.
std::shared_ptr<const AttentionTrace> Session::reusable(
    const std::shared_ptr<const AttentionTrace>& shown,
    const std::shared_ptr<const LoadedModel>& made_by, const RunRequest& request) const {
    if (!shown || !m_state.model || made_by != m_state.model || shown->imported ||
        request.truncate)
        return nullptr;
    return shown;
}

// Sentence A and sentence B run the same job: the forward pass and its view model, on the runner.
// `previous` (may be null) is kept alive by the job while the engine reads it.
void Session::submit_trace_job(JobKind kind, uint64_t gen, const RunRequest& request,
                               std::shared_ptr<const AttentionTrace> previous) {
    std::shared_ptr<Backend> backend = m_backend;
    std::shared_ptr<const LoadedModel> model = m_state.model;
    const DisplayOptions options = m_state.options;
    m_runner.submit({kind, gen, [backend, model, request, options, previous](std::atomic<float>&) {
                         auto trace = std::make_shared<const AttentionTrace>(
                             backend->run(*model, request, previous.get()));
                         auto display = std::make_shared<const DisplayTrace>(
                             make_display_trace(*trace, options));
                         return JobOutput(TraceOutput{.trace = std::move(trace), .display = std::move(display)});
                     }});
}

void Session::submit_run(Clock::time_point edit_time) {
    if (!m_state.model) return;  // runs once a model is loaded
    if (m_state.model->imported) return;  // imported attention cannot run
    const RunRequest request = m_state.input;
    if (request.text.empty() && (!request.use_pair || request.pair.empty())) return;
    const uint64_t gen = ++m_generation;
    m_latest_run = gen;
    m_pending_runs[gen] = {m_state.model, m_options_generation, edit_time};
    ++m_stats.runs_submitted;
    submit_trace_job(JobKind::Run, gen, request, reusable(m_state.trace, m_trace_model, request));
    m_state.running = true;
    m_second.run(request, m_state.options, m_state.compare.model_b);  // the same sentence on B
}

void Session::submit_run_b() {
    CompareState& c = m_state.compare;
    if (!m_state.model || m_state.model->imported) return;
    m_model_b = m_state.model;
    if (c.text_b.empty()) {
        c.trace_b.reset();
        c.display_b.reset();
        c.error_b.clear();
        m_waiting_b = false;
        ++m_latest_run_b;  // answers still on their way are stale
        return;
    }
    RunRequest request = m_state.input;  // the same pair and length settings as sentence A
    request.text = c.text_b;
    request.truncate = false;
    const uint64_t gen = ++m_generation;
    m_latest_run_b = gen;
    m_waiting_b = true;
    submit_trace_job(JobKind::RunB, gen, request,
                     reusable(c.trace_b, m_trace_b_model, request));
}

bool Session::apply_run_b(JobResult&& r) {
    if (r.generation != m_latest_run_b) {
        ++m_stats.stale_dropped;
        return false;
    }
    m_waiting_b = false;
    CompareState& c = m_state.compare;
    if (r.error) {
        c.error_b = r.error->title + ": " + r.error->detail;
        return false;
    }
    if (m_model_b != m_state.model) return false;  // update() runs B again on the new model
    TraceOutput& out = std::get<TraceOutput>(r.output);
    c.trace_b = std::move(out.trace);
    m_trace_b_model = m_model_b;
    c.display_b = std::move(out.display);
    c.error_b.clear();
    return true;
}

void Session::submit_display() {
    if (!m_state.trace) return;
    ++m_stats.display_jobs;
    std::shared_ptr<const AttentionTrace> trace = m_state.trace;
    const DisplayOptions options = m_state.options;
    m_runner.submit({JobKind::Display, m_options_generation, [trace, options](std::atomic<float>&) {
                         auto display = std::make_shared<const DisplayTrace>(
                             make_display_trace(*trace, options));
                         return JobOutput(TraceOutput{.trace = trace, .display = std::move(display)});
                     }});
}

bool Session::apply(JobResult&& result) {
    switch (result.kind) {
        case JobKind::Load:
            return apply_load(std::move(result));
        case JobKind::Run:
            return apply_run(std::move(result));
        case JobKind::Display:
            return apply_display(std::move(result));
        case JobKind::RunB:
            return apply_run_b(std::move(result));
        case JobKind::Analysis:
        case JobKind::Flow:
            return false;  // the Analyst's jobs run on its own workers
    }
    return false;
}

bool Session::apply_load(JobResult&& r) {
    if (r.generation != m_latest_load) return false;  // a newer load was asked for
    m_state.loading = {};
    if (r.error) {
        m_state.error = r.error;
        if (m_latest_load_is_import) m_state.error->title = "Could not open the attention file";
        return false;
    }
    m_state.model = std::get<std::shared_ptr<const LoadedModel>>(r.output);
    if (m_state.error && m_state.error->kind == ErrorKind::Load) m_state.error.reset();
    if (m_state.model->imported) {  // nothing to run: show the file's trace as it is
        m_state.trace = m_state.model->imported;
        m_trace_model = m_state.model;
        m_state.trace_generation = r.generation;  // older runs still on their way are stale
        m_state.display.reset();
        m_pending_edit.reset();
        submit_display();
        return true;
    }
    if (m_state.input.text.empty()) m_state.input.text = m_state.model->default_text;
    if (!m_state.model->accepts_pair) m_state.input.use_pair = false;
    run_now();
    return true;
}

bool Session::apply_run(JobResult&& r) {
    auto it = m_pending_runs.find(r.generation);
    if (it == m_pending_runs.end()) return false;
    const PendingRun pending = it->second;
    // Requests up to this one are answered (or were replaced in the queue and never ran).
    m_pending_runs.erase(m_pending_runs.begin(), std::next(it));

    if (r.error) {
        // Only the newest request's failure matters; an older one was already superseded.
        if (r.generation >= m_latest_run) m_state.error = r.error;
        return false;
    }
    if (r.generation <= m_state.trace_generation || pending.model != m_state.model) {
        ++m_stats.stale_dropped;
        return false;
    }
    TraceOutput& out = std::get<TraceOutput>(r.output);
    m_state.trace = std::move(out.trace);
    m_trace_model = pending.model;
    m_state.display = std::move(out.display);
    m_state.trace_generation = r.generation;
    m_shown_edit_time = pending.edit_time;
    m_stats.last_run_seconds = r.seconds;
    m_stats.shown_run_seconds += r.seconds;
    ++m_stats.runs_shown;
    const DisplayTrace& d = *m_state.display;
    clamp_selection(m_state.selection, d.n_layer, d.n_head, d.n_source_token);
    if (m_state.error &&
        (m_state.error->kind == ErrorKind::Input || m_state.error->kind == ErrorKind::TooLong ||
         m_state.error->kind == ErrorKind::Other))
        m_state.error.reset();
    // Options changed while this ran: its view model is out of date; recompute it.
    if (pending.options_generation != m_options_generation) submit_display();
    return true;
}

bool Session::apply_display(JobResult&& r) {
    if (r.error) {
        m_state.error = r.error;
        return false;
    }
    TraceOutput& out = std::get<TraceOutput>(r.output);
    if (out.trace != m_state.trace || r.generation != m_options_generation) {
        ++m_stats.stale_dropped;
        return false;
    }
    m_state.display = std::move(out.display);
    // An imported trace arrives through here, not apply_run: keep the selection inside it.
    const DisplayTrace& d = *m_state.display;
    clamp_selection(m_state.selection, d.n_layer, d.n_head, d.n_source_token);
    return true;
}

}  // namespace attnscope::app
