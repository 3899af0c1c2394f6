#include "second_model.h"

#include <algorithm>

#include "attnscope/head_analysis.h"

namespace attnscope::app {

SecondModel::SecondModel(std::shared_ptr<Backend> backend, std::function<void()> notify)
    : m_backend(std::move(backend)), m_loader(notify), m_runner(notify) {}

SecondModel::~SecondModel() = default;

void SecondModel::open(const ModelSource& source, ModelBState& state) {
    const uint64_t gen = ++m_generation;
    m_latest_load = gen;
    state.loading = source.describe();
    state.error.clear();
    std::shared_ptr<Backend> backend = m_backend;
    m_loader.submit({JobKind::Load, gen, [backend, source](std::atomic<float>& progress) {
                         LoadedModel m = backend->load(source, [&](float p) { progress = p; });
                         return JobOutput(std::make_shared<const LoadedModel>(std::move(m)));
                     }});
}

void SecondModel::close(ModelBState& state) {
    m_latest_load = 0;
    m_latest_run = ++m_generation;  // answers on their way are stale
    m_run_model.reset();
    m_last_request.reset();
    m_waiting_run = false;
    const ModelBState fresh;
    state = fresh;
}

void SecondModel::run(const RunRequest& request, const DisplayOptions& options,
                      ModelBState& state) {
    submit(request, options, state);
}

void SecondModel::redisplay(const DisplayOptions& options, ModelBState& state) {
    // A forward pass still on its way would be dropped in favour of the display job and its
    // newer text lost: run it again with the new options instead.
    if (m_waiting_run && m_last_request) {
        submit(m_last_request, options, state);
    } else if (state.trace) {
        submit(std::nullopt, options, state);
    }
}

// One job for both: the forward pass (when `request` is set; else the current trace again), the
// view model and its head statistics, all on the runner.
void SecondModel::submit(std::optional<RunRequest> request, const DisplayOptions& options,
                         ModelBState& state) {
    if (!state.model) return;
    if (request && request->text.empty() && (!request->use_pair || request->pair.empty())) return;
    const uint64_t gen = ++m_generation;
    m_latest_run = gen;
    m_run_model = state.model;
    if (request) {
        m_last_request = request;
        m_waiting_run = true;
    }
    state.running = true;
    std::shared_ptr<Backend> backend = m_backend;
    std::shared_ptr<const LoadedModel> model = state.model;
    std::shared_ptr<const AttentionTrace> trace = state.trace;
    const JobKind kind = request ? JobKind::Run : JobKind::Display;
    m_runner.submit(
        {kind, gen, [backend, model, request, trace, options](std::atomic<float>&) {
             // state.trace is always model B's own (a new model B clears it): the run may start
             // from it, unless the input is cut.
             const AttentionTrace* previous = request && !request->truncate ? trace.get() : nullptr;
             std::shared_ptr<const AttentionTrace> t =
                 request ? std::make_shared<const AttentionTrace>(
                               backend->run(*model, *request, previous))
                         : trace;
             auto display = std::make_shared<const DisplayTrace>(make_display_trace(*t, options));
             auto stats =
                 std::make_shared<const std::vector<HeadStats>>(display_head_stats(*display, *t));
             return JobOutput(TraceOutput{std::move(t), std::move(display), std::move(stats)});
         }});
}

bool SecondModel::update(const RunRequest& input, const DisplayOptions& options,
                         ModelBState& state) {
    bool changed = false;
    for (JobResult& r : m_loader.take_results()) {
        if (r.generation != m_latest_load) continue;  // a newer load was asked for, or closed
        m_latest_load = 0;
        state.loading.clear();
        if (r.error) {
            state.error = r.error->title + ": " + r.error->detail;
            continue;
        }
        state.model = std::get<std::shared_ptr<const LoadedModel>>(r.output);
        state.trace.reset();
        state.display.reset();
        state.stats.reset();
        state.error.clear();
        state.layer = std::clamp(state.layer, 0, std::max(0, state.model->n_layer - 1));
        state.head = std::clamp(state.head, 0, std::max(0, state.model->n_head - 1));
        submit(input, options, state);
        changed = true;
    }
    for (JobResult& r : m_runner.take_results()) {
        if (r.generation != m_latest_run) {
            ++m_stale_dropped;
            continue;
        }
        m_waiting_run = false;
        state.running = false;
        if (r.error) {
            state.error = r.error->title + ": " + r.error->detail;
            continue;
        }
        if (m_run_model != state.model) {  // made with a model B that has been replaced
            ++m_stale_dropped;
            continue;
        }
        TraceOutput& out = std::get<TraceOutput>(r.output);
        state.trace = std::move(out.trace);
        state.display = std::move(out.display);
        state.stats = std::move(out.stats);
        state.error.clear();
        changed = true;
    }
    return changed;
}

}  // namespace attnscope::app
