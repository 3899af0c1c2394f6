// The parts every tokenizer shares: added-token splitting, BPE merging and Encoding assembly.
#include <algorithm>
#include <cassert>
#include <cstdio>
#include <string>

#include "attnscope/errors.h"
#include "tokenizer_impl.h"
#include "unicode.h"

namespace attnscope::detail {

namespace uni = attnscope::unicode;

void require_utf8(std::string_view text, const char* what) {
    size_t bad = 0;
    if (!uni::valid_utf8(text, &bad)) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", unsigned(static_cast<unsigned char>(text[bad])));
        throw InputError(std::string("the ") + what + " is not valid UTF-8: bad byte " + hex +
                         " at byte offset " + std::to_string(bad));
    }
}

// [SECTION] VocabMap -----------------------------------------------------------------------------

void VocabMap::reserve(size_t n) {
    m_ids.reserve(n);
    m_offsets.reserve(n + 1);
    m_arena.reserve(n * 8);
    size_t cap = 16;
    while (cap < n * 2) cap *= 2;
    if (cap > m_slots.size()) rehash(cap);
}

void VocabMap::rehash(size_t capacity) {
    m_slots.assign(capacity, Slot{});
    m_mask = capacity - 1;
    for (uint32_t e = 0; e < m_ids.size(); ++e) {
        uint64_t h = hash(key_of(e));
        size_t i = h & m_mask;
        while (m_slots[i].tag != 0) i = (i + 1) & m_mask;
        m_slots[i] = {uint32_t(h >> 32) | 1u, e};
    }
}

void VocabMap::set(std::string_view key, int32_t id) {
    if ((m_ids.size() + 1) * 2 > m_slots.size()) rehash(std::max<size_t>(16, m_slots.size() * 2));
    uint64_t h = hash(key);
    uint32_t tag = uint32_t(h >> 32) | 1u;
    size_t i = h & m_mask;
    for (; m_slots[i].tag != 0; i = (i + 1) & m_mask) {
        if (m_slots[i].tag == tag && key_of(m_slots[i].entry) == key) {
            m_ids[m_slots[i].entry] = id;
            return;
        }
    }
    m_arena.append(key);
    m_offsets.push_back(uint32_t(m_arena.size()));
    m_ids.push_back(id);
    m_slots[i] = {tag, uint32_t(m_ids.size() - 1)};
}

// [SECTION] Added tokens ---------------------------------------------------------------------

namespace {

// The character before `pos` (pos > 0, on a boundary of valid UTF-8): its start and value.
uni::Utf8Char char_before(std::string_view text, size_t pos, size_t* start) {
    size_t p = pos - 1;
    while (p > 0 && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) --p;
    *start = p;
    return uni::decode_utf8(text, p);
}

}  // namespace

void AddedTokenSplitter::init(std::vector<AddedToken> tokens) {
    m_tokens = std::move(tokens);
    for (auto& v : m_by_first) v.clear();
    for (size_t i = 0; i < m_tokens.size(); ++i) {
        if (m_tokens[i].content.empty()) continue;
        m_by_first[static_cast<unsigned char>(m_tokens[i].content[0])].push_back(int32_t(i));
    }
    for (auto& v : m_by_first)
        std::stable_sort(v.begin(), v.end(), [&](int32_t a, int32_t b) {
            return m_tokens[a].content.size() > m_tokens[b].content.size();
        });
}

void AddedTokenSplitter::split(std::string_view text, std::vector<Piece>& out) const {
    out.clear();
    size_t n = text.size();
    size_t start_offset = 0;  // end of the previous added token (or 0)
    size_t search = 0;        // where the next match may start
    bool any = !m_tokens.empty();
    while (any && search < n) {
        // Leftmost-longest match at or after `search`.
        size_t pos = search;
        int32_t hit = -1;
        for (; pos < n && hit < 0; ++pos) {
            const auto& cands = m_by_first[static_cast<unsigned char>(text[pos])];
            for (int32_t c : cands) {
                const std::string& s = m_tokens[c].content;
                if (text.compare(pos, s.size(), s) == 0) {
                    hit = c;
                    break;
                }
            }
        }
        if (hit < 0) break;
        --pos;
        const AddedToken& tok = m_tokens[hit];
        size_t start = pos, stop = pos + tok.content.size();
        search = stop;
        if (tok.single_word) {
            size_t prev_start = 0;
            bool start_ok =
                start == 0 || !uni::is_word_char(char_before(text, start, &prev_start).cp);
            bool stop_ok = stop == n || !uni::is_word_char(uni::decode_utf8(text, stop).cp);
            if (!start_ok || !stop_ok) continue;
        }
        if (tok.lstrip) {
            // Back over White_Space, but never into the previous added token.
            size_t s = start;
            while (s > start_offset) {
                size_t prev_start = 0;
                uni::Utf8Char c = char_before(text, s, &prev_start);
                if (!uni::is_white_space(c.cp)) break;
                s = prev_start;
            }
            start = std::max(s, start_offset);
        }
        if (tok.rstrip) {
            while (stop < n) {
                uni::Utf8Char c = uni::decode_utf8(text, stop);
                if (!uni::is_white_space(c.cp)) break;
                stop += c.len;
            }
            // The next match may not start inside the whitespace this one took.
            search = stop;
        }
        if (start_offset < start) out.push_back({start_offset, start, -1});
        out.push_back({start, stop, hit});
        start_offset = stop;
    }
    if (start_offset < n) out.push_back({start_offset, n, -1});
}

