// NumPy .npy files (npz.cpp holds the zip side). The formats:
//   .npy  "\x93NUMPY", major, minor, header length (u16 for 1.0, u32 for 2.0/3.0), a Python dict
//         literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces
//         and a newline so that the data starts on a 64-byte boundary, then the raw elements.
//   .npz  a zip archive of "<key>.npy" members (PKWARE APPNOTE 6.3: local headers, central
//         directory, end-of-central-directory record).
// The zip reader trusts the central directory, not the local headers: np.savez writes its local
// headers with zip64 extra fields and 0xFFFFFFFF sizes (Python's force_zip64), while the central
// directory holds the real sizes, or zip64 extra fields for the ones past 4 GiB.
#include "attnscope/npy.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include "attnscope/errors.h"
#include "atomic_file.h"
#include "npy_internal.h"
#include "unicode.h"

namespace attnscope {

static_assert(std::endian::native == std::endian::little,
              "npy.cpp copies little-endian file data straight into memory");

namespace {

// [SECTION] dtype table

struct TypeInfo {
    NpyType type;
    char kind;    // numpy's kind letter
    size_t size;  // bytes; 0 for the sized string kinds
    const char* name;
};

constexpr TypeInfo k_types[] = {
    {NpyType::F16, 'f', 2, "float16"}, {NpyType::F32, 'f', 4, "float32"},
    {NpyType::F64, 'f', 8, "float64"}, {NpyType::I8, 'i', 1, "int8"},
    {NpyType::I16, 'i', 2, "int16"},   {NpyType::I32, 'i', 4, "int32"},
    {NpyType::I64, 'i', 8, "int64"},   {NpyType::U8, 'u', 1, "uint8"},
    {NpyType::U16, 'u', 2, "uint16"},  {NpyType::U32, 'u', 4, "uint32"},
    {NpyType::U64, 'u', 8, "uint64"},  {NpyType::Bool, 'b', 1, "bool"},
    {NpyType::Unicode, 'U', 0, "str"}, {NpyType::Bytes, 'S', 0, "bytes"},
};

const TypeInfo& info_of(NpyType type) {
    for (const TypeInfo& t : k_types)
        if (t.type == type) return t;
    return k_types[0];
}

bool is_string_type(NpyType t) {
    return t == NpyType::Unicode || t == NpyType::Bytes;
}

// Parses a descr such as "<f4", "|u1", "<U12", "|S5". Throws with `what` on anything else.
void parse_descr(const std::string& descr, const std::string& what, NpyArray& out) {
    auto refuse = [&](const std::string& why) {
        throw LoadError(what + ": dtype '" + descr + "' is not supported (" + why + ")");
    };
    if (descr.size() < 2) refuse("too short");
    char order = descr[0];
    const char kind = descr[1];
    const std::string digits = descr.substr(2);
    if (order == '=') order = '<';  // native order, and this build is little-endian
    if (order != '<' && order != '|' && order != '>') refuse("unknown byte order");
    if (kind == 'O')
        refuse(
            "an object array holds pickled Python objects; store numbers or strings, e.g. "
            "np.array(tokens) for a '<U' string array");
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c); }))
        refuse("no element size");
    const size_t size = size_t(std::stoul(digits));
    for (const TypeInfo& t : k_types) {
        if (t.kind != kind) continue;
        if (t.size != 0 && t.size != size) continue;
        if (order == '>' && size > 1 && t.type != NpyType::Bytes)
            refuse("big-endian; save it little-endian, e.g. a.astype('<" + std::string(1, kind) +
                   digits + "')");
        if (t.size == 0 && size == 0) refuse("zero-length strings");
        out.type = t.type;
        out.item_size = t.type == NpyType::Unicode ? 4 * size : size;
        return;
    }
    refuse("expected float16/32/64, a (u)int, bool, '<U' or '|S'");
}

// [SECTION] Header dict parsing

// A tiny reader for the Python literal numpy writes: {'key': value, ...} with string, bool and
// tuple-of-int values. It parses; it never evaluates.
class HeaderParser {
  public:
    HeaderParser(std::string_view text, const std::string& what) : m_s(text), m_what(what) {}

