// Weight sources: safetensors folders (single and sharded), their errors, and random weights.
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>

#include "attnscope/errors.h"
#include "attnscope/model.h"
#include "attnscope/safetensors.h"
#include "test_util.h"

using namespace attnscope;
namespace fs = std::filesystem;
using test::expect_load_error;

namespace {

TensorToWrite f32_tensor(const std::string& name, std::vector<int64_t> shape,
                         const std::vector<float>& values) {
    TensorToWrite t{name, DType::F32, std::move(shape), {}};
    t.data.resize(values.size() * 4);
    std::memcpy(t.data.data(), values.data(), t.data.size());
    return t;
}

// A folder with one model.safetensors holding two small tensors.
fs::path small_model(const std::string& name) {
    const fs::path dir = test::temp_dir(name);
    write_safetensors(dir / "model.safetensors",
                      {f32_tensor("h.0.attn.c_attn.weight", {2, 3}, {1, 2, 3, 4, 5, 6}),
                       f32_tensor("h.0.attn.c_attn.bias", {3}, {0.5f, -0.5f, 0}),
                       f32_tensor("wte.weight", {4, 2}, {0, 1, 2, 3, 4, 5, 6, 7})});
    return dir;
}

double mean_of(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += x;
    return s / double(v.size());
}

double std_of(const std::vector<float>& v) {
    const double m = mean_of(v);
    double s = 0;
    for (float x : v) s += (x - m) * (x - m);
    return std::sqrt(s / double(v.size()));
}

}  // namespace

TEST_CASE("weights: a single model.safetensors") {
    const fs::path dir = small_model("weights-single");
    const auto weights = open_safetensors_weights(dir);
    CHECK(weights->has("h.0.attn.c_attn.weight"));
    CHECK(!weights->has("h.1.attn.c_attn.weight"));
    CHECK(weights->get("h.0.attn.c_attn.weight", {2, 3}) == std::vector<float>{1, 2, 3, 4, 5, 6});
    CHECK(weights->get("h.0.attn.c_attn.bias", {3}) == std::vector<float>{0.5f, -0.5f, 0});
    CHECK(weights->describe().find("model.safetensors") != std::string::npos);

    SUBCASE("missing tensor: names it, the file, and similar names") {
        expect_load_error(
            [&] {
                weights->get("h.1.attn.c_attn.weight", {2, 3});
            },
            {"tensor 'h.1.attn.c_attn.weight' not found in model.safetensors",
             "'h.0.attn.c_attn.weight'"});
    }
    SUBCASE("mis-shaped tensor: expected vs actual") {
        const std::string m = expect_load_error(
            [&] {
                weights->get("h.0.attn.c_attn.weight", {3, 2});
            },
            {"model.safetensors", "'h.0.attn.c_attn.weight'", "expected shape [3, 2], got [2, 3]"});
        expect_load_error(
            [&] {
                weights->get("h.0.attn.c_attn.bias", {1, 3});
            },
            {"expected shape [1, 3], got [3]"});
    }
}

TEST_CASE("weights: NaN and infinite values are rejected with the tensor and index") {
    const fs::path dir = test::temp_dir("weights-nan");
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    write_safetensors(dir / "model.safetensors",
                      {f32_tensor("good", {2}, {1, 2}), f32_tensor("bad_nan", {4}, {0, 1, nan, 3}),
                       f32_tensor("bad_inf", {2}, {-inf, 0})});
    const auto weights = open_safetensors_weights(dir);
    CHECK(weights->get("good", {2}).size() == 2);
    expect_load_error([&] { weights->get("bad_nan", {4}); },
                      {"model.safetensors", "'bad_nan'", "NaN", "index 2"});
    expect_load_error([&] { weights->get("bad_inf", {2}); }, {"'bad_inf'", "infinite", "index 0"});
}

TEST_CASE("weights: F16 and BF16 tensors come back as F32") {
    const fs::path dir = test::temp_dir("weights-half");
    const uint16_t half[] = {0x3E00, 0xC000};   // 1.5, -2
    const uint16_t brain[] = {0x3FC0, 0x3F80};  // 1.5, 1
    TensorToWrite h{"h", DType::F16, {2}, std::vector<uint8_t>(4)};
    std::memcpy(h.data.data(), half, 4);
    TensorToWrite b{"b", DType::BF16, {1, 2}, std::vector<uint8_t>(4)};
    std::memcpy(b.data.data(), brain, 4);
    write_safetensors(dir / "model.safetensors", {h, b});
    const auto weights = open_safetensors_weights(dir);
    CHECK(weights->get("h", {2}) == std::vector<float>{1.5f, -2.0f});
    CHECK(weights->get("b", {1, 2}) == std::vector<float>{1.5f, 1.0f});
}

