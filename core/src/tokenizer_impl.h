// Internal pieces shared by the three tokenizers (byte-level BPE, WordPiece, SentencePiece BPE):
// the vocabulary, added-token splitting, the post-processing template, BPE merging, and the
// TokenizerBase that turns per-segment tokens into an Encoding. Not part of the public API.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "attnscope/tokenizer.h"

namespace attnscope::detail {

// [SECTION] Vocabulary -------------------------------------------------------------------------

// Vocabulary string -> id. An open-addressing table over one character arena: a 50k vocabulary
// loads in a few milliseconds (std::unordered_map<std::string> spent most of the load time
// allocating nodes and re-hashing keys) and lookups take a string_view. Ids are >= 0.
class VocabMap {
  public:
    void reserve(size_t n);
    // Inserts the key, or gives an existing key the new id.
    void set(std::string_view key, int32_t id);
    // The id of `key`, or -1.
    int32_t get(std::string_view key) const {
        if (m_slots.empty()) return -1;
        uint64_t h = hash(key);
        uint32_t tag = uint32_t(h >> 32) | 1u;
        for (size_t i = h & m_mask;; i = (i + 1) & m_mask) {
            const Slot& s = m_slots[i];
            if (s.tag == 0) return -1;
            if (s.tag == tag && key_of(s.entry) == key) return m_ids[s.entry];
        }
    }
    bool contains(std::string_view key) const { return get(key) >= 0; }
    size_t size() const { return m_ids.size(); }
    bool empty() const { return m_ids.empty(); }
    // Calls f(key, id) for every entry, in insertion order.
    template <typename F>
    void for_each(F&& f) const {
        for (size_t i = 0; i < m_ids.size(); ++i) f(key_of(uint32_t(i)), m_ids[i]);
    }

  private:
    struct Slot {
        uint32_t tag = 0;  // 0 = empty, else high hash bits | 1
        uint32_t entry = 0;
    };
    static uint64_t hash(std::string_view s) { return std::hash<std::string_view>{}(s); }
    std::string_view key_of(uint32_t e) const {
        return std::string_view(m_arena.data() + m_offsets[e], m_offsets[e + 1] - m_offsets[e]);
    }
    void rehash(size_t capacity);

    std::string m_arena;
    std::vector<uint32_t> m_offsets{0};  // entry e is m_arena[m_offsets[e], m_offsets[e + 1])
    std::vector<int32_t> m_ids;
    std::vector<Slot> m_slots;
    size_t m_mask = 0;
};

// A token that Hugging Face's AddedVocabulary matches in the raw text before any other step.
struct AddedToken {
    std::string content;
    int32_t id = -1;
    bool special = false;      // [CLS], <s>, <mask>...: flagged in Encoding::special
    bool lstrip = false;       // also takes the White_Space run on its left (<mask>)
    bool rstrip = false;       // ... or on its right
    bool single_word = false;  // only matches when not inside a word
};

// [SECTION] Template ---------------------------------------------------------------------------

// One item of a post-processing template: a sequence (A or B) or special tokens.
struct TemplatePiece {
    int32_t sequence = -1;     // 0 = A, 1 = B, -1 = the special tokens below
    std::vector<int32_t> ids;  // special token ids (sequence == -1)
    int32_t type_id = 0;
};

// The templates for a single text and for a pair. Empty: no special tokens are added and a pair
// is A followed by B.
struct PostTemplate {
    std::vector<TemplatePiece> single;
    std::vector<TemplatePiece> pair;
};

// [SECTION] Load-time description of a tokenizer ------------------------------------------------

struct WordPieceOptions {
    bool clean_text = true;
    bool handle_chinese_chars = true;
    bool lowercase = true;
    std::optional<bool> strip_accents;  // unset: follows lowercase (BertNormalizer's rule)
    std::string unk_token = "[UNK]";
    std::string prefix = "##";
    int32_t max_input_chars_per_word = 100;
    bool decode_cleanup = true;  // the WordPiece decoder's "cleanup" (" ." -> "." ...)
};

struct ByteLevelOptions {
    bool add_prefix_space = false;
    bool ignore_merges = false;  // a word that is itself in the vocabulary is not merged
};

// How the SentencePiece-style tokenizer puts U+2581 in front of a text piece.
enum class PrependMode {
    Always,      // normalizer Prepend("▁"): every non-empty piece (Llama 2 "legacy")
    MetaAlways,  // Metaspace prepend_scheme "always": unless it already starts with ▁
    MetaFirst,   // Metaspace prepend_scheme "first": only a piece at the start of the text
    Never,
};

struct SentencePieceOptions {
    PrependMode prepend = PrependMode::Always;
    bool split_on_meta = false;  // Metaspace split: each ▁ starts a new word
    std::string unk_token = "<unk>";
    bool byte_fallback = true;
    bool fuse_unk = true;
    bool ignore_merges = false;
    int32_t decode_strip_left = 1;  // decoder Strip(" ", start): leading spaces removed
};

// Everything a factory needs. The loader fills it from tokenizer.json or the older files.
struct TokenizerSpec {
    std::string source;  // file label used in error messages, e.g. ".../tokenizer.json"
    VocabMap vocab;
    std::vector<std::pair<std::string, std::string>> merges;  // in rank order (BPE only)
    std::vector<AddedToken> added;
    PostTemplate post;
    std::string mask_token;  // "" if the model has none
    WordPieceOptions wordpiece;
    ByteLevelOptions bytelevel;
    SentencePieceOptions sentencepiece;
};

std::unique_ptr<Tokenizer> make_bytelevel_bpe(TokenizerSpec&& spec);
std::unique_ptr<Tokenizer> make_wordpiece(TokenizerSpec&& spec);
std::unique_ptr<Tokenizer> make_sentencepiece_bpe(TokenizerSpec&& spec);

// [SECTION] Added-token splitting ----------------------------------------------------------------

// Finds added tokens in raw text, leftmost-longest, with lstrip/rstrip/single_word, exactly as
// Hugging Face's AddedVocabulary::find_matches. All tokens are matched on the raw text: the
// supported normalizers cannot create or destroy an added token's spelling.
class AddedTokenSplitter {
  public:
    struct Piece {
        size_t begin = 0;
        size_t end = 0;
        int32_t token = -1;  // index into tokens(), or -1 for ordinary text
    };

