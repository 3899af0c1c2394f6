// Head statistics, head search, rollout, value-norm weighting, word merging and sentence
// differences (head_analysis.h): hand-made matrices with known answers, then the fixture models.

#include <algorithm>
#include <cmath>
#include <tuple>

#include "attnscope/analysis.h"
#include "attnscope/engine.h"
#include "attnscope/errors.h"
#include "attnscope/head_analysis.h"
#include "test_util.h"

using namespace attnscope;
using test::cached_model;
using test::check_rows_sum_to_one;
using test::k_animal;

namespace {

const char* const k_stories = "karpathy--tinyllamas--stories260K";
const char* const k_gpt2 = "test--gpt2-tiny-random";
const char* const k_bert = "test--bert-tiny-random";

std::vector<float> identity(int n) {
    std::vector<float> m(size_t(n) * n, 0.0f);
    for (int i = 0; i < n; ++i) m[size_t(i) * n + i] = 1;
    return m;
}

// Row 0 attends to itself (nothing earlier exists), row i to token i−1.
std::vector<float> previous_token(int n) {
    std::vector<float> m(size_t(n) * n, 0.0f);
    m[0] = 1;
    for (int i = 1; i < n; ++i) m[size_t(i) * n + i - 1] = 1;
    return m;
}

std::vector<float> uniform_causal(int n) {
    std::vector<float> m(size_t(n) * n, 0.0f);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j <= i; ++j) m[size_t(i) * n + j] = 1.0f / float(i + 1);
    return m;
}

// A trace holding only weights (and a causal mask), for ranking and aggregation tests.
AttentionTrace weights_trace(int n_layer, int n_head, int n_token,
                             const std::vector<std::vector<float>>& heads) {
    AttentionTrace tr;
    tr.n_layer = n_layer;
    tr.n_head = n_head;
    tr.n_token = n_token;
    tr.causal = true;
    tr.mask.assign(size_t(n_token) * n_token, 0);
    for (int i = 0; i < n_token; ++i)
        for (int j = 0; j <= i; ++j) tr.mask[size_t(i) * n_token + j] = 1;
    for (const auto& h : heads) tr.weights.insert(tr.weights.end(), h.begin(), h.end());
    REQUIRE(tr.weights.size() == size_t(n_layer) * n_head * n_token * n_token);
    return tr;
}

int find_token(const AttentionTrace& tr, const std::string& token, int from = 0) {
    for (int t = from; t < tr.n_token; ++t)
        if (tr.tokens.tokens[size_t(t)] == token) return t;
    FAIL("token " << token << " not found");
    return -1;
}

}  // namespace

// [SECTION] Head statistics ----------------------------------------------------------------------

