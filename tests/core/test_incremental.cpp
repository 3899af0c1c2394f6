// Reusing an earlier trace's prefix (RunOptions::reuse, core/src/trace_prefix.cpp): a run that
// copies the shared tokens must give the trace a full run gives, and must copy only when safe.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

#include "attnscope/engine.h"
#include "test_util.h"

using namespace attnscope;
using test::gpt2_tiny;

namespace {

const Model& stories() {
    return test::cached_model("karpathy--tinyllamas--stories260K");
}

// Tolerance on every float buffer: |a - b| <= 1e-5 · max(1, largest |value| in the buffer). A
// full run keeps its own arithmetic (bit for bit what it was before suffix passes existed), so a
// suffix pass, whose products have fewer rows, may add in another order: Eigen picks its kernel
// (one-row matrix-vector, leftover rows of a panel) and vectorises element-wise maths by size.
// The differences are a few ulps of a buffer's largest value (scores reach ±190 on stories260K,
// where one ulp is 1.5e-5); the printout at the end shows the largest seen, per buffer.
constexpr double k_tol = 1e-5;

struct Diff {
    bool ok = true;
    double max_abs = 0, scale = 1;
    size_t worst = 0;
};

Diff compare(std::span<const float> a, std::span<const float> b) {
    Diff d;
    if (a.size() != b.size()) return {false, INFINITY, 1, 0};
    for (float x : b)
        if (x > -1e30f) d.scale = std::max(d.scale, std::fabs(double(x)));
    for (size_t i = 0; i < a.size(); ++i) {
        const bool ma = a[i] <= -1e30f, mb = b[i] <= -1e30f;
        if (ma || mb) {
            if (ma != mb) return {false, INFINITY, d.scale, i};
            continue;
        }
        const double diff = std::fabs(double(a[i]) - double(b[i]));
        if (diff > d.max_abs) {
            d.max_abs = diff;
            d.worst = i;
        }
    }
    d.ok = d.max_abs <= k_tol * d.scale;
    return d;
}

// The largest |incremental - full| seen by this test program, per model and buffer, printed at
// the end.
struct Worst {
    double diff = 0, rel = 0;  // largest |diff|; largest |diff| / buffer scale
};
std::map<std::string, std::map<std::string, Worst>>& worst_seen() {
    static std::map<std::string, std::map<std::string, Worst>> worst;
    static struct Printer {
        ~Printer() {
            for (const auto& [model, buffers] : worst_seen()) {
                std::printf(
                    "incremental vs full run, %s: max |diff| (max |diff| / buffer's max |value|):",
                    model.c_str());
                for (const auto& [name, w] : buffers)
                    std::printf(" %s %.3g (%.3g);", name.c_str(), w.diff, w.rel);
                std::printf("\n");
            }
        }
    } printer;
    return worst;
}

// Tokens two encodings share from the start (ids; position ids are 0..T-1 for causal models).
int common_prefix(const AttentionTrace& a, const AttentionTrace& b) {
    const auto& x = a.tokens.ids;
    const auto& y = b.tokens.ids;
    const size_t n = std::min(x.size(), y.size());
    return int(std::mismatch(x.begin(), x.begin() + n, y.begin()).first - x.begin());
}

// Checks `inc` against `full` (the same input, run without reuse): every recorded buffer within
// k_tol, everything else equal. Returns the largest difference.
double check_same_as_full(const AttentionTrace& inc, const AttentionTrace& full) {
    CHECK(inc.n_token == full.n_token);
    CHECK(inc.tokens.ids == full.tokens.ids);
    CHECK(inc.tokens.tokens == full.tokens.tokens);
    CHECK(inc.position_ids == full.position_ids);
    CHECK(inc.mask == full.mask);
    CHECK(inc.model_instance == full.model_instance);
    const std::pair<const char*, const FloatBuffer AttentionTrace::*> buffers[] = {
        {"embed", &AttentionTrace::embed},       {"q", &AttentionTrace::q},
        {"k", &AttentionTrace::k},               {"v", &AttentionTrace::v},
        {"q_norope", &AttentionTrace::q_norope}, {"k_norope", &AttentionTrace::k_norope},
        {"scores", &AttentionTrace::scores},     {"weights", &AttentionTrace::weights},
        {"head_out", &AttentionTrace::head_out},
        {"value_out_norm", &AttentionTrace::value_out_norm},
        {"hidden", &AttentionTrace::hidden},
    };
    double worst = 0;
    auto check = [&](const char* name, std::span<const float> a, std::span<const float> b) {
        const Diff r = compare(a, b);
        CHECK_MESSAGE(r.ok, std::string(name) << ": max |diff| " << r.max_abs << " at index "
                                              << r.worst << ", largest |value| " << r.scale
                                              << " (sizes " << a.size() << " vs " << b.size()
                                              << ")");
        worst = std::max(worst, r.max_abs);
        Worst& seen = worst_seen()[full.model_name][name];
        seen.rel = std::max(seen.rel, r.max_abs / r.scale);
        seen.diff = std::max(seen.diff, r.max_abs);
    };
    for (const auto& [name, member] : buffers) check(name, inc.*member, full.*member);
    check("prediction logits", inc.prediction.logits, full.prediction.logits);
    CHECK(inc.prediction.kind == full.prediction.kind);
    CHECK(inc.prediction.positions == full.prediction.positions);
    REQUIRE(inc.prediction.top.size() == full.prediction.top.size());
    for (size_t p = 0; p < full.prediction.top.size(); ++p) {
        REQUIRE(inc.prediction.top[p].size() == full.prediction.top[p].size());
        for (size_t i = 0; i < full.prediction.top[p].size(); ++i) {
            CHECK(inc.prediction.top[p][i].id == full.prediction.top[p][i].id);
            CHECK(inc.prediction.top[p][i].prob ==
                  doctest::Approx(full.prediction.top[p][i].prob).epsilon(1e-5));
        }
    }
    return worst;
}

// Runs `next` reusing the trace of `prev` and checks it against a full run of `next`; returns the
// incremental trace.
AttentionTrace check_edit(const Model& model, const std::string& prev_text,
                          const std::string& next_text) {
    CAPTURE(prev_text);
    CAPTURE(next_text);
    const AttentionTrace prev = run_model(model, prev_text);
    const AttentionTrace full = run_model(model, next_text);
    const AttentionTrace inc = run_model(model, next_text, std::nullopt, {.reuse = &prev});
    CHECK(full.reused_prefix == 0);
    CHECK(inc.reused_prefix == std::min(common_prefix(prev, full), full.n_token - 1));
    check_same_as_full(inc, full);
    return inc;
}

// The ids of `t`'s first n tokens, as an encoding run_encoding takes.
Encoding first_tokens(const AttentionTrace& t, int n) {
    std::vector<int32_t> keep(static_cast<size_t>(n));
    std::iota(keep.begin(), keep.end(), 0);
    return select_tokens(t.tokens, keep);
}

const char* const k_models[] = {"test--gpt2-tiny-random", "karpathy--tinyllamas--stories260K"};

}  // namespace

