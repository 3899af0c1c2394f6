// The head view (bertviz style): the tokens in two columns, queries left and keys right, with a
// line from query i to key j whose opacity is the weight, one colour per head, for all heads of a
// layer at once. Heads toggle on and off; hovering a token (here or anywhere) shows only its lines.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "../app_state.h"

namespace attnscope::app {

class HeadView {
  public:
    void draw(const std::shared_ptr<const DisplayTrace>& display, Selection& selection);
    // [H] the heads whose lines are drawn (empty before the first draw: all), for the SVG export.
    const std::vector<uint8_t>& enabled_heads() const { return m_enabled; }

  private:
    // What the cached lines were chosen for.
    struct Key {
        std::shared_ptr<const DisplayTrace> display;
        int layer = -1, focus_row = -1, focus_col = -1;
        std::vector<uint8_t> enabled;
        bool operator==(const Key&) const = default;
    };
    void draw_toolbar(const DisplayTrace& d, Selection& selection);

    std::vector<uint8_t> m_enabled;  // [H] heads whose lines are drawn
    Key m_key;
    std::vector<Link> m_links;  // the lines to draw, strongest first (recomputed on change)
};

}  // namespace attnscope::app
