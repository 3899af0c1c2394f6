// Engine behaviour on bad or edge-case input: clear errors, never a crash.

#include "attnscope/engine.h"
#include "attnscope/errors.h"
#include "test_util.h"

using namespace attnscope;
using test::bert_tiny;
using test::gpt2_tiny;

TEST_CASE("empty text: an error for GPT-2 (no tokens), [CLS] [SEP] for BERT") {
    CHECK_THROWS_AS(run_model(gpt2_tiny(), ""), InputError);
    AttentionTrace tr = run_model(bert_tiny(), "");
    CHECK(tr.n_token == 2);
    CHECK(tr.tokens.tokens == std::vector<std::string>{"[CLS]", "[SEP]"});
}

TEST_CASE("invalid UTF-8 is refused with the byte offset") {
    CHECK_THROWS_WITH_AS(run_model(gpt2_tiny(), "ok \xff\xfe here"), doctest::Contains("3"),
                         InputError);
}

TEST_CASE("text longer than the model's positions: TooLongError, or truncation on request") {
    std::string text;
    for (int i = 0; i < 600; ++i) text += " word";
    try {
        run_model(bert_tiny(), text);
        FAIL("expected TooLongError");
    } catch (const TooLongError& e) {
        CHECK(e.max_positions == 512);
        CHECK(e.n_token == 602);
        CHECK(std::string(e.what()).find("512") != std::string::npos);
    }
    AttentionTrace tr = run_model(bert_tiny(), text, std::nullopt, {.truncate = true});
    CHECK(tr.n_token == 512);
    CHECK(tr.tokens.tokens.back() == "[SEP]");  // the closing special token is kept
}

TEST_CASE("a sentence pair on a left-to-right model is refused") {
    CHECK_THROWS_AS(run_model(gpt2_tiny(), "a", std::string_view("b")), InputError);
}

TEST_CASE("BERT pairs carry token types and the [MASK] prediction") {
    AttentionTrace tr = run_model(bert_tiny(), "The capital of France is [MASK].");
    REQUIRE(tr.prediction.kind == PredictionKind::MaskFill);
    CHECK(tr.prediction.positions.size() == 1);
    CHECK(tr.prediction.top[0].size() == 10);
    float prev = 2;
    for (const auto& c : tr.prediction.top[0]) {  // best first, valid probabilities
        CHECK(c.prob <= prev);
        CHECK(c.prob >= 0);
        prev = c.prob;
    }
    AttentionTrace pair = run_model(bert_tiny(), "Who left?", std::string_view("Tom did."));
    CHECK(pair.has_pair);
    CHECK(pair.tokens.type_ids.back() == 1);
    CHECK(pair.tokens.type_ids.front() == 0);
}

TEST_CASE("GPT-2 predicts the next token with probabilities that sum to at most 1") {
    AttentionTrace tr = run_model(gpt2_tiny(), "Hello world");
    REQUIRE(tr.prediction.kind == PredictionKind::NextToken);
    CHECK(tr.prediction.positions == std::vector<int32_t>{tr.n_token - 1});
    double sum = 0;
    for (const auto& c : tr.prediction.top[0]) sum += c.prob;
    CHECK(sum <= 1.0 + 1e-6);
    CHECK(sum > 0);
}

TEST_CASE("out-of-vocabulary ids are refused") {
    Encoding enc;
    enc.ids = {5, 999999};
    enc.tokens = {"a", "b"};
    enc.texts = {"a", "b"};
    enc.spans.assign(2, {});
    enc.type_ids.assign(2, 0);
    enc.special.assign(2, 0);
    CHECK_THROWS_AS(run_encoding(gpt2_tiny(), enc), InputError);
}

TEST_CASE("a missing model folder names the folder") {
    CHECK_THROWS_WITH_AS(Model::load("/nonexistent/attnscope-model"),
                         doctest::Contains("/nonexistent/attnscope-model"), LoadError);
}
