// Tests for core/src/analysis.cpp: the display maths behind every view.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "attnscope/analysis.h"
#include "test_util.h"

using namespace attnscope;

namespace {

// A hand-made causal trace: L layers, H heads, tokens "<s> a b c" with <s> special. Row i of each
// head spreads its mass over keys 0..i with weights proportional to (1 + j + l + h).
AttentionTrace make_causal_trace(int n_layer = 2, int n_head = 3) {
    AttentionTrace t;
    t.model_name = "hand-made";
    t.arch = Arch::Llama;
    t.causal = true;
    t.n_layer = n_layer;
    t.n_head = n_head;
    t.n_kv_head = n_head;
    t.n_token = 4;
    t.tokens.ids = {1, 10, 11, 12};
    t.tokens.tokens = {"<s>",
                       "\xe2\x96\x81"
                       "a",
                       "\xe2\x96\x81"
                       "b",
                       "c"};
    t.tokens.texts = {"", " a", " b", "c"};
    t.tokens.special = {1, 0, 0, 0};
    t.tokens.type_ids = {0, 0, 0, 0};
    const int T = t.n_token;
    t.mask.assign(size_t(T) * T, 0);
    for (int i = 0; i < T; ++i)
        for (int j = 0; j <= i; ++j) t.mask[size_t(i) * T + j] = 1;
    t.weights.assign(size_t(n_layer) * n_head * T * T, 0.0f);
    for (int l = 0; l < n_layer; ++l)
        for (int h = 0; h < n_head; ++h)
            for (int i = 0; i < T; ++i) {
                float sum = 0;
                for (int j = 0; j <= i; ++j) sum += float(1 + j + l + h);
                for (int j = 0; j <= i; ++j)
                    t.weights[((size_t(l) * n_head + h) * T + i) * T + j] =
                        float(1 + j + l + h) / sum;
            }
    return t;
}

}  // namespace

TEST_CASE("colormaps: endpoints match matplotlib and ColorBrewer") {
    auto near = [](Rgb8 c, int r, int g, int b, int tol) {
        return std::abs(c.r - r) <= tol && std::abs(c.g - g) <= tol && std::abs(c.b - b) <= tol;
    };
    // matplotlib viridis(0) = #440154, viridis(0.5) = #21918c, viridis(1) = #fde725; the
    // polynomial fit is within a few units.
    CHECK(near(colormap_rgb(Colormap::Viridis, 0.0f), 0x44, 0x01, 0x54, 6));
    CHECK(near(colormap_rgb(Colormap::Viridis, 0.5f), 0x21, 0x91, 0x8c, 6));
    CHECK(near(colormap_rgb(Colormap::Viridis, 1.0f), 0xfd, 0xe7, 0x25, 6));
    CHECK(near(colormap_rgb(Colormap::Magma, 0.0f), 0x00, 0x00, 0x04, 6));
    CHECK(near(colormap_rgb(Colormap::Magma, 1.0f), 0xfc, 0xfd, 0xbf, 6));
    CHECK(near(colormap_rgb(Colormap::RdBu, 0.0f), 0x05, 0x30, 0x61, 0));
    CHECK(near(colormap_rgb(Colormap::RdBu, 0.5f), 0xf7, 0xf7, 0xf7, 0));
    CHECK(near(colormap_rgb(Colormap::RdBu, 1.0f), 0x67, 0x00, 0x1f, 0));
    // Clamped outside [0, 1]; NaN is the low end.
    CHECK(near(colormap_rgb(Colormap::Viridis, -3.0f), 0x44, 0x01, 0x54, 6));
    Rgb8 hi = colormap_rgb(Colormap::Viridis, 1.0f), over = colormap_rgb(Colormap::Viridis, 7.0f);
    CHECK((hi.r == over.r && hi.g == over.g && hi.b == over.b));
    Rgb8 lo = colormap_rgb(Colormap::Magma, 0.0f), nan = colormap_rgb(Colormap::Magma, NAN);
    CHECK((lo.r == nan.r && lo.g == nan.g && lo.b == nan.b));
}

TEST_CASE("colormaps: sequential maps get brighter, names round-trip") {
    for (Colormap map : {Colormap::Viridis, Colormap::Magma}) {
        CHECK_FALSE(colormap_is_diverging(map));
        float prev = -1;
        for (int i = 0; i <= 20; ++i) {
            Rgb8 c = colormap_rgb(map, i / 20.0f);
            float luma = 0.2126f * c.r + 0.7152f * c.g + 0.0722f * c.b;
            CHECK_MESSAGE(luma >= prev - 1.0f, colormap_name(map) << " not monotone at " << i);
            prev = luma;
        }
    }
    CHECK(colormap_is_diverging(Colormap::RdBu));
    for (int i = 0; i < k_colormap_count; ++i) {
        Colormap parsed = Colormap::Viridis;
        REQUIRE(parse_colormap(colormap_name(Colormap(i)), &parsed));
        CHECK(parsed == Colormap(i));
    }
    Colormap unused;
    CHECK_FALSE(parse_colormap("jet", &unused));
}

