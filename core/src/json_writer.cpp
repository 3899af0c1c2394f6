#include "attnscope/json_writer.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "attnscope/errors.h"

namespace attnscope {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not one
// (overlong forms, surrogates and code points past U+10FFFF included).
size_t utf8_sequence_length(std::string_view s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
    static const char k_hex[] = "0123456789abcdef";
    out += '"';
    size_t i = 0;
    while (i < text.size()) {
        // Copy runs of plain ASCII in one go: most tokens are nothing else.
        size_t run = i;
        while (run < text.size()) {
            const unsigned char c = static_cast<unsigned char>(text[run]);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
            ++run;
        }
        out.append(text.data() + i, run - i);
        i = run;
        if (i >= text.size()) break;

        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            switch (c) {
                case '"':
                    out += "\\\"";
                    break;
                case '\\':
                    out += "\\\\";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                default:
                    out += "\\u00";
                    out += k_hex[c >> 4];
                    out += k_hex[c & 0xF];
            }
            ++i;
            continue;
        }
        const size_t n = utf8_sequence_length(text, i);
        if (n == 0) {
            out += "\\ufffd";  // keeps the output valid JSON whatever the bytes were
            ++i;
            continue;
        }
        // U+0085, U+2028 and U+2029 are line breaks to some JSON Lines readers (Python's
        // str.splitlines among them): escape them so one result stays on one line.
        const std::string_view seq = text.substr(i, n);
        if (seq == "\xC2\x85")
            out += "\\u0085";
        else if (seq == "\xE2\x80\xA8")
            out += "\\u2028";
        else if (seq == "\xE2\x80\xA9")
            out += "\\u2029";
        else
            out.append(seq);
        i += n;
    }
    out += '"';
}

JsonWriter::JsonWriter(std::FILE* out, std::string label) : m_out(out), m_label(std::move(label)) {
    m_buf.reserve(k_flush_at + 4096);
}

JsonWriter::~JsonWriter() {
    if (!m_buf.empty()) std::fwrite(m_buf.data(), 1, m_buf.size(), m_out);
}

void JsonWriter::flush() {
    if (!m_buf.empty()) {
        const size_t written = std::fwrite(m_buf.data(), 1, m_buf.size(), m_out);
        const bool ok = written == m_buf.size();
        m_buf.clear();
        if (!ok) throw Error("writing " + m_label + " failed: " + std::strerror(errno));
    }
    if (std::fflush(m_out) != 0)
        throw Error("writing " + m_label + " failed: " + std::strerror(errno));
}

void JsonWriter::before_value() {
    if (m_after_key) {
        m_after_key = false;
        return;
    }
    if (!m_has_element.empty()) {
        if (m_has_element.back()) m_buf += ',';
        m_has_element.back() = true;
    }
}

void JsonWriter::begin_object() {
    before_value();
    m_buf += '{';
    m_has_element.push_back(false);
}

void JsonWriter::end_object() {
    m_has_element.pop_back();
    m_buf += '}';
    maybe_flush();
}

void JsonWriter::begin_array() {
    before_value();
    m_buf += '[';
    m_has_element.push_back(false);
}

void JsonWriter::end_array() {
    m_has_element.pop_back();
    m_buf += ']';
    maybe_flush();
}

JsonWriter& JsonWriter::key(std::string_view name) {
    before_value();
    append_json_string(m_buf, name);
    m_buf += ':';
    m_after_key = true;
    return *this;
}

void JsonWriter::value(std::string_view text) {
    before_value();
    append_json_string(m_buf, text);
    maybe_flush();
}

void JsonWriter::value(bool b) {
    before_value();
    m_buf += b ? "true" : "false";
}

void JsonWriter::value(int64_t v) {
    before_value();
    char tmp[24];
    auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
    m_buf.append(tmp, end);
}

void JsonWriter::write_float_text(const char* begin, const char* end, bool finite) {
    before_value();
    if (finite)
        m_buf.append(begin, end);
    else
        m_buf += "null";  // JSON has no NaN or infinity
}

void JsonWriter::value(float v) {
    char tmp[32];
    auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
    write_float_text(tmp, end, std::isfinite(v));
}

void JsonWriter::value(double v) {
    char tmp[32];
    auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
    write_float_text(tmp, end, std::isfinite(v));
}

void JsonWriter::value_rounded(double v, int decimals) {
    const double scale = std::pow(10.0, decimals);
    value(std::isfinite(v) ? std::round(v * scale) / scale : v);
}

void JsonWriter::null() {
    before_value();
    m_buf += "null";
}

void JsonWriter::float_array(std::span<const float> values) {
    begin_array();
    // The hot loop of `dump`: format straight into the buffer, no per-element bookkeeping.
    char tmp[32];
    for (size_t i = 0; i < values.size(); ++i) {
        if (i) m_buf += ',';
        const float v = values[i];
        if (std::isfinite(v)) {
            auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
            m_buf.append(tmp, end);
        } else {
            m_buf += "null";
        }
    }
    m_has_element.back() = !values.empty();
    end_array();
}

void JsonWriter::int_array(std::span<const int32_t> values) {
    begin_array();
    for (int32_t v : values) value(int64_t(v));
    end_array();
}

void JsonWriter::string_array(const std::vector<std::string>& values) {
    begin_array();
    for (const auto& s : values) value(std::string_view(s));
    end_array();
}

void JsonWriter::newline() {
    m_buf += '\n';
    maybe_flush();
}

}  // namespace attnscope
