#include "compare_state.h"

#include "app_state.h"

#include <algorithm>
#include <charconv>

namespace attnscope::app {

bool CompareState::add_pin(HeadRef h) {
    if (int(pins.size()) >= k_max_pins || std::find(pins.begin(), pins.end(), h) != pins.end())
        return false;
    pins.push_back(h);
    return true;
}

void CompareState::remove_pin(size_t index) {
    if (index < pins.size()) pins.erase(pins.begin() + std::ptrdiff_t(index));
}

namespace {

bool parse_index(std::string_view s, int* out) {
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0) return false;
    *out = v;
    return true;
}

}  // namespace

bool parse_pins(const std::string& text, std::vector<HeadRef>* out, std::string* error) {
    std::vector<HeadRef> pins;
    std::string_view rest = text;
    if (rest.empty()) {
        *error = "no heads given (expected L:H,L:H,...)";
        return false;
    }
    while (true) {
        const size_t comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        const size_t colon = item.find(':');
        HeadRef h;
        if (colon == std::string_view::npos || !parse_index(item.substr(0, colon), &h.layer) ||
            !parse_index(item.substr(colon + 1), &h.head)) {
            *error = "bad head '" + std::string(item) + "' (expected LAYER:HEAD, e.g. 2:5)";
            return false;
        }
        if (std::find(pins.begin(), pins.end(), h) != pins.end()) {
            *error = "head " + std::string(item) + " is pinned twice";
            return false;
        }
        pins.push_back(h);
        if (int(pins.size()) > k_max_pins) {
            *error = "at most " + std::to_string(k_max_pins) + " heads can be pinned";
            return false;
        }
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    *out = std::move(pins);
    return true;
}

std::string check_pins(const std::vector<HeadRef>& pins, int n_layer, int n_head) {
    for (const HeadRef& p : pins) {
        if (p.layer >= n_layer)
            return "pinned layer " + std::to_string(p.layer) + " is out of range: the model has " +
                   std::to_string(n_layer) + " layers";
        if (p.head >= n_head)
            return "pinned head " + std::to_string(p.head) + " is out of range: the model has " +
                   std::to_string(n_head) + " heads";
    }
    return {};
}

void clamp_pins(std::vector<HeadRef>& pins, int n_layer, int n_head) {
    std::erase_if(pins, [&](const HeadRef& p) { return p.layer >= n_layer || p.head >= n_head; });
}

PairLayout pair_layout(const AttentionTrace& a, const DisplayTrace& da, const AttentionTrace& b,
                       const DisplayTrace& db) {
    PairLayout out;
    const TraceAlignment al = align_traces(a, b);
    out.comparable = a.n_layer == b.n_layer && a.n_head == b.n_head;
    if (!out.comparable) {
        out.message = "The traces have different shapes (" + std::to_string(a.n_layer) + "x" +
                      std::to_string(a.n_head) + " vs " + std::to_string(b.n_layer) + "x" +
                      std::to_string(b.n_head) + " heads).";
        return out;
    }
    if (!al.aligned) {
        out.message = "No difference, side by side only: " + al.reason + ".";
        return out;
    }
    if (da.n_token != db.n_token || da.source_index != db.source_index) {
        out.message = "The shown tokens differ: A and B are shown side by side only.";
        return out;
    }
    out.difference = true;
    out.differing_tokens = al.differing_tokens;
    return out;
}

ModelsLayout models_layout(const AttentionTrace& a, const DisplayTrace& da, const AttentionTrace& b,
                           const DisplayTrace& db) {
    ModelsLayout out;
    const ModelPairLayout p = compare_models(a, b);
    if (!p.difference()) {
        out.message = "Side by side only: " + p.reason + ".";
    } else if (da.n_token != db.n_token || da.source_index != db.source_index) {
        out.message = "Side by side only: the two models show different tokens.";
    } else {
        out.difference = true;
    }
    return out;
}

const char* models_mode_name(ModelsMode mode) {
    return mode == ModelsMode::Rollout ? "rollout" : "head";
}

bool parse_models_mode(std::string_view name, ModelsMode* out) {
    for (ModelsMode m : {ModelsMode::Head, ModelsMode::Rollout}) {
        if (name == models_mode_name(m)) {
            *out = m;
            return true;
        }
    }
    return false;
}

HeadRef model_b_head(const ModelBState& b, const Selection& sel, int n_layer, int n_head) {
    HeadRef h{b.layer, b.head};
    if (b.linked && sel.layer < n_layer && sel.head < n_head) h = {sel.layer, sel.head};
    h.layer = std::clamp(h.layer, 0, std::max(0, n_layer - 1));
    h.head = std::clamp(h.head, 0, std::max(0, n_head - 1));
    return h;
}

}  // namespace attnscope::app