TEST_CASE("shown_tokens drops template-added special tokens only when asked") {
    Encoding e;
    e.ids = {101, 7, 103, 8, 102};
    e.special = {1, 0, 1, 0, 1};
    // [CLS] and [SEP] were added by the template (segment -1); the [MASK] was typed (segment 0).
    e.spans = {{-1, 0, 0}, {0, 0, 3}, {0, 4, 10}, {0, 11, 14}, {-1, 14, 14}};
    CHECK(shown_tokens(e, false) == std::vector<int32_t>{0, 1, 2, 3, 4});
    CHECK(shown_tokens(e, true) == std::vector<int32_t>{1, 2, 3});
    // Without spans every special token counts as added.
    e.spans.clear();
    CHECK(shown_tokens(e, true) == std::vector<int32_t>{1, 3});
}

TEST_CASE("select_renormalise keeps exact values when nothing is hidden") {
    AttentionTrace t = make_causal_trace(1, 1);
    std::vector<int32_t> keep{0, 1, 2, 3};
    std::vector<float> out(16);
    select_renormalise(out, t.weights_of(0, 0), t.mask, 4, keep);
    for (size_t i = 0; i < out.size(); ++i) CHECK(out[i] == t.weights[i]);
}

TEST_CASE("select_renormalise rescales the shown keys of each row to sum 1") {
    AttentionTrace t = make_causal_trace(1, 1);
    std::vector<int32_t> keep{1, 2, 3};
    std::vector<float> out(9);
    select_renormalise(out, t.weights_of(0, 0), t.mask, 4, keep);
    for (int r = 0; r < 3; ++r) {
        float sum = out[r * 3] + out[r * 3 + 1] + out[r * 3 + 2];
        CHECK(sum == doctest::Approx(1.0f).epsilon(1e-6));
    }
    // Row "a" (source row 1) attended <s> and itself; with <s> hidden all mass is on itself.
    CHECK(out[0] == doctest::Approx(1.0f));
    CHECK(out[1] == 0.0f);
    // Row "c" (source row 3): weights 2,3,4 over keys a,b,c after dropping <s> (weight 1).
    CHECK(out[6] == doctest::Approx(2.0f / 9.0f));
    CHECK(out[8] == doctest::Approx(4.0f / 9.0f));
}

TEST_CASE("make_display_trace without hiding equals the trace") {
    AttentionTrace t = make_causal_trace();
    DisplayTrace d = make_display_trace(t, DisplayOptions{});
    CHECK(d.n_token == 4);
    CHECK(d.n_source_token == 4);
    CHECK(d.causal);
    CHECK(d.mask == t.mask);
    CHECK_CLOSE("weights", std::span<const float>(d.weights), std::span<const float>(t.weights),
                0.0);
    CHECK(d.labels == std::vector<std::string>{"<s>", "a", "b", "c"});
    CHECK(d.special == std::vector<uint8_t>{1, 0, 0, 0});
    CHECK(d.word_start == std::vector<uint8_t>{0, 1, 1, 0});
    CHECK(d.layer_labels == std::vector<std::string>{"0", "1"});
    CHECK(d.head_labels == std::vector<std::string>{"0", "1", "2"});
    // head_max: row 0 attends only key 0 with weight 1.
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 3; ++h) CHECK(d.max_of(l, h) == 1.0f);
}

TEST_CASE("make_display_trace hides specials, renormalises, relabels one-based") {
    AttentionTrace t = make_causal_trace();
    DisplayOptions o;
    o.hide_special = true;
    o.one_based = true;
    DisplayTrace d = make_display_trace(t, o);
    REQUIRE(d.n_token == 3);
    CHECK(d.source_index == std::vector<int32_t>{1, 2, 3});
    CHECK(d.display_index == std::vector<int32_t>{-1, 0, 1, 2});
    CHECK(d.labels == std::vector<std::string>{"a", "b", "c"});
    CHECK(d.layer_labels == std::vector<std::string>{"1", "2"});
    CHECK(d.head_labels == std::vector<std::string>{"1", "2", "3"});
    // Still causal: (0,1) masked, (1,0) not.
    CHECK(d.masked(0, 1));
    CHECK_FALSE(d.masked(1, 0));
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 3; ++h) {
            auto w = d.weights_of(l, h);
            for (int r = 0; r < 3; ++r) {
                double sum = 0;
                for (int c = 0; c < 3; ++c) {
                    if (d.masked(r, c)) CHECK(w[r * 3 + c] == 0.0f);
                    sum += w[r * 3 + c];
                }
                CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
            }
        }
    // layer_mean is the mean over heads.
    for (int l = 0; l < 2; ++l)
        for (size_t i = 0; i < 9; ++i) {
            float mean = 0;
            for (int h = 0; h < 3; ++h) mean += d.weights_of(l, h)[i];
            CHECK(d.layer_mean_of(l)[i] == doctest::Approx(mean / 3.0f));
        }
}