TEST_CASE("weights: folders without safetensors") {
    SUBCASE("pytorch_model.bin only: refused, with the reason and the fix") {
        const fs::path dir = test::temp_dir("weights-pickle");
        test::write_file(dir / "config.json", "{}");
        test::write_file(dir / "pytorch_model.bin", "PK\x03\x04 not really a zip");
        expect_load_error([&] { open_safetensors_weights(dir); },
                          {dir.string().c_str(), "pytorch_model.bin", "pickle", "arbitrary code",
                           "safetensors", "safe_serialization=True"});
    }
    SUBCASE("a .pt checkpoint is refused the same way") {
        const fs::path dir = test::temp_dir("weights-pt");
        test::write_file(dir / "weights.pt", "x");
        expect_load_error([&] { open_safetensors_weights(dir); }, {"weights.pt", "pickle"});
    }
    SUBCASE("other .bin files are not taken for pickles unless they look like one") {
        const fs::path dir = test::temp_dir("weights-llama2c");
        test::write_file(dir / "tok512.bin", std::string("\x00\x01\x02\x03", 4));
        test::write_file(dir / "model.gguf", "GGUF");
        const std::string m = expect_load_error([&] { open_safetensors_weights(dir); },
                                                {"no weights found", "model.gguf"});
        CHECK(m.find("pickle") == std::string::npos);
        test::write_file(dir / "weights.bin", std::string("\x80\x02}q\x00", 5));
        expect_load_error([&] { open_safetensors_weights(dir); }, {"weights.bin", "pickle"});
    }
    SUBCASE("nothing at all") {
        const fs::path dir = test::temp_dir("weights-empty");
        test::write_file(dir / "config.json", "{}");
        expect_load_error(
            [&] { open_safetensors_weights(dir); },
            {dir.string().c_str(), "model.safetensors", "model.safetensors.index.json"});
    }
    SUBCASE("missing folder") {
        expect_load_error([&] { open_safetensors_weights("/nonexistent/model"); },
                          {"/nonexistent/model"});
    }
}

TEST_CASE("weights: sharded checkpoints") {
    const fs::path dir = test::temp_dir("weights-sharded");
    write_safetensors(dir / "model-00001-of-00002.safetensors",
                      {f32_tensor("a", {2}, {1, 2}), f32_tensor("b", {1}, {3})});
    write_safetensors(dir / "model-00002-of-00002.safetensors", {f32_tensor("c", {2, 1}, {4, 5})});
    const std::string index = R"({"metadata": {"total_size": 20}, "weight_map": {
        "a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
        "c": "model-00002-of-00002.safetensors"}})";
    test::write_file(dir / "model.safetensors.index.json", index);

    SUBCASE("two shards work") {
        const auto weights = open_safetensors_weights(dir);
        CHECK(weights->get("a", {2}) == std::vector<float>{1, 2});
        CHECK(weights->get("b", {1}) == std::vector<float>{3});
        CHECK(weights->get("c", {2, 1}) == std::vector<float>{4, 5});
        CHECK(weights->has("c"));
        CHECK(weights->describe().find("2 shards") != std::string::npos);
        expect_load_error([&] { weights->get("d", {1}); },
                          {"tensor 'd' not found in model.safetensors.index.json"});
    }
    SUBCASE("an index naming a missing shard") {
        std::string broken = index;
        broken.replace(broken.rfind("00002-of"), 5, "00003");
        test::write_file(dir / "model.safetensors.index.json", broken);
        expect_load_error(
            [&] { open_safetensors_weights(dir); },
            {"model.safetensors.index.json", "model-00003-of-00002.safetensors", "missing", "'c'"});
    }
    SUBCASE("an index putting a tensor in the wrong shard") {
        std::string wrong = index;
        wrong.replace(wrong.find("\"c\": \"model-00002"), 17, "\"c\": \"model-00001");
        test::write_file(dir / "model.safetensors.index.json", wrong);
        expect_load_error([&] { open_safetensors_weights(dir); },
                          {"'c'", "model-00001-of-00002.safetensors", "does not contain"});
    }
    SUBCASE("an index with a path outside the folder") {
        test::write_file(dir / "model.safetensors.index.json",
                         R"({"weight_map": {"a": "../elsewhere.safetensors"}})");
        expect_load_error([&] { open_safetensors_weights(dir); }, {"not a plain file name"});
    }
    SUBCASE("a malformed index") {
        test::write_file(dir / "model.safetensors.index.json", "{\"weight_map\": ");
        expect_load_error([&] { open_safetensors_weights(dir); },
                          {"model.safetensors.index.json", "malformed JSON"});
        test::write_file(dir / "model.safetensors.index.json", "{}");
        expect_load_error([&] { open_safetensors_weights(dir); }, {"weight_map"});
    }
}

