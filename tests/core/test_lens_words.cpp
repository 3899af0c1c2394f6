// The value-weighted lens, word-level view models, head statistics with hidden special tokens,
// ranking by a shown cell and comparing two models (issue 5): hand-made matrices with answers
// worked out by hand, then the fixture models.

#include <algorithm>
#include <chrono>
#include <cmath>

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

// "<s> The animal ran" as five tokens: <s> | The | ␣ani mal | ␣ran, one encoder head (every cell
// allowed) whose rows are below. Words: <s>, The, animal (tokens 2-3), ran.
AttentionTrace make_words_trace() {
    AttentionTrace t;
    t.model_name = "hand";
    t.n_layer = t.n_head = t.n_kv_head = 1;
    t.n_token = 5;
    t.d_head = 2;
    t.kv_head_of = {0};
    t.text = "The animal ran";
    t.tokens.ids = {0, 1, 2, 3, 4};
    t.tokens.tokens = {"<s>", "The",
                       "\xc4\xa0"
                       "ani",
                       "mal",
                       "\xc4\xa0"
                       "ran"};
    t.tokens.texts = {"<s>", "The", " ani", "mal", " ran"};
    t.tokens.spans = {{-1, 0, 0}, {0, 0, 3}, {0, 3, 7}, {0, 7, 10}, {0, 10, 14}};
    t.tokens.special = {1, 0, 0, 0, 0};
    t.tokens.type_ids.assign(5, 0);
    t.mask.assign(25, 1);
    t.weights = {0.2f, 0.2f,  0.2f,  0.2f,  0.2f,  //
                 0.5f, 0.1f,  0.1f,  0.1f,  0.2f,  //
                 0.4f, 0.2f,  0.2f,  0.1f,  0.1f,  //
                 0.1f, 0.1f,  0.3f,  0.3f,  0.2f,  //
                 0.0f, 0.25f, 0.25f, 0.25f, 0.25f};
    return t;
}

}  // namespace

// [SECTION] Value-weighted lens ------------------------------------------------------------------

TEST_CASE("value_weighted: w_ij times ||f(x_j)||, raw and with rows rescaled to 1") {
    const std::vector<float> w{1.0f, 0.0f, 0.0f,  //
                               0.5f, 0.5f, 0.0f,  //
                               0.2f, 0.3f, 0.5f};
    const std::vector<float> norms{2.0f, 1.0f, 4.0f};
    std::vector<float> out(9);
    value_weighted(out, w, norms, 3, false);
    const std::vector<float> raw{2.0f, 0.0f, 0.0f, 1.0f, 0.5f, 0.0f, 0.4f, 0.3f, 2.0f};
    CHECK_CLOSE("raw", std::span<const float>(out), std::span<const float>(raw), 1e-7);
    value_weighted(out, w, norms, 3, true);
    const std::vector<float> shares{1.0f,        0.0f,        0.0f,  //
                                    2.0f / 3.0f, 1.0f / 3.0f, 0.0f,  //
                                    0.4f / 2.7f, 0.3f / 2.7f, 2.0f / 2.7f};
    CHECK_CLOSE("shares", std::span<const float>(out), std::span<const float>(shares), 1e-6);

    // A row whose keys all have norm 0 stays 0 instead of dividing by 0.
    value_weighted(out, w, std::vector<float>{0.0f, 0.0f, 1.0f}, 3, true);
    CHECK(out[0] == 0.0f);
    CHECK(out[3] == 0.0f);
    CHECK(out[8] == 1.0f);
}

