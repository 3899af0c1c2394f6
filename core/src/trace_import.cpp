// Importing attention that another program saved as .npz (typically Hugging Face transformers
// with output_attentions=True), so models the engine does not run can still be explored.
//
// L = layers, H = heads, T = tokens.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include "attnscope/errors.h"
#include "attnscope/trace_export.h"
#include "unicode.h"

namespace attnscope {

namespace {

// [SECTION] Finding the arrays

using EntryMap = std::map<std::string, const NpyArray*>;

const NpyArray* find(const EntryMap& m, std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (auto it = m.find(n); it != m.end()) return it->second;
    return nullptr;
}

bool is_float(const NpyArray& a) {
    return a.type == NpyType::F16 || a.type == NpyType::F32 || a.type == NpyType::F64;
}

std::string key_list(const EntryMap& m) {
    std::string s;
    for (const auto& [name, a] : m) {
        if (!s.empty()) s += ", ";
        s += "'" + name + "' " + a->shape_string();
    }
    return s.empty() ? "none" : s;
}

// The attention as [L][H][T][T] float32, from `attention` / `attentions` or per-layer keys.
struct Attention {
    int n_layer = 0, n_head = 0, n_token = 0;
    std::vector<float> weights;
};

void require_float(const NpyArray& a, const std::string& what) {
    if (!is_float(a))
        throw LoadError(what + " must hold float16, float32 or float64 weights, found dtype '" +
                        a.descr() + "'");
}

Attention stacked_attention(const NpyArray& a, const std::string& what) {
    require_float(a, what);
    std::vector<int64_t> s = a.shape;
    if (s.size() == 5) {
        if (s[1] != 1)
            throw LoadError(what + " has shape " + a.shape_string() + ": a batch of " +
                            std::to_string(s[1]) +
                            " examples; save one example, e.g. attention[:, 0] for [L, H, T, T]");
        s.erase(s.begin() + 1);
    }
    if (s.size() != 4)
        throw LoadError(what + " has shape " + a.shape_string() +
                        ", expected [L, H, T, T] (layers, heads, query tokens, key tokens) or "
                        "[L, 1, H, T, T] (a batch of one)");
    if (s[2] != s[3])
        throw LoadError(what + " has shape " + a.shape_string() +
                        ": the last two dimensions (query and key tokens) must be equal");
    if (s[0] == 0 || s[1] == 0 || s[2] == 0)
        throw LoadError(what + " has shape " + a.shape_string() + ": nothing to show");
    if (s[0] > 100000 || s[1] > 100000 || s[2] > 1000000)
        throw LoadError(what + " has shape " + a.shape_string() + ": too large");
    Attention out;
    out.n_layer = int(s[0]);
    out.n_head = int(s[1]);
    out.n_token = int(s[2]);
    out.weights = npy_to_f32(a, what);
    return out;
}

// Per-layer arrays `<prefix>0`, `<prefix>1`, ... (each [H,T,T] or [1,H,T,T]).
std::optional<Attention> layered_attention(const EntryMap& m, const std::string& prefix,
                                           const std::string& file) {
    std::map<int, const NpyArray*> layers;
    for (const auto& [name, a] : m) {
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string digits = name.substr(prefix.size());
        if (!std::all_of(digits.begin(), digits.end(),
                         [](char c) { return c >= '0' && c <= '9'; }) ||
            digits.size() > 6)
            continue;
        layers[std::stoi(digits)] = a;
    }
    if (layers.empty()) return std::nullopt;
    Attention out;
    out.n_layer = int(layers.size());
    int expect = 0;
    for (const auto& [index, a] : layers) {
        const std::string what = file + ": '" + prefix + std::to_string(index) + "'";
        if (index != expect)
            throw LoadError(file + ": per-layer attention '" + prefix + std::to_string(expect) +
                            "' is missing (found " + prefix + std::to_string(index) +
                            "); layers must be numbered 0, 1, 2 ... without gaps");
        require_float(*a, what);
        std::vector<int64_t> s = a->shape;
        if (s.size() == 4 && s[0] == 1) s.erase(s.begin());
        if (s.size() != 3 || s[1] != s[2] || s[0] == 0 || s[1] == 0)
            throw LoadError(
                what + " has shape " + a->shape_string() +
                ", expected [H, T, T] or [1, H, T, T] (heads, query tokens, key tokens)");
        if (expect == 0) {
            out.n_head = int(s[0]);
            out.n_token = int(s[1]);
        } else if (s[0] != out.n_head || s[1] != out.n_token) {
            throw LoadError(what + " has shape " + a->shape_string() + " but layer 0 is [" +
                            std::to_string(out.n_head) + ", " + std::to_string(out.n_token) + ", " +
                            std::to_string(out.n_token) +
                            "]: every layer needs the same heads and tokens");
        }
        const std::vector<float> w = npy_to_f32(*a, what);
        out.weights.insert(out.weights.end(), w.begin(), w.end());
        ++expect;
    }
    return out;
}

// A [T] array, also accepted as [1, T].
bool is_vector_of(const NpyArray& a, int64_t n) {
    if (a.shape.size() == 1) return a.shape[0] == n;
    return a.shape.size() == 2 && a.shape[0] == 1 && a.shape[1] == n;
}

std::string shape_of_t(int n) {
    // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "[" + std::string.
    const std::string t = std::to_string(n);
    std::string s = "[";
    s += t;
    s += "] (T = ";
    s += t;
    s += " tokens)";
    return s;
}

// Tokens: '<U' / '|S' strings [T], or one JSON string array (a 0-d string, '|S' bytes or uint8
// bytes).
std::vector<std::string> read_tokens(const NpyArray& a, int n_token, const std::string& what) {
    const bool strings = a.type == NpyType::Unicode || a.type == NpyType::Bytes;
    const bool scalar_text = strings && a.element_count() == 1 && n_token != 1;
    const bool byte_text = (a.type == NpyType::U8 || a.type == NpyType::I8) && a.shape.size() == 1;
    if (scalar_text || byte_text) {
        std::string json;
        if (scalar_text) {
            json = npy_to_strings(a, what)[0];
        } else {
            for (int64_t b : npy_to_i64(a, what)) json.push_back(char(uint8_t(b)));
        }
        nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_array())
            throw LoadError(what +
                            " holds one string that is not a JSON array of strings; save "
                            "the tokens as np.array(tokens) (a '<U' array)");
        std::vector<std::string> out;
        for (const auto& t : parsed) {
            if (!t.is_string()) throw LoadError(what + ": the JSON array must hold only strings");
            out.push_back(t.get<std::string>());
        }
        if (int(out.size()) != n_token)
            throw LoadError(what + " lists " + std::to_string(out.size()) +
                            " tokens but the attention has T = " + std::to_string(n_token));
        return out;
    }
    if (!strings)
        throw LoadError(
            what +
            " must be a string array ('<U', as np.array(tokens) makes), found "
            "dtype '" +
            a.descr() + "'" +
            (a.type == NpyType::I32 || a.type == NpyType::I64 ? "; token ids go under 'ids'" : ""));
    if (!is_vector_of(a, n_token))
        throw LoadError(what + " has shape " + a.shape_string() + " but the attention needs " +
                        shape_of_t(n_token));
    return npy_to_strings(a, what);
}

std::vector<int64_t> read_ints(const NpyArray& a, int n_token, const std::string& what) {
    if (!is_vector_of(a, n_token))
        throw LoadError(what + " has shape " + a.shape_string() + " but the attention needs " +
                        shape_of_t(n_token));
    return npy_to_i64(a, what);
}

std::string read_string(const NpyArray& a, const std::string& what) {
    if (a.element_count() != 1 || (a.type != NpyType::Unicode && a.type != NpyType::Bytes))
        return {};
    return npy_to_strings(a, what)[0];
}

// [SECTION] Validation

void check_rows(const Attention& at, const std::string& what) {
    const size_t T = size_t(at.n_token);
    for (int l = 0; l < at.n_layer; ++l)
        for (int h = 0; h < at.n_head; ++h)
            for (size_t i = 0; i < T; ++i) {
                const float* row = at.weights.data() + ((size_t(l) * at.n_head + h) * T + i) * T;
                double sum = 0;
                for (size_t j = 0; j < T; ++j) {
                    const float w = row[j];
                    if (!(w >= 0.0f)) {  // NaN fails too
                        char buf[64];
                        std::snprintf(buf, sizeof buf, "%g", double(w));
                        throw LoadError(what + "[layer " + std::to_string(l) + ", head " +
                                        std::to_string(h) + ", query " + std::to_string(i) +
                                        ", key " + std::to_string(j) + "] is " + buf +
                                        ": attention weights must be probabilities (>= 0)");
                    }
                    sum += w;
                }
                if (std::abs(sum - 1.0) > k_import_row_tolerance) {
                    char buf[64];
                    std::snprintf(buf, sizeof buf, "%.6g", sum);
                    throw LoadError(
                        what + "[layer " + std::to_string(l) + ", head " + std::to_string(h) +
                        ", query " + std::to_string(i) + "] sums to " + buf +
                        ", expected 1 within 0.001: each row must be the softmax over the keys "
                        "(save the attention probabilities, not the scores or logits)");
                }
            }
}

bool is_causal(const Attention& at) {
    const size_t T = size_t(at.n_token);
    for (size_t m = 0; m < size_t(at.n_layer) * at.n_head; ++m)
        for (size_t i = 0; i < T; ++i) {
            const float* row = at.weights.data() + (m * T + i) * T;
            for (size_t j = i + 1; j < T; ++j)
                if (row[j] != 0.0f) return false;
        }
    return true;
}

// [SECTION] Token display strings

// GPT-2's bytes_to_unicode() inverse: code point -> byte, -1 if not in the alphabet.
const std::array<int16_t, 0x144>& byte_of_code_point() {
    static const std::array<int16_t, 0x144> table = [] {
        std::array<int16_t, 0x144> t;
        t.fill(-1);
        int n = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable =
                (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
            t[printable ? b : 256 + n++] = int16_t(b);
        }
        return t;
    }();
    return table;
}

// The bytes a byte-level BPE token stands for, or nullopt if it has other characters.
std::optional<std::string> byte_level_decode(const std::string& token) {
    const auto& table = byte_of_code_point();
    std::string out;
    for (size_t i = 0; i < token.size();) {
        const unicode::Utf8Char c = unicode::decode_utf8(token, i);
        if (c.cp >= table.size() || table[c.cp] < 0) return std::nullopt;
        out.push_back(char(table[c.cp]));
        i += c.len;
    }
    return out;
}

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

std::string replace_all(const std::string& s, std::string_view from, std::string_view to) {
    std::string out;
    size_t at = 0;
    for (size_t hit = s.find(from); hit != std::string::npos; hit = s.find(from, at)) {
        out.append(s, at, hit - at);
        out += to;
        at = hit + from.size();
    }
    out.append(s, at, std::string::npos);
    return out;
}

}  // namespace

