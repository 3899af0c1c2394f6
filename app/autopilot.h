// Scripted runs (--frames N): wait until the model and text are on screen, optionally click at
// given points (each click settles before the next), type a text one key at a time measuring
// keystroke-to-screen latency, then render N frames (with the mouse at a given point or off the
// window) measuring frame times, and ask for the capture (screenshot, export, pixel check) on the
// last one. Frames are
// counted, not timed, so screenshots are deterministic. No window or GL here: the App feeds it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace attnscope::app {

struct ScriptPoint {
    float x = 0, y = 0;  // window pixels, top-left origin
};

struct ScriptConfig {
    int frames = 1;                    // frames to render once settled
    std::string type_text;             // typed after settling, one UTF-8 character per key
    double timeout = 120;              // seconds to wait for each settle
    std::vector<ScriptPoint> clicks;   // left clicks after settling, before typing
    std::optional<ScriptPoint> hover;  // where the mouse rests afterwards (else off the window)
};

// The mouse for one frame.
struct ScriptMouse {
    bool on_window = false;
    ScriptPoint pos;
    bool down = false;
};

// What the App does after a frame was rendered.
struct FrameOutcome {
    bool capture = false;  // this is the last frame: screenshot / export / pixel check now
    bool exit = false;     // stop after this frame
};

class AutoPilot {
  public:
    using Clock = std::chrono::steady_clock;
    enum class Phase { Settling, Clicking, Typing, Rendering, Done, TimedOut };

    AutoPilot(ScriptConfig config, Clock::time_point start);

    // Start of a frame: the key to type now ("" for none).
    std::string key_to_type(Clock::time_point now);
    // Start of a frame: where the mouse is and whether its left button is down.
    ScriptMouse mouse() const;
    // After the frame was rendered. `settled`: nothing pending and the screen shows the newest
    // trace completely.
    FrameOutcome end_frame(bool settled, Clock::time_point now);

    Phase phase() const { return m_phase; }
    const std::vector<double>& frame_ms() const { return m_frame_ms; }
    const std::vector<double>& latency_ms() const { return m_latency_ms; }

  private:
    void start_next_phase(Clock::time_point now);

    ScriptConfig m_config;
    Phase m_phase = Phase::Settling;
    size_t m_click = 0;     // the click in progress
    int m_click_stage = 0;  // 0: press this frame, 1: release this frame, 2: wait to settle
    int m_settled_streak = 0;  // settled frames in a row, up to this one
    Clock::time_point m_phase_start;
    Clock::time_point m_last_frame_end;
    size_t m_typed = 0;          // bytes of type_text typed so far
    bool m_key_pending = false;  // a typed key not yet on screen
    Clock::time_point m_key_time;
    int m_rendered = 0;
    std::vector<double> m_frame_ms, m_latency_ms;
};

// "mean 4.1 ms, median 3.9, p95 6.0, max 7.2 (n = 120)".
std::string summarize_ms(const std::vector<double>& samples);

}  // namespace attnscope::app