TEST_CASE("value_norms: the trace's ||v W_O|| when present, else ||v||") {
    AttentionTrace t;
    t.n_layer = t.n_head = t.n_kv_head = 1;
    t.n_token = 3;
    t.d_head = 2;
    t.kv_head_of = {0};
    t.v = {0.0f, 2.0f, 0.6f, 0.8f, 0.0f, 4.0f};  // lengths 2, 1, 4
    t.weights = {1.0f, 0.0f, 0.0f, 0.5f, 0.5f, 0.0f, 0.2f, 0.3f, 0.5f};
    t.mask = {1, 0, 0, 1, 1, 0, 1, 1, 1};
    t.causal = true;

    CHECK_FALSE(has_output_norms(t));
    std::vector<float> n = value_norms(t, 0, 0);
    CHECK_CLOSE("fallback", std::span<const float>(n),
                std::span<const float>(std::vector<float>{2, 1, 4}), 1e-6);
    CHECK(value_norm_weighted(t, 0, 0)[8] == doctest::Approx(2.0));  // 0.5 · 4

    t.value_out_norm = {1.0f, 2.0f, 1.0f};
    CHECK(has_output_norms(t));
    n = value_norms(t, 0, 0);
    CHECK(n == std::vector<float>{1.0f, 2.0f, 1.0f});
    std::vector<float> m(9);
    lens_matrix(m, t, 0, 0, Lens::ValueWeighted);
    // Row 1: 0.5·1, 0.5·2 -> 1/3, 2/3. Row 2: 0.2, 0.6, 0.5 over 1.3.
    CHECK(m[3] == doctest::Approx(1.0 / 3.0));
    CHECK(m[4] == doctest::Approx(2.0 / 3.0));
    CHECK(m[7] == doctest::Approx(0.6 / 1.3));
    lens_matrix(m, t, 0, 0, Lens::Attention);
    CHECK(m == std::vector<float>(t.weights.begin(), t.weights.end()));

    const std::vector<float> means = lens_layer_means(t, Lens::ValueWeighted);
    CHECK(means[7] == doctest::Approx(0.6 / 1.3));  // one head: the mean is the head

    CHECK_THROWS_AS(value_norms(t, 1, 0), InputError);
    CHECK_THROWS_AS(value_norms(t, 0, 1), InputError);
}

TEST_CASE("make_display_trace with the value lens: shares, and says when W_O is missing") {
    AttentionTrace t = make_words_trace();
    t.v = {1, 0, 1, 0, 0, 3, 0, 4, 0, 0};  // ||v|| = 1, 1, 3, 4, 0
    DisplayOptions o;
    o.lens = Lens::ValueWeighted;
    DisplayTrace d = make_display_trace(t, o);
    CHECK(d.lens == Lens::ValueWeighted);
    CHECK(d.norm_source == NormSource::ValueOnly);
    CHECK(lens_description(d).find("no W_O") != std::string::npos);
    // Row 1: 0.5·1, 0.1·1, 0.1·3, 0.1·4, 0.2·0 = 0.5, 0.1, 0.3, 0.4, 0 over 1.3.
    CHECK(d.weights_of(0, 0)[5 + 2] == doctest::Approx(0.3 / 1.3));
    CHECK(d.weights_of(0, 0)[5 + 4] == 0.0f);
    check_rows_sum_to_one(d.weights_of(0, 0), 5, 1e-6, "value lens");

    t.value_out_norm = {1, 1, 1, 1, 1};  // equal norms: the shares are the weights
    d = make_display_trace(t, o);
    CHECK(d.norm_source == NormSource::OutputProjection);
    CHECK(lens_description(d).find("W_O") != std::string::npos);
    CHECK_CLOSE("equal norms", d.weights_of(0, 0), std::span<const float>(t.weights), 1e-6);
    CHECK(lens_description(make_display_trace(t, DisplayOptions{})) == "attention weight");

    Lens parsed{};
    CHECK(parse_lens("value", &parsed));
    CHECK(parsed == Lens::ValueWeighted);
    CHECK(parse_lens(lens_name(Lens::Attention), &parsed));
    CHECK(parsed == Lens::Attention);
    CHECK_FALSE(parse_lens("norm", &parsed));
}

// [SECTION] Words --------------------------------------------------------------------------------

TEST_CASE("restrict_words and merge_words_mask") {
    WordGroups w;
    w.labels = {"<s>", "The", "animal", "ran"};
    w.begin = {0, 1, 2, 4};
    w.end = {1, 2, 4, 5};
    w.word_of = {0, 1, 2, 2, 3};
    const std::vector<int32_t> keep{1, 2, 3, 4};
    const WordGroups r = restrict_words(w, keep);
    CHECK(r.labels == std::vector<std::string>{"The", "animal", "ran"});
    CHECK(r.begin == std::vector<int32_t>{0, 1, 3});
    CHECK(r.end == std::vector<int32_t>{1, 3, 4});
    CHECK(r.word_of == std::vector<int32_t>{0, 1, 1, 2});

    // Causal 3 tokens, words {0} and {1, 2}: word 0 cannot see word 1, word 1 sees both.
    WordGroups two;
    two.labels = {"a", "bc"};
    two.begin = {0, 1};
    two.end = {1, 3};
    two.word_of = {0, 1, 1};
    const std::vector<uint8_t> causal{1, 0, 0, 1, 1, 0, 1, 1, 1};
    CHECK(merge_words_mask(causal, two) == std::vector<uint8_t>{1, 0, 1, 1});
    CHECK_THROWS_AS(merge_words_mask(std::vector<uint8_t>(4, 1), two), InputError);
}