TEST_CASE("reuse: appending one token, then several, equals a full run") {
    for (const char* name : k_models) {
        CAPTURE(std::string(name));
        const Model& model = test::cached_model(name);
        const std::string text = test::k_animal;
        AttentionTrace one = check_edit(model, text, text + " It");
        CHECK(one.reused_prefix > 0);
        check_edit(model, text, text + " It went home and slept all day.");
    }
}

TEST_CASE("reuse: changing the last word (BPE splits it anew) recomputes from the change") {
    for (const char* name : k_models) {
        CAPTURE(std::string(name));
        const Model& model = test::cached_model(name);
        AttentionTrace t = check_edit(model, "The animal was too tir", "The animal was too tired");
        CHECK(t.reused_prefix >= 1);
        check_edit(model, "The animal was too tired", "The animal was too tiresome");
        check_edit(model, "The animal was too tired.", "The animal was too tired");  // deleting
    }
}

TEST_CASE("reuse: an edit near the start reuses little or nothing, and stays correct") {
    for (const char* name : k_models) {
        CAPTURE(std::string(name));
        const Model& model = test::cached_model(name);
        check_edit(model, test::k_animal,
                   "A cat didn't cross the street because it was too tired.");
        check_edit(model, test::k_animal,
                   "The dog didn't cross the street because it was too tired.");
    }
}

TEST_CASE("reuse: the same text again computes only the last token") {
    for (const char* name : k_models) {
        CAPTURE(std::string(name));
        const Model& model = test::cached_model(name);
        AttentionTrace t = check_edit(model, test::k_animal, test::k_animal);
        CHECK(t.reused_prefix == t.n_token - 1);
    }
}

