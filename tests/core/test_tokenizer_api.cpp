// Tokenizer behaviour beyond the goldens: spans and display texts, errors (invalid UTF-8, missing
// or malformed files), decode, thread safety and speed.
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "attnscope/errors.h"
#include "attnscope/tokenizer.h"
#include "test_util.h"

using namespace attnscope;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const Tokenizer& cached(const std::string& folder) {
    static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
    auto& slot = cache[folder];
    if (!slot) slot = load_tokenizer(test::model_dir(folder));
    return *slot;
}

const Tokenizer& gpt2() {
    return cached("test--gpt2-tiny-random");
}
const Tokenizer& bert() {
    return cached("test--bert-tiny-random");
}
const Tokenizer& roberta() {
    return cached("test--roberta-tiny-random");
}
const Tokenizer& llama() {
    return cached("karpathy--tinyllamas--stories260K");
}

std::vector<std::string> golden_texts(const std::string& stem) {
    std::vector<std::string> out;
    std::istringstream in(test::read_file(test::fixtures_dir() / "tokenizers" / (stem + ".jsonl")));
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(json::parse(line).at("text").get<std::string>());
    return out;
}

bool printable_ascii(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c >= 0x7F) return false;
    return true;
}

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c + 32);
    return s;
}

template <typename E, typename F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        FAIL_CHECK("wrong exception type: " << e.what());
        return {};
    }
    FAIL_CHECK("nothing was thrown");
    return {};
}

std::string words(int n) {
    static const char* vocab[] = {"The",     "animal",  "didn't", "cross",  "the",
                                  "street,", "because", "it",     "was",    "too",
                                  "tired.",  "Lily",    "saw",    "a",      "big",
                                  "red",     "ball",    "1,234",  "people", "paid"};
    std::string s;
    for (int i = 0; i < n; ++i) s += std::string(i ? " " : "") + vocab[(i * 7 + i / 3) % 20];
    return s;
}

}  // namespace

TEST_CASE("tokenizer spans: ordinary tokens cover their own text") {
    struct Case {
        const Tokenizer* tok;
        const char* stem;
    };
    for (Case c : {Case{&gpt2(), "gpt2"}, Case{&bert(), "sentence-transformers--all-MiniLM-L6-v2"},
                   Case{&roberta(), "test--roberta-tiny-random"},
                   Case{&llama(), "karpathy--tinyllamas--stories260K"}}) {
        int checked = 0;
        for (const std::string& text : golden_texts(c.stem)) {
            if (!printable_ascii(text)) continue;
            Encoding enc = c.tok->encode(text);
            int32_t prev_end = 0;
            for (int i = 0; i < enc.size(); ++i) {
                const TokenSpan& s = enc.spans[i];
                if (s.segment < 0) {
                    CHECK(enc.special[i] == 1);
                    continue;
                }
                REQUIRE(s.segment == 0);
                REQUIRE(s.begin <= s.end);
                REQUIRE(size_t(s.end) <= text.size());
                CHECK_MESSAGE(s.begin >= prev_end, "spans overlap in " << text);
                prev_end = s.end;
                if (enc.special[i] || enc.tokens[i] == "[UNK]") continue;
                std::string sub = text.substr(s.begin, s.end - s.begin);
                const std::string& shown = enc.texts[i];
                bool ok = false;
                switch (c.tok->kind()) {
                    case TokenizerKind::ByteLevelBpe:
                        ok = sub == shown;
                        break;
                    case TokenizerKind::WordPiece:
                        ok = lower(sub) == shown;
                        break;
                    case TokenizerKind::SentencePieceBpe:
                        // The "▁" put in front of each text piece has no input character.
                        ok = sub == shown ||
                             (" " + sub == shown && (s.begin == 0 || text[s.begin - 1] != ' '));
                        break;
                }
                CHECK_MESSAGE(ok, c.stem << ": token " << i << " '" << enc.tokens[i] << "' shows '"
                                         << shown << "' but its span is '" << sub
                                         << "' in: " << text);
                ++checked;
            }
        }
        CHECK(checked > 100);
    }
}