    void parse(NpyArray& out) {
        bool have_descr = false, have_order = false, have_shape = false;
        expect('{');
        while (true) {
            skip_space();
            if (peek() == '}') break;
            const std::string key = string_literal();
            expect(':');
            skip_space();
            if (key == "descr") {
                if (peek() == '[')
                    fail(
                        "a structured dtype (a list of fields) is not supported; save one plain "
                        "array per key");
                parse_descr(string_literal(), m_what, out);
                have_descr = true;
            } else if (key == "fortran_order") {
                out.fortran_order = boolean();
                have_order = true;
            } else if (key == "shape") {
                out.shape = tuple();
                have_shape = true;
            } else {
                fail("unexpected key '" + key + "' in the header");
            }
            skip_space();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            skip_space();
            if (peek() != '}') fail("expected ',' or '}' in the header");
        }
        if (!have_descr || !have_order || !have_shape)
            fail("the header lacks one of 'descr', 'fortran_order', 'shape'");
    }

  private:
    [[noreturn]] void fail(const std::string& why) const {
        throw LoadError(m_what + ": bad .npy header: " + why);
    }
    char peek() const { return m_pos < m_s.size() ? m_s[m_pos] : '\0'; }
    void skip_space() {
        while (m_pos < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_pos]))) ++m_pos;
    }
    void expect(char c) {
        skip_space();
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++m_pos;
    }
    std::string string_literal() {
        skip_space();
        const char quote = peek();
        if (quote != '\'' && quote != '"') fail("expected a quoted string");
        const size_t end = m_s.find(quote, m_pos + 1);
        if (end == std::string_view::npos) fail("unterminated string");
        std::string out(m_s.substr(m_pos + 1, end - m_pos - 1));
        m_pos = end + 1;
        return out;
    }
    bool boolean() {
        if (m_s.substr(m_pos, 4) == "True") {
            m_pos += 4;
            return true;
        }
        if (m_s.substr(m_pos, 5) == "False") {
            m_pos += 5;
            return false;
        }
        fail("expected True or False");
    }
    std::vector<int64_t> tuple() {
        expect('(');
        std::vector<int64_t> out;
        while (true) {
            skip_space();
            if (peek() == ')') break;
            int64_t v = 0;
            size_t digits = 0;
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) fail("dimension too large");
                v = v * 10 + (m_s[m_pos++] - '0');
                ++digits;
            }
            if (digits == 0) fail("expected a dimension in the shape");
            out.push_back(v);
            skip_space();
            if (peek() == ',')
                ++m_pos;
            else if (peek() != ')')
                fail("expected ',' or ')' in the shape");
        }
        ++m_pos;
        if (out.size() > 32) fail("more than 32 dimensions");
        return out;
    }

    std::string_view m_s;
    const std::string& m_what;
    size_t m_pos = 0;
};

// [SECTION] Element access

// Byte offset of C-order element `c_index` in an array stored in Fortran order.
size_t fortran_offset(size_t c_index, std::span<const int64_t> shape) {
    // Decompose the C index (last axis fastest), recompose with the first axis fastest.
    size_t offset = 0, stride = 1;
    std::vector<size_t> idx(shape.size());
    for (size_t a = shape.size(); a-- > 0;) {
        idx[a] = c_index % size_t(shape[a]);
        c_index /= size_t(shape[a]);
    }
    for (size_t a = 0; a < shape.size(); ++a) {
        offset += idx[a] * stride;
        stride *= size_t(shape[a]);
    }
    return offset;
}

// Calls f(c_index, pointer to the element's bytes) for every element in C order.
template <typename F>
void for_each_element(const NpyArray& a, F&& f) {
    const size_t n = a.element_count();
    const bool transpose = a.fortran_order && a.shape.size() > 1;
    for (size_t i = 0; i < n; ++i) {
        const size_t at = transpose ? fortran_offset(i, a.shape) : i;
        f(i, a.data.data() + at * a.item_size);
    }
}

