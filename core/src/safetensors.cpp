// safetensors: strict header validation, a read-only memory mapping, dtype conversion, and a
// writer.
//
// The header parser is the one place where untrusted bytes from a model file meet our code, so it
// checks everything before any offset is used, and it is fuzzed (fuzz/fuzz_safetensors_header.cpp).
#include "attnscope/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "attnscope/errors.h"

namespace attnscope {

namespace {

using nlohmann::json;

// HF's reference implementation refuses headers above 100 MB; a real header is a few hundred KB
// even for models with thousands of tensors, so anything larger is corrupt or hostile.
constexpr uint64_t k_max_header_size = 100'000'000;

struct DTypeEntry {
    DType dtype;
    const char* name;
    size_t size;
};

constexpr DTypeEntry k_dtypes[] = {
    {DType::F64, "F64", 8},   {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},   {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
};

std::string supported_dtype_list() {
    std::string out;
    for (const auto& e : k_dtypes) {
        if (!out.empty()) out += ", ";
        out += e.name;
    }
    return out;
}

// Appends a bounded rendering of `value`. json::dump would recurse once per nesting level, and a
// hostile header can nest millions of levels deep, so containers stop after a few levels and
// everything stops after about 60 characters.
void append_excerpt(std::string& out, const json& value, int depth) {
    constexpr size_t k_limit = 60;
    if (out.size() > k_limit) return;
    if (value.is_array() || value.is_object()) {
        const bool array = value.is_array();
        if (depth >= 3) {
            out += array ? "[...]" : "{...}";
            return;
        }
        out += array ? '[' : '{';
        bool first = true;
        for (auto it = value.begin(); it != value.end() && out.size() <= k_limit; ++it) {
            if (!first) out += ", ";
            first = false;
            if (!array) out += json(it.key()).dump() + ": ";
            append_excerpt(out, it.value(), depth + 1);
        }
        out += array ? ']' : '}';
        return;
    }
    out += value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A short, printable excerpt of a JSON value for messages (never the whole header).
std::string excerpt(const json& value) {
    std::string s;
    append_excerpt(s, value, 0);
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

[[noreturn]] void fail(const std::string& file_label, const std::string& what) {
    throw LoadError(file_label + ": " + what);
}

[[noreturn]] void fail_tensor(const std::string& file_label, const std::string& name,
                              const std::string& what) {
    throw LoadError(file_label + ": tensor '" + name + "': " + what);
}

// Watches the parser's events (in document order) for three things the DOM cannot tell us:
//  - duplicate keys: nlohmann keeps the last one silently, but a file with two entries of the same
//    name is ambiguous (two readers may disagree on which is "the" tensor), so we refuse it, at any
//    depth (a tensor entry with two "dtype" keys is just as ambiguous);
//  - the order of the top-level keys, because nlohmann::json sorts object keys and the header
//    keeps file order (ordered_json would too, but its linear lookups make big headers quadratic);
//  - nesting depth: a valid header nests 3 levels, and a hostile one could nest millions deep to
//    exhaust memory, so parsing stops early at k_max_depth.
// Throwing from the callback aborts the parse; the exception passes through nlohmann unchanged.
class HeaderObserver {
  public:
    explicit HeaderObserver(const std::string& file_label) : m_label(file_label) {}

    bool operator()(int depth, json::parse_event_t event, json& parsed) {
        constexpr int k_max_depth = 64;
        switch (event) {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start:
                if (depth >= k_max_depth)
                    fail(m_label, "header nests deeper than " + std::to_string(k_max_depth) +
                                      " levels; a safetensors header needs 3");
                if (event == json::parse_event_t::object_start) m_open.emplace_back();
                break;
            case json::parse_event_t::object_end:
                if (!m_open.empty()) m_open.pop_back();
                break;
            case json::parse_event_t::key:
                if (!m_open.empty() && parsed.is_string()) {
                    const auto& key = parsed.get_ref<const std::string&>();
                    if (!m_open.back().insert(key).second) {
                        if (m_open.size() == 1)
                            fail(m_label,
                                 "tensor name '" + key + "' appears more than once in the header");
                        fail(m_label, "key '" + key + "' appears more than once in an entry");
                    }
                    if (m_open.size() == 1) m_top_level_keys.push_back(key);
                }
                break;
            default:
                break;
        }
        return true;  // keep everything
    }

    const std::vector<std::string>& top_level_keys() const { return m_top_level_keys; }

  private:
    std::string m_label;
    std::vector<std::set<std::string>> m_open;  // keys seen so far in each open object
    std::vector<std::string> m_top_level_keys;  // in file order
};

// Reads a JSON number that must be a non-negative integer (shape dims, offsets).
bool read_unsigned(const json& value, uint64_t& out) {
    if (value.is_number_unsigned()) {
        out = value.get<uint64_t>();
        return true;
    }
    if (value.is_number_integer()) {  // signed: only reached for negative values
        const int64_t v = value.get<int64_t>();
        if (v < 0) return false;
        out = uint64_t(v);
        return true;
    }
    return false;
}

TensorInfo parse_tensor_entry(const std::string& name, const json& entry, uint64_t data_size,
                              const std::string& label) {
    if (!entry.is_object())
        fail_tensor(
            label, name,
            "entry must be an object with dtype, shape and data_offsets, got " + excerpt(entry));
    TensorInfo info;
    info.name = name;

    // dtype
    auto it = entry.find("dtype");
    if (it == entry.end()) fail_tensor(label, name, "missing \"dtype\"");
    if (!it->is_string())
        fail_tensor(label, name, "\"dtype\" must be a string, got " + excerpt(*it));
    const auto& dtype_str = it->get_ref<const std::string&>();
    const DTypeEntry* dtype_entry = nullptr;
    for (const auto& e : k_dtypes)
        if (dtype_str == e.name) dtype_entry = &e;
    if (!dtype_entry)
        fail_tensor(
            label, name,
            "unsupported dtype '" + dtype_str + "' (supported: " + supported_dtype_list() + ")");
    info.dtype = dtype_entry->dtype;

    // shape: a list of non-negative integers whose product (times the dtype size) fits in 64 bits
    it = entry.find("shape");
    if (it == entry.end()) fail_tensor(label, name, "missing \"shape\"");
    if (!it->is_array()) fail_tensor(label, name, "\"shape\" must be a list, got " + excerpt(*it));
    uint64_t numel = 1;
    bool overflow = false;
    for (const auto& dim_json : *it) {
        uint64_t dim = 0;
        if (!read_unsigned(dim_json, dim) || dim > uint64_t(INT64_MAX))
            fail_tensor(label, name,
                        "shape " + excerpt(*it) + " has a dimension that is not a non-negative " +
                            "integer: " + excerpt(dim_json));
        info.shape.push_back(int64_t(dim));
        overflow = overflow || __builtin_mul_overflow(numel, dim, &numel);
    }
    uint64_t needed = 0;
    if (overflow || numel > uint64_t(INT64_MAX) ||
        __builtin_mul_overflow(numel, uint64_t(dtype_entry->size), &needed))
        fail_tensor(label, name, "shape " + shape_string(info.shape) + " is too large");

    // data_offsets: [begin, end) inside the data buffer, exactly as long as the shape needs
    it = entry.find("data_offsets");
    if (it == entry.end()) fail_tensor(label, name, "missing \"data_offsets\"");
    if (!it->is_array() || it->size() != 2 || !read_unsigned((*it)[0], info.begin) ||
        !read_unsigned((*it)[1], info.end))
        fail_tensor(
            label, name,
            "\"data_offsets\" must be two non-negative integers [begin, end], got " + excerpt(*it));
    const std::string offsets =
        "data_offsets [" + std::to_string(info.begin) + ", " + std::to_string(info.end) + "]";
    if (info.begin > info.end) fail_tensor(label, name, offsets + " end before they begin");
    if (info.end > data_size)
        fail_tensor(label, name,
                    offsets + " point past the end of the data (" + std::to_string(data_size) +
                        " bytes after the header)");
    if (info.end - info.begin != needed)
        fail_tensor(label, name,
                    "shape " + shape_string(info.shape) + " x " + dtype_entry->name + " needs " +
                        std::to_string(needed) + " bytes but data_offsets give " +
                        std::to_string(info.end - info.begin));
    return info;
}

// Two tensors sharing bytes would let a write through one corrupt the other, and HF refuses it.
// Empty tensors (begin == end) own no bytes and cannot overlap anything.
void check_no_overlap(const std::vector<TensorInfo>& tensors, const std::string& label) {
    std::vector<const TensorInfo*> sorted;
    sorted.reserve(tensors.size());
    for (const auto& t : tensors)
        if (t.end > t.begin) sorted.push_back(&t);
    std::sort(sorted.begin(), sorted.end(), [](const TensorInfo* a, const TensorInfo* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    for (size_t i = 1; i < sorted.size(); ++i) {
        const TensorInfo& prev = *sorted[i - 1];
        const TensorInfo& cur = *sorted[i];
        if (cur.begin < prev.end)
            fail(label, "tensors '" + prev.name + "' [" + std::to_string(prev.begin) + ", " +
                            std::to_string(prev.end) + ") and '" + cur.name + "' [" +
                            std::to_string(cur.begin) + ", " + std::to_string(cur.end) +
                            ") overlap in the data buffer");
    }
}

float half_to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    const uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0) {
        // Zero or subnormal: mantissa * 2^-24, exact in float (both factors are exact).
        const float magnitude = float(mantissa) * 5.9604644775390625e-8f;
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31)  // inf or NaN (payload kept)
        return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
    return std::bit_cast<float>(sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13));
}

template <typename T>
T load_le(const uint8_t* p) {
    T value;
    std::memcpy(&value, p, sizeof(T));  // unaligned-safe; hosts are little-endian
    return value;
}

template <typename T>
void convert_numeric(std::span<const uint8_t> bytes, std::span<float> out) {
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = float(load_le<T>(bytes.data() + i * sizeof(T)));
}

}  // namespace

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(shape[i]);
    }
    return out + "]";
}

const char* dtype_name(DType dtype) {
    for (const auto& e : k_dtypes)
        if (e.dtype == dtype) return e.name;
    return "?";
}

size_t dtype_size(DType dtype) {
    for (const auto& e : k_dtypes)
        if (e.dtype == dtype) return e.size;
    return 0;
}

int64_t TensorInfo::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;  // validated by the parser not to overflow
    return n;
}

