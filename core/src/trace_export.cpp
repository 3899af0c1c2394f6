// Writing traces: JSON (the dump format), NumPy .npz, CSV of one head. trace_import.cpp reads
// attention back.
//
// L = layers, H = heads, G = KV heads, T = tokens, D = d_head, C = d_model.
#include "attnscope/trace_export.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "atomic_file.h"
#include "attnscope/errors.h"
#include "attnscope/model.h"

namespace attnscope {

// [SECTION] Formats

const char* trace_format_name(TraceFormat format) {
    switch (format) {
        case TraceFormat::Json:
            return "json";
        case TraceFormat::Npz:
            return "npz";
        case TraceFormat::Csv:
            return "csv";
    }
    return "json";
}

bool parse_trace_format(std::string_view name, TraceFormat* out) {
    for (TraceFormat f : {TraceFormat::Json, TraceFormat::Npz, TraceFormat::Csv})
        if (name == trace_format_name(f)) {
            *out = f;
            return true;
        }
    return false;
}

bool trace_format_of_path(const std::filesystem::path& path, TraceFormat* out) {
    std::string ext = path.extension().string();
    if (ext.empty()) return false;
    for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    return parse_trace_format(std::string_view(ext).substr(1), out);
}

namespace {

void require_head(const AttentionTrace& trace, int layer, int head) {
    if (layer < 0 || layer >= trace.n_layer)
        throw InputError("layer " + std::to_string(layer) + " is out of range: the trace has " +
                         std::to_string(trace.n_layer) + " layers (0 .. " +
                         std::to_string(trace.n_layer - 1) + ")");
    if (head < 0 || head >= trace.n_head)
        throw InputError("head " + std::to_string(head) + " is out of range: the trace has " +
                         std::to_string(trace.n_head) + " heads (0 .. " +
                         std::to_string(trace.n_head - 1) + ")");
}

}  // namespace

void save_trace(const AttentionTrace& trace, const std::filesystem::path& path, TraceFormat format,
                int layer, int head) {
    switch (format) {
        case TraceFormat::Json:
            detail::write_c_file_atomically(path, [&](std::FILE* f) {
                JsonWriter out(f, path.string());
                write_trace_json(out, trace);
                out.flush();
            });
            break;
        case TraceFormat::Npz:
            write_trace_npz(trace, path);
            break;
        case TraceFormat::Csv: {
            const std::string csv = head_csv(trace, layer, head);  // checks the range first
            detail::write_c_file_atomically(path, [&](std::FILE* f) {
                if (std::fwrite(csv.data(), 1, csv.size(), f) != csv.size())
                    throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
            });
            break;
        }
    }
}

// [SECTION] JSON

const char* prediction_kind_name(PredictionKind kind) {
    switch (kind) {
        case PredictionKind::None:
            return "none";
        case PredictionKind::NextToken:
            return "next_token";
        case PredictionKind::MaskFill:
            return "mask_fill";
    }
    return "none";
}

void write_prediction(JsonWriter& out, const Prediction& prediction) {
    out.begin_object();
    out.key("kind").value(prediction_kind_name(prediction.kind));
    out.key("positions").int_array(prediction.positions);
    out.key("top").begin_array();
    for (const auto& candidates : prediction.top) {
        out.begin_array();
        for (const TokenProb& c : candidates) {
            out.begin_object();
            out.key("id").value(int64_t(c.id));
            out.key("token").value(c.token);
            out.key("text").value(c.text);
            out.key("prob").value(c.prob);
            out.key("logit").value(c.logit);
            out.end_object();
        }
        out.end_array();
    }
    out.end_array();
    out.end_object();
}

namespace {

void write_spans(JsonWriter& out, const std::vector<TokenSpan>& spans) {
    out.begin_array();
    for (const TokenSpan& s : spans) {
        out.begin_object();
        out.key("segment").value(int64_t(s.segment));
        out.key("begin").value(int64_t(s.begin));
        out.key("end").value(int64_t(s.end));
        out.end_object();
    }
    out.end_array();
}

void write_attention(JsonWriter& out, const AttentionTrace& tr) {
    const size_t T = size_t(tr.n_token);
    out.begin_array();
    for (int l = 0; l < tr.n_layer; ++l) {
        out.begin_array();
        for (int h = 0; h < tr.n_head; ++h) {
            const std::span<const float> w = tr.weights_of(l, h);
            out.begin_array();
            for (size_t i = 0; i < T; ++i) out.float_array(w.subspan(i * T, T));
            out.end_array();
        }
        out.end_array();
    }
    out.end_array();
}

}  // namespace

void write_trace_json(JsonWriter& out, const AttentionTrace& tr) {
    const std::vector<int32_t> special(tr.tokens.special.begin(), tr.tokens.special.end());
    out.begin_object();
    out.key("format").value("attnscope-dump-v1");
    out.key("model").value(tr.model_name);
    // An imported trace's architecture is whatever the file said; the enum has no "unknown".
    out.key("arch").value(tr.imported ? "unknown" : arch_name(tr.arch));
    out.key("causal").value(tr.causal);
    if (tr.imported) out.key("imported").value(true);
    out.key("text").value(tr.text);
    if (tr.has_pair) out.key("text_pair").value(tr.text_pair);
    out.key("n_token").value(tr.n_token);
    out.key("n_layer").value(tr.n_layer);
    out.key("n_head").value(tr.n_head);
    out.key("n_kv_head").value(tr.n_kv_head);
    out.key("d_head").value(tr.d_head);
    out.key("d_model").value(tr.d_model);
    out.key("tokens").string_array(tr.tokens.tokens);
    out.key("ids").int_array(tr.tokens.ids);
    out.key("texts").string_array(tr.tokens.texts);
    out.key("spans");
    write_spans(out, tr.tokens.spans);
    out.key("type_ids").int_array(tr.tokens.type_ids);
    out.key("special").int_array(special);
    out.key("position_ids").int_array(tr.position_ids);
    out.key("prediction");
    write_prediction(out, tr.prediction);
    out.key("attention");
    write_attention(out, tr);
    out.end_object();
    out.newline();
}

// [SECTION] NumPy

void write_trace_npz(const AttentionTrace& tr, const std::filesystem::path& path) {
    const int64_t L = tr.n_layer, H = tr.n_head, G = tr.n_kv_head, T = tr.n_token, D = tr.d_head,
                  C = tr.d_model;
    // Small arrays are built here and must outlive the write; large buffers are borrowed.
    std::vector<NpyArray> owned;
    owned.reserve(12);
    std::vector<NpzMember> members;
    auto own = [&](std::string name, NpyArray a) {
        owned.push_back(std::move(a));
        members.push_back({std::move(name), NpyRef::of(owned.back())});
    };
    auto borrow = [&](std::string name, std::span<const float> values, std::vector<int64_t> shape) {
        if (values.empty()) return;  // not recorded (imported traces, older runs)
        members.push_back({std::move(name), npy_ref_f32(values, std::move(shape))});
    };
    const Encoding& e = tr.tokens;
    borrow("attention", tr.weights, {L, H, T, T});
    if (!tr.mask.empty()) own("mask", npy_from_u8(tr.mask, {T, T}, true));
    own("tokens", npy_from_strings(e.tokens, {T}));
    if (e.texts.size() == size_t(T)) own("texts", npy_from_strings(e.texts, {T}));
    if (e.ids.size() == size_t(T)) own("ids", npy_from_i32(e.ids, {T}));
    if (e.special.size() == size_t(T)) own("special", npy_from_u8(e.special, {T}, true));
    if (e.type_ids.size() == size_t(T)) own("type_ids", npy_from_i32(e.type_ids, {T}));
    borrow("scores", tr.scores, {L, H, T, T});
    borrow("q", tr.q, {L, H, T, D});
    borrow("k", tr.k, {L, G, T, D});
    borrow("v", tr.v, {L, G, T, D});
    borrow("head_out", tr.head_out, {L, H, T, D});
    borrow("embed", tr.embed, {T, C});
    borrow("hidden", tr.hidden, {L, T, C});
    own("model", npy_from_string(tr.model_name));
    own("arch", npy_from_string(tr.imported ? "unknown" : arch_name(tr.arch)));
    own("text", npy_from_string(tr.text));
    const uint8_t causal = tr.causal ? 1 : 0;
    own("causal", npy_from_u8({&causal, 1}, {}, true));
    write_npz(path, members);
}

// [SECTION] CSV

namespace {

void append_csv_field(std::string& out, std::string_view field) {
    const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
                       (!field.empty() && (field.front() == ' ' || field.back() == ' ' ||
                                           field.front() == '\t' || field.back() == '\t'));
    if (!quote) {
        out += field;
        return;
    }
    out += '"';
    for (char c : field) {
        if (c == '"') out += '"';  // a quote inside a quoted field is doubled
        out += c;
    }
    out += '"';
}

void append_float(std::string& out, float v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

std::string head_csv(const AttentionTrace& tr, int layer, int head) {
    require_head(tr, layer, head);
    const size_t T = size_t(tr.n_token);
    const std::vector<std::string>& names =
        tr.tokens.texts.size() == T ? tr.tokens.texts : tr.tokens.tokens;
    std::string out;
    out.reserve(T * T * 10 + T * 16);
    append_csv_field(out, "query \\ key");
    for (size_t j = 0; j < T; ++j) {
        out += ',';
        append_csv_field(out, names[j]);
    }
    out += "\r\n";  // RFC 4180 line ends; every CSV reader accepts them
    const std::span<const float> w = tr.weights_of(layer, head);
    for (size_t i = 0; i < T; ++i) {
        append_csv_field(out, names[i]);
        for (size_t j = 0; j < T; ++j) {
            out += ',';
            append_float(out, w[i * T + j]);
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace attnscope
