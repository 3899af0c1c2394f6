// The teaching stepper (softmax_steps.h): a hand-made row with known numbers, then every row of
// every head of the fixture models against the trace the engine recorded.

#include <algorithm>
#include <cmath>
#include <limits>

#include "attnscope/engine.h"
#include "attnscope/errors.h"
#include "attnscope/softmax_steps.h"
#include "test_util.h"

using namespace attnscope;
using test::cached_model;
using test::k_animal;

namespace {

const float k_inf = std::numeric_limits<float>::infinity();

// One causal layer, two query heads sharing one KV head (GQA), T = 3, D = 4. Scores, mask,
// weights and head_out are filled the way the engine defines them, in double.
AttentionTrace tiny_trace() {
    AttentionTrace tr;
    tr.n_layer = 1;
    tr.n_head = 2;
    tr.n_kv_head = 1;
    tr.n_token = 3;
    tr.d_head = 4;
    tr.causal = true;
    tr.kv_head_of = {0, 0};
    tr.q = {/* head 0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            /* head 1 */ 2, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0};
    tr.k = {1, 1, 0, 0, /**/ 0, 0, 2, 0, /**/ 1, 0, 1, 0};
    tr.v = {1, 0, 0, 0, /**/ 0, 1, 0, 0, /**/ 0, 0, 1, 2};
    const int T = 3, D = 4;
    tr.mask.assign(9, 0);
    for (int i = 0; i < T; ++i)
        for (int j = 0; j <= i; ++j) tr.mask[size_t(i) * T + j] = 1;
    tr.scores.assign(18, -k_inf);
    tr.weights.assign(18, 0);
    tr.head_out.assign(24, 0);
    for (int h = 0; h < 2; ++h)
        for (int i = 0; i < T; ++i) {
            double e[3] = {0, 0, 0}, sum = 0, mx = -1e300;
            for (int j = 0; j <= i; ++j) {
                double dot = 0;
                for (int d = 0; d < D; ++d) dot += tr.q[(h * T + i) * D + d] * tr.k[j * D + d];
                tr.scores[(h * T + i) * T + j] = float(dot / 2.0);
                mx = std::max(mx, dot / 2.0);
            }
            for (int j = 0; j <= i; ++j)
                sum += e[j] = std::exp(tr.scores[(h * T + i) * T + j] - mx);
            for (int j = 0; j <= i; ++j) {
                tr.weights[(h * T + i) * T + j] = float(e[j] / sum);
                for (int d = 0; d < D; ++d)
                    tr.head_out[(h * T + i) * D + d] += float(e[j] / sum * tr.v[j * D + d]);
            }
        }
    return tr;
}

}  // namespace

TEST_CASE("softmax_steps: a hand-made row with known numbers") {
    const AttentionTrace tr = tiny_trace();
    SoftmaxSteps s = softmax_steps(tr, 0, 1, 2);  // head 1, last query: q = (1, 0, 1, 0)
    CHECK(s.kv_head == 0);
    CHECK(s.grouped);
    CHECK_FALSE(s.rope);
    CHECK(s.q == std::vector<float>{1, 0, 1, 0});
    CHECK(std::equal(s.keys.begin(), s.keys.end(), tr.k.begin(), tr.k.end()));
    CHECK(std::equal(s.values.begin(), s.values.end(), tr.v.begin(), tr.v.end()));
    CHECK(s.products == std::vector<float>{1, 0, 0, 0, /**/ 0, 0, 2, 0, /**/ 1, 0, 1, 0});
    CHECK(s.dots == std::vector<float>{1, 2, 2});
    CHECK(s.scale == 0.5f);
    CHECK(s.scaled == std::vector<float>{0.5f, 1, 1});
    CHECK(s.mask == std::vector<float>{0, 0, 0});
    CHECK(s.row_max == 1.0f);
    CHECK(s.shifted == std::vector<float>{-0.5f, 0, 0});
    const double e = std::exp(-0.5), sum = e + 2;  // 0.6065 + 1 + 1
    CHECK(s.exps[0] == doctest::Approx(e).epsilon(1e-7));
    CHECK(s.exps[1] == 1.0f);
    CHECK(s.sum == doctest::Approx(sum).epsilon(1e-7));
    CHECK(s.weights[0] == doctest::Approx(e / sum).epsilon(1e-6));  // 0.232697
    CHECK(s.weights[1] == doctest::Approx(1 / sum).epsilon(1e-6));  // 0.383652
    CHECK(s.weights[2] == s.weights[1]);
    // Σ w_j v_j with v0 = e0, v1 = e1, v2 = (0, 0, 1, 2).
    CHECK(s.output[0] == doctest::Approx(e / sum).epsilon(1e-6));
    CHECK(s.output[1] == doctest::Approx(1 / sum).epsilon(1e-6));
    CHECK(s.output[2] == doctest::Approx(1 / sum).epsilon(1e-6));
    CHECK(s.output[3] == doctest::Approx(2 / sum).epsilon(1e-6));
    CHECK(s.contributions[2 * 4 + 3] == doctest::Approx(2 / sum).epsilon(1e-6));

    // The first query of a causal head sees only itself: later keys masked, weight exactly 1.
    s = softmax_steps(tr, 0, 1, 0);  // q = (2, 0, 0, 0)
    CHECK(s.dots == std::vector<float>{2, 0, 2});
    CHECK(s.scaled == std::vector<float>{1, 0, 1});  // masked keys still show q·k/√D
    CHECK(s.allowed == std::vector<uint8_t>{1, 0, 0});
    CHECK(s.mask == std::vector<float>{0, -k_inf, -k_inf});
    CHECK(s.masked == std::vector<float>{1, -k_inf, -k_inf});
    CHECK(s.shifted == std::vector<float>{0, -k_inf, -k_inf});
    CHECK(s.exps == std::vector<float>{1, 0, 0});
    CHECK(s.sum == 1.0f);
    CHECK(s.weights == std::vector<float>{1, 0, 0});
    CHECK(s.output == std::vector<float>{1, 0, 0, 0});
}

