// load_tokenizer: reads tokenizer.json, or vocab.json + merges.txt, or vocab.txt, plus
// tokenizer_config.json where the files leave something open, into a TokenizerSpec and picks the
// implementation. Every problem becomes a TokenizerError naming the folder or file.
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "attnscope/errors.h"
#include "attnscope/tokenizer.h"
#include "tokenizer_files.h"
#include "tokenizer_impl.h"
#include "unicode.h"

namespace attnscope {

namespace fs = std::filesystem;
using detail::AddedToken;
using detail::has_file;
using detail::parse_tokenizer_file;
using detail::PostTemplate;
using detail::read_file;
using detail::read_json;
using detail::read_optional_json;
using detail::TemplatePiece;
using detail::TokenizerSpec;
using nlohmann::json;

namespace {

// A token field of tokenizer_config.json / special_tokens_map.json: a string or {"content": ...}.
std::string token_field(const json& config, const char* key) {
    if (!config.is_object() || !config.contains(key)) return {};
    const json& v = config[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string())
        return v["content"].get<std::string>();
    return {};
}

template <typename T>
T value_or(const json& obj, const char* key, T fallback) {
    if (!obj.is_object()) return fallback;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    return it->get<T>();
}

std::string type_of(const json& obj) {
    return value_or<std::string>(obj, "type", "");
}

// The object itself, or the members of a "Sequence" (normalizers, pre_tokenizers, processors,
// decoders), flattened.
std::vector<json> flatten(const json& obj, const char* list_key) {
    std::vector<json> out;
    if (obj.is_null()) return out;
    if (type_of(obj) == "Sequence" && obj.contains(list_key)) {
        for (const json& item : obj[list_key]) {
            auto inner = flatten(item, list_key);
            out.insert(out.end(), inner.begin(), inner.end());
        }
    } else {
        out.push_back(obj);
    }
    return out;
}

// [SECTION] Templates ----------------------------------------------------------------------------

int32_t require_id(const detail::VocabMap& vocab, const std::vector<AddedToken>& added,
                   const std::string& token, const std::string& source) {
    for (const auto& t : added)
        if (t.content == token) return t.id;
    int32_t id = vocab.get(token);
    if (id < 0)
        throw TokenizerError(source + ": special token \"" + token + "\" is not in the vocabulary");
    return id;
}

TemplatePiece special_piece(std::vector<int32_t> ids, int32_t type_id = 0) {
    TemplatePiece p;
    p.ids = std::move(ids);
    p.type_id = type_id;
    return p;
}

TemplatePiece sequence_piece(int32_t seq, int32_t type_id) {
    TemplatePiece p;
    p.sequence = seq;
    p.type_id = type_id;
    return p;
}

// [CLS] A [SEP] / [CLS] A [SEP] B [SEP], with type ids 0 for A's part and 1 for B's.
PostTemplate bert_template(int32_t cls, int32_t sep) {
    PostTemplate t;
    t.single = {special_piece({cls}), sequence_piece(0, 0), special_piece({sep})};
    t.pair = {special_piece({cls}), sequence_piece(0, 0), special_piece({sep}),
              sequence_piece(1, 1), special_piece({sep}, 1)};
    return t;
}

// <s> A </s> / <s> A </s></s> B </s>; RoBERTa has one token type, so every type id is 0.
PostTemplate roberta_template(int32_t cls, int32_t sep) {
    PostTemplate t;
    t.single = {special_piece({cls}), sequence_piece(0, 0), special_piece({sep})};
    t.pair = {special_piece({cls}), sequence_piece(0, 0), special_piece({sep, sep}),
              sequence_piece(1, 0), special_piece({sep})};
    return t;
}

std::vector<TemplatePiece> parse_template_list(const json& list, const json& specials,
                                               const TokenizerSpec& spec) {
    std::vector<TemplatePiece> out;
    if (!list.is_array()) throw TokenizerError(spec.source + ": template is not a list");
    for (const json& item : list) {
        if (item.contains("Sequence")) {
            const json& s = item["Sequence"];
            std::string id = value_or<std::string>(s, "id", "A");
            if (id != "A" && id != "B")
                throw TokenizerError(spec.source + ": template sequence \"" + id +
                                     "\" is neither A nor B");
            out.push_back(sequence_piece(id == "A" ? 0 : 1, value_or<int32_t>(s, "type_id", 0)));
        } else if (item.contains("SpecialToken")) {
            const json& s = item["SpecialToken"];
            std::string name = s.at("id").get<std::string>();
            std::vector<int32_t> ids;
            if (specials.is_object() && specials.contains(name) && specials[name].contains("ids")) {
                for (const json& id : specials[name]["ids"]) ids.push_back(id.get<int32_t>());
            } else {
                ids.push_back(require_id(spec.vocab, spec.added, name, spec.source));
            }
            out.push_back(special_piece(std::move(ids), value_or<int32_t>(s, "type_id", 0)));
        } else {
            throw TokenizerError(spec.source + ": unknown template item " + item.dump());
        }
    }
    return out;
}

PostTemplate parse_post_processor(const json& post, const TokenizerSpec& spec) {
    PostTemplate result;
    for (const json& p : flatten(post, "processors")) {
        std::string type = type_of(p);
        if (type == "TemplateProcessing") {
            json specials = p.contains("special_tokens") ? p["special_tokens"] : json(nullptr);
            result.single = parse_template_list(p.at("single"), specials, spec);
            // Without a pair template a pair is A then B, as when there is no template at all.
            if (p.contains("pair") && !p["pair"].is_null())
                result.pair = parse_template_list(p["pair"], specials, spec);
        } else if (type == "BertProcessing" || type == "RobertaProcessing") {
            int32_t cls = p.at("cls").at(1).get<int32_t>();
            int32_t sep = p.at("sep").at(1).get<int32_t>();
            result =
                type == "BertProcessing" ? bert_template(cls, sep) : roberta_template(cls, sep);
        } else if (type == "ByteLevel") {
            // Only trims offsets; it adds no tokens.
        } else {
            throw TokenizerError(spec.source + ": post-processor \"" + type +
                                 "\" is not supported");
        }
    }
    return result;
}

// Without a post-processor, Llama-style configs say add_bos_token / add_eos_token.
PostTemplate bos_eos_template(const json& config, const TokenizerSpec& spec) {
    PostTemplate t;
    bool bos = value_or<bool>(config, "add_bos_token", false);
    bool eos = value_or<bool>(config, "add_eos_token", false);
    int32_t bos_id =
        bos ? require_id(spec.vocab, spec.added, token_field(config, "bos_token"), spec.source)
            : -1;
    int32_t eos_id =
        eos ? require_id(spec.vocab, spec.added, token_field(config, "eos_token"), spec.source)
            : -1;
    if (!bos && !eos) return t;
    for (int seq = 0; seq < 2; ++seq) {
        auto& list = seq == 0 ? t.single : t.pair;
        for (int s = 0; s <= seq; ++s) {
            if (bos) list.push_back(special_piece({bos_id}, s));
            list.push_back(sequence_piece(s, s));
            if (eos) list.push_back(special_piece({eos_id}, s));
        }
    }
    return t;
}

// [SECTION] Shared bits --------------------------------------------------------------------------

std::string find_mask_token(const json& config, const json& special_map,
                            const TokenizerSpec& spec) {
    for (std::string m : {token_field(config, "mask_token"), token_field(special_map, "mask_token"),
                          std::string("[MASK]"), std::string("<mask>")}) {
        if (m.empty()) continue;
        if (spec.vocab.contains(m)) return m;
        for (const auto& t : spec.added)
            if (t.content == m) return m;
    }
    return {};
}

// Added tokens named in tokenizer_config.json's added_tokens_decoder (transformers >= 4.34).
bool added_from_config(const json& config, TokenizerSpec& spec) {
    if (!config.is_object() || !config.contains("added_tokens_decoder")) return false;
    const json& dec = config["added_tokens_decoder"];
    if (!dec.is_object()) return false;
    for (auto it = dec.begin(); it != dec.end(); ++it) {
        AddedToken t;
        t.id = std::stoi(it.key());
        t.content = it.value().at("content").get<std::string>();
        t.special = value_or<bool>(it.value(), "special", false);
        t.lstrip = value_or<bool>(it.value(), "lstrip", false);
        t.rstrip = value_or<bool>(it.value(), "rstrip", false);
        t.single_word = value_or<bool>(it.value(), "single_word", false);
        spec.added.push_back(std::move(t));
    }
    return true;
}

// Adds a special token that transformers would register from the config, if the vocabulary
// has it and it is not already an added token.
void add_special(TokenizerSpec& spec, const std::string& content, bool lstrip = false) {
    if (content.empty()) return;
    for (const auto& t : spec.added)
        if (t.content == content) return;
    int32_t id = spec.vocab.get(content);
    if (id < 0) return;
    AddedToken t;
    t.content = content;
    t.id = id;
    t.special = true;
    t.lstrip = lstrip;
    spec.added.push_back(std::move(t));
}

// transformers' BertTokenizerFast rebuilds the normalizer when tokenizer_config.json disagrees
// with tokenizer.json; do the same so both load paths give the same ids.
void apply_bert_config(const json& config, detail::WordPieceOptions& o) {
    if (!config.is_object()) return;
    o.lowercase = value_or<bool>(config, "do_lower_case", o.lowercase);
    o.handle_chinese_chars =
        value_or<bool>(config, "tokenize_chinese_chars", o.handle_chinese_chars);
    if (config.contains("strip_accents")) {
        const json& s = config["strip_accents"];
        o.strip_accents = s.is_boolean() ? std::optional<bool>(s.get<bool>()) : std::nullopt;
    }
}

// [SECTION] tokenizer.json
// -------------------------------------------------------------------------

void parse_wordpiece_json(const json& j, const json& model, TokenizerSpec& spec) {
    auto& o = spec.wordpiece;
    o.unk_token = value_or<std::string>(model, "unk_token", "[UNK]");
    o.prefix = value_or<std::string>(model, "continuing_subword_prefix", "##");
    o.max_input_chars_per_word = value_or<int32_t>(model, "max_input_chars_per_word", 100);
    const json norm = j.contains("normalizer") ? j["normalizer"] : json(nullptr);
    if (norm.is_null()) {
        o.clean_text = o.handle_chinese_chars = o.lowercase = false;
        o.strip_accents = false;
    } else if (type_of(norm) == "BertNormalizer") {
        o.clean_text = value_or<bool>(norm, "clean_text", true);
        o.handle_chinese_chars = value_or<bool>(norm, "handle_chinese_chars", true);
        o.lowercase = value_or<bool>(norm, "lowercase", true);
        if (norm.contains("strip_accents") && norm["strip_accents"].is_boolean())
            o.strip_accents = norm["strip_accents"].get<bool>();
    } else {
        throw TokenizerError(spec.source + ": WordPiece normalizer \"" + type_of(norm) +
                             "\" is not supported (only BertNormalizer)");
    }
    const json pre = j.contains("pre_tokenizer") ? j["pre_tokenizer"] : json(nullptr);
    if (type_of(pre) != "BertPreTokenizer")
        throw TokenizerError(spec.source + ": WordPiece pre-tokenizer \"" +
                             (pre.is_null() ? std::string("null") : type_of(pre)) +
                             "\" is not supported (only BertPreTokenizer)");
    const json dec = j.contains("decoder") ? j["decoder"] : json(nullptr);
    if (type_of(dec) == "WordPiece") {
        o.prefix = value_or<std::string>(dec, "prefix", o.prefix);
        o.decode_cleanup = value_or<bool>(dec, "cleanup", true);
    }
}

// Sets the SentencePiece options from the normalizer / Metaspace pre-tokenizer and decoder.
// Returns false if nothing marks the tokenizer as SentencePiece-style.
bool parse_sentencepiece_json(const json& j, const json& model, TokenizerSpec& spec) {
    auto& o = spec.sentencepiece;
    bool byte_fallback = value_or<bool>(model, "byte_fallback", false);
    bool prepend = false, replace = false, metaspace = false;
    const json norm = j.contains("normalizer") ? j["normalizer"] : json(nullptr);
    for (const json& n : flatten(norm, "normalizers")) {
        std::string t = type_of(n);
        if (t == "Prepend" && value_or<std::string>(n, "prepend", "") == "\xE2\x96\x81") {
            prepend = true;
        } else if (t == "Replace" && n.contains("pattern") &&
                   value_or<std::string>(n["pattern"], "String", "") == " " &&
                   value_or<std::string>(n, "content", "") == "\xE2\x96\x81") {
            replace = true;
        } else {
            return false;
        }
    }
    const json pre = j.contains("pre_tokenizer") ? j["pre_tokenizer"] : json(nullptr);
    for (const json& p : flatten(pre, "pretokenizers")) {
        if (type_of(p) != "Metaspace") return false;
        metaspace = true;
        std::string scheme = value_or<std::string>(p, "prepend_scheme", "");
        if (scheme.empty())
            scheme = value_or<bool>(p, "add_prefix_space", true) ? "always" : "never";
        o.prepend = scheme == "first"   ? detail::PrependMode::MetaFirst
                    : scheme == "never" ? detail::PrependMode::Never
                                        : detail::PrependMode::MetaAlways;
        o.split_on_meta = value_or<bool>(p, "split", true);
    }
    if (!metaspace) {
        if (!byte_fallback && !(prepend && replace)) return false;
        if (!replace)
            throw TokenizerError(spec.source +
                                 ": a byte-fallback BPE that does not replace spaces "
                                 "with \"\xE2\x96\x81\" is not supported");
        o.prepend = prepend ? detail::PrependMode::Always : detail::PrependMode::Never;
    }
    o.byte_fallback = byte_fallback;
    o.unk_token = value_or<std::string>(model, "unk_token", "");
    o.fuse_unk = value_or<bool>(model, "fuse_unk", false);
    o.ignore_merges = value_or<bool>(model, "ignore_merges", false);
    o.decode_strip_left = 0;
    const json dec = j.contains("decoder") ? j["decoder"] : json(nullptr);
    for (const json& d : flatten(dec, "decoders")) {
        if (type_of(d) == "Strip") o.decode_strip_left = value_or<int32_t>(d, "start", 0);
        if (type_of(d) == "Metaspace" && o.prepend != detail::PrependMode::Never)
            o.decode_strip_left = 1;
    }
    return true;
}

std::unique_ptr<Tokenizer> load_tokenizer_json(const fs::path& dir, const fs::path& path) {
    TokenizerSpec spec;
    spec.source = path.string();
    bool saw_vocab = false;
    json j = parse_tokenizer_file(path, spec, false, &saw_vocab);
    json config = read_optional_json(dir / "tokenizer_config.json");
    json special_map = read_optional_json(dir / "special_tokens_map.json");
    try {
        if (!j.is_object() || !j.contains("model") || !j["model"].is_object())
            throw TokenizerError(spec.source + ": no \"model\" object");
        const json& model = j["model"];
        std::string type = type_of(model);
        if (type.empty()) type = model.contains("merges") ? "BPE" : "WordPiece";

        if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
            for (const json& a : j["added_tokens"]) {
                AddedToken t;
                t.id = a.at("id").get<int32_t>();
                t.content = a.at("content").get<std::string>();
                t.special = value_or<bool>(a, "special", false);
                t.lstrip = value_or<bool>(a, "lstrip", false);
                t.rstrip = value_or<bool>(a, "rstrip", false);
                t.single_word = value_or<bool>(a, "single_word", false);
                spec.added.push_back(std::move(t));
            }
        }

        if (type != "BPE" && type != "WordPiece")
            throw TokenizerError(spec.source + ": model type \"" + type +
                                 "\" is not supported (supported: BPE, WordPiece)");
        if (!saw_vocab)
            throw TokenizerError(spec.source + ": model.vocab is missing or not an object");

        enum class Impl { ByteLevel, WordPiece, SentencePiece } impl;
        if (type == "WordPiece") {
            parse_wordpiece_json(j, model, spec);
            apply_bert_config(config, spec.wordpiece);
            impl = Impl::WordPiece;
        } else if (type == "BPE") {
            if (!model.contains("merges") || !model["merges"].is_null())
                throw TokenizerError(spec.source + ": model.merges is missing or not a list");
            for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
                if (!value_or<std::string>(model, key, "").empty())
                    throw TokenizerError(spec.source + ": BPE " + key + " is not supported");
            if (parse_sentencepiece_json(j, model, spec)) {
                impl = Impl::SentencePiece;
            } else {
                const json pre = j.contains("pre_tokenizer") ? j["pre_tokenizer"] : json(nullptr);
                bool byte_level = false;
                for (const json& p : flatten(pre, "pretokenizers")) {
                    if (type_of(p) != "ByteLevel")
                        throw TokenizerError(spec.source + ": BPE pre-tokenizer \"" + type_of(p) +
                                             "\" is not supported (only ByteLevel)");
                    if (!value_or<bool>(p, "use_regex", true))
                        throw TokenizerError(spec.source +
                                             ": ByteLevel without its regex is not supported");
                    spec.bytelevel.add_prefix_space = value_or<bool>(p, "add_prefix_space", true);
                    byte_level = true;
                }
                if (!byte_level)
                    throw TokenizerError(spec.source +
                                         ": BPE without a ByteLevel pre-tokenizer "
                                         "or byte fallback is not supported");
                const json norm = j.contains("normalizer") ? j["normalizer"] : json(nullptr);
                if (!norm.is_null())
                    throw TokenizerError(spec.source + ": normalizer \"" + type_of(norm) +
                                         "\" is not supported with byte-level BPE");
                spec.bytelevel.ignore_merges = value_or<bool>(model, "ignore_merges", false);
                impl = Impl::ByteLevel;
            }
        } else {
            throw TokenizerError(spec.source + ": model type \"" + type +
                                 "\" is not supported (supported: BPE, WordPiece)");
        }

        const json post = j.contains("post_processor") ? j["post_processor"] : json(nullptr);
        spec.post =
            post.is_null() ? bos_eos_template(config, spec) : parse_post_processor(post, spec);
        spec.mask_token = find_mask_token(config, special_map, spec);
        switch (impl) {
            case Impl::ByteLevel:
                return detail::make_bytelevel_bpe(std::move(spec));
            case Impl::WordPiece:
                return detail::make_wordpiece(std::move(spec));
            case Impl::SentencePiece:
                return detail::make_sentencepiece_bpe(std::move(spec));
        }
    } catch (const json::exception& e) {
        throw TokenizerError(spec.source + ": unexpected structure: " + e.what());
    }
    return nullptr;
}

// [SECTION] vocab.json + merges.txt --------------------------------------------------------------

// model_type from the argument, else tokenizer_config's tokenizer_class, else config.json.
std::string resolve_model_type(const fs::path& dir, std::string_view model_type,
                               const json& config) {
    std::string t(model_type);
    if (t.empty()) {
        std::string cls = value_or<std::string>(config, "tokenizer_class", "");
        for (const char* name : {"Roberta", "Bart", "Longformer"})
            if (cls.find(name) != std::string::npos) t = "roberta";
    }
    if (t.empty()) {
        json model_config = nullptr;
        try {
            model_config = read_optional_json(dir / "config.json");
        } catch (const TokenizerError&) {
            // config.json belongs to the model loader, which reports it; here it is only a hint.
        }
        t = value_or<std::string>(model_config, "model_type", "");
    }
    return t;
}

std::unique_ptr<Tokenizer> load_vocab_merges(const fs::path& dir, std::string_view model_type) {
    TokenizerSpec spec;
    fs::path vocab_path = dir / "vocab.json", merges_path = dir / "merges.txt";
    spec.source = vocab_path.string();
    json config = read_optional_json(dir / "tokenizer_config.json");
    json special_map = read_optional_json(dir / "special_tokens_map.json");
    parse_tokenizer_file(vocab_path, spec, true);

    std::string merges_text = read_file(merges_path);
    std::istringstream lines(merges_text);
    std::string line;
    for (size_t n = 1; std::getline(lines, line); ++n) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line.rfind("#version", 0) == 0) continue;
        size_t sp = line.find(' ');
        if (sp == std::string::npos || sp == 0 || sp + 1 == line.size())
            throw TokenizerError(merges_path.string() + ": line " + std::to_string(n) +
                                 " is not \"a b\"");
        spec.merges.emplace_back(line.substr(0, sp), line.substr(sp + 1));
    }
    spec.source = merges_path.string();

    std::string type = resolve_model_type(dir, model_type, config);
    bool roberta = type == "roberta" || type == "roberta-prelayernorm" || type == "bart" ||
                   type == "longformer" || type == "led" || type == "mvp";
    try {
        added_from_config(config, spec);
        spec.bytelevel.add_prefix_space = value_or<bool>(config, "add_prefix_space", false);
    } catch (const json::exception& e) {
        throw TokenizerError((dir / "tokenizer_config.json").string() + ": " + e.what());
    }
    if (roberta) {
        for (const char* t : {"<s>", "<pad>", "</s>", "<unk>"}) add_special(spec, t);
        add_special(spec, "<mask>", true);
        int32_t cls = require_id(spec.vocab, spec.added, "<s>", vocab_path.string());
        int32_t sep = require_id(spec.vocab, spec.added, "</s>", vocab_path.string());
        spec.post = roberta_template(cls, sep);
    } else {
        add_special(spec, "<|endoftext|>");
    }
    spec.mask_token = find_mask_token(config, special_map, spec);
    return detail::make_bytelevel_bpe(std::move(spec));
}

