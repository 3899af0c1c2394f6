// Attention flow (attention_flow.cpp) against an independent brute-force max-flow, and its
// bounds from rollout on the fixture models.

#include <algorithm>
#include <atomic>
#include <cmath>

#include "attnscope/engine.h"
#include "attnscope/errors.h"
#include "attnscope/head_analysis.h"
#include "test_util.h"

using namespace attnscope;
using test::cached_model;
using test::k_animal;

namespace {

// The textbook Ford–Fulkerson: repeatedly find any path with spare capacity by depth-first search
// on a dense residual matrix and push its bottleneck. Written separately from the library's
// Dinic, in double, with the residual graph built from scratch.
class BruteForceFlow {
  public:
    explicit BruteForceFlow(int n) : m_n(n), m_cap(size_t(n) * n, 0.0) {}
    void add(int from, int to, double c) { m_cap[size_t(from) * m_n + to] += c; }

    double max_flow(int s, int t) const {
        std::vector<double> residual = m_cap;
        double total = 0;
        for (int round = 0; round < 100000; ++round) {
            std::vector<int> parent(size_t(m_n), -1);
            parent[size_t(s)] = s;
            if (!dfs(residual, s, t, parent)) return total;
            double bottleneck = INFINITY;
            for (int v = t; v != s; v = parent[size_t(v)])
                bottleneck = std::min(bottleneck, residual[size_t(parent[size_t(v)]) * m_n + v]);
            for (int v = t; v != s; v = parent[size_t(v)]) {
                residual[size_t(parent[size_t(v)]) * m_n + v] -= bottleneck;
                residual[size_t(v) * m_n + parent[size_t(v)]] += bottleneck;
            }
            total += bottleneck;
        }
        FAIL("brute-force max flow did not terminate");
        return total;
    }

  private:
    bool dfs(const std::vector<double>& residual, int u, int t, std::vector<int>& parent) const {
        if (u == t) return true;
        for (int v = 0; v < m_n; ++v)
            if (parent[size_t(v)] < 0 && residual[size_t(u) * m_n + v] > 1e-12) {
                parent[size_t(v)] = u;
                if (dfs(residual, v, t, parent)) return true;
            }
        return false;
    }
    int m_n;
    std::vector<double> m_cap;
};

// Flow from every input token to every output token, by brute force: out[i][j] = flow j → i.
std::vector<double> brute_force_flows(const std::vector<float>& layers, int n_layer, int T) {
    BruteForceFlow graph((n_layer + 1) * T);
    for (int l = 0; l < n_layer; ++l)
        for (int i = 0; i < T; ++i) {
            // Â = 0.5·A + 0.5·I, rows renormalised, computed here independently of add_residual.
            double row = 0;
            for (int j = 0; j < T; ++j)
                row += 0.5 * layers[(size_t(l) * T + i) * T + j] + (i == j ? 0.5 : 0.0);
            for (int j = 0; j < T; ++j) {
                const double a =
                    (0.5 * layers[(size_t(l) * T + i) * T + j] + (i == j ? 0.5 : 0.0)) / row;
                graph.add(l * T + j, (l + 1) * T + i, a);
            }
        }
    std::vector<double> out(size_t(T) * T);
    for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j) out[size_t(i) * T + j] = graph.max_flow(j, n_layer * T + i);
    return out;
}

void check_against_brute_force(const std::vector<float>& layers, int n_layer, int T) {
    const std::vector<float> flow = attention_flow_of(layers, n_layer, T);
    const std::vector<double> expected = brute_force_flows(layers, n_layer, T);
    REQUIRE(flow.size() == expected.size());
    for (size_t c = 0; c < flow.size(); ++c) {
        INFO("output token ", c / size_t(T), ", input token ", c % size_t(T));
        CHECK(flow[c] == doctest::Approx(expected[c]).epsilon(1e-6));
    }
}

// Deterministic row-stochastic matrices (a small LCG, so the test needs no <random> seeding).
std::vector<float> pseudo_random_layers(int n_layer, int T, bool causal, uint32_t seed) {
    std::vector<float> m(size_t(n_layer) * T * T, 0.0f);
    for (int l = 0; l < n_layer; ++l)
        for (int i = 0; i < T; ++i) {
            double sum = 0;
            for (int j = 0; j < T; ++j) {
                if (causal && j > i) continue;
                seed = seed * 1664525u + 1013904223u;
                const float x = 0.05f + float(seed >> 8) / float(1u << 24);
                m[(size_t(l) * T + i) * T + j] = x;
                sum += x;
            }
            for (int j = 0; j < T; ++j) m[(size_t(l) * T + i) * T + j] /= float(sum);
        }
    return m;
}

}  // namespace

