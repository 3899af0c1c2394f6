// config.json parsing for every supported architecture, its defaults and its errors, and
// inspect_model_folder.
#include <algorithm>
#include <initializer_list>

#include "attnscope/errors.h"
#include "attnscope/model.h"
#include "test_util.h"

using namespace attnscope;
namespace fs = std::filesystem;
using test::expect_load_error;

namespace {

auto parse(const std::string& text) {
    return [=] { parse_model_config(text, "my/config.json"); };
}

const char* k_gpt2_minimal =
    R"({"model_type": "gpt2", "n_layer": 2, "n_head": 4, "n_embd": 64, "n_positions": 128,
        "vocab_size": 100})";

const char* k_llama_minimal =
    R"({"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 4,
        "hidden_size": 32, "intermediate_size": 48, "max_position_embeddings": 64,
        "vocab_size": 10})";

}  // namespace

TEST_CASE("model_config: arch names") {
    CHECK(std::string(arch_name(Arch::Gpt2)) == "gpt2");
    CHECK(std::string(arch_name(Arch::Bert)) == "bert");
    CHECK(std::string(arch_name(Arch::DistilBert)) == "distilbert");
    CHECK(std::string(arch_name(Arch::Roberta)) == "roberta");
    CHECK(std::string(arch_name(Arch::Llama)) == "llama");
}

TEST_CASE("model_config: real configs") {
    SUBCASE("gpt2") {
        const ModelConfig c = load_model_config(test::model_dir("gpt2"));
        CHECK(c.arch == Arch::Gpt2);
        CHECK(c.model_type == "gpt2");
        CHECK(c.n_layer == 12);
        CHECK(c.n_head == 12);
        CHECK(c.n_kv_head == 12);
        CHECK(c.d_model == 768);
        CHECK(c.d_head == 64);
        CHECK(c.d_ff == 3072);  // n_inner is null: 4 * n_embd
        CHECK(c.max_positions == 1024);
        CHECK(c.vocab_size == 50257);
        CHECK(c.norm_eps == doctest::Approx(1e-5));
        CHECK(c.activation == "gelu_new");
        CHECK(c.causal);
        CHECK(c.tie_word_embeddings);
        CHECK(c.bos_token_id == 50256);
        CHECK(c.eos_token_id == 50256);
        CHECK(c.type_vocab_size == 0);
    }
    SUBCASE("test--gpt2-tiny-random") {
        const ModelConfig c = load_model_config(test::model_dir("test--gpt2-tiny-random"));
        CHECK(c.n_layer == 2);
        CHECK(c.n_head == 4);
        CHECK(c.d_head == 16);
        CHECK(c.d_ff == 256);
    }
    SUBCASE("MiniLM (bert)") {
        const ModelConfig c =
            load_model_config(test::model_dir("sentence-transformers--all-MiniLM-L6-v2"));
        CHECK(c.arch == Arch::Bert);
        CHECK(c.n_layer == 6);
        CHECK(c.n_head == 12);
        CHECK(c.d_model == 384);
        CHECK(c.d_head == 32);
        CHECK(c.d_ff == 1536);
        CHECK(c.max_positions == 512);
        CHECK(c.type_vocab_size == 2);
        CHECK(c.vocab_size == 30522);
        CHECK(c.pad_token_id == 0);
        CHECK(c.norm_eps == doctest::Approx(1e-12).epsilon(1e-6));
        CHECK(c.activation == "gelu");
        CHECK(!c.causal);
    }
    SUBCASE("test--bert-tiny-random") {
        const ModelConfig c = load_model_config(test::model_dir("test--bert-tiny-random"));
        CHECK(c.arch == Arch::Bert);
        CHECK(c.n_layer == 2);
        CHECK(c.d_head == 16);
        CHECK(c.d_ff == 128);
        CHECK(c.norm_eps == doctest::Approx(1e-12).epsilon(1e-6));
    }
    SUBCASE("test--roberta-tiny-random") {
        const ModelConfig c = load_model_config(test::model_dir("test--roberta-tiny-random"));
        CHECK(c.arch == Arch::Roberta);
        CHECK(c.max_positions == 512);  // 514 - pad_token_id 1 - 1
        CHECK(c.norm_eps == doctest::Approx(1e-5));
        CHECK(c.d_model == 16);
        CHECK(c.d_head == 4);
        CHECK(c.type_vocab_size == 1);
        CHECK(c.pad_token_id == 1);
        CHECK(c.bos_token_id == 0);
        CHECK(c.eos_token_id == 2);
        CHECK(c.vocab_size == 50265);
    }
    SUBCASE("test--distilbert-tiny-random") {
        const ModelConfig c = load_model_config(test::model_dir("test--distilbert-tiny-random"));
        CHECK(c.arch == Arch::DistilBert);
        CHECK(c.n_layer == 2);
        CHECK(c.n_head == 4);
        CHECK(c.d_model == 64);
        CHECK(c.d_ff == 128);
        CHECK(c.max_positions == 512);
        CHECK(c.type_vocab_size == 0);
        CHECK(c.norm_eps == doctest::Approx(1e-12).epsilon(1e-6));
        CHECK(c.activation == "gelu");
    }
    SUBCASE("stories260K (llama, grouped-query attention)") {
        const ModelConfig c =
            load_model_config(test::model_dir("karpathy--tinyllamas--stories260K"));
        CHECK(c.arch == Arch::Llama);
        CHECK(c.n_layer == 5);
        CHECK(c.n_head == 8);
        CHECK(c.n_kv_head == 4);
        CHECK(c.d_model == 64);
        CHECK(c.d_head == 8);
        CHECK(c.d_ff == 172);
        CHECK(c.max_positions == 512);
        CHECK(c.vocab_size == 512);
        CHECK(c.norm_eps == doctest::Approx(1e-5));
        CHECK(c.rope_theta == 10000.0f);
        CHECK(c.activation == "silu");
        CHECK(c.tie_word_embeddings);
        CHECK(c.causal);
        CHECK(c.bos_token_id == 1);
        CHECK(c.eos_token_id == 2);
    }
}

