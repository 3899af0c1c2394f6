#include "analysis_views.h"

namespace attnscope::app {

bool AnalysisViews::handles(ViewKind view) {
    return view == ViewKind::Compare || view == ViewKind::Diff || view == ViewKind::Models ||
           view == ViewKind::Search || view == ViewKind::Rollout;
}

void AnalysisViews::draw(ViewKind view, Session& session, gfx::HeatmapRenderer& renderer,
                         std::vector<PixelProbe>* probes, const std::vector<ModelEntry>& models) {
    AppState& st = session.state();
    m_analyst.set_source(st.trace, st.display);
    m_analyst.update();
    switch (view) {
        case ViewKind::Compare:
            m_compare.draw(st.display, st.options, m_analyst, renderer, st.compare, st.selection,
                           probes);
            break;
        case ViewKind::Diff:
            if (m_diff.draw(st, renderer, st.compare, st.selection, probes))
                session.text_b_edited(Clock::now());
            break;
        case ViewKind::Models: {
            // B's rollout is computed for the sentence A shows, and only when asked for; a
            // closed model B lets go of its trace.
            const ModelBState& b = st.compare.model_b;
            if (!b.trace ||
                (st.compare.models_mode == ModelsMode::Rollout && ModelsView::same_sentence(st)))
                m_analyst_b.set_source(b.trace, b.display);
            m_analyst_b.update();
            const ModelsView::Action a =
                m_models.draw(st, m_analyst, m_analyst_b, models, renderer, probes);
            if (a.close) session.close_model_b();
            if (a.open) session.open_model_b(*a.open);
            break;
        }
        case ViewKind::Search:
            m_search.draw(st.display, st.options, m_analyst, renderer, st.compare, st.selection,
                          probes);
            break;
        case ViewKind::Rollout:
            m_rollout.draw(st.options, m_analyst, renderer, st.selection, probes);
            break;
        default:
            break;
    }
}

bool AnalysisViews::settled(ViewKind view, const AppState& st) const {
    const bool analysed = m_analyst.trace() == st.trace && m_analyst.display() == st.display &&
                          m_analyst.products() != nullptr;
    switch (view) {
        case ViewKind::Compare:
            return analysed && m_compare.up_to_date();
        case ViewKind::Diff:
            return !st.compare.running_b && m_diff.up_to_date();
        case ViewKind::Models:
            return (analysed || !st.compare.model_b.model) && m_models.up_to_date();
        case ViewKind::Search:
            return analysed && m_search.up_to_date();
        case ViewKind::Rollout:
            return analysed && m_rollout.up_to_date();
        default:
            return true;
    }
}

void apply_compare_args(const AppArgs& args, CompareState& compare) {
    compare.pins = args.pins;
    if (args.text_b) compare.text_b = *args.text_b;
    if (args.rank) {
        compare.rank = SearchRank::Statistic;
        compare.statistic = *args.rank;
    }
    if (args.models_mode) compare.models_mode = *args.models_mode;
    // Asking for a layer asks for the rollout after it.
    if (args.layer && compare.models_mode == ModelsMode::Rollout)
        compare.rollout_last_layer = false;
}

std::string check_compare_args(const AppArgs& args, const DisplayTrace& d, CompareState& compare) {
    if (std::string e = check_pins(args.pins, d.n_layer, d.n_head); !e.empty())
        return "--pin: " + e;
    if (args.to_token) {
        if (*args.to_token >= d.n_source_token)
            return "--to " + std::to_string(*args.to_token) + " is out of range: the input has " +
                   std::to_string(d.n_source_token) + " tokens";
        compare.search_key = *args.to_token;
    }
    return {};
}

}  // namespace attnscope::app