TEST_CASE("attention flow equals brute-force max flow on a 2-layer 3-token graph") {
    SUBCASE("causal: uniform, then previous token") {
        const std::vector<float> layers{1, 0, 0, 0.5f, 0.5f, 0, 1 / 3.0f, 1 / 3.0f, 1 / 3.0f,
                                        1, 0, 0, 1,    0,    0, 0,        1,        0};
        check_against_brute_force(layers, 2, 3);
        const std::vector<float> flow = attention_flow_of(layers, 2, 3);
        CHECK(flow[0] == doctest::Approx(1.0));  // 0 → 0 → 0 carries everything
        CHECK(flow[1] == 0.0f);                  // no path from a later token
        CHECK(flow[2] == 0.0f);
    }
    SUBCASE("dense") {
        check_against_brute_force(pseudo_random_layers(2, 3, false, 7), 2, 3);
    }
    SUBCASE("three layers of four tokens") {
        check_against_brute_force(pseudo_random_layers(3, 4, false, 11), 3, 4);
        check_against_brute_force(pseudo_random_layers(3, 4, true, 13), 3, 4);
    }
}

TEST_CASE("attention flow through one layer is the residual attention itself") {
    // With a single layer every input-output pair has exactly one edge.
    const std::vector<float> layer = pseudo_random_layers(1, 4, false, 3);
    std::vector<float> residual(16);
    add_residual(residual, layer, 4);
    const std::vector<float> flow = attention_flow_of(layer, 1, 4);
    CHECK_CLOSE("flow", std::span<const float>(flow), std::span<const float>(residual), 1e-6);
}

TEST_CASE("attention flow is bounded by rollout below and 1 above on fixture traces") {
    for (const std::string name : {"test--gpt2-tiny-random", "test--bert-tiny-random",
                                   "karpathy--tinyllamas--stories260K"}) {
        INFO("model ", name);
        const AttentionTrace tr = run_model(cached_model(name), k_animal);
        const int T = tr.n_token;
        std::atomic<float> progress{0.0f};
        const std::vector<float> flow = attention_flow(tr, -1, nullptr, &progress);
        REQUIRE(flow.size() == tr.tt());
        CHECK(progress.load() == 1.0f);
        const std::vector<float> rollout = attention_rollout(tr);
        const std::span<const float> last =
            std::span<const float>(rollout).subspan(size_t(tr.n_layer - 1) * tr.tt(), tr.tt());
        // The rollout's path products form a feasible flow (each edge carries at most its
        // capacity), so the maximum flow is at least the rollout; and the capacity into an output
        // token is its row of Â, which sums to 1.
        double below = 0, above = 0;
        for (size_t c = 0; c < flow.size(); ++c) {
            below = std::max(below, double(last[c]) - flow[c]);
            above = std::max(above, double(flow[c]) - 1.0);
        }
        CHECK(below <= 1e-5);
        CHECK(above <= 1e-5);
        if (tr.causal)
            for (int i = 0; i < T; ++i)
                for (int j = i + 1; j < T; ++j) REQUIRE(flow[size_t(i) * T + j] == 0.0f);

        // Flow into the tokens after layer 0 is the first layer's residual attention, which is
        // also the rollout after layer 0.
        const std::vector<float> first = attention_flow(tr, 0);
        CHECK_CLOSE("flow after layer 0", std::span<const float>(first),
                    std::span<const float>(rollout).first(tr.tt()), 1e-5);
    }
}

TEST_CASE("attention flow: cancellation and bad arguments") {
    const std::vector<float> layers = pseudo_random_layers(2, 3, false, 5);
    std::atomic<bool> cancel{true};
    CHECK(attention_flow_of(layers, 2, 3, &cancel).empty());
    cancel = false;
    CHECK(attention_flow_of(layers, 2, 3, &cancel).size() == 9);
    CHECK_THROWS_AS(attention_flow_of(layers, 3, 3), InputError);
    CHECK_THROWS_AS(attention_flow_of({}, 0, 3), InputError);

    AttentionTrace tr;
    tr.n_layer = 2;
    tr.n_head = 1;
    tr.n_token = 3;
    tr.weights.assign(layers.begin(), layers.end());
    CHECK(attention_flow(tr).size() == 9);
    CHECK_THROWS_AS(attention_flow(tr, 2), InputError);
    CHECK_THROWS_AS(attention_flow(tr, -2), InputError);
}