// [SECTION] BPE ------------------------------------------------------------------------------

void BpeMerges::init(const std::vector<std::pair<std::string, std::string>>& merges,
                     const VocabMap& vocab, const std::string& source) {
    m_map.clear();
    m_map.reserve(merges.size() * 2);
    std::string joined;
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [a, b] = merges[rank];
        joined.assign(a).append(b);
        int32_t ia = vocab.get(a), ib = vocab.get(b), ij = vocab.get(joined);
        if (ia < 0 || ib < 0 || ij < 0) {
            const std::string& missing = ia < 0 ? a : ib < 0 ? b : joined;
            throw TokenizerError(source + ": merge " + std::to_string(rank) + " (\"" + a + " " + b +
                                 "\") uses \"" + missing + "\", which is not in the vocabulary");
        }
        // A repeated pair keeps its last rank, as Hugging Face's HashMap collect does.
        m_map.insert_or_assign(key(ia, ib), std::pair<int32_t, int32_t>(int32_t(rank), ij));
    }
}

void BpeMerges::merge_all(std::vector<BpeSymbol>& symbols) const {
    if (symbols.size() < 2) return;
    struct Merge {
        int32_t pos, rank, new_id;
    };
    // Lowest rank first, then leftmost: std heaps are max-heaps, so "less" means "later".
    auto later = [](const Merge& a, const Merge& b) {
        return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
    };
    std::vector<Merge> heap;
    heap.reserve(symbols.size());
    int32_t rank = 0, new_id = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i)
        if (find(symbols[i].id, symbols[i + 1].id, &rank, &new_id))
            heap.push_back({int32_t(i), rank, new_id});
    std::make_heap(heap.begin(), heap.end(), later);

    std::vector<uint8_t> removed(symbols.size(), 0);
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), later);
        Merge top = heap.back();
        heap.pop_back();
        BpeSymbol& cur = symbols[top.pos];
        if (removed[top.pos] || cur.next < 0) continue;
        int32_t next_pos = cur.next;
        BpeSymbol right = symbols[next_pos];
        // Skip entries made stale by an earlier merge.
        if (!find(cur.id, right.id, &rank, &new_id) || new_id != top.new_id) continue;

        cur.id = top.new_id;
        cur.end = right.end;
        cur.next = right.next;
        removed[next_pos] = 1;
        if (right.next >= 0) symbols[right.next].prev = top.pos;

        if (cur.prev >= 0 && find(symbols[cur.prev].id, cur.id, &rank, &new_id)) {
            heap.push_back({cur.prev, rank, new_id});
            std::push_heap(heap.begin(), heap.end(), later);
        }
        if (cur.next >= 0 && find(cur.id, symbols[cur.next].id, &rank, &new_id)) {
            heap.push_back({top.pos, rank, new_id});
            std::push_heap(heap.begin(), heap.end(), later);
        }
    }
    size_t w = 0;
    for (size_t i = 0; i < symbols.size(); ++i)
        if (!removed[i]) symbols[w++] = symbols[i];
    symbols.resize(w);
}

// [SECTION] TokenizerBase ----------------------------------------------------------------------