bool looks_like_special_token(std::string_view t) {
    static const char* const k_names[] = {"[CLS]", "[SEP]", "[PAD]", "<s>", "</s>", "<pad>"};
    for (const char* n : k_names)
        if (t == n) return true;
    return t.size() >= 5 && t.substr(0, 2) == "<|" && t.substr(t.size() - 2) == "|>";
}

std::vector<std::string> clean_token_texts(const std::vector<std::string>& tokens) {
    // Decide the tokenizer family once for the whole sequence: "Ġ" (U+0120) or "Ċ" (U+010A)
    // anywhere means byte-level BPE, "▁" (U+2581) SentencePiece, a "##" prefix WordPiece.
    bool byte_level = false, sentencepiece = false, wordpiece = false;
    for (const std::string& raw : tokens) {
        const std::string t = unicode::utf8_lossy(raw);
        byte_level |= contains(t, "\xc4\xa0") || contains(t, "\xc4\x8a");
        sentencepiece |= contains(t, "\xe2\x96\x81");
        wordpiece |= t.size() > 2 && t.compare(0, 2, "##") == 0;
    }
    std::vector<std::string> out;
    out.reserve(tokens.size());
    for (const std::string& raw : tokens) {
        std::string t = unicode::utf8_lossy(raw);
        if (looks_like_special_token(t)) {
            out.push_back(t);
        } else if (byte_level) {
            const std::optional<std::string> bytes = byte_level_decode(t);
            out.push_back(bytes ? unicode::utf8_lossy(*bytes) : t);
        } else if (sentencepiece) {
            // "<0x0A>" byte-fallback pieces stand for one byte.
            if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
                const int b = std::stoi(t.substr(3, 2), nullptr, 16);
                out.push_back(unicode::utf8_lossy(std::string(1, char(b))));
            } else {
                out.push_back(replace_all(t, "\xe2\x96\x81", " "));
            }
        } else if (wordpiece && t.size() > 2 && t.compare(0, 2, "##") == 0) {
            out.push_back(t.substr(2));
        } else {
            out.push_back(t);
        }
    }
    return out;
}

