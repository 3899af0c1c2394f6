#include "glyph_coverage.h"

#include <algorithm>
#include <iterator>

namespace attnscope::app {

namespace {

// Calls on_char for each code point of `text`. Bytes that do not start a well-formed character
// are skipped one at a time: a broken name must not stop the rest of the text from showing.
template <class OnChar>
void for_each_codepoint(std::string_view text, OnChar on_char) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) {  // most text is ASCII: the fast path
            on_char(char32_t(c));
            ++i;
            continue;
        }
        const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        bool ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; ++k) ok = (s[i + k] & 0xC0) == 0x80;
        if (!ok) {
            ++i;
            continue;
        }
        char32_t cp = c & (0x7F >> len);
        for (size_t k = 1; k < len; ++k) cp = cp << 6 | (s[i + k] & 0x3F);
        on_char(cp);
        i += len;
    }
}

bool atlas_can_hold(char32_t c) {
    // Below U+0020: control characters, never drawn. Surrogates are not characters. Above
    // U+FFFF: ImGui 1.86's 16-bit ImWchar cannot name them (it draws U+FFFD instead).
    return c >= 0x20 && c <= 0xFFFF && !(c >= 0xD800 && c <= 0xDFFF);
}

void add_display_texts(const DisplayTrace* d, std::vector<std::string_view>& out) {
    if (!d) return;
    out.insert(out.end(), d->labels.begin(), d->labels.end());
}

void add_trace_texts(const AttentionTrace* t, std::vector<std::string_view>& out) {
    if (!t) return;
    out.push_back(t->model_name);
    out.push_back(t->text);
    out.push_back(t->text_pair);
    out.insert(out.end(), t->tokens.texts.begin(), t->tokens.texts.end());
    out.insert(out.end(), t->tokens.tokens.begin(), t->tokens.tokens.end());
    for (const std::vector<TokenProb>& top : t->prediction.top)
        for (const TokenProb& p : top) {
            out.push_back(p.text);
            out.push_back(p.token);
        }
}

void add_model_texts(const LoadedModel* m, std::vector<std::string_view>& out) {
    if (!m) return;
    out.push_back(m->name);
    out.push_back(m->source.dir.native());
    out.push_back(m->source.import_file.native());
    out.push_back(m->default_text);
    out.push_back(m->mask_token);
}

}  // namespace

bool in_base_font_ranges(char32_t c) {
    return std::any_of(std::begin(k_base_font_ranges), std::end(k_base_font_ranges),
                       [c](const CodepointRange& r) { return c >= r.first && c <= r.last; });
}

std::vector<char32_t> new_atlas_codepoints(std::span<const std::string_view> texts,
                                           std::span<const char32_t> in_atlas) {
    std::vector<char32_t> found;
    for (std::string_view text : texts)
        for_each_codepoint(text, [&](char32_t c) {
            // Printable ASCII is always there: decide it before the range table.
            if (c < 0x7F && c >= 0x20) return;
            if (!atlas_can_hold(c) || in_base_font_ranges(c)) return;
            // A conjoining Jamo is drawn with its compatibility letter's glyph (font_ranges.h):
            // the atlas needs that one too.
            for (char32_t need : {c, compatibility_jamo(c)}) {
                if (need == 0 || std::binary_search(in_atlas.begin(), in_atlas.end(), need))
                    continue;
                found.push_back(need);
            }
        });
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
}

std::vector<std::string_view> shown_texts(const AppState& st, std::span<const ModelEntry> models) {
    std::vector<std::string_view> out;
    out.push_back(st.input.text);
    out.push_back(st.input.pair);
    add_model_texts(st.model.get(), out);
    add_trace_texts(st.trace.get(), out);
    add_display_texts(st.display.get(), out);
    if (st.error) {
        out.push_back(st.error->title);
        out.push_back(st.error->detail);
    }
    out.push_back(st.loading.what);
    const CompareState& c = st.compare;
    out.push_back(c.text_b);
    out.push_back(c.error_b);
    add_trace_texts(c.trace_b.get(), out);
    add_display_texts(c.display_b.get(), out);
    const ModelBState& b = c.model_b;
    add_model_texts(b.model.get(), out);
    add_trace_texts(b.trace.get(), out);
    add_display_texts(b.display.get(), out);
    out.push_back(b.loading);
    out.push_back(b.error);
    for (const ModelEntry& e : models) {
        out.push_back(e.name);
        out.push_back(e.dir.native());
        out.push_back(e.problem);
    }
    return out;
}

bool AtlasCodepoints::add(std::span<const std::string_view> texts) {
    const std::vector<char32_t> added = missing(texts);
    if (added.empty()) return false;
    const size_t old_size = m_codepoints.size();
    m_codepoints.insert(m_codepoints.end(), added.begin(), added.end());
    std::inplace_merge(m_codepoints.begin(), m_codepoints.begin() + std::ptrdiff_t(old_size),
                       m_codepoints.end());
    return true;
}

}  // namespace attnscope::app
