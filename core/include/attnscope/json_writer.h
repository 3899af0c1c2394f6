// A streaming JSON writer (the command-line tool's output and the trace export).
//
// `attnscope dump` writes L·H·T² floats (150 million for gpt2-small at 1024 tokens), so building a
// nlohmann::json tree first would cost gigabytes and most of the run time. This writer appends to
// a buffer that it flushes to a FILE* in large blocks, and formats floats with std::to_chars
// (shortest text that reads back to the same float).
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

class JsonWriter {
  public:
    // `label` names the destination in write errors ("stdout", "out.json").
    JsonWriter(std::FILE* out, std::string label);
    ~JsonWriter();  // flushes what is left; never throws (call flush() to see errors)
    JsonWriter(const JsonWriter&) = delete;
    JsonWriter& operator=(const JsonWriter&) = delete;

    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    // The key of the next member; the value call that follows writes its value.
    JsonWriter& key(std::string_view name);

    void value(std::string_view text);  // escaped; invalid UTF-8 bytes become U+FFFD
    void value(const char* text) { value(std::string_view(text)); }
    void value(const std::string& text) { value(std::string_view(text)); }
    void value(bool b);
    void value(int v) { value(int64_t(v)); }
    void value(int64_t v);
    void value(float v);   // shortest round-trip; NaN and infinities become null
    void value(double v);  // shortest round-trip; NaN and infinities become null
    void value_rounded(double v, int decimals);  // for timings: 12.345 rather than 12.3450000001
    void null();

    void float_array(std::span<const float> values);
    void int_array(std::span<const int32_t> values);
    void string_array(const std::vector<std::string>& values);

    // Ends a line (JSON Lines output). Only valid between top-level values.
    void newline();
    // Writes everything buffered. Throws attnscope::Error naming the destination if writing fails.
    void flush();

  private:
    void before_value();
    void write_float_text(const char* begin, const char* end, bool finite);
    void maybe_flush() {
        if (m_buf.size() >= k_flush_at) flush();
    }

    static constexpr size_t k_flush_at = size_t(1) << 20;
    std::FILE* m_out;
    std::string m_label;
    std::string m_buf;
    // One entry per open container: true once it holds an element (so the next needs a comma).
    std::vector<bool> m_has_element;
    bool m_after_key = false;
};

// Appends `text` to `out` as a JSON string literal, quotes included. Shared with the table output.
void append_json_string(std::string& out, std::string_view text);

}  // namespace attnscope