TEST_CASE("tokenizer spans and texts: pairs, special tokens, multi-byte characters") {
    Encoding e = bert().encode("Hi there", std::string_view("Bye"));
    REQUIRE(e.tokens == std::vector<std::string>{"[CLS]", "hi", "there", "[SEP]", "bye", "[SEP]"});
    CHECK(e.type_ids == std::vector<int32_t>{0, 0, 0, 0, 1, 1});
    CHECK(e.special == std::vector<uint8_t>{1, 0, 0, 1, 0, 1});
    CHECK(e.spans[0].segment == -1);
    CHECK((e.spans[2].segment == 0 && e.spans[2].begin == 3 && e.spans[2].end == 8));
    CHECK((e.spans[4].segment == 1 && e.spans[4].begin == 0 && e.spans[4].end == 3));

    // A [MASK] typed in the text is the special token, with its place in the text.
    Encoding m = bert().encode("is [MASK].");
    CHECK(m.tokens == std::vector<std::string>{"[CLS]", "is", "[MASK]", ".", "[SEP]"});
    CHECK((m.spans[2].segment == 0 && m.spans[2].begin == 3 && m.spans[2].end == 9));
    CHECK(m.special[2] == 1);
    // Case-sensitive: "[mask]" is text.
    CHECK(bert().encode("is [mask].").tokens ==
          std::vector<std::string>{"[CLS]", "is", "[", "mask", "]", ".", "[SEP]"});

    // "##" is dropped from display texts; accents map back to the accented input bytes.
    Encoding w = bert().encode("Café tokenization");
    CHECK(w.texts == std::vector<std::string>{"[CLS]", "cafe", "token", "ization", "[SEP]"});
    CHECK((w.spans[1].begin == 0 && w.spans[1].end == 5));

    // GPT-2 splits an emoji across tokens: neither half is a whole character.
    Encoding g = gpt2().encode(" \xF0\x9F\x98\x80");
    CHECK(g.tokens == std::vector<std::string>{"\xC4\xA0\xC3\xB0\xC5\x81\xC4\xBA", "\xC4\xA2"});
    CHECK(g.texts == std::vector<std::string>{" \xEF\xBF\xBD", "\xEF\xBF\xBD"});
    CHECK((g.spans[0].begin == 0 && g.spans[0].end == 4 && g.spans[1].end == 5));

    // RoBERTa's <mask> takes the white space before it.
    Encoding r = roberta().encode("a\t\n<mask>");
    CHECK(r.tokens == std::vector<std::string>{"<s>", "a", "<mask>", "</s>"});
    CHECK((r.spans[2].begin == 1 && r.spans[2].end == 9));
    CHECK(roberta().mask_token() == "<mask>");
    CHECK(roberta().mask_token_id() == 50264);
    CHECK(bert().mask_token() == "[MASK]");
    CHECK(bert().mask_token_id() == 103);
    CHECK_FALSE(gpt2().mask_token_id().has_value());
    CHECK(gpt2().mask_token().empty());

    // Llama byte fallback: a character outside the vocabulary shows as its bytes.
    Encoding l = llama().encode("\t");
    CHECK(l.tokens == std::vector<std::string>{"<s>", "\xE2\x96\x81", "<0x09>"});
    CHECK(l.texts == std::vector<std::string>{"<s>", " ", "\t"});
}

TEST_CASE("tokenizer: empty text gives only the template's special tokens") {
    CHECK(gpt2().encode("").size() == 0);
    CHECK(bert().encode("").tokens == std::vector<std::string>{"[CLS]", "[SEP]"});
    CHECK(roberta().encode("").tokens == std::vector<std::string>{"<s>", "</s>"});
    CHECK(llama().encode("").tokens == std::vector<std::string>{"<s>"});
    CHECK(roberta().encode("", std::string_view("")).tokens ==
          std::vector<std::string>{"<s>", "</s>", "</s>", "</s>"});
}

TEST_CASE("tokenizer: vocabulary lookups") {
    CHECK(gpt2().vocab_size() == 50257);
    CHECK(gpt2().id_to_token(50256) == "<|endoftext|>");
    CHECK(gpt2().token_to_id("\xC4\xA0it") == 340);
    CHECK_FALSE(gpt2().token_to_id("no such token").has_value());
    CHECK_THROWS_AS(gpt2().id_to_token(50257), InputError);
    CHECK_THROWS_AS(gpt2().id_to_token(-1), InputError);
}