TEST_CASE("model_config: defaults follow transformers") {
    SUBCASE("gpt2: n_ctx when n_positions is absent, null n_inner, explicit n_inner") {
        ModelConfig c = parse_model_config(
            R"({"model_type": "gpt2", "n_layer": 1, "n_head": 2, "n_embd": 8, "n_ctx": 77,
                "n_inner": null, "vocab_size": 5})",
            "c.json");
        CHECK(c.max_positions == 77);
        CHECK(c.d_ff == 32);
        CHECK(c.norm_eps == doctest::Approx(1e-5));
        CHECK(c.activation == "gelu_new");
        CHECK(c.bos_token_id == -1);
        c = parse_model_config(
            R"({"model_type": "gpt2", "n_layer": 1, "n_head": 2, "n_embd": 8, "n_positions": 9,
                "n_inner": 20, "vocab_size": 5})",
            "c.json");
        CHECK(c.d_ff == 20);
        CHECK(c.max_positions == 9);
    }
    SUBCASE("llama") {
        const ModelConfig c = parse_model_config(k_llama_minimal, "c.json");
        CHECK(c.n_kv_head == 4);
        CHECK(c.d_head == 8);
        CHECK(c.norm_eps == doctest::Approx(1e-6));
        CHECK(c.rope_theta == 10000.0f);
        CHECK(c.activation == "silu");
        CHECK(!c.tie_word_embeddings);
    }
    SUBCASE("roberta without pad_token_id uses 1") {
        const ModelConfig c = parse_model_config(
            R"({"model_type": "roberta", "num_hidden_layers": 1, "num_attention_heads": 2,
                "hidden_size": 8, "intermediate_size": 16, "max_position_embeddings": 514,
                "vocab_size": 50})",
            "c.json");
        CHECK(c.max_positions == 512);
        CHECK(c.norm_eps == doctest::Approx(1e-12).epsilon(1e-6));
    }
    SUBCASE("eos_token_id given as a list") {
        std::string text = k_llama_minimal;
        text.insert(text.size() - 1, R"(, "eos_token_id": [7, 9])");
        CHECK(parse_model_config(text, "c.json").eos_token_id == 7);
    }
}