    void init(std::vector<AddedToken> tokens);
    const std::vector<AddedToken>& tokens() const { return m_tokens; }
    // Splits text into ordinary and added-token pieces covering it (no empty text pieces).
    void split(std::string_view text, std::vector<Piece>& out) const;

  private:
    std::vector<AddedToken> m_tokens;
    // Token indices by first byte, longest content first, so the first hit is the longest.
    std::array<std::vector<int32_t>, 256> m_by_first;
};

// [SECTION] BPE ------------------------------------------------------------------------------

// One symbol of a word being merged. Offsets are bytes into the segment's text.
struct BpeSymbol {
    int32_t id = 0;
    int32_t prev = -1;
    int32_t next = -1;
    int32_t begin = 0;
    int32_t end = 0;
};

// The merge table: (left id, right id) -> (rank, merged id).
class BpeMerges {
  public:
    // Resolves the merges to ids. Throws TokenizerError (naming `source`) when a merge's parts or
    // result are not in the vocabulary.
    void init(const std::vector<std::pair<std::string, std::string>>& merges, const VocabMap& vocab,
              const std::string& source);
    // Returns false if the pair has no merge.
    bool find(int32_t left, int32_t right, int32_t* rank, int32_t* merged) const {
        auto it = m_map.find(key(left, right));
        if (it == m_map.end()) return false;
        *rank = it->second.first;
        *merged = it->second.second;
        return true;
    }

    // Merges `symbols` (linked through prev/next, in order) in place with Hugging Face's
    // algorithm: a heap ordered by (rank, position), stale entries skipped by checking that the
    // pair still merges into the same id. Removed symbols are compacted away on return.
    void merge_all(std::vector<BpeSymbol>& symbols) const;

  private:
    static uint64_t key(int32_t a, int32_t b) {
        return (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
    }
    std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> m_map;
};

// [SECTION] TokenizerBase ------------------------------------------------------------------------

// A token produced for one segment, before the template is applied.
struct RawToken {
    int32_t id = 0;
    int32_t begin = 0;  // byte offsets into the segment's text
    int32_t end = 0;
    bool special = false;
};

// The shared half of every tokenizer: validation, added tokens, the template, the vocabulary
// tables and the display texts. Subclasses tokenize ordinary text pieces and decode.
class TokenizerBase : public Tokenizer {
  public:
    Encoding encode(std::string_view text,
                    std::optional<std::string_view> pair = std::nullopt) const final;
    int32_t vocab_size() const final { return int32_t(m_id_to_token.size()); }
    const std::string& id_to_token(int32_t id) const final;
    std::optional<int32_t> token_to_id(std::string_view token) const final;
    std::optional<int32_t> mask_token_id() const final { return m_mask_id; }
    std::string mask_token() const final { return m_mask_token; }

  protected:
    // Takes the vocabulary, added tokens, template and mask token from the spec (leaving the
    // rest for the subclass). Added tokens missing from the vocabulary are appended to it.
    void init_common(TokenizerSpec& spec);
    // Computes every id's display text with display_of(); call at the end of construction.
    void init_display();

    // Tokenizes one ordinary text piece text[begin, end) (no added tokens inside), appending
    // tokens whose offsets are relative to `text` (the whole segment).
    virtual void encode_piece(std::string_view text, size_t begin, size_t end,
                              std::vector<RawToken>& out) const = 0;
    // The display text of an ordinary vocabulary token (added tokens display as themselves).
    virtual std::string display_of(const std::string& token) const = 0;

    bool is_added(int32_t id) const {
        return id >= 0 && size_t(id) < m_is_added.size() && m_is_added[id];
    }

    VocabMap m_vocab;
    std::vector<std::string> m_id_to_token;
    std::vector<std::string> m_display;
    std::vector<uint8_t> m_is_added;
    AddedTokenSplitter m_added;
    PostTemplate m_post;
    std::string m_mask_token;
    std::optional<int32_t> m_mask_id;

  private:
    void encode_segment(std::string_view text, std::vector<RawToken>& out) const;
};

// Throws InputError if text is not valid UTF-8, naming the segment and the byte offset.
void require_utf8(std::string_view text, const char* what);

}  // namespace attnscope::detail