TEST_CASE("make_display_trace: an encoder trace without a mask allows every cell") {
    AttentionTrace t = make_causal_trace(1, 1);
    t.causal = false;
    t.mask.clear();
    DisplayTrace d = make_display_trace(t, DisplayOptions{});
    CHECK(std::accumulate(d.mask.begin(), d.mask.end(), 0) == 16);
}

TEST_CASE("make_display_trace: hiding every token leaves an empty view, not a crash") {
    AttentionTrace t = make_causal_trace(1, 2);
    t.tokens.special = {1, 1, 1, 1};
    DisplayOptions o;
    o.hide_special = true;
    DisplayTrace d = make_display_trace(t, o);
    CHECK(d.n_token == 0);
    CHECK(d.weights.empty());
    CHECK(d.head_max == std::vector<float>{0.0f, 0.0f});
}

TEST_CASE("difference, apply_mask and ranges") {
    std::vector<float> a{0.5f, 0.25f, 1.0f, 0.0f}, b{0.25f, 0.5f, 0.5f, 0.0f}, out(4);
    std::vector<uint8_t> mask{1, 1, 1, 0};
    difference(out, a, b, mask);
    CHECK(out[0] == 0.25f);
    CHECK(out[1] == -0.25f);
    CHECK(is_masked_value(out[3]));
    CHECK(max_abs_value(out, mask) == 0.5f);
    apply_mask(out, a, mask);
    CHECK(out[2] == 1.0f);
    CHECK(is_masked_value(out[3]));
    CHECK(max_value(a, mask) == 1.0f);

    ValueRange unit = weight_range(ValueScale::Unit, 0.3f);
    CHECK((unit.lo == 0.0f && unit.hi == 1.0f));
    ValueRange head = weight_range(ValueScale::HeadMax, 0.25f);
    CHECK(normalise(0.125f, head) == 0.5f);
    CHECK(normalise(2.0f, head) == 1.0f);
    ValueRange diff = difference_range(0.5f);
    CHECK(normalise(0.0f, diff) == 0.5f);
    CHECK(normalise(-0.5f, diff) == 0.0f);
    CHECK(normalise(1.0f, ValueRange{1.0f, 1.0f}) == 0.0f);
    // Rounding noise between two runs of one input stays the middle colour, not full scale.
    const ValueRange noise = difference_range(2e-6f);
    CHECK(noise.hi == k_min_difference_scale);
    CHECK(normalise(2e-6f, noise) == doctest::Approx(0.501).epsilon(1e-3));
    CHECK(difference_range(0.0f).hi == 1.0f);  // nothing differs
}

TEST_CASE("strongest_links: filtered by head, row and column, strongest first, capped") {
    AttentionTrace t = make_causal_trace(1, 2);
    const DisplayTrace d = make_display_trace(t, DisplayOptions{});
    const std::vector<uint8_t> both{1, 1}, second{0, 1};
    // Every unmasked cell of both heads: 2 * (1 + 2 + 3 + 4).
    std::vector<Link> all = strongest_links(d, 0, both, -1, -1, 0.0f, 1000);
    CHECK(all.size() == 20);
    for (size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].weight >= all[i].weight);
    for (const Link& l : all) CHECK(l.key <= l.query);  // never a masked cell
    // Row 3 of head 1 only: weights (2, 3, 4, 5) / 14, strongest (key 3) first.
    std::vector<Link> row = strongest_links(d, 0, second, 3, -1, 0.0f, 1000);
    REQUIRE(row.size() == 4);
    CHECK(row[0].key == 3);
    CHECK(row[0].head == 1);
    CHECK(row[0].weight == doctest::Approx(5.0f / 14.0f));
    // Column 0, threshold and cap.
    std::vector<Link> col = strongest_links(d, 0, both, -1, 0, 0.2f, 1000);
    for (const Link& l : col) CHECK((l.key == 0 && l.weight >= 0.2f));
    CHECK(strongest_links(d, 0, both, -1, -1, 0.0f, 5).size() == 5);
    CHECK(strongest_links(d, 0, both, -1, -1, 0.0f, 5)[0].weight == all[0].weight);
}

TEST_CASE("token_label makes whitespace visible") {
    CHECK(token_label(" it", "\xc4\xa0it") == "it");
    CHECK(token_label("ing", "##ing") == "ing");
    CHECK(token_label("", "[CLS]") == "[CLS]");
    CHECK(token_label("\xef\xbf\xbd", "<0xE2>") == "<0xE2>");
    CHECK(token_label(" ", "\xc4\xa0") == "\u2423");
    CHECK(token_label("   ", "x") == "\u2423\u2423");
    CHECK(token_label("\n", "\xc4\x8a") == "\u21b5");
    CHECK(token_label("a\tb", "x") == "a\u21e5b");
    CHECK(index_label(0, false) == "0");
    CHECK(index_label(0, true) == "1");
}