TEST_CASE("softmax_steps: bad indices throw InputError") {
    const AttentionTrace tr = tiny_trace();
    CHECK_THROWS_AS(softmax_steps(tr, 1, 0, 0), InputError);
    CHECK_THROWS_AS(softmax_steps(tr, -1, 0, 0), InputError);
    CHECK_THROWS_AS(softmax_steps(tr, 0, 2, 0), InputError);
    CHECK_THROWS_AS(softmax_steps(tr, 0, 0, 3), InputError);
    CHECK_THROWS_WITH_AS(softmax_steps(tr, 0, 0, -1), "query token -1 is out of range (0..2)",
                         InputError);
}

TEST_CASE("softmax_steps: stage texts and values") {
    CHECK(
        std::string(softmax_stage_explanation(SoftmaxStage::SubtractMax))
            .starts_with("4. Subtract the row maximum: softmax is unchanged by a constant shift"));
    for (int i = 0; i < k_softmax_stage_count; ++i) {
        const auto stage = SoftmaxStage(i);
        CHECK(std::string(softmax_stage_explanation(stage))
                  .starts_with(std::to_string(i + 1) + ". "));
        CHECK(std::string(softmax_stage_title(stage)).size() > 2);
    }
    const SoftmaxSteps s = softmax_steps(tiny_trace(), 0, 1, 2);
    CHECK(stage_values(s, SoftmaxStage::DotProducts).data() == s.dots.data());
    CHECK(stage_values(s, SoftmaxStage::Mask).data() == s.masked.data());
    CHECK(stage_values(s, SoftmaxStage::Normalise).data() == s.weights.data());
    CHECK(stage_values(s, SoftmaxStage::WeightedSum).size() == 3);
}

TEST_CASE("softmax_steps: interpolation between stages") {
    const std::vector<float> a{0, 1, -k_inf, 2}, b{2, 3, 0, -k_inf};
    std::vector<float> out(4);
    interpolate_values(out, a, b, 0.0f);
    CHECK(out == a);
    interpolate_values(out, a, b, 1.0f);
    CHECK(out == b);
    interpolate_values(out, a, b, 0.25f);
    CHECK(out[0] == 0.5f);
    CHECK(out[1] == 1.5f);
    CHECK(out[2] == -k_inf);  // no interpolating from -inf: jumps at t = 0.5
    CHECK(out[3] == 2.0f);
    interpolate_values(out, a, b, 0.75f);
    CHECK(out[2] == 0.0f);
    CHECK(out[3] == -k_inf);
    interpolate_values(out, a, b, 7.0f);  // clamped
    CHECK(out == b);
    std::vector<float> short_out(3);
    CHECK_THROWS_AS(interpolate_values(short_out, a, b, 0.5f), InputError);

    const SoftmaxSteps s = softmax_steps(tiny_trace(), 0, 1, 0);
    const auto mid = interpolate_stages(s, SoftmaxStage::Exp, SoftmaxStage::Normalise, 0.5f);
    CHECK(mid == std::vector<float>{1, 0, 0});
    const auto masked = interpolate_stages(s, SoftmaxStage::Scale, SoftmaxStage::Mask, 0.25f);
    CHECK(masked == std::vector<float>{1, 0, 1});
}