SafetensorsHeader parse_safetensors_header(std::string_view header_json, uint64_t data_size,
                                           const std::string& file_label) {
    HeaderObserver observer(file_label);
    json root;
    try {
        // The parser copies its callback, so the lambda holds a reference to read results back.
        root = json::parse(header_json.begin(), header_json.end(),
                           [&observer](int depth, json::parse_event_t event, json& parsed) {
                               return observer(depth, event, parsed);
                           });
    } catch (const json::parse_error& e) {
        fail(file_label, "header is not valid JSON (at byte " + std::to_string(e.byte) +
                             " of the header): " + e.what());
    } catch (const json::exception& e) {  // e.g. a number too large for a double (1e999)
        fail(file_label, std::string("header is not usable JSON: ") + e.what());
    }
    if (!root.is_object()) fail(file_label, "header must be a JSON object, got " + excerpt(root));

    SafetensorsHeader header;
    header.tensors.reserve(root.size());
    for (const std::string& name : observer.top_level_keys()) {
        const json& value = root.at(name);
        if (name == "__metadata__") {
            if (!value.is_object())
                fail(file_label,
                     "\"__metadata__\" must be an object of strings, got " + excerpt(value));
            for (const auto& [key, text] : value.items()) {
                if (!text.is_string())
                    fail(file_label, "\"__metadata__\" value for '" + key +
                                         "' must be a string, got " + excerpt(text));
                header.metadata.emplace(key, text.get<std::string>());
            }
            continue;
        }
        header.tensors.push_back(parse_tensor_entry(name, value, data_size, file_label));
    }
    check_no_overlap(header.tensors, file_label);
    return header;
}