TEST_CASE("head statistics of hand-made matrices") {
    SUBCASE("identity: entropy 0, all mass on self") {
        const HeadStats s = head_stats_of(identity(4), 4, {});
        CHECK(s.entropy == 0.0f);
        CHECK(s.mean_distance == 0.0f);
        CHECK(s.self_mass == 1.0f);
        CHECK(s.previous_mass == 0.0f);
        CHECK(s.max_weight == 1.0f);
        CHECK(s.sink_mass == 0.25f);  // only row 0 puts its weight on token 0
        CHECK(s.special_mass == 0.0f);
    }
    SUBCASE("previous token: previous mass 1") {
        const HeadStats s = head_stats_of(previous_token(5), 5, {});
        CHECK(s.previous_mass == 1.0f);
        CHECK(s.entropy == 0.0f);
        // Row 0 has no previous token and attends to itself: distance 1 for 4 rows of 5.
        CHECK(s.mean_distance == doctest::Approx(4.0 / 5.0));
        CHECK(s.self_mass == doctest::Approx(1.0 / 5.0));
    }
    SUBCASE("neighbour head (bidirectional): mean distance exactly 1") {
        std::vector<float> m = previous_token(5);
        m[0] = 0;
        m[1] = 1;  // the first token looks at the second instead
        const HeadStats s = head_stats_of(m, 5, {});
        CHECK(s.mean_distance == 1.0f);
        CHECK(s.previous_mass == 1.0f);
        CHECK(s.self_mass == 0.0f);
    }
    SUBCASE("uniform causal: known entropy in nats") {
        const std::vector<uint8_t> special{1, 0, 0, 0};
        const HeadStats s = head_stats_of(uniform_causal(4), 4, special);
        CHECK(s.entropy ==
              doctest::Approx((std::log(1.0) + std::log(2.0) + std::log(3.0) + std::log(4.0)) / 4));
        CHECK(s.mean_distance == doctest::Approx((0 + 0.5 + 1.0 + 1.5) / 4));
        CHECK(s.sink_mass == doctest::Approx((1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0) / 4));
        CHECK(s.self_mass == doctest::Approx(s.sink_mass));
        CHECK(s.previous_mass == doctest::Approx((1 / 2.0 + 1 / 3.0 + 1 / 4.0) / 3));
        CHECK(s.special_mass == doctest::Approx(s.sink_mass));  // token 0 is the special one
        CHECK(s.max_weight == 1.0f);
    }
    SUBCASE("one token") {
        const HeadStats s = head_stats_of(std::vector<float>{1}, 1, {});
        CHECK(s.previous_mass == 0.0f);
        CHECK(s.self_mass == 1.0f);
    }
}

TEST_CASE("head statistics of every head of a trace") {
    const AttentionTrace tr =
        weights_trace(2, 2, 4, {identity(4), previous_token(4), uniform_causal(4), identity(4)});
    const std::vector<HeadStats> stats = head_stats(tr);
    REQUIRE(stats.size() == 4);
    CHECK(stats[1].layer == 0);
    CHECK(stats[1].head == 1);
    CHECK(stats[1].previous_mass == 1.0f);
    CHECK(stats[2].layer == 1);
    CHECK(stats[2].head == 0);
    CHECK(stats[2].entropy > 0.5f);

    SUBCASE("rank by a statistic, ties by layer then head") {
        auto r = rank_heads_by_statistic(stats, HeadStatistic::PreviousToken, 1);
        REQUIRE(r.size() == 1);
        CHECK(r[0].layer == 0);
        CHECK(r[0].head == 1);
        CHECK(r[0].weight == 1.0f);
        r = rank_heads_by_statistic(stats, HeadStatistic::Self);
        REQUIRE(r.size() == 4);
        CHECK(std::tie(r[0].layer, r[0].head) == std::tuple(0, 0));  // self 1, tied with (1, 1)
        CHECK(std::tie(r[1].layer, r[1].head) == std::tuple(1, 1));
        CHECK(std::tie(r[3].layer, r[3].head) == std::tuple(0, 1));
        r = rank_heads_by_statistic(stats, HeadStatistic::Broad, 2);
        CHECK(std::tie(r[0].layer, r[0].head) == std::tuple(1, 0));
        r = rank_heads_by_statistic(stats, HeadStatistic::MaxWeight);  // all 1: a four-way tie
        CHECK(std::tie(r[0].layer, r[0].head) == std::tuple(0, 0));
        CHECK(std::tie(r[1].layer, r[1].head) == std::tuple(0, 1));
        CHECK(std::tie(r[2].layer, r[2].head) == std::tuple(1, 0));
        CHECK(std::tie(r[3].layer, r[3].head) == std::tuple(1, 1));
        CHECK_THROWS_AS(rank_heads_by_statistic(stats, HeadStatistic::Sink, -1), InputError);
    }
    SUBCASE("statistic names round-trip") {
        for (int i = 0; i < k_head_statistic_count; ++i) {
            HeadStatistic parsed{};
            CHECK(parse_head_statistic(head_statistic_name(HeadStatistic(i)), &parsed));
            CHECK(parsed == HeadStatistic(i));
        }
        HeadStatistic unused{};
        CHECK_FALSE(parse_head_statistic("entropy!", &unused));
    }
}