TEST_CASE("tokenizer errors: invalid UTF-8 is an InputError naming the byte offset") {
    for (const Tokenizer* tok : {&gpt2(), &bert(), &roberta(), &llama()}) {
        std::string msg = message_of<InputError>([&] {
            tok->encode(
                "abc\xFF"
                "def");
        });
        CHECK_MESSAGE(msg.find("offset 3") != std::string::npos, msg);
        msg = message_of<InputError>([&] { tok->encode("ok", std::string_view("x\xC3")); });
        CHECK_MESSAGE(msg.find("offset 1") != std::string::npos, msg);
    }
    size_t bad = 99;
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("plain ascii"));
    CHECK(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"));
    CHECK_FALSE(is_valid_utf8("\xC0\x80", &bad));  // overlong NUL
    CHECK(bad == 0);
    CHECK_FALSE(is_valid_utf8("ab\xED\xA0\x80", &bad));  // surrogate
    CHECK(bad == 2);
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80", &bad));  // past U+10FFFF
    CHECK_FALSE(is_valid_utf8("x\xE2\x82", &bad));         // truncated
    CHECK(bad == 1);
    CHECK_FALSE(is_valid_utf8("\x80"));
    CHECK_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));
    CHECK(is_valid_utf8(std::string_view("a\0b", 3)));
}

TEST_CASE("tokenizer errors: missing and malformed tokenizer files are TokenizerErrors") {
    fs::path empty = test::temp_dir("tok-empty");
    std::string msg = message_of<TokenizerError>([&] { load_tokenizer(empty); });
    CHECK_MESSAGE(msg.find(empty.string()) != std::string::npos, msg);
    CHECK_MESSAGE(msg.find("tokenizer.json") != std::string::npos, msg);
    CHECK_MESSAGE(msg.find("vocab.txt") != std::string::npos, msg);

    msg = message_of<TokenizerError>([&] { load_tokenizer(empty / "does-not-exist"); });
    CHECK_MESSAGE(msg.find("does-not-exist") != std::string::npos, msg);

    test::write_file(empty / "vocab.json", "{\"a\": 0}");
    msg = message_of<TokenizerError>([&] { load_tokenizer(empty); });
    CHECK_MESSAGE(msg.find("merges.txt") != std::string::npos, msg);

    struct Bad {
        const char* what;
        const char* json;
    };
    for (Bad b :
         {Bad{"truncated JSON", "{\"model\": {\"type\": \"BPE\", "},
          Bad{"not an object", "[1, 2, 3]"}, Bad{"no model", "{\"version\": \"1.0\"}"},
          Bad{"unsupported model", "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}"},
          Bad{"vocab of the wrong type", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": [1]}}"},
          Bad{"merge outside the vocabulary",
              "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\","
              " \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}"},
          Bad{"bad merge",
              "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": "
              "{\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [7]}}"},
          Bad{"no [UNK]", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}"},
          Bad{"template token missing",
              "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}},"
              " \"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": "
              "[{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}], \"pair\": []}}"}}) {
        fs::path dir = test::temp_dir("tok-bad");
        test::write_file(dir / "tokenizer.json", b.json);
        msg = message_of<TokenizerError>([&] { load_tokenizer(dir); });
        CHECK_MESSAGE(msg.find("tokenizer.json") != std::string::npos, b.what << ": " << msg);
        fs::remove_all(dir);
    }
    // Config files next to vocab.txt: malformed, or a field of the wrong type.
    fs::path cfg = test::temp_dir("tok-cfg");
    fs::copy_file(test::model_dir("bert-base-uncased") / "vocab.txt", cfg / "vocab.txt");
    test::write_file(cfg / "tokenizer_config.json", "{\"do_lower_case\": ");
    msg = message_of<TokenizerError>([&] { load_tokenizer(cfg); });
    CHECK_MESSAGE(msg.find("tokenizer_config.json") != std::string::npos, msg);
    test::write_file(cfg / "tokenizer_config.json", "{\"do_lower_case\": \"yes\"}");
    msg = message_of<TokenizerError>([&] { load_tokenizer(cfg); });
    CHECK_MESSAGE(msg.find("tokenizer_config.json") != std::string::npos, msg);
    fs::remove_all(cfg);
    fs::remove_all(empty);
}

