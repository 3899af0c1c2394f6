// Shared checks of the three tokenizer fuzz targets (fuzz_tokenizer_*.cpp).
//
// Tokenizers meet every keystroke of the user, so for any bytes:
//  - invalid UTF-8 must end in InputError, and nothing else may be thrown;
//  - valid UTF-8 must encode without any exception, into an Encoding whose vectors agree, whose
//    ids are in the vocabulary and whose spans lie inside the text;
//  - decode must accept any ids (even out of range) without crashing or throwing.
// Violations abort(), so libFuzzer saves the input. Models come from ATTNSCOPE_MODELS (default
// /work/shared/models) and are loaded once per process.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attnscope/errors.h"
#include "attnscope/tokenizer.h"

namespace fuzz {

inline void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "tokenizer invariant violated: %s\n", what);
        std::abort();
    }
}

inline std::unique_ptr<attnscope::Tokenizer> load(const char* folder) {
    const char* env = std::getenv("ATTNSCOPE_MODELS");
    std::filesystem::path dir = std::filesystem::path(env ? env : "/work/shared/models") / folder;
    try {
        return attnscope::load_tokenizer(dir);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cannot load the tokenizer in %s: %s\n", dir.c_str(), e.what());
        std::abort();
    }
}

inline bool valid_utf8_chars(const std::string& s) {
    return attnscope::is_valid_utf8(s);
}

// The input as text and, if it holds a 0x1E (record separator), as a pair split there.
struct Input {
    std::string text;
    std::optional<std::string> pair;
};

inline Input split_input(const uint8_t* data, size_t size) {
    std::string all(reinterpret_cast<const char*>(data), size);
    size_t rs = all.find('\x1E');
    if (rs == std::string::npos) return {all, std::nullopt};
    return {all.substr(0, rs), all.substr(rs + 1)};
}

// Encodes, enforcing the error contract. Returns nullopt when the input was rejected.
inline std::optional<attnscope::Encoding> encode_checked(const attnscope::Tokenizer& tok,
                                                         const Input& in) {
    bool valid =
        attnscope::is_valid_utf8(in.text) && (!in.pair || attnscope::is_valid_utf8(*in.pair));
    try {
        attnscope::Encoding e =
            in.pair ? tok.encode(in.text, std::string_view(*in.pair)) : tok.encode(in.text);
        require(valid, "invalid UTF-8 was accepted");
        return e;
    } catch (const attnscope::InputError& e) {
        require(!valid, "valid UTF-8 was rejected with InputError");
        return std::nullopt;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "unexpected non-std exception\n");
        std::abort();
    }
}

// The structural promises of an Encoding. `monotonic`: spans of ordinary tokens never go back.
inline void check_encoding(const attnscope::Tokenizer& tok, const Input& in,
                           const attnscope::Encoding& e, bool monotonic) {
    size_t n = e.ids.size();
    require(e.tokens.size() == n && e.texts.size() == n && e.spans.size() == n &&
                e.type_ids.size() == n && e.special.size() == n,
            "Encoding vectors differ in length");
    int32_t last_end[2] = {0, 0};
    for (size_t i = 0; i < n; ++i) {
        require(e.ids[i] >= 0 && e.ids[i] < tok.vocab_size(), "id outside the vocabulary");
        require(e.tokens[i] == tok.id_to_token(e.ids[i]), "token string is not id_to_token(id)");
        require(valid_utf8_chars(e.texts[i]), "display text is not valid UTF-8");
        const attnscope::TokenSpan& s = e.spans[i];
        if (s.segment < 0) {
            require(s.segment == -1 && e.special[i] == 1, "template token not special");
            require(s.begin == 0 && s.end == 0, "template token with a span");
            continue;
        }
        require(s.segment == 0 || (s.segment == 1 && in.pair), "bad segment");
        const std::string& text = s.segment == 0 ? in.text : *in.pair;
        require(s.begin >= 0 && s.begin <= s.end && size_t(s.end) <= text.size(),
                "span outside its text");
        if (monotonic) {
            require(s.begin >= last_end[s.segment], "spans go backwards");
            last_end[s.segment] = s.end;
        }
    }
}

// decode must take any ids, including ones outside the vocabulary.
inline void decode_any(const attnscope::Tokenizer& tok, const uint8_t* data, size_t size) {
    std::vector<int32_t> ids;
    int32_t span = tok.vocab_size() + 8;
    for (size_t i = 0; i + 1 < size && ids.size() < 256; i += 2)
        ids.push_back(int32_t((data[i] << 8 | data[i + 1]) * 7919 % span) - 4);
    try {
        std::string s = tok.decode(ids);
        require(valid_utf8_chars(s), "decode returned invalid UTF-8");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "decode threw: %s\n", e.what());
        std::abort();
    }
}

inline bool contains_any(const std::string& s, std::initializer_list<const char*> needles) {
    for (const char* n : needles)
        if (s.find(n) != std::string::npos) return true;
    return false;
}

}  // namespace fuzz