TEST_CASE("softmax_steps: every row of the fixture models matches the recorded trace") {
    for (const std::string name : {"karpathy--tinyllamas--stories260K", "test--gpt2-tiny-random",
                                   "test--bert-tiny-random"}) {
        INFO("model ", name);
        const AttentionTrace tr = run_model(cached_model(name), k_animal);
        const int T = tr.n_token, D = tr.d_head;
        double worst_weight = 0, worst_score = 0, worst_output = 0, worst_sum = 0;
        bool masked_ok = true, kv_ok = true;
        for (int l = 0; l < tr.n_layer; ++l)
            for (int h = 0; h < tr.n_head; ++h) {
                const auto scores = tr.scores_of(l, h), weights = tr.weights_of(l, h);
                const auto head_out = tr.head_out_of(l, h);
                double max_score = 1, max_out = 1;
                for (float x : scores)
                    if (std::isfinite(x)) max_score = std::max(max_score, double(std::fabs(x)));
                for (float x : head_out) max_out = std::max(max_out, double(std::fabs(x)));
                for (int i = 0; i < T; ++i) {
                    const SoftmaxSteps s = softmax_steps(tr, l, h, i);
                    kv_ok = kv_ok && s.kv_head == tr.kv_head_of[h] && s.d_head == D &&
                            s.keys.size() == size_t(T) * D;
                    double sum = 0;
                    for (int j = 0; j < T; ++j) {
                        const size_t cell = size_t(i) * T + j;
                        sum += s.weights[j];
                        worst_weight =
                            std::max(worst_weight, std::fabs(double(s.weights[j]) - weights[cell]));
                        if (tr.mask[cell]) {
                            worst_score = std::max(
                                worst_score,
                                std::fabs(double(s.dots[j]) * s.scale - scores[cell]) / max_score);
                        } else {
                            masked_ok = masked_ok && s.mask[j] == -k_inf && s.masked[j] == -k_inf &&
                                        s.exps[j] == 0 && s.weights[j] == 0;
                        }
                    }
                    worst_sum = std::max(worst_sum, std::fabs(sum - 1));
                    for (int d = 0; d < D; ++d)
                        worst_output = std::max(
                            worst_output,
                            std::fabs(double(s.output[d]) - head_out[size_t(i) * D + d]) / max_out);
                }
            }
        MESSAGE(name, ": max |weight diff| ", worst_weight, ", scaled score diff ", worst_score,
                ", scaled output diff ", worst_output);
        CHECK(worst_weight <= 1e-6);
        CHECK(worst_score <= 1e-4);  // fixtures/README.md: 1e-4 · max(1, max |reference|)
        CHECK(worst_output <= 1e-5);
        CHECK(worst_sum <= 1e-5);
        CHECK(masked_ok);
        CHECK(kv_ok);
        if (tr.causal) CHECK(tr.mask[1] == 0);  // there were masked keys to check
    }
}

TEST_CASE("softmax_steps: GQA and RoPE on stories260K") {
    const AttentionTrace tr =
        run_model(cached_model("karpathy--tinyllamas--stories260K"), k_animal);
    const int D = tr.d_head, T = tr.n_token;
    for (int h = 0; h < tr.n_head; ++h) {
        const SoftmaxSteps s = softmax_steps(tr, 2, h, 7);
        CHECK(s.kv_head == h / 2);
        CHECK(s.grouped);
        CHECK(s.rope);
        CHECK(s.causal);
        const auto k = tr.k_of(2, h);
        CHECK(std::equal(s.keys.begin(), s.keys.end(), k.begin()));
        const auto q = tr.q_of(2, h);
        CHECK(std::equal(s.q.begin(), s.q.end(), q.begin() + 7 * D));
        REQUIRE(s.q_norope.size() == size_t(D));
        REQUIRE(s.keys_norope.size() == size_t(T) * D);
        // RoPE is a rotation: it keeps each pair's length, so the norms agree before and after.
        double n0 = 0, n1 = 0;
        for (int d = 0; d < D; ++d) {
            n0 += double(s.q_norope[d]) * s.q_norope[d];
            n1 += double(s.q[d]) * s.q[d];
        }
        CHECK(n1 == doctest::Approx(n0).epsilon(1e-5));
        // Position 0 is not rotated at all.
        for (int d = 0; d < D; ++d)
            CHECK(s.keys_norope[d] == doctest::Approx(s.keys[d]).epsilon(1e-6));
    }
    const SoftmaxSteps gpt2 =
        softmax_steps(run_model(cached_model("test--gpt2-tiny-random"), k_animal), 0, 0, 3);
    CHECK_FALSE(gpt2.rope);
    CHECK_FALSE(gpt2.grouped);
    CHECK(gpt2.q_norope.empty());
}
