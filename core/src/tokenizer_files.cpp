// Reading tokenizer files: whole files, small JSON configs, and a streaming parser for
// tokenizer.json / vocab.json that fills the vocabulary and merges without a DOM for them.
#include "tokenizer_files.h"

#include <fstream>
#include <sstream>

#include "attnscope/errors.h"

namespace attnscope::detail {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TokenizerError(path.string() + ": cannot open the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw TokenizerError(path.string() + ": read error");
    return ss.str();
}

json read_json(const fs::path& path) {
    std::string text = read_file(path);
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        throw TokenizerError(path.string() + ": malformed JSON: " + e.what());
    }
}

// An optional JSON file: null when it is absent.
json read_optional_json(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return nullptr;
    return read_json(path);
}

bool has_file(const fs::path& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

namespace {

// A SAX handler that builds the DOM of a tokenizer file except for the vocabulary and the
// merges, which go straight into a VocabMap and a merge list: the DOM of a 50k-entry object
// costs more than everything else in loading together. The diverted values become null.
class TokenizerSax {
  public:
    using Merges = std::vector<std::pair<std::string, std::string>>;
    TokenizerSax(json& root, VocabMap& vocab, Merges* merges, bool root_is_vocab)
        : m_dom(root, true), m_vocab(vocab), m_merges(merges), m_root_is_vocab(root_is_vocab) {}

    bool saw_vocab() const { return m_saw_vocab; }
    const std::string& error() const { return m_error; }

    bool null() { return m_mode == Mode::Dom ? m_dom.null() : fail_value(); }
    bool boolean(bool v) { return m_mode == Mode::Dom ? m_dom.boolean(v) : fail_value(); }
    bool number_integer(json::number_integer_t v) {
        return m_mode == Mode::Dom ? m_dom.number_integer(v) : vocab_id(v);
    }
    bool number_unsigned(json::number_unsigned_t v) {
        if (m_mode == Mode::Dom) return m_dom.number_unsigned(v);
        return vocab_id(v > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(v));
    }
    bool number_float(json::number_float_t v, const json::string_t& s) {
        return m_mode == Mode::Dom ? m_dom.number_float(v, s) : fail_value();
    }
    bool binary(json::binary_t& v) { return m_mode == Mode::Dom ? m_dom.binary(v) : fail_value(); }
    bool string(json::string_t& v) {
        switch (m_mode) {
            case Mode::Dom:
                return m_dom.string(v);
            case Mode::Merges: {
                size_t sp = v.find(' ');
                if (sp == std::string::npos || sp == 0 || sp + 1 == v.size()) return fail_merge();
                m_merges->emplace_back(v.substr(0, sp), v.substr(sp + 1));
                return true;
            }
            case Mode::MergePair:
                if (m_pair.size() == 2) return fail_merge();
                m_pair.push_back(std::move(v));
                return true;
            default:
                return fail_value();
        }
    }
    bool start_object(std::size_t n) {
        if (m_mode != Mode::Dom) return fail_value();
        if ((m_root_is_vocab && m_depth == 0) || diverted("vocab")) {
            m_mode = Mode::Vocab;
            m_saw_vocab = true;
            return true;
        }
        ++m_depth;
        return m_dom.start_object(n);
    }
    bool key(json::string_t& k) {
        if (m_mode == Mode::Vocab) {
            m_key = std::move(k);
            return true;
        }
        if (m_depth == 1) m_key1 = k;
        if (m_depth == 2) m_key2 = k;
        return m_dom.key(k);
    }
    bool end_object() {
        if (m_mode == Mode::Vocab) {
            m_mode = Mode::Dom;
            return m_depth == 0 ? true : m_dom.null();
        }
        --m_depth;
        if (m_depth < 2) m_key2.clear();
        return m_dom.end_object();
    }
    bool start_array(std::size_t n) {
        if (m_mode == Mode::Merges) {
            m_mode = Mode::MergePair;
            m_pair.clear();
            return true;
        }
        if (m_mode != Mode::Dom) return fail_value();
        if (m_merges && diverted("merges")) {
            m_mode = Mode::Merges;
            return true;
        }
        ++m_depth;
        return m_dom.start_array(n);
    }
    bool end_array() {
        if (m_mode == Mode::MergePair) {
            if (m_pair.size() != 2) return fail_merge();
            m_merges->emplace_back(std::move(m_pair[0]), std::move(m_pair[1]));
            m_mode = Mode::Merges;
            return true;
        }
        if (m_mode == Mode::Merges) {
            m_mode = Mode::Dom;
            return m_dom.null();
        }
        --m_depth;
        if (m_depth < 2) m_key2.clear();
        return m_dom.end_array();
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
        m_error = std::string("malformed JSON: ") + ex.what();
        return false;
    }

  private:
    enum class Mode { Dom, Vocab, Merges, MergePair };

    // True when the value starting now is model.<name> of a tokenizer.json.
    bool diverted(const char* name) const {
        return !m_root_is_vocab && m_depth == 2 && m_key1 == "model" && m_key2 == name;
    }
    bool vocab_id(int64_t v) {
        if (m_mode != Mode::Vocab) return fail_value();
        if (v < 0 || v >= (1 << 24)) {
            m_error = "token \"" + m_key + "\" has an invalid id " + std::to_string(v);
            return false;
        }
        m_vocab.set(m_key, int32_t(v));
        return true;
    }
    bool fail_value() {
        if (m_mode == Mode::Vocab)
            m_error = "the id of token \"" + m_key + "\" is not an integer";
        else
            return fail_merge();
        return false;
    }
    bool fail_merge() {
        m_error = "merge " + std::to_string(m_merges->size()) + " is not \"a b\" or [a, b]";
        return false;
    }

    nlohmann::detail::json_sax_dom_parser<json> m_dom;
    VocabMap& m_vocab;
    Merges* m_merges;
    bool m_root_is_vocab;
    Mode m_mode = Mode::Dom;
    int m_depth = 0;  // open DOM containers
    std::string m_key1, m_key2, m_key;
    std::vector<std::string> m_pair;
    bool m_saw_vocab = false;
    std::string m_error;
};

}  // namespace

json parse_tokenizer_file(const fs::path& path, TokenizerSpec& spec, bool root_is_vocab,
                          bool* saw_vocab) {
    std::string text = read_file(path);
    json root;
    TokenizerSax sax(root, spec.vocab, root_is_vocab ? nullptr : &spec.merges, root_is_vocab);
    bool ok = false;
    try {
        ok = json::sax_parse(text, &sax);
    } catch (const json::exception& e) {
        throw TokenizerError(path.string() + ": malformed JSON: " + e.what());
    }
    if (!ok)
        throw TokenizerError(path.string() + ": " +
                             (sax.error().empty() ? "malformed JSON" : sax.error()));
    if (root_is_vocab && !sax.saw_vocab())
        throw TokenizerError(path.string() + ": the vocabulary is not a JSON object");
    if (saw_vocab) *saw_vocab = sax.saw_vocab();
    return root;
}

}  // namespace attnscope::detail
