#include "autopilot.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace attnscope::app {

namespace {

double ms_between(AutoPilot::Clock::time_point a, AutoPilot::Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

// Length of the UTF-8 character starting with byte c.
size_t utf8_length(unsigned char c) {
    if (c >= 0xF0) return 4;
    if (c >= 0xE0) return 3;
    if (c >= 0xC0) return 2;
    return 1;
}

}  // namespace

AutoPilot::AutoPilot(ScriptConfig config, Clock::time_point start)
    : m_config(std::move(config)), m_phase_start(start), m_last_frame_end(start) {}

std::string AutoPilot::key_to_type(Clock::time_point now) {
    if (m_phase != Phase::Typing || m_key_pending || m_typed >= m_config.type_text.size())
        return {};
    const size_t n = std::min(utf8_length(static_cast<unsigned char>(m_config.type_text[m_typed])),
                              m_config.type_text.size() - m_typed);
    std::string key = m_config.type_text.substr(m_typed, n);
    m_typed += n;
    m_key_pending = true;
    m_key_time = now;
    return key;
}

ScriptMouse AutoPilot::mouse() const {
    if (m_phase == Phase::Clicking && m_click < m_config.clicks.size())
        return {true, m_config.clicks[m_click], m_click_stage == 0};
    if (m_phase == Phase::Settling || !m_config.hover) {
        if (m_click > 0) return {true, m_config.clicks[m_click - 1], false};  // rests there
        return {};
    }
    return {true, *m_config.hover, false};
}

void AutoPilot::start_next_phase(Clock::time_point now) {
    m_phase_start = now;
    if (m_phase == Phase::Settling && !m_config.clicks.empty()) {
        m_phase = Phase::Clicking;
    } else if ((m_phase == Phase::Settling || m_phase == Phase::Clicking) &&
               !m_config.type_text.empty()) {
        m_phase = Phase::Typing;
    } else {
        m_phase = Phase::Rendering;
    }
}

FrameOutcome AutoPilot::end_frame(bool settled, Clock::time_point now) {
    FrameOutcome out;
    const double frame = ms_between(m_last_frame_end, now);
    m_last_frame_end = now;
    m_settled_streak = settled ? m_settled_streak + 1 : 0;
    // A click waits for a second settled frame in a row. ImGui hides a window or popup in the
    // frame it appears and picks the hovered window from the previous frame's rectangles, so a
    // press in the frame after a popup first showed (say, the model picker opened at start-up
    // while the model loaded within a frame) hits nothing. Seen once under ctest -j2.
    const bool ready_to_click = m_settled_streak >= 2;
    switch (m_phase) {
        case Phase::Clicking:
            if (m_click_stage < 2) {
                ++m_click_stage;  // pressed, then released: one frame each
            } else if (ready_to_click) {
                m_click_stage = 0;
                if (++m_click == m_config.clicks.size()) start_next_phase(now);
            } else if (ms_between(m_phase_start, now) > m_config.timeout * 1000.0) {
                m_phase = Phase::TimedOut;
                out.capture = out.exit = true;
            }
            break;
        case Phase::Settling:
        case Phase::Typing: {
            if (m_phase == Phase::Typing && m_key_pending && settled) {
                m_latency_ms.push_back(ms_between(m_key_time, now));
                m_key_pending = false;
                m_phase_start = now;
            }
            const bool clicks_next = m_phase == Phase::Settling && !m_config.clicks.empty();
            if (settled && !m_key_pending && (!clicks_next || ready_to_click)) {
                if (m_phase == Phase::Settling || m_typed >= m_config.type_text.size())
                    start_next_phase(now);
                m_phase_start = now;
            } else if (ms_between(m_phase_start, now) > m_config.timeout * 1000.0) {
                m_phase = Phase::TimedOut;
                out.capture = true;
                out.exit = true;
            }
            break;
        }
        case Phase::Rendering:
            m_frame_ms.push_back(frame);
            if (++m_rendered >= m_config.frames) {
                m_phase = Phase::Done;
                out.capture = true;
                out.exit = true;
            }
            break;
        case Phase::Done:
        case Phase::TimedOut:
            out.exit = true;
            break;
    }
    return out;
}

std::string summarize_ms(const std::vector<double>& samples) {
    if (samples.empty()) return "no samples";
    std::vector<double> s = samples;
    std::sort(s.begin(), s.end());
    const double mean = std::accumulate(s.begin(), s.end(), 0.0) / double(s.size());
    auto pct = [&](double p) {
        return s[std::min(s.size() - 1, size_t(p * double(s.size() - 1) + 0.5))];
    };
    char buf[160];
    std::snprintf(buf, sizeof buf, "mean %.2f ms, median %.2f, p95 %.2f, max %.2f (n = %zu)", mean,
                  pct(0.5), pct(0.95), s.back(), s.size());
    return buf;
}

}  // namespace attnscope::app
