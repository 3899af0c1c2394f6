// Golden tests: every fixture file in ../shared/fixtures/<model>/ against our forward pass.
// Attention at 1e-5 absolute; q, k, v, scores, embed, hidden and logits at
// 1e-4 · max(1, max |reference|) per tensor (fixtures/README.md, "Recommended tolerances").

#include <algorithm>
#include <nlohmann/json.hpp>

#include "attnscope/engine.h"
#include "attnscope/safetensors.h"
#include "test_util.h"

using namespace attnscope;
using test::cached_model;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kFixtureModels = {
    "test--gpt2-tiny-random", "test--bert-tiny-random", "test--distilbert-tiny-random",
    "test--roberta-tiny-random", "karpathy--tinyllamas--stories260K"};

std::vector<float> f32(const SafetensorsFile& f, const std::string& name) {
    const TensorInfo* info = f.find(name);
    REQUIRE_MESSAGE(info != nullptr, f.path().filename()
                                         << ": fixture tensor " << name << " missing");
    return f.to_f32(*info);
}

std::vector<int32_t> i32(const SafetensorsFile& f, const std::string& name) {
    std::vector<float> v = f32(f, name);
    return {v.begin(), v.end()};
}

double scaled_tol(std::span<const float> ref) {
    double m = 1.0;
    for (float x : ref)
        if (std::isfinite(x)) m = std::max(m, double(std::fabs(x)));
    return 1e-4 * m;
}

// Our [L][X][T][D]-style buffer, layer l, as a span.
std::span<const float> layer_slice(std::span<const float> buf, int layer, int n_layer) {
    size_t per = buf.size() / size_t(n_layer);
    return {buf.data() + per * layer, per};
}

void check_fixture(const std::string& model_name, const fs::path& file) {
    const Model& model = cached_model(model_name);
    SafetensorsFile fx(file);
    const auto& meta = fx.header().metadata;
    INFO("fixture ", model_name, "/", file.filename().string());

    // Run on the fixture's own ids so a tokenizer difference cannot hide a forward-pass one.
    Encoding enc;
    enc.ids = i32(fx, "input_ids");
    const int T = int(enc.ids.size());
    enc.type_ids =
        fx.find("token_type_ids") ? i32(fx, "token_type_ids") : std::vector<int32_t>(T, 0);
    auto token_strings = nlohmann::json::parse(meta.at("tokens")).get<std::vector<std::string>>();
    enc.tokens = token_strings;
    enc.texts = token_strings;
    enc.spans.assign(T, {});
    enc.special.assign(T, 0);
    AttentionTrace tr = run_encoding(model, enc);
    REQUIRE(tr.n_token == T);

    if (fx.find("position_ids")) CHECK(tr.position_ids == i32(fx, "position_ids"));
    auto embed = f32(fx, "embed");
    CHECK_CLOSE("embed", std::span<const float>(tr.embed), std::span<const float>(embed),
                scaled_tol(embed));
    const int L = tr.n_layer;
    for (int l = 0; l < L; ++l) {
        const std::string s = std::to_string(l);
        INFO("layer ", l);
        auto attn = f32(fx, "attn." + s);
        CHECK_CLOSE("attn", layer_slice(tr.weights, l, L), std::span<const float>(attn), 1e-5);
        for (auto [name, buf] : {std::pair{"q", &tr.q},
                                 {"k", &tr.k},
                                 {"v", &tr.v},
                                 {"scores", &tr.scores},
                                 {"hidden", &tr.hidden}}) {
            auto ref = f32(fx, name + ("." + s));
            CHECK_CLOSE(name, layer_slice(*buf, l, L), std::span<const float>(ref),
                        scaled_tol(ref));
        }
        if (fx.find("q_norope." + s)) {
            auto qn = f32(fx, "q_norope." + s), kn = f32(fx, "k_norope." + s);
            CHECK_CLOSE("q_norope", layer_slice(tr.q_norope, l, L), std::span<const float>(qn),
                        scaled_tol(qn));
            CHECK_CLOSE("k_norope", layer_slice(tr.k_norope, l, L), std::span<const float>(kn),
                        scaled_tol(kn));
        }
    }
    // Masked scores must be exactly -inf, like the reference.
    for (size_t i = 0; i < tr.mask.size(); ++i)
        if (!tr.mask[i]) REQUIRE(std::isinf(tr.scores[i]));

    if (fx.find("logits_last")) {
        auto ref = f32(fx, "logits_last");
        REQUIRE(tr.prediction.kind == PredictionKind::NextToken);
        CHECK_CLOSE("logits_last", std::span<const float>(tr.prediction.logits),
                    std::span<const float>(ref), scaled_tol(ref));
    }
    if (fx.find("logits_mask")) {
        auto ref = f32(fx, "logits_mask");
        REQUIRE(tr.prediction.kind == PredictionKind::MaskFill);
        CHECK(tr.prediction.positions == i32(fx, "mask_positions"));
        CHECK_CLOSE("logits_mask", std::span<const float>(tr.prediction.logits),
                    std::span<const float>(ref), scaled_tol(ref));
    }
}