TEST_CASE("model_config: errors name the file and the field") {
    SUBCASE("missing config.json") {
        const fs::path dir = test::temp_dir("config-missing");
        expect_load_error([&] { load_model_config(dir); },
                          {dir.string().c_str(), "config.json", "missing"});
    }
    SUBCASE("missing folder") {
        expect_load_error([&] { load_model_config("/nonexistent/model"); }, {"/nonexistent/model"});
    }
    SUBCASE("malformed JSON, from a file") {
        const fs::path dir = test::temp_dir("config-malformed");
        test::write_file(dir / "config.json", R"({"model_type": "gpt2", "n_layer": })");
        expect_load_error([&] { load_model_config(dir); },
                          {"config.json", "malformed JSON", "byte"});
    }
    SUBCASE("not an object") {
        expect_load_error(parse("[1]"), {"my/config.json", "object"});
    }
    SUBCASE("a number too large for a double") {
        expect_load_error(parse(R"({"model_type": "gpt2", "n_layer": 1e999})"),
                          {"my/config.json", "JSON"});
    }
    SUBCASE("missing model_type") {
        expect_load_error(parse(R"({"n_layer": 2})"), {"my/config.json", "model_type"});
    }
    SUBCASE("unsupported model_type lists the supported ones") {
        expect_load_error(parse(R"({"model_type": "t5"})"),
                          {"my/config.json", "\"t5\"", "not supported", "gpt2", "bert", "roberta",
                           "distilbert", "llama"});
    }
    SUBCASE("missing required field") {
        expect_load_error(
            parse(R"({"model_type": "gpt2", "n_layer": 2, "n_embd": 64, "n_positions": 128,
                      "vocab_size": 100})"),
            {"my/config.json", "\"n_head\"", "missing"});
        expect_load_error(parse(R"({"model_type": "bert", "num_hidden_layers": 2})"),
                          {"my/config.json", "num_attention_heads"});
        expect_load_error(parse(R"({"model_type": "gpt2", "n_layer": 1, "n_head": 2, "n_embd": 8,
                                    "vocab_size": 5})"),
                          {"n_ctx"});
    }
    SUBCASE("zero, negative, non-integer and wrong-type sizes") {
        std::string text = k_gpt2_minimal;
        auto with = [&](const std::string& from, const std::string& to) {
            std::string t = text;
            t.replace(t.find(from), from.size(), to);
            return t;
        };
        expect_load_error(parse(with("\"n_layer\": 2", "\"n_layer\": 0")),
                          {"my/config.json", "\"n_layer\"", "positive"});
        expect_load_error(parse(with("\"n_layer\": 2", "\"n_layer\": -3")), {"\"n_layer\"", "-3"});
        expect_load_error(parse(with("\"n_layer\": 2", "\"n_layer\": 2.5")),
                          {"\"n_layer\"", "integer"});
        expect_load_error(parse(with("\"n_layer\": 2", "\"n_layer\": \"2\"")), {"\"n_layer\""});
        expect_load_error(parse(with("\"n_layer\": 2", "\"n_layer\": 99999999999")),
                          {"\"n_layer\"", "too large"});
        expect_load_error(
            parse(with("\"n_layer\": 2", "\"n_layer\": 2, \"layer_norm_epsilon\": -1")),
            {"layer_norm_epsilon"});
    }
    SUBCASE("heads that do not divide the hidden size") {
        expect_load_error(parse(R"({"model_type": "gpt2", "n_layer": 2, "n_head": 5, "n_embd": 64,
                      "n_positions": 128, "vocab_size": 100})"),
                          {"my/config.json", "64", "not divisible", "5"});
    }
    SUBCASE("query heads that are not a multiple of the key/value heads") {
        std::string text = k_llama_minimal;
        text.insert(text.size() - 1, R"(, "num_key_value_heads": 3)");
        expect_load_error(parse(text), {"my/config.json", "4", "3", "num_key_value_heads"});
    }
}

TEST_CASE("model_config: inspect_model_folder lists the relevant files") {
    const fs::path dir = test::temp_dir("inspect");
    for (const char* name :
         {"config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
          "model.safetensors.index.json", "tokenizer.json", "README.md", "pytorch_model.bin"})
        test::write_file(dir / name, "x");
    const ModelFolderInfo info = inspect_model_folder(dir);
    CHECK(info.dir == dir);
    CHECK(info.has_config);
    CHECK(info.has_weights);
    auto has = [&](const char* name) {
        return std::find(info.files.begin(), info.files.end(), name) != info.files.end();
    };
    CHECK(has("config.json"));
    CHECK(has("model.safetensors.index.json"));
    CHECK(has("model-00001-of-00002.safetensors"));
    CHECK(has("model-00002-of-00002.safetensors"));
    CHECK(has("tokenizer.json"));
    CHECK(has("pytorch_model.bin"));
    CHECK(!has("README.md"));

    const ModelFolderInfo gpt2 = inspect_model_folder(test::model_dir("gpt2"));
    CHECK(gpt2.has_config);
    CHECK(!gpt2.has_weights);  // the shared gpt2 folder has no weights
    CHECK(gpt2.files == std::vector<std::string>{"config.json", "vocab.json", "merges.txt",
                                                 "tokenizer_config.json"});

    const ModelFolderInfo llama =
        inspect_model_folder(test::model_dir("karpathy--tinyllamas--stories260K"));
    CHECK(llama.has_weights);

    const ModelFolderInfo none = inspect_model_folder("/nonexistent/model");
    CHECK(!none.has_config);
    CHECK(!none.has_weights);
    CHECK(none.files.empty());
}

TEST_CASE("model config: Llama with scaled RoPE is refused rather than run wrongly") {
    const std::string json = R"({"model_type":"llama","num_hidden_layers":2,"num_attention_heads":4,
        "hidden_size":32,"intermediate_size":64,"max_position_embeddings":128,"vocab_size":100,
        "rope_scaling":{"type":"linear","factor":2.0}})";
    CHECK_THROWS_WITH_AS(attnscope::parse_model_config(json, "config.json"),
                         doctest::Contains("rope_scaling"), attnscope::LoadError);
    const std::string null_scaling = R"({"model_type":"llama","num_hidden_layers":2,"num_attention_heads":4,
        "hidden_size":32,"intermediate_size":64,"max_position_embeddings":128,"vocab_size":100,
        "rope_scaling":null})";
    CHECK(attnscope::parse_model_config(null_scaling, "config.json").n_layer == 2);
}
