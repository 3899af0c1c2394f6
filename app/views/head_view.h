// The head view (bertviz style): the tokens in two columns, queries left and keys right, with a
// line from query i to key j whose opacity is the weight, one colour per head, for all heads of a
// layer at once. Heads toggle on and off; hovering a token (here or anywhere) shows only its lines.
#pragma once

#include <cstdint>
#include <vector>

#include "../app_state.h"

namespace attnscope::app {

class HeadView {
public:
    void draw(const DisplayTrace& display, Selection& selection);

private:
    void draw_toolbar(const DisplayTrace& d, Selection& selection);
    std::vector<uint8_t> m_enabled;  // [H] heads whose lines are drawn
};

}  // namespace attnscope::app
