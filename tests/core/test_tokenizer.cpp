// Tokenizer goldens: every line of shared/fixtures/tokenizers/*.jsonl and the tokens of every
// fixture file must come out exactly as Hugging Face gives them, through every load path a model
// folder offers (tokenizer.json, vocab.json + merges.txt, vocab.txt).
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "attnscope/errors.h"
#include "attnscope/safetensors.h"
#include "attnscope/tokenizer.h"
#include "test_util.h"

using namespace attnscope;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<json> read_jsonl(const fs::path& path) {
    REQUIRE_MESSAGE(fs::is_regular_file(path), "golden file missing: " << path);
    std::vector<json> lines;
    std::istringstream in(test::read_file(path));
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) lines.push_back(json::parse(line));
    return lines;
}

std::string join(const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += '|';
        out += v[i];
    }
    return out + "]";
}

std::string join(const std::vector<int32_t>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(v[i]);
    }
    return out + "]";
}

// A folder holding only some of `src`'s files, to test a load path on its own.
fs::path copy_subset(const fs::path& src, const std::string& name,
                     std::initializer_list<const char*> files) {
    fs::path dir = test::temp_dir("tok-" + name);
    for (const char* f : files)
        if (fs::exists(src / f)) fs::copy_file(src / f, dir / f);
    return dir;
}

struct GoldenResult {
    int passed = 0;
    int total = 0;
};

// Checks every line of a golden file: ids, tokens, and token types where asked.
GoldenResult check_golden(const Tokenizer& tok, const fs::path& file, bool check_types,
                          const std::string& label) {
    GoldenResult r;
    for (const json& line : read_jsonl(file)) {
        ++r.total;
        std::string text = line.at("text");
        std::optional<std::string> pair;
        if (line.contains("text_pair")) pair = line["text_pair"].get<std::string>();
        auto ids = line.at("ids").get<std::vector<int32_t>>();
        auto tokens = line.at("tokens").get<std::vector<std::string>>();
        Encoding enc;
        try {
            enc = pair ? tok.encode(text, std::string_view(*pair)) : tok.encode(text);
        } catch (const std::exception& e) {
            FAIL_CHECK(label << ": encode threw for " << json(text).dump() << ": " << e.what());
            continue;
        }
        bool ok = enc.ids == ids && enc.tokens == tokens;
        CHECK_MESSAGE(enc.ids == ids, label << ": ids differ for " << json(text).dump()
                                            << (pair ? " / " + json(*pair).dump() : "")
                                            << "\n  got      " << join(enc.ids) << "\n  expected "
                                            << join(ids) << "\n  got tokens " << join(enc.tokens)
                                            << "\n  expected   " << join(tokens));
        CHECK_MESSAGE(enc.tokens == tokens, label << ": tokens differ for " << json(text).dump());
        if (check_types && line.contains("token_type_ids")) {
            auto types = line["token_type_ids"].get<std::vector<int32_t>>();
            ok = ok && enc.type_ids == types;
            CHECK_MESSAGE(enc.type_ids == types,
                          label << ": token types differ for " << json(text).dump());
        }
        size_t n = enc.ids.size();
        CHECK((enc.tokens.size() == n && enc.texts.size() == n && enc.spans.size() == n &&
               enc.type_ids.size() == n && enc.special.size() == n));
        if (ok) ++r.passed;
    }
    MESSAGE(label << ": " << r.passed << "/" << r.total << " lines of " << file.filename().string()
                  << " identical");
    CHECK(r.passed == r.total);
    return r;
}

fs::path golden(const std::string& name) {
    return test::fixtures_dir() / "tokenizers" / name;
}

void check_both_goldens(const Tokenizer& tok, const std::string& stem, bool types,
                        const std::string& label) {
    CHECK(check_golden(tok, golden(stem + ".jsonl"), types, label).total > 100);
    // Disputed lines: `ids` is the Hugging Face answer, which is what we implement.
    if (fs::exists(golden(stem + ".disputed.jsonl")))
        check_golden(tok, golden(stem + ".disputed.jsonl"), types, label + " (disputed)");
}

}  // namespace

