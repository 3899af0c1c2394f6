// Tokenizers that match Hugging Face exactly: byte-level BPE (GPT-2, RoBERTa), WordPiece (BERT,
// DistilBERT, MiniLM) and SentencePiece-style BPE with byte fallback (Llama).
//
// Thread-safety: a loaded Tokenizer is immutable; encode/decode may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

// Where a token came from in the input. Offsets are bytes into the UTF-8 text of its segment.
struct TokenSpan {
    int32_t segment = -1;  // 0 = text, 1 = pair text, -1 = a special token the template added
    int32_t begin = 0;     // first byte, inclusive
    int32_t end = 0;       // last byte, exclusive; begin == end for added special tokens
};

// The result of tokenizing one text (or a sentence pair). All vectors have n_token entries.
struct Encoding {
    std::vector<int32_t> ids;          // [T] vocabulary ids, special tokens included
    std::vector<std::string> tokens;   // [T] vocabulary strings ("Ġit", "##ing", "▁it", "<0xF0>")
    std::vector<std::string> texts;    // [T] display strings (" it", "ing", " it"); bytes that are
                                       //     not whole UTF-8 characters show as U+FFFD
    std::vector<TokenSpan> spans;      // [T] character span in the input
    std::vector<int32_t> type_ids;     // [T] segment ids (BERT token_type_ids; 0 elsewhere)
    std::vector<uint8_t> special;      // [T] 1 for [CLS], [SEP], <s>, </s>, BOS ... 0 otherwise

    int32_t size() const { return static_cast<int32_t>(ids.size()); }
};

// The tokens of `enc` at `positions`, in that order (a position may repeat), with every field
// carried along: truncation, and the repeated inputs of benchmarks.
Encoding select_tokens(const Encoding& enc, std::span<const int32_t> positions);

enum class TokenizerKind { ByteLevelBpe, WordPiece, SentencePieceBpe };

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Tokenizes text (and an optional second segment) and adds the model's special tokens.
    // Throws InputError for invalid UTF-8 (naming the byte offset).
    virtual Encoding encode(std::string_view text,
                            std::optional<std::string_view> pair = std::nullopt) const = 0;

    // Turns ids back into text, as Hugging Face's decode(skip_special_tokens=false) does.
    virtual std::string decode(std::span<const int32_t> ids) const = 0;

    virtual TokenizerKind kind() const = 0;
    virtual int32_t vocab_size() const = 0;
    // The vocabulary string of an id; throws InputError if out of range.
    virtual const std::string& id_to_token(int32_t id) const = 0;
    virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
    // The id of the mask token ([MASK], <mask>) if the vocabulary has one.
    virtual std::optional<int32_t> mask_token_id() const = 0;
    // The spelling of the mask token, for UIs ("[MASK]", "<mask>"); empty if none.
    virtual std::string mask_token() const = 0;
};

// Loads the tokenizer from whichever files a model folder has: tokenizer.json; vocab.json +
// merges.txt; vocab.txt. `model_type` (config.json's, may be empty) picks the special-token
// template where the files do not say (e.g. "roberta" vs "gpt2" for vocab.json + merges.txt).
// Throws TokenizerError naming the folder and the files looked for.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& model_dir,
                                          std::string_view model_type = {});

// True if the bytes are valid UTF-8. On failure *bad_offset gets the first bad byte's offset.
bool is_valid_utf8(std::string_view text, size_t* bad_offset = nullptr);

}  // namespace attnscope