// [SECTION] SafetensorsFile

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : m_path(path) {
    const std::string label = path.filename().string();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw LoadError(path.string() + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw LoadError(path.string() + ": not a regular file");
    }
    const uint64_t file_size = uint64_t(st.st_size);
    if (file_size < 8) {
        ::close(fd);
        throw LoadError(label + ": file is " + std::to_string(file_size) +
                        " bytes, too short for a safetensors header (needs at least 8)");
    }
    void* map = ::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);  // the mapping keeps the file alive
    if (map == MAP_FAILED)
        throw LoadError(path.string() + ": cannot map file: " + std::strerror(errno));
    m_map = static_cast<const uint8_t*>(map);
    m_map_size = file_size;

    try {
        const uint64_t header_size = load_le<uint64_t>(m_map);
        if (header_size > k_max_header_size)
            throw LoadError(label + ": header length " + std::to_string(header_size) +
                            " is absurd (limit " + std::to_string(k_max_header_size) +
                            " bytes); this is not a safetensors file or it is corrupt");
        if (header_size > file_size - 8)
            throw LoadError(label + ": header length " + std::to_string(header_size) +
                            " runs past the end of the file (" + std::to_string(file_size) +
                            " bytes); the file is truncated or not safetensors");
        const std::string_view header_json(reinterpret_cast<const char*>(m_map + 8), header_size);
        m_data = m_map + 8 + header_size;
        m_header = parse_safetensors_header(header_json, file_size - 8 - header_size, label);
    } catch (...) {
        ::munmap(const_cast<uint8_t*>(m_map), m_map_size);
        m_map = nullptr;
        throw;
    }
}

