#include "teach_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "attnscope/analysis.h"

namespace attnscope::app {

namespace {

float max_abs(std::span<const float> v) {
    float m = 0;
    for (float x : v)
        if (std::isfinite(x)) m = std::max(m, std::fabs(x));
    return m;
}

const char* arch_label(Arch arch) {
    switch (arch) {
        case Arch::Gpt2:
            return "GPT-2";
        case Arch::Llama:
            return "Llama";
        default:
            return "BERT";
    }
}

}  // namespace

// [SECTION] The view model

TeachModel make_teach_model(const AttentionTrace& trace, int layer, int head, int query) {
    TeachModel m;
    m.steps = softmax_steps(trace, layer, head, query);
    const int T = trace.n_token;
    m.labels.reserve(size_t(T));
    for (int i = 0; i < T; ++i)
        m.labels.push_back(token_label(trace.tokens.texts[size_t(i)], trace.tokens.tokens[size_t(i)]));
    m.special.assign(trace.tokens.special.begin(), trace.tokens.special.end());
    m.special.resize(size_t(T), 0);
    const SoftmaxSteps& s = m.steps;
    m.qk_abs = std::max(max_abs(s.q), max_abs(s.keys));
    m.product_abs = max_abs(s.products);
    m.value_abs = max_abs(s.values);
    m.contribution_abs = std::max(max_abs(s.contributions), max_abs(s.output));
    for (int k = 0; k < k_softmax_stage_count; ++k)
        m.stage_abs[size_t(k)] = max_abs(stage_values(s, SoftmaxStage(k)));
    m.kv_first_head = m.kv_last_head = head;
    for (int h = 0; h < trace.n_head; ++h) {
        if (trace.kv_head_of[size_t(h)] != s.kv_head) continue;
        m.kv_first_head = std::min(m.kv_first_head, h);
        m.kv_last_head = std::max(m.kv_last_head, h);
    }
    m.arch = arch_label(trace.arch);
    return m;
}

int teach_query_token(int selected_token, int n_token) {
    if (n_token <= 0) return -1;
    return selected_token >= 0 && selected_token < n_token ? selected_token : n_token - 1;
}

const TeachModel* TeachCache::get(const std::shared_ptr<const AttentionTrace>& trace, int layer,
                                  int head, int query) {
    if (!trace || trace->n_token == 0 || query < 0) return nullptr;
    if (trace != m_trace || layer != m_layer || head != m_head || query != m_query || !m_model) {
        m_model = std::make_unique<TeachModel>(make_teach_model(*trace, layer, head, query));
        m_trace = trace;
        m_layer = layer;
        m_head = head;
        m_query = query;
    }
    return m_model.get();
}

std::string format_teach_value(float v) {
    if (std::isinf(v)) return v < 0 ? "\u2212\u221e" : "+\u221e";
    if (std::isnan(v)) return "NaN";
    char buf[32];
    const float a = std::fabs(v);
    if (a >= 1000.0f) {
        std::snprintf(buf, sizeof buf, "%.0f", double(v));
    } else if (a >= 100.0f) {
        std::snprintf(buf, sizeof buf, "%.1f", double(v));
    } else if (a >= 10.0f) {
        std::snprintf(buf, sizeof buf, "%.2f", double(v));
    } else {
        std::snprintf(buf, sizeof buf, "%.3f", double(v));
    }
    std::string out = buf;
    if (out == "-0.000") out = "0.000";
    if (!out.empty() && out[0] == '-') out.replace(0, 1, "\u2212");  // a real minus sign
    return out;
}

// [SECTION] The stepper

namespace {
constexpr float k_morph_share = 0.45f;  // part of a stage's time spent moving the values
}  // namespace

void Stepper::set_stage(int s) {
    m_stage = std::clamp(s, 0, k_stage_count - 1);
    m_progress = 1.0f;
    m_time = 0;
    m_playing = false;
}

void Stepper::forward() {
    if (m_stage + 1 >= k_stage_count) {
        m_progress = 1.0f;
        m_playing = false;
        return;
    }
    ++m_stage;
    m_progress = 0.0f;
    m_time = 0;
}

void Stepper::back() {
    const bool playing = m_playing;
    set_stage(m_stage - 1);
    m_playing = playing && m_stage > 0;
}

void Stepper::toggle_play() {
    if (m_playing) {
        m_playing = false;
        return;
    }
    if (m_stage + 1 >= k_stage_count && m_progress >= 1.0f) {
        set_stage(0);
        m_progress = 0.0f;  // start the first stage from nothing, like the others
    }
    m_playing = true;
    m_time = m_progress * k_morph_share / speed();
}

void Stepper::set_speed_index(int i) {
    m_speed = std::clamp(i, 0, k_speed_count - 1);
}

void Stepper::apply(const StepperKeys& k) {
    if (k.play_pause) toggle_play();
    if (k.forward) forward();
    if (k.back) back();
    if (k.faster) set_speed_index(m_speed + 1);
    if (k.slower) set_speed_index(m_speed - 1);
    if (k.first) first();
    if (k.last) last();
}

void Stepper::advance(float dt) {
    const float stage_seconds = 1.0f / speed();
    const float morph_seconds = stage_seconds * k_morph_share;
    if (m_progress < 1.0f && !m_playing) {
        m_progress = std::min(1.0f, m_progress + dt / morph_seconds);
        return;
    }
    if (!m_playing) return;
    m_time += dt;
    m_progress = std::min(1.0f, m_time / morph_seconds);
    if (m_time < stage_seconds) return;
    if (m_stage + 1 >= k_stage_count) {
        m_playing = false;
        m_progress = 1.0f;
        return;
    }
    ++m_stage;
    m_time = 0;
    m_progress = 0.0f;
}

}  // namespace attnscope::app