template <typename T>
T load(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// IEEE half to float, subnormals, infinities and NaN included.
float half_to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1Fu;
    const uint32_t mant = h & 0x3FFu;
    if (exp == 0) {  // zero or subnormal: mant * 2^-24
        const float v = std::ldexp(float(mant), -24);
        return sign ? -v : v;
    }
    uint32_t bits;
    if (exp == 31) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    }
    return std::bit_cast<float>(bits);
}

}  // namespace

size_t detail::checked_count(std::span<const int64_t> shape, size_t item_size,
                             const std::string& what) {
    size_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) throw LoadError(what + ": negative dimension in shape");
        if (__builtin_mul_overflow(n, size_t(d), &n))
            throw LoadError(what + ": shape " + npy_shape_string(shape) + " is too large");
    }
    size_t bytes = 0;
    if (__builtin_mul_overflow(n, item_size, &bytes))
        throw LoadError(what + ": shape " + npy_shape_string(shape) + " is too large");
    return n;
}

// [SECTION] NpyArray

size_t NpyArray::element_count() const {
    size_t n = 1;
    for (int64_t d : shape) n *= size_t(d);
    return n;
}

namespace {
std::string descr_of(NpyType type, size_t item_size) {
    const TypeInfo& t = info_of(type);
    const char order =
        item_size == 1 || type == NpyType::Bytes || type == NpyType::Bool ? '|' : '<';
    const size_t n = type == NpyType::Unicode ? item_size / 4 : item_size;
    return std::string(1, order) + t.kind + std::to_string(n);
}
}  // namespace

std::string NpyArray::descr() const {
    return descr_of(type, item_size);
}

std::string NpyArray::shape_string() const {
    return npy_shape_string(shape);
}

std::string npy_shape_string(std::span<const int64_t> shape) {
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    if (shape.size() == 1) s += ",";
    return s + ")";
}

// [SECTION] Making arrays

namespace {
template <typename T>
NpyArray from_pod(NpyType type, std::span<const T> values, std::vector<int64_t> shape) {
    NpyArray a;
    a.type = type;
    a.item_size = sizeof(T);
    a.shape = std::move(shape);
    assert(a.element_count() == values.size());
    a.data.resize(values.size_bytes());
    if (!values.empty()) std::memcpy(a.data.data(), values.data(), values.size_bytes());
    return a;
}
}  // namespace

NpyRef npy_ref_f32(std::span<const float> values, std::vector<int64_t> shape) {
    NpyRef r;
    r.type = NpyType::F32;
    r.item_size = 4;
    r.shape = std::move(shape);
    r.data = {reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()};
    assert(detail::checked_count(r.shape, 4, "npy_ref_f32") == values.size());
    return r;
}

NpyArray npy_from_f32(std::span<const float> values, std::vector<int64_t> shape) {
    return from_pod(NpyType::F32, values, std::move(shape));
}

NpyArray npy_from_i32(std::span<const int32_t> values, std::vector<int64_t> shape) {
    return from_pod(NpyType::I32, values, std::move(shape));
}

NpyArray npy_from_u8(std::span<const uint8_t> values, std::vector<int64_t> shape, bool as_bool) {
    NpyArray a = from_pod(as_bool ? NpyType::Bool : NpyType::U8, values, std::move(shape));
    if (as_bool)
        for (uint8_t& b : a.data) b = b ? 1 : 0;
    return a;
}

NpyArray npy_from_strings(const std::vector<std::string>& values, std::vector<int64_t> shape) {
    std::vector<std::u32string> wide;
    wide.reserve(values.size());
    size_t longest = 1;  // numpy has no '<U0' array
    for (const std::string& v : values) {
        const std::string s = unicode::utf8_lossy(v);
        std::u32string w;
        for (size_t i = 0; i < s.size();) {
            const unicode::Utf8Char c = unicode::decode_utf8(s, i);
            w.push_back(c.cp);
            i += c.len;
        }
        longest = std::max(longest, w.size());
        wide.push_back(std::move(w));
    }
    NpyArray a;
    a.type = NpyType::Unicode;
    a.item_size = 4 * longest;
    a.shape = std::move(shape);
    assert(a.element_count() == values.size());
    a.data.assign(values.size() * a.item_size, 0);
    for (size_t i = 0; i < wide.size(); ++i)
        for (size_t k = 0; k < wide[i].size(); ++k) {
            const uint32_t cp = uint32_t(wide[i][k]);
            std::memcpy(a.data.data() + i * a.item_size + 4 * k, &cp, 4);
        }
    return a;
}