TEST_CASE("reuse: a trace made incrementally can be reused again (typing word by word)") {
    for (const char* name : k_models) {
        CAPTURE(std::string(name));
        const Model& model = test::cached_model(name);
        std::string text = "The animal";
        AttentionTrace shown = run_model(model, text);
        for (const char* word : {" didn't", " cross", " the", " street", " because", " it"}) {
            text += word;
            AttentionTrace next = run_model(model, text, std::nullopt, {.reuse = &shown});
            CHECK(next.reused_prefix > 0);
            check_same_as_full(next, run_model(model, text));
            shown = std::move(next);
        }
    }
}

TEST_CASE("reuse: every prefix length, across the 64-row blocks of the attention") {
    for (const char* name : k_models) {
        CAPTURE(std::string(name));
        const Model& model = test::cached_model(name);
        std::string text;
        for (int i = 0; i < 10; ++i) text += std::string(test::k_animal) + " ";
        const AttentionTrace full = run_model(model, text);
        const int T = full.n_token;
        REQUIRE(T > 130);
        for (int p : {1, 2, 63, 64, 65, 100, 128, T - 2, T - 1}) {
            CAPTURE(p);
            const AttentionTrace prev = run_encoding(model, first_tokens(full, p));
            const AttentionTrace inc = run_encoding(model, full.tokens, {.reuse = &prev});
            CHECK(inc.reused_prefix == p);
            check_same_as_full(inc, full);
            // A longer earlier trace: only the tokens the new input keeps are reused.
            const AttentionTrace shorter =
                run_encoding(model, first_tokens(full, p), {.reuse = &full});
            CHECK(shorter.reused_prefix == p - 1);
            check_same_as_full(shorter, prev);
        }
    }
}

TEST_CASE("reuse: another model's trace, or an unusable one, is ignored (a full run)") {
    const Model& gpt2 = gpt2_tiny();
    const AttentionTrace gpt2_trace = run_model(gpt2, test::k_animal);
    const AttentionTrace stories_trace = run_model(stories(), test::k_animal);

    SUBCASE("a different architecture") {
        AttentionTrace t =
            run_model(stories(), test::k_animal, std::nullopt, {.reuse = &gpt2_trace});
        CHECK(t.reused_prefix == 0);
        check_same_as_full(t, stories_trace);
    }
    SUBCASE("the same folder loaded again: same name and config, another Model object") {
        const Model again = Model::load(test::model_dir("test--gpt2-tiny-random"));
        CHECK(again.name() == gpt2.name());
        CHECK(again.instance_id() != gpt2.instance_id());
        AttentionTrace t =
            run_model(again, std::string(test::k_animal) + " It", std::nullopt,
                      {.reuse = &gpt2_trace});
        CHECK(t.reused_prefix == 0);
    }
    SUBCASE("an imported trace (no q, k, v)") {
        AttentionTrace imported = gpt2_trace;
        imported.imported = true;
        imported.model_instance = 0;
        AttentionTrace t = run_model(gpt2, test::k_animal, std::nullopt, {.reuse = &imported});
        CHECK(t.reused_prefix == 0);
    }
    SUBCASE("a trace with a buffer missing") {
        AttentionTrace partial = stories_trace;
        partial.k_norope.clear();
        AttentionTrace t = run_model(stories(), test::k_animal, std::nullopt, {.reuse = &partial});
        CHECK(t.reused_prefix == 0);
        check_same_as_full(t, stories_trace);
    }
    SUBCASE("an encoder: every token sees every other, nothing is reusable") {
        const Model& bert = test::bert_tiny();
        const AttentionTrace prev = run_model(bert, "the animal was tired");
        AttentionTrace t =
            run_model(bert, "the animal was tired .", std::nullopt, {.reuse = &prev});
        CHECK(t.reused_prefix == 0);
    }
    SUBCASE("different position ids") {
        AttentionTrace shifted = gpt2_trace;
        for (int32_t& p : shifted.position_ids) ++p;
        AttentionTrace t = run_model(gpt2, test::k_animal, std::nullopt, {.reuse = &shifted});
        CHECK(t.reused_prefix == 0);
    }
    SUBCASE("a one-token input: the last token is always computed") {
        const AttentionTrace one = run_model(gpt2, "The");
        REQUIRE(one.n_token == 1);
        AttentionTrace t = run_model(gpt2, "The", std::nullopt, {.reuse = &one});
        CHECK(t.reused_prefix == 0);
        check_same_as_full(t, one);
    }
}