// [SECTION] Import

AttentionTrace import_attention(const std::vector<NpzEntry>& entries, const std::string& file) {
    EntryMap m;
    for (const NpzEntry& e : entries) m[e.name] = &e.array;

    Attention at;
    if (const NpyArray* a = find(m, {"attention", "attentions"})) {
        at = stacked_attention(
            *a, file + ": '" + (m.count("attention") ? "attention" : "attentions") + "'");
    } else if (auto layered = layered_attention(m, "attention_", file)) {
        at = std::move(*layered);
    } else if (auto by_layer = layered_attention(m, "layer_", file)) {
        at = std::move(*by_layer);
    } else {
        throw LoadError(file +
                        ": no attention found: expected an array 'attention' [L, H, T, T] "
                        "(or per-layer arrays 'attention_0', 'attention_1', ...); the file has " +
                        key_list(m));
    }
    const int T = at.n_token;
    check_rows(at, file + ": attention");

    AttentionTrace tr;
    tr.imported = true;
    tr.n_layer = at.n_layer;
    tr.n_head = at.n_head;
    tr.n_kv_head = at.n_head;
    tr.n_token = T;
    for (int h = 0; h < at.n_head; ++h) tr.kv_head_of.push_back(h);

    // Tokens and what the file tells about them.
    Encoding& e = tr.tokens;
    if (const NpyArray* a = find(m, {"tokens"})) {
        e.tokens = read_tokens(*a, T, file + ": 'tokens'");
    } else {
        for (int t = 0; t < T; ++t) e.tokens.push_back(std::to_string(t));
    }
    if (const NpyArray* a = find(m, {"texts"})) {
        e.texts = read_tokens(*a, T, file + ": 'texts'");
    } else {
        e.texts = clean_token_texts(e.tokens);
    }
    if (const NpyArray* a = find(m, {"ids", "input_ids"})) {
        for (int64_t id : read_ints(*a, T, file + ": 'ids'")) e.ids.push_back(int32_t(id));
    } else {
        e.ids.assign(size_t(T), -1);  // unknown vocabulary ids
    }
    if (const NpyArray* a = find(m, {"special"})) {
        for (int64_t s : read_ints(*a, T, file + ": 'special'")) e.special.push_back(s ? 1 : 0);
    } else {
        for (const std::string& t : e.tokens) e.special.push_back(looks_like_special_token(t));
    }
    if (const NpyArray* a = find(m, {"type_ids", "token_type_ids"})) {
        for (int64_t s : read_ints(*a, T, file + ": 'type_ids'")) e.type_ids.push_back(int32_t(s));
    } else {
        e.type_ids.assign(size_t(T), 0);
    }
    // No character offsets are known: ordinary tokens belong to the text (segment 0) with empty
    // spans, special ones to the template (segment -1) so "hide special tokens" can drop them.
    for (int t = 0; t < T; ++t) e.spans.push_back({e.special[size_t(t)] ? -1 : 0, 0, 0});
    for (int t = 0; t < T; ++t) tr.position_ids.push_back(t);

    tr.model_name = find(m, {"model"}) ? read_string(*find(m, {"model"}), file) : std::string();
    if (tr.model_name.empty()) tr.model_name = std::filesystem::path(file).filename().string();
    if (const NpyArray* a = find(m, {"text"})) tr.text = read_string(*a, file);
    if (tr.text.empty())
        for (size_t t = 0; t < e.texts.size(); ++t)
            if (!e.special[t]) tr.text += e.texts[t];

    tr.causal = is_causal(at);
    tr.mask.assign(size_t(T) * T, 1);
    if (tr.causal)
        for (int i = 0; i < T; ++i)
            for (int j = i + 1; j < T; ++j) tr.mask[size_t(i) * T + j] = 0;
    tr.weights.assign(at.weights.begin(), at.weights.end());
    return tr;
}

AttentionTrace import_attention_npz(const std::filesystem::path& path) {
    const std::string bytes = read_binary_file(path);
    const std::string what = path.string();
    // A lone .npy is taken as the attention array itself.
    if (bytes.size() >= 6 && bytes.compare(0, 6, "\x93NUMPY") == 0) {
        std::vector<NpzEntry> one;
        one.push_back({"attention", npy_parse(bytes, what)});
        return import_attention(one, what);
    }
    return import_attention(npz_parse(bytes, what), what);
}

}  // namespace attnscope