NpyArray npy_from_string(std::string_view value) {
    return npy_from_strings({std::string(value)}, {});
}

// [SECTION] Reading values

std::vector<float> npy_to_f32(const NpyArray& a, const std::string& what) {
    std::vector<float> out(a.element_count());
    auto fill = [&](auto convert) {
        for_each_element(a, [&](size_t i, const uint8_t* p) { out[i] = convert(p); });
    };
    switch (a.type) {
        case NpyType::F16:
            fill([](const uint8_t* p) { return half_to_float(load<uint16_t>(p)); });
            break;
        case NpyType::F32:
            if (!a.fortran_order || a.shape.size() < 2) {  // the common case: one copy
                if (!out.empty()) std::memcpy(out.data(), a.data.data(), out.size() * 4);
                break;
            }
            fill([](const uint8_t* p) { return load<float>(p); });
            break;
        case NpyType::F64:
            fill([](const uint8_t* p) { return float(load<double>(p)); });
            break;
        case NpyType::Unicode:
        case NpyType::Bytes:
            throw LoadError(what + ": expected numbers, found strings (dtype '" + a.descr() + "')");
        default: {
            const std::vector<int64_t> ints = npy_to_i64(a, what);
            for (size_t i = 0; i < ints.size(); ++i) out[i] = float(ints[i]);
        }
    }
    return out;
}

std::vector<int64_t> npy_to_i64(const NpyArray& a, const std::string& what) {
    std::vector<int64_t> out(a.element_count());
    auto fill = [&](auto convert) {
        for_each_element(a, [&](size_t i, const uint8_t* p) { out[i] = int64_t(convert(p)); });
    };
    switch (a.type) {
        case NpyType::I8:
            fill(load<int8_t>);
            break;
        case NpyType::I16:
            fill(load<int16_t>);
            break;
        case NpyType::I32:
            fill(load<int32_t>);
            break;
        case NpyType::I64:
            fill(load<int64_t>);
            break;
        case NpyType::U8:
        case NpyType::Bool:
            fill(load<uint8_t>);
            break;
        case NpyType::U16:
            fill(load<uint16_t>);
            break;
        case NpyType::U32:
            fill(load<uint32_t>);
            break;
        case NpyType::U64:
            for_each_element(a, [&](size_t i, const uint8_t* p) {
                const uint64_t v = load<uint64_t>(p);
                if (v > uint64_t(std::numeric_limits<int64_t>::max()))
                    throw LoadError(what + ": value " + std::to_string(v) + " is too large");
                out[i] = int64_t(v);
            });
            break;
        default:
            throw LoadError(what + ": expected integers, found dtype '" + a.descr() + "'");
    }
    return out;
}

std::vector<std::string> npy_to_strings(const NpyArray& a, const std::string& what) {
    if (!is_string_type(a.type))
        throw LoadError(what + ": expected strings ('<U' or '|S'), found dtype '" + a.descr() +
                        "'");
    std::vector<std::string> out(a.element_count());
    for_each_element(a, [&](size_t i, const uint8_t* p) {
        std::string s;
        if (a.type == NpyType::Bytes) {
            size_t n = a.item_size;
            while (n > 0 && p[n - 1] == 0) --n;  // numpy strips trailing NULs too
            s = unicode::utf8_lossy(std::string_view(reinterpret_cast<const char*>(p), n));
        } else {
            size_t n = a.item_size / 4;
            while (n > 0 && load<uint32_t>(p + 4 * (n - 1)) == 0) --n;
            for (size_t k = 0; k < n; ++k) {
                const uint32_t cp = load<uint32_t>(p + 4 * k);
                const bool valid = cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
                unicode::append_utf8(s, valid ? char32_t(cp) : char32_t(0xFFFD));
            }
        }
        out[i] = std::move(s);
    });
    return out;
}