// [SECTION] Head search --------------------------------------------------------------------------

TEST_CASE("rank heads by weight: 'it' -> 'animal' on stories260K") {
    const AttentionTrace tr = run_model(cached_model(k_stories), k_animal);
    // stories260K spells " animal" as ▁a|n|im|a|l; the word starts at "▁a".
    const int animal = find_token(tr,
                                  "\xe2\x96\x81"
                                  "a");
    const int it = find_token(tr,
                              "\xe2\x96\x81"
                              "it");
    CHECK(tr.tokens.tokens[size_t(animal) + 1] == "n");
    CHECK(it > animal);

    std::vector<std::tuple<float, int, int>> expected;  // (−w, layer, head) sorts best first
    for (int l = 0; l < tr.n_layer; ++l)
        for (int h = 0; h < tr.n_head; ++h)
            expected.emplace_back(-tr.weights_of(l, h)[size_t(it) * tr.n_token + animal], l, h);
    std::sort(expected.begin(), expected.end());

    const std::vector<RankedHead> ranked = rank_heads_by_weight(tr, it, animal);
    REQUIRE(ranked.size() == expected.size());
    for (size_t r = 0; r < ranked.size(); ++r) {
        INFO("rank ", r);
        CHECK(ranked[r].weight == -std::get<0>(expected[r]));
        CHECK(ranked[r].layer == std::get<1>(expected[r]));
        CHECK(ranked[r].head == std::get<2>(expected[r]));
    }
    const auto top3 = rank_heads_by_weight(tr, it, animal, 3);
    REQUIRE(top3.size() == 3);
    CHECK(top3[2].weight == ranked[2].weight);
    CHECK(rank_heads_by_weight(tr, it, animal, 1000).size() == ranked.size());

    CHECK_THROWS_AS(rank_heads_by_weight(tr, tr.n_token, 0), InputError);
    CHECK_THROWS_AS(rank_heads_by_weight(tr, 0, -1), InputError);
    CHECK_THROWS_AS(rank_heads_by_weight(tr, 0, 0, -2), InputError);
    // A causal model's token never attends to a later one.
    CHECK_THROWS_WITH_AS(rank_heads_by_weight(tr, animal, it), doctest::Contains("earlier tokens"),
                         InputError);
}

TEST_CASE("rank heads by weight: ties keep layer then head order") {
    const AttentionTrace tr =
        weights_trace(2, 2, 3, {uniform_causal(3), identity(3), uniform_causal(3), identity(3)});
    const auto r = rank_heads_by_weight(tr, 2, 2);
    REQUIRE(r.size() == 4);
    CHECK(std::tie(r[0].layer, r[0].head) == std::tuple(0, 1));
    CHECK(std::tie(r[1].layer, r[1].head) == std::tuple(1, 1));
    CHECK(std::tie(r[2].layer, r[2].head) == std::tuple(0, 0));
    CHECK(std::tie(r[3].layer, r[3].head) == std::tuple(1, 0));
}

// [SECTION] Aggregation --------------------------------------------------------------------------

TEST_CASE("add_residual renormalises rows") {
    std::vector<float> out(4);
    add_residual(out, std::vector<float>{0.5f, 0.5f, 0.0f, 0.0f}, 2);
    CHECK(out == std::vector<float>{0.75f, 0.25f, 0.0f, 1.0f});  // the empty row becomes self
}

