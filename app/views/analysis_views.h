// The compare-and-analyse views (issue 5) behind one door, so the App only forwards to them:
// compare heads, two sentences, two models, head search, rollout. Owns the Analyst whose
// statistics, rollout and flow they share, and model B's Analyst (the Two models view's rollout).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "../analyst.h"
#include "../app_args.h"
#include "../session.h"
#include "compare_view.h"
#include "diff_view.h"
#include "models_view.h"
#include "rollout_view.h"
#include "search_view.h"

namespace attnscope::app {

class AnalysisViews {
  public:
    // `wake` is called from the Analyst's workers when a result is ready.
    explicit AnalysisViews(std::function<void()> wake)
        : m_analyst(wake), m_analyst_b(std::move(wake)) {}

    // True for the views drawn here.
    static bool handles(ViewKind view);
    // Draws `view` (one of handles()) for the session's trace, pointing the Analyst at it first.
    // `models`: the model folders found (the Two models view picks model B from them).
    void draw(ViewKind view, Session& session, gfx::HeatmapRenderer& renderer,
              std::vector<PixelProbe>* probes, const std::vector<ModelEntry>& models);
    // The view shows everything for the current trace (scripted runs capture then).
    bool settled(ViewKind view, const AppState& state) const;
    // The statistics, rollout and flow the views show (the SVG export takes them from here).
    const Analyst& analyst() const { return m_analyst; }
    // Model B's rollout as the Two models view shows it (the SVG export takes it from here too).
    const Analyst& analyst_b() const { return m_analyst_b; }
    // What the Two models view last showed in rollout mode ("" = none; ModelsView).
    std::string models_rollout_summary() const { return m_models.rollout_summary(); }

  private:
    Analyst m_analyst;
    Analyst m_analyst_b;  // model B's rollout, computed only while the Two models view shows it
    CompareView m_compare;
    DiffView m_diff;
    ModelsView m_models;
    SearchView m_search;
    RolloutView m_rollout;
};

// Copies --pin, --text-b, --rank, --models-mode into the state (ranges are checked by
// check_compare_args); --layer with --models-mode rollout asks for the rollout after that layer
// instead of the last. --model-b is opened by the App through the Session.
void apply_compare_args(const AppArgs& args, CompareState& compare);
// "" if --pin and --to fit the model and input of `display`, else the message; on success also
// sets the search key from --to.
std::string check_compare_args(const AppArgs& args, const DisplayTrace& display,
                               CompareState& compare);

}  // namespace attnscope::app