TEST_CASE("weights: a corrupt model.safetensors fails when the folder is opened") {
    const fs::path dir = test::temp_dir("weights-corrupt");
    test::write_file(dir / "model.safetensors", "tiny");
    expect_load_error([&] { open_safetensors_weights(dir); }, {"model.safetensors", "too short"});
}

TEST_CASE("weights: random weights") {
    const auto weights = random_weights(42);
    CHECK(weights->describe().find("42") != std::string::npos);

    SUBCASE("normal(0, 0.02), deterministic per seed and name") {
        const auto a = weights->get("h.0.attn.c_attn.weight", {256, 768});
        CHECK(a.size() == 256 * 768);
        CHECK(std::fabs(mean_of(a)) < 1e-3);
        CHECK(std_of(a) == doctest::Approx(0.02).epsilon(0.02));
        CHECK(a == random_weights(42)->get("h.0.attn.c_attn.weight", {256, 768}));
        CHECK(a != random_weights(43)->get("h.0.attn.c_attn.weight", {256, 768}));
        CHECK(a != weights->get("h.1.attn.c_attn.weight", {256, 768}));
        // A prefix of a bigger request matches: values depend on (seed, name, index) only.
        const auto small = weights->get("h.0.attn.c_attn.weight", {2, 3});
        CHECK(std::equal(small.begin(), small.end(), a.begin()));
    }
    SUBCASE("norm gains are 1 and biases 0") {
        for (const char* name : {"h.0.ln_1.weight", "h.3.ln_2.weight", "ln_f.weight",
                                 "bert.encoder.layer.0.attention.output.LayerNorm.weight",
                                 "distilbert.transformer.layer.0.sa_layer_norm.weight",
                                 "distilbert.transformer.layer.0.output_layer_norm.weight",
                                 "model.norm.weight", "model.layers.0.input_layernorm.weight",
                                 "model.layers.0.post_attention_layernorm.weight",
                                 "lm_head.layer_norm.weight", "encoder.layer.0.LayerNorm.gamma"}) {
            CAPTURE(name);
            CHECK(weights->get(name, {5}) == std::vector<float>(5, 1.0f));
        }
        for (const char* name : {"h.0.attn.c_attn.bias", "h.0.ln_1.bias", "cls.predictions.bias",
                                 "bert.embeddings.LayerNorm.bias", "encoder.LayerNorm.beta"}) {
            CAPTURE(name);
            CHECK(weights->get(name, {3}) == std::vector<float>(3, 0.0f));
        }
        // Not norms, even though the words are close.
        const auto w = weights->get("model.layers.0.self_attn.q_proj.weight", {4});
        CHECK(w != std::vector<float>(4, 1.0f));
    }
    SUBCASE("tied output heads are absent so the embeddings are used") {
        CHECK(!weights->has("lm_head.weight"));
        CHECK(!weights->has("cls.predictions.decoder.weight"));
        CHECK(!weights->has("lm_head.decoder.weight"));
        CHECK(!weights->has("vocab_projector.weight"));
        CHECK(weights->has("lm_head.dense.weight"));
        CHECK(weights->has("wte.weight"));
        CHECK(weights->has("anything.at.all"));
    }
    SUBCASE("bad shapes") {
        CHECK_THROWS_AS(weights->get("x", {-1}), LoadError);
        CHECK_THROWS_AS(weights->get("x", {int64_t(1) << 40, int64_t(1) << 40}), LoadError);
        CHECK(weights->get("x", {0, 5}).empty());
    }
}

TEST_CASE("weights: real model folders") {
    SUBCASE("stories260K") {
        const auto weights =
            open_safetensors_weights(test::model_dir("karpathy--tinyllamas--stories260K"));
        const auto embed = weights->get("model.embed_tokens.weight", {512, 64});
        CHECK(embed.size() == 512 * 64);
        CHECK(weights->has("model.layers.4.self_attn.k_proj.weight"));
        CHECK(!weights->has("model.layers.5.self_attn.k_proj.weight"));
        expect_load_error(
            [&] {
                weights->get("model.layers.0.self_attn.k_proj.weight", {64, 64});
            },
            {"expected shape [64, 64], got [32, 64]"});
    }
    SUBCASE("test--gpt2-tiny-random") {
        const auto weights = open_safetensors_weights(test::model_dir("test--gpt2-tiny-random"));
        CHECK(weights->get("h.1.attn.c_attn.weight", {64, 192}).size() == 64 * 192);
        expect_load_error(
            [&] {
                weights->get("transformer.h.0.attn.c_attn.weight", {64, 192});
            },
            {"not found", "'h.0.attn.c_attn.weight'"});
    }
}