// [SECTION] vocab.txt
// ------------------------------------------------------------------------------

std::unique_ptr<Tokenizer> load_vocab_txt(const fs::path& dir) {
    TokenizerSpec spec;
    fs::path path = dir / "vocab.txt";
    spec.source = path.string();
    std::string text = read_file(path);
    if (!unicode::valid_utf8(text, nullptr))
        throw TokenizerError(spec.source + ": not valid UTF-8");
    bool has_upper = false;
    int32_t id = 0;
    for (size_t pos = 0; pos < text.size(); ++id) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string tok = text.substr(pos, nl - pos);
        if (!tok.empty() && tok.back() == '\r') tok.pop_back();
        pos = nl + 1;
        bool bracketed = tok.size() > 2 && tok.front() == '[' && tok.back() == ']';
        if (!bracketed)
            for (char c : tok) has_upper = has_upper || (c >= 'A' && c <= 'Z');
        spec.vocab.set(tok, id);
    }
    if (spec.vocab.empty()) throw TokenizerError(spec.source + ": the vocabulary is empty");

    json config = read_optional_json(dir / "tokenizer_config.json");
    json special_map = read_optional_json(dir / "special_tokens_map.json");
    auto& o = spec.wordpiece;
    // BertTokenizer's default is do_lower_case=True; a vocabulary with capitals is a cased one.
    o.lowercase = !has_upper;
    try {
        apply_bert_config(config, o);
    } catch (const json::exception& e) {
        throw TokenizerError((dir / "tokenizer_config.json").string() + ": " + e.what());
    }
    auto name = [&](const char* key, const char* fallback) {
        std::string t = token_field(config, key);
        if (t.empty()) t = token_field(special_map, key);
        return t.empty() ? std::string(fallback) : t;
    };
    o.unk_token = name("unk_token", "[UNK]");
    std::string cls = name("cls_token", "[CLS]"), sep = name("sep_token", "[SEP]");
    for (const std::string& t :
         {name("pad_token", "[PAD]"), o.unk_token, cls, sep, name("mask_token", "[MASK]")})
        add_special(spec, t);
    spec.post = bert_template(require_id(spec.vocab, spec.added, cls, spec.source),
                              require_id(spec.vocab, spec.added, sep, spec.source));
    spec.mask_token = find_mask_token(config, special_map, spec);
    return detail::make_wordpiece(std::move(spec));
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& model_dir, std::string_view model_type) {
    std::error_code ec;
    if (!fs::is_directory(model_dir, ec))
        throw TokenizerError("tokenizer: the model folder " + model_dir.string() +
                             " does not exist or is not a folder");
    bool vocab_json = has_file(model_dir / "vocab.json");
    bool merges = has_file(model_dir / "merges.txt");
    try {
        if (has_file(model_dir / "tokenizer.json"))
            return load_tokenizer_json(model_dir, model_dir / "tokenizer.json");
        if (vocab_json && merges) return load_vocab_merges(model_dir, model_type);
        if (has_file(model_dir / "vocab.txt")) return load_vocab_txt(model_dir);
    } catch (const nlohmann::json::exception& e) {
        // A config field of the wrong type (tokenizer_config.json, config.json).
        throw TokenizerError("tokenizer in " + model_dir.string() +
                             ": unexpected value in a config file: " + e.what());
    } catch (const std::logic_error& e) {
        // std::stoi on a malformed added_tokens_decoder key.
        throw TokenizerError("tokenizer in " + model_dir.string() +
                             ": malformed config file: " + e.what());
    }
    std::string detail;
    if (vocab_json) detail = " (vocab.json is there but merges.txt is missing)";
    if (merges) detail = " (merges.txt is there but vocab.json is missing)";
    throw TokenizerError("no tokenizer in " + model_dir.string() +
                         ": looked for tokenizer.json, vocab.json + merges.txt, vocab.txt" +
                         detail);
}

bool is_valid_utf8(std::string_view text, size_t* bad_offset) {
    return unicode::valid_utf8(text, bad_offset);
}

}  // namespace attnscope
