#include "analyst.h"

namespace attnscope::app {

Analyst::Analyst(std::function<void()> notify) : m_analysis_worker(notify), m_flow_worker(notify) {}

Analyst::~Analyst() {
    cancel_flow();  // let a long flow stop before the worker joins it
}

void Analyst::cancel_flow() {
    if (m_cancel) *m_cancel = true;
    m_cancel.reset();
    m_flow_layer = -1;
    // A flow that finishes before it sees the flag must not be taken for the new source's.
    m_flow_gen = 0;
}

void Analyst::set_source(std::shared_ptr<const AttentionTrace> trace,
                         std::shared_ptr<const DisplayTrace> display) {
    if (trace == m_trace && display == m_display) return;
    cancel_flow();
    m_trace = std::move(trace);
    m_display = std::move(display);
    m_products.reset();
    m_flows.clear();
    m_error.clear();
    if (!m_trace || !m_display) return;
    const uint64_t gen = ++m_generation;
    m_analysis_gen = gen;
    std::shared_ptr<const AttentionTrace> t = m_trace;
    std::shared_ptr<const DisplayTrace> d = m_display;
    m_analysis_worker.submit({JobKind::Analysis, gen, [t, d](std::atomic<float>&) {
                                  auto out = std::make_shared<AnalysisOutput>();
                                  out->stats = display_head_stats(*d, *t);
                                  if (d->hide_special) {
                                      DisplayOptions all;
                                      all.words = d->words;
                                      all.lens = d->lens;
                                      all.one_based = d->one_based;
                                      out->all_units = std::make_shared<const DisplayTrace>(
                                          make_display_trace(*t, all));
                                  } else {
                                      out->all_units = d;  // already shows every token
                                  }
                                  out->rollout = lens_rollout(*t, d->lens, d->words);
                                  return JobOutput(std::shared_ptr<const AnalysisOutput>(out));
                              }});
}

void Analyst::request_flow(int layer) {
    if (!m_trace || !m_display || m_flows.count(layer) || m_flow_layer == layer) return;
    cancel_flow();
    const uint64_t gen = ++m_generation;
    m_flow_gen = gen;
    m_flow_layer = layer;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<const AttentionTrace> t = m_trace;
    const Lens lens = m_display->lens;
    const bool words = m_display->words;
    std::shared_ptr<std::atomic<bool>> cancel = m_cancel;
    m_flow_worker.submit(
        {JobKind::Flow, gen, [t, lens, words, layer, cancel](std::atomic<float>& progress) {
             auto out = std::make_shared<AnalysisOutput>();
             out->flow = lens_flow(*t, lens, words, layer, cancel.get(), &progress);
             out->flow_layer = layer;
             return JobOutput(std::shared_ptr<const AnalysisOutput>(out));
         }});
}

void Analyst::update() {
    for (JobResult& r : m_analysis_worker.take_results()) {
        if (r.generation != m_analysis_gen) {  // an older trace's
            ++m_stale_dropped;
            continue;
        }
        if (r.error) {
            m_error = r.error->title + ": " + r.error->detail;
            continue;
        }
        m_products = std::get<std::shared_ptr<const AnalysisOutput>>(r.output);
    }
    for (JobResult& r : m_flow_worker.take_results()) {
        if (r.generation != m_flow_gen) {  // cancelled or replaced
            ++m_stale_dropped;
            continue;
        }
        m_flow_layer = -1;
        m_cancel.reset();
        if (r.error) {
            m_error = r.error->title + ": " + r.error->detail;
            continue;
        }
        auto out = std::get<std::shared_ptr<const AnalysisOutput>>(r.output);
        if (!out->flow.empty()) m_flows[out->flow_layer] = std::move(out);
    }
}

std::shared_ptr<const AnalysisOutput> Analyst::flow(int layer) const {
    auto it = m_flows.find(layer);
    return it == m_flows.end() ? nullptr : it->second;
}

}  // namespace attnscope::app