TEST_CASE("tokenizer decode: round trips and the stories260K greedy text") {
    // Byte-level BPE is lossless.
    for (const std::string& text : golden_texts("gpt2")) {
        Encoding e = gpt2().encode(text);
        CHECK(gpt2().decode(e.ids) == text);
    }
    // Llama: decode adds no BOS when it is skipped, and strips the "▁" the encoder put in front.
    int round_trips = 0;
    for (const std::string& text : golden_texts("karpathy--tinyllamas--stories260K")) {
        if (text.find("<s>") != std::string::npos || text.find("</s>") != std::string::npos ||
            text.find("<unk>") != std::string::npos ||
            text.find("\xE2\x96\x81") != std::string::npos)
            continue;
        Encoding e = llama().encode(text);
        std::vector<int32_t> body(e.ids.begin() + 1, e.ids.end());
        CHECK_MESSAGE(llama().decode(body) == text, json(text).dump());
        if (!text.empty()) CHECK(llama().decode(e.ids) == "<s> " + text);
        ++round_trips;
    }
    CHECK(round_trips > 100);

    json greedy = json::parse(test::read_file(test::fixtures_dir() /
                                              "karpathy--tinyllamas--stories260K/greedy_256.json"));
    auto ids = greedy.at("ids").get<std::vector<int32_t>>();
    std::string text = greedy.at("text");
    REQUIRE(ids.at(0) == 1);  // the prompt is BOS; the text is what follows it
    std::vector<int32_t> story(ids.begin() + 1, ids.end());
    CHECK(llama().decode(story) == text);
    CHECK(llama().decode(ids) == "<s> " + text);  // HF decode(skip_special_tokens=False)
    // Byte-fallback tokens fuse; an incomplete character becomes U+FFFD per byte token.
    CHECK(llama().decode(std::vector<int32_t>{3 + 0xC3, 3 + 0xA9}) == "\xC3\xA9");
    CHECK(llama().decode(std::vector<int32_t>{3 + 0xF0, 3 + 0x9F}) == "\xEF\xBF\xBD\xEF\xBF\xBD");

    // WordPiece joins continuations and glues punctuation back (the decoder's cleanup).
    CHECK(bert().decode(bert().encode("Hello, tokenization world!").ids) ==
          "[CLS] hello, tokenization world! [SEP]");
    CHECK(roberta().decode(roberta().encode("Hi there").ids) == "<s>Hi there</s>");
    // Ids outside the vocabulary are skipped, as Hugging Face does.
    CHECK(gpt2().decode(std::vector<int32_t>{15496, -5, 999999, 995}) == "Hello world");
}

TEST_CASE("tokenizer: concurrent encodes from several threads give the same result") {
    std::string text = words(300) + " Café naïve Zürich — 😀👍🏽 你好 שלום";
    for (const Tokenizer* tok : {&gpt2(), &bert(), &roberta(), &llama()}) {
        Encoding expected = tok->encode(text);
        std::vector<int> same(4, 0);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int k = 0; k < 20; ++k) same[t] += tok->encode(text).ids == expected.ids;
            });
        for (auto& th : threads) th.join();
        for (int s : same) CHECK(s == 20);
    }
}

TEST_CASE("tokenizer speed: 1000 words per keystroke, loading a 50k vocabulary") {
    using clock = std::chrono::steady_clock;
    auto ms = [](clock::duration d) {
        return std::chrono::duration<double, std::milli>(d).count();
    };

    auto t0 = clock::now();
    auto big = load_tokenizer(test::model_dir("test--roberta-tiny-random"));  // tokenizer.json
    double load_json = ms(clock::now() - t0);
    t0 = clock::now();
    auto gpt = load_tokenizer(test::model_dir("gpt2"));  // vocab.json + merges.txt
    double load_vm = ms(clock::now() - t0);
    MESSAGE("load: RoBERTa tokenizer.json " << load_json << " ms, GPT-2 vocab.json+merges.txt "
                                            << load_vm << " ms");

    std::string text = words(1000);
    for (const Tokenizer* tok :
         std::initializer_list<const Tokenizer*>{gpt.get(), &bert(), big.get(), &llama()}) {
        tok->encode(text);  // warm up
        double best = 1e9;
        for (int rep = 0; rep < 5; ++rep) {
            t0 = clock::now();
            Encoding e = tok->encode(text);
            best = std::min(best, ms(clock::now() - t0));
            CHECK(e.size() > 1000);
        }
        MESSAGE("encode 1000 words (" << text.size() << " bytes), kind " << int(tok->kind()) << ": "
                                      << best << " ms");
        // Generous bounds so a debug or sanitizer build does not fail; release is far below.
        CHECK(best < 100.0);
    }
    CHECK(load_json < 1500.0);
    CHECK(load_vm < 1500.0);
}