TEST_CASE("make_display_trace with words: hand-computed merge, rows still sum to 1") {
    const AttentionTrace t = make_words_trace();
    DisplayOptions o;
    o.words = true;
    const DisplayTrace d = make_display_trace(t, o);
    REQUIRE(d.n_token == 4);
    CHECK(d.words);
    CHECK(d.labels == std::vector<std::string>{"<s>", "The", "animal", "ran"});
    CHECK(d.special == std::vector<uint8_t>{1, 0, 0, 0});
    CHECK(d.source_index == std::vector<int32_t>{0, 1, 2, 4});
    CHECK(d.source_end == std::vector<int32_t>{1, 2, 4, 5});
    CHECK(d.display_index == std::vector<int32_t>{0, 1, 2, 2, 3});
    CHECK(d.pieces(2) == 2);
    CHECK(unit_ref(d, 2) == "word 2 (tokens 2-3)");
    CHECK(unit_ref(d, 1) == "word 1 (token 1)");
    // Row "animal" = mean of token rows 2 and 3, columns summed over the word's pieces:
    // (0.4, 0.2, 0.3, 0.1) and (0.1, 0.1, 0.6, 0.2) -> (0.25, 0.15, 0.45, 0.15).
    const std::vector<float> expected{0.2f,  0.2f,  0.4f,  0.2f,   //
                                      0.5f,  0.1f,  0.2f,  0.2f,   //
                                      0.25f, 0.15f, 0.45f, 0.15f,  //
                                      0.0f,  0.25f, 0.5f,  0.25f};
    CHECK_CLOSE("words", d.weights_of(0, 0), std::span<const float>(expected), 1e-6);
    check_rows_sum_to_one(d.weights_of(0, 0), 4, 1e-6, "words");
    CHECK(d.max_of(0, 0) == doctest::Approx(0.5));
}

TEST_CASE("make_display_trace: hidden special tokens are dropped before words are merged") {
    const AttentionTrace t = make_words_trace();
    DisplayOptions o;
    o.words = true;
    o.hide_special = true;
    const DisplayTrace d = make_display_trace(t, o);
    REQUIRE(d.n_token == 3);
    CHECK(d.labels == std::vector<std::string>{"The", "animal", "ran"});
    CHECK(d.display_index == std::vector<int32_t>{-1, 0, 1, 1, 2});
    CHECK(d.source_index == std::vector<int32_t>{1, 2, 4});
    // Each token row is renormalised over the shown keys first, then merged: token rows 2 and 3
    // become (1/3, 1/2, 1/6) and (1/9, 2/3, 2/9) per word, whose mean is (2/9, 7/12, 7/36).
    // (Merging first and renormalising the word row would give (0.2, 0.6, 0.2).)
    const std::vector<float> expected{0.2f,        0.4f,         0.4f,          //
                                      2.0f / 9.0f, 7.0f / 12.0f, 7.0f / 36.0f,  //
                                      0.25f,       0.5f,         0.25f};
    CHECK_CLOSE("hidden, words", d.weights_of(0, 0), std::span<const float>(expected), 1e-6);
    check_rows_sum_to_one(d.weights_of(0, 0), 3, 1e-6, "hidden, words");
}

TEST_CASE("make_display_trace with words: hiding every token leaves an empty view") {
    AttentionTrace t = make_words_trace();
    t.tokens.special.assign(5, 1);
    for (TokenSpan& s : t.tokens.spans) s.segment = -1;  // all added by the template
    DisplayOptions o;
    o.words = true;
    o.hide_special = true;
    o.lens = Lens::ValueWeighted;
    const DisplayTrace d = make_display_trace(t, o);
    CHECK(d.n_token == 0);
    CHECK(d.weights.empty());
    CHECK(d.display_index == std::vector<int32_t>(5, -1));
    const std::vector<HeadStats> stats = display_head_stats(d, t);
    REQUIRE(stats.size() == 1);
    CHECK(stats[0].entropy == 0.0f);
    CHECK(stats[0].special_mass == 0.0f);  // no shown rows to average over
}