void TokenizerBase::init_common(TokenizerSpec& spec) {
    m_vocab = std::move(spec.vocab);
    int32_t max_id = -1;
    m_vocab.for_each([&](std::string_view, int32_t id) { max_id = std::max(max_id, id); });
    for (const auto& t : spec.added) max_id = std::max(max_id, t.id);
    if (max_id >= (1 << 24))
        throw TokenizerError(spec.source + ": token id " + std::to_string(max_id) +
                             " is implausibly large");
    m_id_to_token.assign(size_t(max_id + 1), std::string());
    m_vocab.for_each([&](std::string_view tok, int32_t id) { m_id_to_token[id] = tok; });
    m_is_added.assign(m_id_to_token.size(), 0);
    for (const auto& t : spec.added) {
        if (t.id < 0)
            throw TokenizerError(spec.source + ": added token \"" + t.content + "\" has no id");
        m_id_to_token[t.id] = t.content;
        m_vocab.set(t.content, t.id);
        m_is_added[t.id] = 1;
    }
    m_added.init(std::move(spec.added));
    m_post = std::move(spec.post);
    for (const auto* list : {&m_post.single, &m_post.pair})
        for (const auto& p : *list)
            for (int32_t id : p.ids)
                if (id < 0 || size_t(id) >= m_id_to_token.size())
                    throw TokenizerError(spec.source + ": the post-processor uses token id " +
                                         std::to_string(id) + ", which is not in the vocabulary");
    if (!spec.mask_token.empty()) {
        if (int32_t id = m_vocab.get(spec.mask_token); id >= 0) {
            m_mask_token = spec.mask_token;
            m_mask_id = id;
        }
    }
}

void TokenizerBase::init_display() {
    m_display.resize(m_id_to_token.size());
    for (size_t id = 0; id < m_id_to_token.size(); ++id)
        m_display[id] = m_is_added[id] ? m_id_to_token[id] : display_of(m_id_to_token[id]);
}

const std::string& TokenizerBase::id_to_token(int32_t id) const {
    if (id < 0 || size_t(id) >= m_id_to_token.size())
        throw InputError("token id " + std::to_string(id) + " is out of range (vocabulary size " +
                         std::to_string(m_id_to_token.size()) + ")");
    return m_id_to_token[id];
}

std::optional<int32_t> TokenizerBase::token_to_id(std::string_view token) const {
    int32_t id = m_vocab.get(token);
    if (id < 0) return std::nullopt;
    return id;
}

void TokenizerBase::encode_segment(std::string_view text, std::vector<RawToken>& out) const {
    std::vector<AddedTokenSplitter::Piece> pieces;
    m_added.split(text, pieces);
    for (const auto& p : pieces) {
        if (p.token >= 0) {
            const AddedToken& t = m_added.tokens()[p.token];
            out.push_back({t.id, int32_t(p.begin), int32_t(p.end), t.special});
        } else {
            encode_piece(text, p.begin, p.end, out);
        }
    }
}

Encoding TokenizerBase::encode(std::string_view text, std::optional<std::string_view> pair) const {
    require_utf8(text, "text");
    if (pair) require_utf8(*pair, "second text (pair)");
    if (text.size() >= size_t(INT32_MAX) || (pair && pair->size() >= size_t(INT32_MAX)))
        throw InputError("the text is too long to tokenize (2 GiB or more)");

    std::vector<RawToken> seg[2];
    seg[0].reserve(text.size() / 3 + 4);
    encode_segment(text, seg[0]);
    if (pair) encode_segment(*pair, seg[1]);

    Encoding enc;
    size_t total = seg[0].size() + seg[1].size() + 4;
    enc.ids.reserve(total);
    enc.tokens.reserve(total);
    enc.texts.reserve(total);
    enc.spans.reserve(total);
    enc.type_ids.reserve(total);
    enc.special.reserve(total);

    auto add = [&](int32_t id, TokenSpan span, int32_t type_id, bool special) {
        enc.ids.push_back(id);
        enc.tokens.push_back(m_id_to_token[id]);
        enc.texts.push_back(m_display[id]);
        enc.spans.push_back(span);
        enc.type_ids.push_back(type_id);
        enc.special.push_back(special ? 1 : 0);
    };
    auto add_sequence = [&](int32_t s, int32_t type_id) {
        for (const RawToken& t : seg[s]) add(t.id, {s, t.begin, t.end}, type_id, t.special);
    };

    const auto& tmpl = pair ? m_post.pair : m_post.single;
    if (tmpl.empty()) {
        add_sequence(0, 0);
        if (pair) add_sequence(1, 0);
    } else {
        for (const auto& p : tmpl) {
            if (p.sequence >= 0) {
                add_sequence(p.sequence, p.type_id);
            } else {
                for (int32_t id : p.ids) add(id, {-1, 0, 0}, p.type_id, true);
            }
        }
    }
    return enc;
}

}  // namespace attnscope::detail

namespace attnscope {

Encoding select_tokens(const Encoding& enc, std::span<const int32_t> positions) {
    Encoding out;
    for (int32_t i : positions) {
        assert(i >= 0 && i < enc.size());
        out.ids.push_back(enc.ids[i]);
        out.tokens.push_back(enc.tokens[i]);
        out.texts.push_back(enc.texts[i]);
        out.spans.push_back(enc.spans[i]);
        out.type_ids.push_back(enc.type_ids[i]);
        out.special.push_back(enc.special[i]);
    }
    return out;
}

}  // namespace attnscope