// [SECTION] .npy

std::string npy_header(const NpyRef& a) {
    const std::string dict = "{'descr': '" + descr_of(a.type, a.item_size) +
                             "', 'fortran_order': " + (a.fortran_order ? "True" : "False") +
                             ", 'shape': " + npy_shape_string(a.shape) + ", }";
    // Pad with spaces and end with a newline so the data starts on a 64-byte boundary (numpy's
    // alignment, which lets np.load memory-map the file).
    auto padded = [&](size_t prefix) {
        std::string h = dict;
        const size_t total = prefix + h.size() + 1;
        h.append((64 - total % 64) % 64, ' ');
        h += '\n';
        return h;
    };
    std::string header = padded(10);
    uint8_t major = 1;
    if (header.size() > 0xFFFF) {
        header = padded(12);
        major = 2;
    }
    std::string out = "\x93NUMPY";
    out.push_back(char(major));
    out.push_back('\0');
    if (major == 1) {
        detail::put16(out, uint32_t(header.size()));
    } else {
        detail::put32(out, uint32_t(header.size()));
    }
    return out + header;
}

std::string npy_serialize(const NpyArray& a) {
    assert(a.data.size() == a.element_count() * a.item_size);
    std::string out = npy_header(NpyRef::of(a));
    out.append(reinterpret_cast<const char*>(a.data.data()), a.data.size());
    return out;
}

NpyArray npy_parse(std::string_view bytes, const std::string& what) {
    if (bytes.size() < 10 || bytes.substr(0, 6) != "\x93NUMPY")
        throw LoadError(what + ": not a .npy array (no \\x93NUMPY magic)");
    const int major = uint8_t(bytes[6]);
    size_t header_len = 0, prefix = 0;
    if (major == 1) {
        header_len = detail::get16(bytes, 8);
        prefix = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) throw LoadError(what + ": truncated .npy header");
        header_len = detail::get32(bytes, 8);
        prefix = 12;
    } else {
        throw LoadError(what + ": .npy format version " + std::to_string(major) +
                        ".x is not supported (1.0, 2.0 and 3.0 are)");
    }
    if (bytes.size() < prefix + header_len)
        throw LoadError(what + ": truncated .npy header (" + std::to_string(bytes.size()) +
                        " bytes in the file, the header needs " +
                        std::to_string(prefix + header_len) + ")");
    NpyArray a;
    HeaderParser(bytes.substr(prefix, header_len), what).parse(a);
    const size_t n = detail::checked_count(a.shape, a.item_size, what);
    const size_t want = n * a.item_size;
    const std::string_view data = bytes.substr(prefix + header_len);
    if (data.size() != want)
        throw LoadError(what + ": " + (data.size() < want ? "truncated: " : "") + "dtype '" +
                        a.descr() + "' shape " + a.shape_string() + " needs " +
                        std::to_string(want) + " bytes of data, the file has " +
                        std::to_string(data.size()));
    a.data.assign(data.begin(), data.end());
    return a;
}

std::string read_binary_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError("cannot open " + path.string() + ": " + std::strerror(errno));
    std::string bytes;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) throw LoadError("cannot read " + path.string());
    bytes.resize(size_t(size));
    in.seekg(0);
    in.read(bytes.data(), size);
    if (!in) throw LoadError("cannot read " + path.string());
    return bytes;
}

void write_npy(const std::filesystem::path& path, const NpyArray& array) {
    detail::write_file_atomically(path, [&](std::ostream& out) {
        const std::string bytes = npy_serialize(array);
        out.write(bytes.data(), std::streamsize(bytes.size()));
    });
}

NpyArray read_npy(const std::filesystem::path& path) {
    return npy_parse(read_binary_file(path), path.string());
}

}  // namespace attnscope