TEST_CASE("words on the fixture models: every head's rows sum to 1, under both lenses") {
    for (const std::string name : {"karpathy--tinyllamas--stories260K", "test--gpt2-tiny-random",
                                   "test--bert-tiny-random"}) {
        const AttentionTrace tr = run_model(cached_model(name), k_animal);
        CHECK_MESSAGE(has_output_norms(tr), name << ": the engine records ||v W_O||");
        for (bool hide : {false, true})
            for (Lens lens : {Lens::Attention, Lens::ValueWeighted}) {
                INFO(name, " hide ", hide, " lens ", lens_name(lens));
                DisplayOptions o;
                o.words = true;
                o.hide_special = hide;
                o.lens = lens;
                const DisplayTrace d = make_display_trace(tr, o);
                CHECK(d.n_token < tr.n_token);
                CHECK(d.norm_source == NormSource::OutputProjection);
                // "didn't" is one word for every tokenizer.
                CHECK(std::count(d.labels.begin(), d.labels.end(), "didn't") == 1);
                for (int l = 0; l < d.n_layer; ++l)
                    for (int h = 0; h < d.n_head; ++h)
                        check_rows_sum_to_one(d.weights_of(l, h), d.n_token, 1e-5, "head");
                // Every trace token maps to the word that covers it.
                for (int t = 0; t < tr.n_token; ++t) {
                    const int w = d.display_index[size_t(t)];
                    if (w < 0) continue;
                    CHECK(d.source_index[size_t(w)] <= t);
                    CHECK(t < d.source_end[size_t(w)]);
                }
            }
    }
}

TEST_CASE("value lens on a real model: ||v W_O|| reorders keys against plain weights") {
    const AttentionTrace tr = run_model(cached_model("test--gpt2-tiny-random"), k_animal);
    REQUIRE(has_output_norms(tr));
    // By hand for one cell: w_ij · n_j / Σ_k w_ik · n_k.
    const auto w = tr.weights_of(1, 2), n = tr.value_out_norm_of(1, 2);
    const int T = tr.n_token, i = 8;
    double sum = 0;
    for (int k = 0; k < T; ++k) sum += double(w[size_t(i) * T + k]) * n[size_t(k)];
    DisplayOptions o;
    o.lens = Lens::ValueWeighted;
    const DisplayTrace d = make_display_trace(tr, o);
    for (int j = 0; j <= i; ++j)
        CHECK(d.weights_of(1, 2)[size_t(i) * T + j] ==
              doctest::Approx(w[size_t(i) * T + j] * n[size_t(j)] / sum).epsilon(1e-5));
}

TEST_CASE("word merge timing at 512 tokens stays well under a forward pass") {
    // A GPT-2-small-shaped view model (12 x 12 heads) of 512 tokens, words on: what the worker
    // does when the toggle changes. Measured, not just run: a regression to per-cell allocation
    // or a quadratic word lookup would blow the bound.
    const int L = 12, H = 12, T = 512;
    AttentionTrace t;
    t.n_layer = L;
    t.n_head = t.n_kv_head = H;
    t.n_token = T;
    t.causal = true;
    for (int i = 0; i < T; ++i) {
        t.tokens.ids.push_back(i);
        const bool starts = i % 3 == 0;  // three pieces per word
        t.tokens.tokens.push_back(starts ? "\xc4\xa0w" : "w");
        t.tokens.texts.push_back(starts ? " w" : "w");
        t.tokens.spans.push_back({0, 2 * i, 2 * i + 2});
        t.tokens.special.push_back(0);
        t.tokens.type_ids.push_back(0);
        t.text += starts ? " w" : "w";
    }
    test::set_uniform_causal_attention(t);
    DisplayOptions o;
    o.words = true;
    const auto start = std::chrono::steady_clock::now();
    const DisplayTrace d = make_display_trace(t, o);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("make_display_trace, 12x12 heads, 512 tokens, words: " << seconds * 1000 << " ms");
    CHECK(d.n_token == 171);
    check_rows_sum_to_one(d.weights_of(11, 11), d.n_token, 1e-4, "timing trace");
#ifdef NDEBUG
    CHECK(seconds < 2.0);  // about 0.05 s on the 2-core development machine
#endif
}