SafetensorsFile::~SafetensorsFile() {
    if (m_map) ::munmap(const_cast<uint8_t*>(m_map), m_map_size);
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
    for (const auto& t : m_header.tensors)
        if (t.name == name) return &t;
    return nullptr;
}

std::span<const uint8_t> SafetensorsFile::bytes(const TensorInfo& info) const {
    return {m_data + info.begin, size_t(info.end - info.begin)};
}

std::vector<float> SafetensorsFile::to_f32(const TensorInfo& info) const {
    std::vector<float> out(size_t(info.numel()));
    convert_to_f32(info.dtype, bytes(info), out);
    return out;
}

void convert_to_f32(DType dtype, std::span<const uint8_t> bytes, std::span<float> out) {
    const size_t size = dtype_size(dtype);
    if (size == 0 || bytes.size() != out.size() * size)
        throw LoadError(std::string("convert_to_f32: ") + std::to_string(bytes.size()) +
                        " bytes of " + dtype_name(dtype) + " do not make " +
                        std::to_string(out.size()) + " values");
    // Empty tensors may come with null pointers, which memcpy must never see, even for 0 bytes.
    if (out.empty()) return;
    const uint8_t* p = bytes.data();
    switch (dtype) {
        case DType::F32:
            std::memcpy(out.data(), p, bytes.size());
            break;
        case DType::F64:
            convert_numeric<double>(bytes, out);
            break;
        case DType::F16:
            for (size_t i = 0; i < out.size(); ++i)
                out[i] = half_to_float(load_le<uint16_t>(p + 2 * i));
            break;
        case DType::BF16:  // the top half of an F32
            for (size_t i = 0; i < out.size(); ++i)
                out[i] = std::bit_cast<float>(uint32_t(load_le<uint16_t>(p + 2 * i)) << 16);
            break;
        case DType::I64:
            convert_numeric<int64_t>(bytes, out);
            break;
        case DType::I32:
            convert_numeric<int32_t>(bytes, out);
            break;
        case DType::I16:
            convert_numeric<int16_t>(bytes, out);
            break;
        case DType::I8:
            convert_numeric<int8_t>(bytes, out);
            break;
        case DType::U8:
            convert_numeric<uint8_t>(bytes, out);
            break;
        case DType::Bool:
            for (size_t i = 0; i < out.size(); ++i) out[i] = p[i] ? 1.0f : 0.0f;
            break;
    }
}

// [SECTION] Writer

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
    const std::string label = path.filename().string();
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto& t : tensors) {
        if (t.name == "__metadata__" || header.contains(t.name))
            throw Error(label + ": cannot write tensor '" + t.name +
                        "': the name is reserved or used twice");
        uint64_t numel = 1;
        for (int64_t d : t.shape) {
            if (d < 0) throw Error(label + ": tensor '" + t.name + "' has a negative dimension");
            numel *= uint64_t(d);
        }
        if (numel * dtype_size(t.dtype) != t.data.size())
            throw Error(label + ": tensor '" + t.name + "': shape " + shape_string(t.shape) +
                        " x " + dtype_name(t.dtype) + " needs " +
                        std::to_string(numel * dtype_size(t.dtype)) + " bytes but " +
                        std::to_string(t.data.size()) + " were given");
        header[t.name] = {{"dtype", dtype_name(t.dtype)},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.data.size()}}};
        offset += t.data.size();
    }
    std::string header_text = header.dump();
    // Like HF: pad with spaces so the data buffer starts 8-byte aligned.
    header_text.append((8 - header_text.size() % 8) % 8, ' ');

    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path.string() + ": cannot create file");
    uint8_t length[8];
    const uint64_t n = header_text.size();
    std::memcpy(length, &n, 8);
    out.write(reinterpret_cast<const char*>(length), 8);
    out.write(header_text.data(), std::streamsize(header_text.size()));
    for (const auto& t : tensors)
        if (!t.data.empty())
            out.write(reinterpret_cast<const char*>(t.data.data()), std::streamsize(t.data.size()));
    out.close();
    if (!out) throw Error(path.string() + ": write failed");
}

}  // namespace attnscope
