// The teaching views' data: every stage of one head's attention for one query token (core's
// softmax_steps), plus what the views need to draw it (token labels, colour ranges), and the
// stepper that walks through the stages. Built on a selection or trace change, never per frame.
// No ImGui, no GL: tested without a window.
//
// Dimension names: T = n_token (keys of the row), D = d_head.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "attnscope/softmax_steps.h"
#include "attnscope/trace.h"

namespace attnscope::app {

// [SECTION] The view model

struct TeachModel {
    SoftmaxSteps steps;               // every stage (core)
    std::vector<std::string> labels;  // [T] token labels (whitespace made visible)
    std::vector<uint8_t> special;     // [T] 1 for [CLS], BOS, ...
    float qk_abs = 0;                 // max |x| over q and the keys: colour range of those strips
    float product_abs = 0;            // max |x| over q ∘ k_j
    float value_abs = 0;              // max |x| over the values
    float contribution_abs = 0;       // max |x| over w_j·v_j and the output
    std::array<float, k_softmax_stage_count> stage_abs{};  // max |finite value| of each stage
    int kv_first_head = 0, kv_last_head = 0;  // query heads that share steps.kv_head (GQA)
    std::string arch;                         // "GPT-2", "BERT", "Llama"
};

// Builds the view model for query token `query` of (layer, head). Throws InputError when out of
// range (as softmax_steps does).
TeachModel make_teach_model(const AttentionTrace& trace, int layer, int head, int query);

// The query token the teaching views show: the selected token, else the last one (in a
// left-to-right model it sees the whole sentence). -1 for an empty trace.
int teach_query_token(int selected_token, int n_token);

// The view model for the current trace and selection, rebuilt only when either changes.
class TeachCache {
  public:
    // Null if there is no trace or it has no tokens.
    const TeachModel* get(const std::shared_ptr<const AttentionTrace>& trace, int layer, int head,
                          int query);

  private:
    std::shared_ptr<const AttentionTrace> m_trace;
    int m_layer = -1, m_head = -1, m_query = -1;
    std::unique_ptr<TeachModel> m_model;
};

// "−∞" for -inf, else a short fixed-point number ("0.123", "-12.35", "1234").
std::string format_teach_value(float v);

// [SECTION] The stepper

// The keys that drive the stepper in one frame (read from the keyboard by the view).
struct StepperKeys {
    bool play_pause = false;  // Space
    bool forward = false;     // Right arrow
    bool back = false;        // Left arrow
    bool faster = false;      // Up arrow
    bool slower = false;      // Down arrow
    bool first = false;       // Home
    bool last = false;        // End
};

// Which stage is shown and how far the animation into it has got. Stages are 0-based here
// (0 = dot products .. 7 = weighted sum); the UI and --step count from 1.
class Stepper {
  public:
    static constexpr int k_stage_count = k_softmax_stage_count;
    static constexpr float k_speeds[] = {0.25f, 0.5f, 1.0f, 2.0f};  // stages per second
    static constexpr int k_speed_count = 4;

    int stage() const { return m_stage; }
    SoftmaxStage softmax_stage() const { return SoftmaxStage(m_stage); }
    // 0..1: how far the values have moved from the previous stage's to this one's.
    float progress() const { return m_progress; }
    // progress() eased (smoothstep), for drawing.
    float eased() const { return m_progress * m_progress * (3.0f - 2.0f * m_progress); }
    bool playing() const { return m_playing; }
    float speed() const { return k_speeds[m_speed]; }
    int speed_index() const { return m_speed; }
    // True while something moves (the app keeps drawing frames).
    bool animating() const { return m_playing || m_progress < 1.0f; }

    // Jumps to stage s (clamped), fully shown; stops playing.
    void set_stage(int s);
    // The next stage, animating into it; the previous one, at once.
    void forward();
    void back();
    void first() { set_stage(0); }
    void last() { set_stage(k_stage_count - 1); }
    // Play from the current stage (from the first if at the last); pause.
    void toggle_play();
    void set_speed_index(int i);
    void apply(const StepperKeys& keys);
    // Advances the animation by dt seconds (scripted runs pass a fixed dt per frame).
    void advance(float dt);

  private:
    int m_stage = 0;
    float m_progress = 1.0f;
    float m_time = 0;  // seconds spent in the current stage while playing
    bool m_playing = false;
    int m_speed = 1;
};

}  // namespace attnscope::app