TEST_CASE("rollout equals a hand-computed product on a 3x3 two-layer example") {
    // Layer 0: uniform causal. Layer 1: each token looks at the previous one.
    std::vector<float> layers = uniform_causal(3);
    const std::vector<float> prev = previous_token(3);
    layers.insert(layers.end(), prev.begin(), prev.end());
    const std::vector<float> r = attention_rollout_of(layers, 2, 3);
    REQUIRE(r.size() == 18);
    // Â0 = 0.5·A0 + 0.5·I = [[1,0,0],[1/4,3/4,0],[1/6,1/6,2/3]]
    const std::vector<float> a0{1, 0, 0, 0.25f, 0.75f, 0, 1 / 6.0f, 1 / 6.0f, 2 / 3.0f};
    // Â1 = [[1,0,0],[1/2,1/2,0],[0,1/2,1/2]]; R1 = Â1·Â0:
    const std::vector<float> r1{
        1, 0, 0, 0.625f, 0.375f, 0, 0.125f + 1 / 12.0f, 0.375f + 1 / 12.0f, 1 / 3.0f};
    CHECK_CLOSE("R0", std::span<const float>(r).first(9), std::span<const float>(a0), 1e-6);
    CHECK_CLOSE("R1", std::span<const float>(r).subspan(9), std::span<const float>(r1), 1e-6);
    CHECK_THROWS_AS(attention_rollout_of(layers, 3, 3), InputError);
}

TEST_CASE("rollout rows sum to 1 on every fixture model trace") {
    for (const std::string name :
         {k_stories, k_gpt2, k_bert, "test--distilbert-tiny-random", "test--roberta-tiny-random"}) {
        INFO("model ", name);
        const AttentionTrace tr = run_model(cached_model(name), k_animal);
        const int T = tr.n_token;
        const std::vector<float> means = layer_means(tr);
        REQUIRE(means.size() == size_t(tr.n_layer) * tr.tt());
        const std::vector<float> r = attention_rollout(tr);
        REQUIRE(r.size() == size_t(tr.n_layer) * tr.tt());
        for (int l = 0; l < tr.n_layer; ++l) {
            const std::string what = name + " layer " + std::to_string(l);
            check_rows_sum_to_one(
                std::span<const float>(means).subspan(size_t(l) * tr.tt(), tr.tt()), T, 1e-5,
                what + " mean");
            check_rows_sum_to_one(std::span<const float>(r).subspan(size_t(l) * tr.tt(), tr.tt()),
                                  T, 1e-5, what + " rollout");
        }
        // A causal rollout stays causal: nothing flows from later tokens.
        if (tr.causal) CHECK(r[size_t(tr.n_layer - 1) * tr.tt() + 1] == 0.0f);
    }
}

TEST_CASE("value-norm weighted attention is w_ij times ||v_j W_O||, or ||v_j|| without W_O") {
    AttentionTrace tr = run_model(cached_model(k_stories), k_animal);
    const int T = tr.n_token, D = tr.d_head;
    REQUIRE(has_output_norms(tr));
    for (int h : {0, 3, 7}) {
        const std::vector<float> out = value_norm_weighted(tr, 1, h);
        const auto w = tr.weights_of(1, h);
        const auto n = tr.value_out_norm_of(1, h);
        std::vector<float> expected(size_t(T) * T);
        for (int i = 0; i < T; ++i)
            for (int j = 0; j < T; ++j)
                expected[size_t(i) * T + j] = w[size_t(i) * T + j] * n[size_t(j)];
        CHECK_CLOSE("value out norm", std::span<const float>(out), std::span<const float>(expected),
                    1e-6);
    }
    // An imported trace without the W_O norms falls back to the value vectors' own lengths.
    tr.value_out_norm.clear();
    CHECK(norm_source(tr) == NormSource::ValueOnly);
    for (int h : {0, 3, 7}) {
        const std::vector<float> out = value_norm_weighted(tr, 1, h);
        const auto w = tr.weights_of(1, h);
        // Head h reads KV head h / 2: index the values directly, not through v_of.
        const float* v = tr.v.data() + (size_t(1) * tr.n_kv_head + h / 2) * tr.td();
        std::vector<float> expected(size_t(T) * T);
        for (int i = 0; i < T; ++i)
            for (int j = 0; j < T; ++j) {
                double sq = 0;
                for (int d = 0; d < D; ++d) sq += double(v[j * D + d]) * v[j * D + d];
                expected[size_t(i) * T + j] = float(w[size_t(i) * T + j] * std::sqrt(sq));
            }
        CHECK_CLOSE("value norm", std::span<const float>(out), std::span<const float>(expected),
                    1e-6);
    }
    CHECK_THROWS_AS(value_norm_weighted(tr, tr.n_layer, 0), InputError);
    CHECK_THROWS_AS(value_norm_weighted(tr, 0, tr.n_head), InputError);
}