TEST_CASE("lens_rollout and lens_flow: token-level results merged into words") {
    const AttentionTrace tr =
        run_model(cached_model("karpathy--tinyllamas--stories260K"), "The animal didn't cross.");
    // Without words and under attention weights: exactly attention_rollout / attention_flow.
    CHECK(lens_rollout(tr, Lens::Attention, false) == attention_rollout(tr));
    CHECK(lens_flow(tr, Lens::Attention, false, 1) == attention_flow(tr, 1));

    const WordGroups w = group_words(tr);
    const int W = w.n_word(), T = tr.n_token;
    REQUIRE(W < T);
    for (Lens lens : {Lens::Attention, Lens::ValueWeighted}) {
        INFO("lens ", lens_name(lens));
        const std::vector<float> tokens = lens_rollout(tr, lens, false);
        const std::vector<float> words = lens_rollout(tr, lens, true);
        REQUIRE(words.size() == size_t(tr.n_layer) * W * W);
        for (int l = 0; l < tr.n_layer; ++l) {
            const std::vector<float> merged = merge_words(
                std::span<const float>(tokens).subspan(size_t(l) * T * T, size_t(T) * T), w);
            CHECK_CLOSE("merged rollout",
                        std::span<const float>(words).subspan(size_t(l) * W * W, size_t(W) * W),
                        std::span<const float>(merged), 0.0);
            check_rows_sum_to_one(
                std::span<const float>(words).subspan(size_t(l) * W * W, size_t(W) * W), W, 1e-5,
                "word rollout");
        }
        const std::vector<float> flow = lens_flow(tr, lens, true);
        CHECK(flow.size() == size_t(W) * W);
    }
    // The value lens changes the rollout (or the test could not tell the lenses apart).
    CHECK(lens_rollout(tr, Lens::ValueWeighted, false) != attention_rollout(tr));
    CHECK_THROWS_AS(lens_flow(tr, Lens::Attention, false, tr.n_layer), InputError);
}

// [SECTION] Head statistics with hidden special tokens -------------------------------------------

TEST_CASE("display_head_stats: hidden specials give the stats of the renormalised rows") {
    const AttentionTrace t = make_words_trace();
    DisplayOptions o;
    o.hide_special = true;
    const DisplayTrace d = make_display_trace(t, o);
    const std::vector<HeadStats> stats = display_head_stats(d, t);
    REQUIRE(stats.size() == 1);
    // Token rows 1..4 over keys 1..4, renormalised by hand.
    const std::vector<float> renormalised{0.2f,        0.2f,        0.2f,        0.4f,         //
                                          1.0f / 3.0f, 1.0f / 3.0f, 1.0f / 6.0f, 1.0f / 6.0f,  //
                                          1.0f / 9.0f, 1.0f / 3.0f, 1.0f / 3.0f, 2.0f / 9.0f,  //
                                          0.25f,       0.25f,       0.25f,       0.25f};
    const HeadStats expected = head_stats_of(renormalised, 4, {});
    CHECK(stats[0].entropy == doctest::Approx(expected.entropy));
    CHECK(stats[0].mean_distance == doctest::Approx(expected.mean_distance));
    CHECK(stats[0].max_weight == doctest::Approx(expected.max_weight));
    CHECK(stats[0].previous_mass == doctest::Approx(expected.previous_mass));
    CHECK(stats[0].self_mass == doctest::Approx(expected.self_mass));
    CHECK(stats[0].sink_mass == doctest::Approx(expected.sink_mass));
    // And they differ from the full matrix's, or this test could not fail.
    const HeadStats full = head_stats(t)[0];
    CHECK(full.entropy != doctest::Approx(expected.entropy));
    // Special mass is taken over the full rows of the shown tokens 1..4: (0.5 + 0.4 + 0.1 + 0) / 4.
    CHECK(stats[0].special_mass == doctest::Approx(0.25));
    CHECK(full.special_mass == doctest::Approx((0.2 + 0.5 + 0.4 + 0.1 + 0.0) / 5));

    // Nothing hidden: the same numbers as head_stats of the trace.
    const std::vector<HeadStats> plain = display_head_stats(make_display_trace(t, {}), t);
    CHECK(plain[0].entropy == doctest::Approx(full.entropy));
    CHECK(plain[0].special_mass == doctest::Approx(full.special_mass));

    // A view model of another trace is refused.
    CHECK_THROWS_AS(display_head_stats(d, run_model(cached_model("test--gpt2-tiny-random"), "Hi")),
                    InputError);
}