TEST_CASE("tokenizer goldens: GPT-2 byte-level BPE (vocab.json + merges.txt)") {
    for (const char* folder : {"gpt2", "test--gpt2-tiny-random"}) {
        auto tok = load_tokenizer(test::model_dir(folder), "gpt2");
        CHECK(tok->kind() == TokenizerKind::ByteLevelBpe);
        CHECK(tok->vocab_size() == 50257);
        check_both_goldens(*tok, "gpt2", false, folder);
        // Without the model_type hint the folder still loads as GPT-2.
        auto plain = load_tokenizer(test::model_dir(folder));
        CHECK(plain->encode("Hello world").ids == std::vector<int32_t>{15496, 995});
    }
}

TEST_CASE("tokenizer goldens: WordPiece (MiniLM, BERT, DistilBERT: tokenizer.json and vocab.txt)") {
    const std::string stem = "sentence-transformers--all-MiniLM-L6-v2";
    struct Case {
        const char* folder;
        bool types;  // DistilBERT has no token types: its tokenizer does not return them
    };
    for (Case c :
         {Case{"sentence-transformers--all-MiniLM-L6-v2", true}, Case{"bert-base-uncased", true},
          Case{"test--bert-tiny-random", true}, Case{"test--distilbert-tiny-random", false}}) {
        fs::path dir = test::model_dir(c.folder);
        auto tok = load_tokenizer(dir);
        CHECK(tok->kind() == TokenizerKind::WordPiece);
        CHECK(tok->vocab_size() == 30522);
        std::string label =
            std::string(c.folder) +
            (fs::exists(dir / "tokenizer.json") ? " (tokenizer.json)" : " (vocab.txt)");
        check_both_goldens(*tok, stem, c.types, label);
        if (fs::exists(dir / "tokenizer.json") && fs::exists(dir / "vocab.txt")) {
            // The other load path of the same folder: vocab.txt with the folder's configs.
            fs::path sub = copy_subset(
                dir, c.folder,
                {"vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "config.json"});
            auto vt = load_tokenizer(sub);
            check_both_goldens(*vt, stem, c.types, std::string(c.folder) + " (vocab.txt)");
            fs::remove_all(sub);
        }
    }
    // vocab.txt alone, no config at all: BertTokenizer's defaults (uncased vocabulary).
    fs::path bare = copy_subset(test::model_dir("bert-base-uncased"), "bare", {"vocab.txt"});
    check_both_goldens(*load_tokenizer(bare), stem, true, "vocab.txt without configs");
    fs::remove_all(bare);
}

TEST_CASE("tokenizer goldens: RoBERTa byte-level BPE (tokenizer.json and vocab.json + merges)") {
    fs::path dir = test::model_dir("test--roberta-tiny-random");
    auto tok = load_tokenizer(dir, "roberta");
    CHECK(tok->kind() == TokenizerKind::ByteLevelBpe);
    CHECK(tok->vocab_size() == 50265);
    check_both_goldens(*tok, "test--roberta-tiny-random", false, "roberta (tokenizer.json)");

    // vocab.json + merges.txt with the model type as the only hint.
    fs::path sub = copy_subset(dir, "roberta-vm", {"vocab.json", "merges.txt"});
    auto vm = load_tokenizer(sub, "roberta");
    check_both_goldens(*vm, "test--roberta-tiny-random", false, "roberta (vocab.json, model_type)");
    CHECK(vm->mask_token_id() == 50264);
    fs::remove_all(sub);
    // ... and with transformers' tokenizer_config.json (added_tokens_decoder, lstrip on <mask>).
    sub = copy_subset(
        dir, "roberta-vmc",
        {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"});
    auto vmc = load_tokenizer(sub);
    check_both_goldens(*vmc, "test--roberta-tiny-random", false, "roberta (vocab.json, config)");
    CHECK(vmc->encode("is <mask>.").tokens ==
          std::vector<std::string>{"<s>", "is", "<mask>", ".", "</s>"});
    fs::remove_all(sub);
}

TEST_CASE("tokenizer goldens: stories260K SentencePiece BPE with byte fallback") {
    auto tok = load_tokenizer(test::model_dir("karpathy--tinyllamas--stories260K"));
    CHECK(tok->kind() == TokenizerKind::SentencePieceBpe);
    CHECK(tok->vocab_size() == 512);
    check_both_goldens(*tok, "karpathy--tinyllamas--stories260K", false, "stories260K");
}

TEST_CASE("tokenizer fixtures: every fixture file's ids, tokens, token texts and types") {
    fs::path root = test::fixtures_dir();
    std::map<std::string, std::unique_ptr<Tokenizer>> cache;
    int files = 0, passed = 0;
    for (const auto& folder : fs::directory_iterator(root)) {
        if (!folder.is_directory() || folder.path().filename() == "tokenizers") continue;
        std::string model = folder.path().filename().string();
        auto tok = load_tokenizer(test::model_dir(model));
        for (const auto& entry : fs::directory_iterator(folder.path())) {
            if (entry.path().extension() != ".safetensors") continue;
            ++files;
            std::string label = model + "/" + entry.path().filename().string();
            SafetensorsFile file(entry.path());
            const auto& meta = file.header().metadata;
            REQUIRE_MESSAGE(meta.count("text"), label << ": no text in the metadata");
            std::string text = meta.at("text");
            auto tokens = json::parse(meta.at("tokens")).get<std::vector<std::string>>();
            auto texts = json::parse(meta.at("token_texts")).get<std::vector<std::string>>();
            // token_texts are each token's own characters, so a WordPiece continuation keeps its
            // "##"; our display texts drop it (the header's "##ing" -> "ing").
            if (tok->kind() == TokenizerKind::WordPiece)
                for (std::string& t : texts)
                    if (t.size() > 2 && t.compare(0, 2, "##") == 0) t.erase(0, 2);
            const TensorInfo* info = file.find("input_ids");
            REQUIRE_MESSAGE(info != nullptr, label << ": no input_ids");
            REQUIRE(info->dtype == DType::I32);
            auto bytes = file.bytes(*info);
            std::vector<int32_t> ids(bytes.size() / 4);
            std::memcpy(ids.data(), bytes.data(), ids.size() * 4);

            Encoding enc = meta.count("text_pair")
                               ? tok->encode(text, std::string_view(meta.at("text_pair")))
                               : tok->encode(text);
            bool ok = enc.ids == ids && enc.tokens == tokens && enc.texts == texts;
            CHECK_MESSAGE(enc.ids == ids,
                          label << ": ids " << join(enc.ids) << " expected " << join(ids));
            CHECK_MESSAGE(enc.tokens == tokens,
                          label << ": tokens " << join(enc.tokens) << " expected " << join(tokens));
            CHECK_MESSAGE(enc.texts == texts,
                          label << ": texts " << join(enc.texts) << " expected " << join(texts));
            if (const TensorInfo* tt = file.find("token_type_ids")) {
                auto tb = file.bytes(*tt);
                std::vector<int32_t> types(tb.size() / 4);
                std::memcpy(types.data(), tb.data(), types.size() * 4);
                ok = ok && enc.type_ids == types;
                CHECK_MESSAGE(enc.type_ids == types, label << ": token types " << join(enc.type_ids)
                                                           << " expected " << join(types));
            }
            if (ok) ++passed;
        }
    }
    MESSAGE("fixture files: " << passed << "/" << files << " identical");
    CHECK(files >= 60);
    CHECK(passed == files);
}