// [SECTION] Word merging -------------------------------------------------------------------------

TEST_CASE("word groups: BERT ## continuations") {
    const AttentionTrace tr =
        run_model(cached_model(k_bert), "The unbelievably tired cat didn't sleep.");
    const WordGroups w = group_words(tr);
    CHECK(w.labels == std::vector<std::string>{"[CLS]", "The", "unbelievably", "tired", "cat",
                                               "didn't", "sleep.", "[SEP]"});
    // un ##bel ##ie ##va ##bly
    REQUIRE(w.n_word() == 8);
    CHECK(w.begin[2] == 2);
    CHECK(w.end[2] - w.begin[2] >= 2);
    CHECK(tr.tokens.tokens[size_t(w.begin[2]) + 1].starts_with("##"));
    CHECK(w.begin.front() == 0);
    CHECK(w.end.back() == tr.n_token);
    for (int t = 0; t < tr.n_token; ++t) {
        const int word = w.word_of[size_t(t)];
        CHECK(w.begin[size_t(word)] <= t);
        CHECK(t < w.end[size_t(word)]);
    }
}

TEST_CASE("word groups: GPT-2 and stories260K pieces") {
    const AttentionTrace gpt2 = run_model(cached_model(k_gpt2), "The animal didn't cross. Hi 😀");
    WordGroups w = group_words(gpt2);
    CHECK(w.labels == std::vector<std::string>{"The", "animal", "didn't", "cross.", "Hi", "😀"});
    CHECK(w.begin[2] == 2);  // "Ġdidn" + "'t"
    CHECK(w.end[2] == 4);
    CHECK(w.end.back() - w.begin.back() == 2);  // the emoji's bytes are split over two tokens

    const AttentionTrace stories = run_model(cached_model(k_stories), k_animal);
    w = group_words(stories);
    REQUIRE(w.n_word() >= 3);
    CHECK(w.labels[0] == "<s>");
    CHECK(w.labels[1] == "The");
    CHECK(w.labels[2] == "animal");
    CHECK(w.begin[2] == 2);
    CHECK(w.end[2] == 7);  // ▁a n im a l
    CHECK(w.labels.back() == "tired.");
}

TEST_CASE("word groups: a sentence pair splits at the segments") {
    const AttentionTrace tr = run_model(cached_model(k_bert), "Who left?", "Tom did.");
    const WordGroups w = group_words(tr);
    CHECK(w.labels ==
          std::vector<std::string>{"[CLS]", "Who", "left?", "[SEP]", "Tom", "did.", "[SEP]"});
}

TEST_CASE("word groups without spans fall back to display texts") {
    Encoding enc;
    enc.ids = {1, 2, 3, 4};
    enc.tokens = {"The",
                  "\xc4\xa0"
                  "ani",
                  "mal",
                  "\xc4\xa0"
                  "!"};
    enc.texts = {"The", " ani", "mal", " !"};
    enc.special = {0, 0, 0, 0};
    const WordGroups w = group_words(enc, "");
    CHECK(w.labels == std::vector<std::string>{"The", "animal", "!"});
    CHECK(w.word_of == std::vector<int32_t>{0, 1, 1, 2});
}