TEST_CASE("display_head_stats on BERT with hidden [CLS]/[SEP] equals stats of the shown rows") {
    const AttentionTrace tr = run_model(cached_model("test--bert-tiny-random"), k_animal);
    DisplayOptions o;
    o.hide_special = true;
    const DisplayTrace d = make_display_trace(tr, o);
    REQUIRE(d.n_token == tr.n_token - 2);
    const std::vector<HeadStats> stats = display_head_stats(d, tr);
    const std::vector<HeadStats> raw = head_stats(tr);
    for (int l = 0; l < tr.n_layer; ++l)
        for (int h = 0; h < tr.n_head; ++h) {
            const HeadStats& s = stats[size_t(l) * tr.n_head + h];
            const HeadStats e = head_stats_of(d.weights_of(l, h), d.n_token, {});
            CHECK(s.layer == l);
            CHECK(s.head == h);
            CHECK(s.entropy == doctest::Approx(e.entropy));
            CHECK(s.previous_mass == doctest::Approx(e.previous_mass));
            // Mass on [CLS] and [SEP] over the full rows of the shown tokens: positive, and not
            // the whole-matrix mean (which includes the [CLS] and [SEP] rows).
            CHECK(s.special_mass > 0.0f);
            CHECK(s.special_mass != raw[size_t(l) * tr.n_head + h].special_mass);
        }
}

// [SECTION] Ranking a shown cell, two models -----------------------------------------------------

TEST_CASE("rank_heads_by_cell ranks the shown matrices") {
    // 1 layer x 3 heads of 2x2: cell (1, 0) holds 0.2, 0.7, 0.7.
    const std::vector<float> w{1, 0, 0.2f, 0.8f,  //
                               1, 0, 0.7f, 0.3f,  //
                               1, 0, 0.7f, 0.3f};
    const std::vector<RankedHead> r = rank_heads_by_cell(w, 1, 3, 2, 1, 0);
    REQUIRE(r.size() == 3);
    CHECK(r[0].head == 1);  // tie with head 2: the lower head first
    CHECK(r[1].head == 2);
    CHECK(r[2].head == 0);
    CHECK(r[2].weight == 0.2f);
    CHECK(rank_heads_by_cell(w, 1, 3, 2, 1, 0, 1).size() == 1);
    CHECK_THROWS_AS(rank_heads_by_cell(w, 1, 3, 2, 2, 0), InputError);
    CHECK_THROWS_AS(rank_heads_by_cell(w, 1, 2, 2, 1, 0), InputError);  // sizes disagree

    // On a real trace without hiding it agrees with rank_heads_by_weight.
    const AttentionTrace tr =
        run_model(cached_model("karpathy--tinyllamas--stories260K"), k_animal);
    const DisplayTrace d = make_display_trace(tr, {});
    const auto a = rank_heads_by_cell(d.weights, d.n_layer, d.n_head, d.n_token, 26, 2, 5);
    const auto b = rank_heads_by_weight(tr, 26, 2, 5);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].layer == b[i].layer);
        CHECK(a[i].head == b[i].head);
        CHECK(a[i].weight == b[i].weight);
    }
}

TEST_CASE("compare_models: equal shapes and tokens allow a difference, otherwise say why") {
    const AttentionTrace bert = run_model(cached_model("test--bert-tiny-random"), k_animal);
    const AttentionTrace distil = run_model(cached_model("test--distilbert-tiny-random"), k_animal);
    const AttentionTrace gpt2 = run_model(cached_model("test--gpt2-tiny-random"), k_animal);
    const AttentionTrace stories =
        run_model(cached_model("karpathy--tinyllamas--stories260K"), k_animal);
    const AttentionTrace roberta = run_model(cached_model("test--roberta-tiny-random"), k_animal);

    ModelPairLayout p = compare_models(bert, distil);  // same vocabulary, both 2 x 4
    CHECK(p.difference());
    CHECK(p.reason.empty());
    CHECK(p.tokens_reason.empty());
    CHECK(compare_models(gpt2, gpt2).difference());

    p = compare_models(gpt2, stories);
    CHECK_FALSE(p.same_shape);
    CHECK_FALSE(p.same_tokens);
    CHECK_FALSE(p.difference());
    CHECK(p.reason.find("different shapes") != std::string::npos);
    // Said even when the shapes differ: results of any shape ([T][T] rollout) need only tokens.
    CHECK(p.tokens_reason.find("tokenise the text differently") != std::string::npos);

    p = compare_models(gpt2, roberta);  // both 2 x 4; RoBERTa adds <s> and </s>
    CHECK(p.same_shape);
    CHECK_FALSE(p.same_tokens);
    CHECK(p.reason.find("tokenise the text differently") != std::string::npos);

    p = compare_models(gpt2, bert);  // both 2 x 4, different tokenizers
    CHECK(p.same_shape);
    CHECK_FALSE(p.difference());
}