std::vector<fs::path> fixture_files(const std::string& model_name) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(test::fixtures_dir() / model_name))
        if (e.path().extension() == ".safetensors") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

TEST_CASE("forward pass matches every golden fixture") {
    int checked = 0;
    for (const auto& model_name : kFixtureModels) {
        for (const auto& file : fixture_files(model_name)) {
            SUBCASE((model_name + "/" + file.stem().string()).c_str()) {
                check_fixture(model_name, file);
            }
            ++checked;
        }
    }
    CHECK(checked >= 60);  // 13 + 13 + 13 + 13 + 11 cases today
}

TEST_CASE("tokenizing the fixture text gives the fixture ids") {
    for (const auto& model_name : kFixtureModels) {
        const Model& model = cached_model(model_name);
        for (const auto& file : fixture_files(model_name)) {
            SafetensorsFile fx(file);
            const auto& meta = fx.header().metadata;
            INFO(model_name, "/", file.filename().string());
            std::optional<std::string> pair;
            if (meta.count("text_pair")) pair = meta.at("text_pair");
            Encoding enc = model.tokenizer().encode(meta.at("text"), pair);
            CHECK(enc.ids == i32(fx, "input_ids"));
        }
    }
}

TEST_CASE("stories260K greedy decoding reproduces the published 256-token sample") {
    const Model& model = cached_model("karpathy--tinyllamas--stories260K");
    auto golden = nlohmann::json::parse(test::read_file(
        test::fixtures_dir() / "karpathy--tinyllamas--stories260K" / "greedy_256.json"));
    auto prompt = golden.at("prompt_ids").get<std::vector<int32_t>>();
    auto expected = golden.at("ids").get<std::vector<int32_t>>();
    std::vector<int32_t> ids = generate_greedy(model, prompt, int(expected.size() - prompt.size()));
    CHECK(ids == expected);
    // The published text is the decoding of the generated tokens, without the BOS prompt.
    std::vector<int32_t> generated(ids.begin() + std::ptrdiff_t(prompt.size()), ids.end());
    CHECK(model.tokenizer().decode(generated) == golden.at("text").get<std::string>());
}

TEST_CASE("GQA: query heads map to their shared KV head") {
    const Model& model = cached_model("karpathy--tinyllamas--stories260K");
    AttentionTrace tr = run_model(model, "Lily saw a cat.");
    CHECK(tr.n_kv_head == 4);
    CHECK(tr.kv_head_of == std::vector<int32_t>{0, 0, 1, 1, 2, 2, 3, 3});
    // Rows of every head sum to 1, and future keys get exactly 0.
    for (int l = 0; l < tr.n_layer; ++l)
        for (int h = 0; h < tr.n_head; ++h) {
            auto w = tr.weights_of(l, h);
            for (int i = 0; i < tr.n_token; ++i) {
                double sum = 0;
                for (int j = 0; j < tr.n_token; ++j) {
                    sum += w[size_t(i) * tr.n_token + j];
                    if (j > i) REQUIRE(w[size_t(i) * tr.n_token + j] == 0.0f);
                }
                REQUIRE(sum == doctest::Approx(1.0).epsilon(1e-5));
            }
        }
}