TEST_CASE("merge_words: sum over attended pieces, mean over attending pieces") {
    WordGroups w;
    w.labels = {"a", "bc"};
    w.begin = {0, 1};
    w.end = {1, 3};
    w.word_of = {0, 1, 1};
    const std::vector<float> attn{1.0f, 0.0f, 0.0f,  //
                                  0.2f, 0.8f, 0.0f,  //
                                  0.1f, 0.3f, 0.6f};
    const std::vector<float> merged = merge_words(attn, w);
    // Row "bc" = mean of rows 1 and 2: to "a" (0.2 + 0.1) / 2, to "bc" (0.8 + 0.9) / 2.
    const std::vector<float> expected{1.0f, 0.0f, 0.15f, 0.85f};
    CHECK_CLOSE("merged", std::span<const float>(merged), std::span<const float>(expected), 1e-6);
    CHECK_THROWS_AS(merge_words(std::vector<float>(4, 0.0f), w), InputError);
}

TEST_CASE("merged matrices of the fixture models keep rows summing to 1") {
    for (const std::string name : {k_stories, k_gpt2, k_bert}) {
        INFO("model ", name);
        const AttentionTrace tr = run_model(cached_model(name), k_animal);
        const WordGroups w = group_words(tr);
        CHECK(w.n_word() < tr.n_token);
        for (int l = 0; l < tr.n_layer; ++l)
            for (int h = 0; h < tr.n_head; ++h) {
                const auto merged = merge_words(tr.weights_of(l, h), w);
                REQUIRE(merged.size() == size_t(w.n_word()) * w.n_word());
                check_rows_sum_to_one(
                    merged, w.n_word(), 1e-5,
                    name + " head " + std::to_string(l) + "." + std::to_string(h));
            }
        const auto rollout = attention_rollout(tr);
        check_rows_sum_to_one(merge_words(std::span<const float>(rollout).first(tr.tt()), w),
                              w.n_word(), 1e-5, name + " rollout");
    }
}

// [SECTION] Two sentences ------------------------------------------------------------------------

TEST_CASE("two sentences: alignment and head difference") {
    const Model& gpt2 = cached_model(k_gpt2);
    const AttentionTrace a = run_model(gpt2, "The cat sat on the mat.");
    const AttentionTrace b = run_model(gpt2, "The dog sat on the mat.");
    REQUIRE(a.n_token == b.n_token);
    const TraceAlignment al = align_traces(a, b);
    CHECK(al.same_model);
    CHECK(al.aligned);
    CHECK(al.reason.empty());
    CHECK(al.differing_tokens == std::vector<int32_t>{1});

    const std::vector<float> diff = head_difference(a, b, 1, 2);
    const auto wa = a.weights_of(1, 2), wb = b.weights_of(1, 2);
    for (size_t c = 0; c < diff.size(); ++c) {
        if (a.mask[c])
            CHECK(diff[c] == wa[c] - wb[c]);
        else
            CHECK(is_masked_value(diff[c]));
    }
    const std::vector<float> self = head_difference(a, a, 0, 0);
    CHECK(std::all_of(self.begin(), self.end(),
                      [](float x) { return x == 0 || is_masked_value(x); }));

    const AttentionTrace shorter = run_model(gpt2, "A cat.");
    const TraceAlignment bad = align_traces(a, shorter);
    CHECK(bad.same_model);
    CHECK_FALSE(bad.aligned);
    CHECK(bad.reason.find("different numbers of tokens") != std::string::npos);
    CHECK_THROWS_AS(head_difference(a, shorter, 0, 0), InputError);

    const AttentionTrace other = run_model(cached_model(k_bert), "The cat sat on the mat.");
    CHECK_FALSE(align_traces(a, other).same_model);
    CHECK_THROWS_AS(head_difference(a, other, 0, 0), InputError);
    CHECK_THROWS_AS(head_difference(a, b, 0, a.n_head), InputError);
}
