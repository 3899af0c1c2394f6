// Two models: the same sentence through model A (the one every other view shows) and model B
// (opened here, or with --model-b; the Session runs it on its own workers), one head of each side
// by side with its statistics, and the signed difference A − B when the models have the same
// shape and tokenise the sentence the same way (e.g. BERT and DistilBERT, or a model and a
// fine-tuned copy). When they do not, the view says why and shows the heads side by side only.
// B's head follows A's while linked and B has it; otherwise B has its own sliders.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../analyst.h"
#include "../app_state.h"
#include "../model_catalog.h"
#include "matrix_panel.h"

namespace attnscope::app {

class ModelsView {
  public:
    // What the user asked for this frame (the caller tells the Session).
    struct Action {
        std::optional<ModelSource> open;  // load this as model B
        bool close = false;               // forget model B
    };
    // `models`: the model folders found, for the model B menu.
    Action draw(AppState& state, const Analyst& analyst, const std::vector<ModelEntry>& models,
                gfx::HeatmapRenderer& renderer, std::vector<PixelProbe>* probes);
    // Everything for the current sentence is shown (scripted runs capture then).
    bool up_to_date() const { return m_up_to_date; }

    // Model B's trace is of the sentence model A's trace shows.
    static bool same_sentence(const AppState& state);

  private:
    struct Key {
        std::shared_ptr<const DisplayTrace> a, b;
        HeadRef head_a, head_b;
        Colormap colormap = Colormap::Viridis, diverging = Colormap::RdBu;
        ValueScale scale = ValueScale::Unit;
        bool operator==(const Key&) const = default;
    };
    Action draw_model_bar(AppState& state, const std::vector<ModelEntry>& models);
    void draw_head_pickers(AppState& state);
    void update(const Key& key, const AppState& state, gfx::HeatmapRenderer& renderer);
    void draw_panels(const AppState& state, const Analyst& analyst, Selection& selection,
                     std::vector<PixelProbe>* probes);

    Key m_key;
    bool m_up_to_date = false;
    ModelsLayout m_layout;
    MatrixPanel m_a, m_b, m_diff;
    PairLegends m_legends;
    std::string m_folder;  // the "model folder" box for a model B not in the list
    int m_hover_row = -1, m_hover_col = -1;
};

}  // namespace attnscope::app
