// NumPy's file formats: .npy (one array) and .npz (a zip of .npy files), read and written without
// Python, so traces can go to and come from `np.load` / `np.savez`.
//
// - .npy: format versions 1.0, 2.0 and 3.0 (the header dict is parsed, not evaluated).
// Little-endian
//   or byte-order-free dtypes only; C order, or Fortran order (transposed to C order on request).
// - .npz: written with STORED (uncompressed) entries and correct CRC-32s, as np.savez does; read
//   with STORED or DEFLATED entries (np.savez_compressed), CRC-32 checked. Archives of 4 GiB or
//   more, or of 65535 entries or more, use zip64 both ways (written only where a field needs it,
//   as Python's zipfile does). Encrypted or multi-disk archives are refused with a message.
//
// Errors: every bad input throws LoadError naming the file, the array and what was expected versus
// what was found. Nothing here keeps state; all functions are re-entrant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

// The element types attnscope reads and writes. Anything else (complex, structured, object
// arrays, datetimes) is refused when parsed.
enum class NpyType {
    F16,      // '<f2'
    F32,      // '<f4'
    F64,      // '<f8'
    I8,       // '|i1'
    I16,      // '<i2'
    I32,      // '<i4'
    I64,      // '<i8'
    U8,       // '|u1'
    U16,      // '<u2'
    U32,      // '<u4'
    U64,      // '<u8'
    Bool,     // '|b1'
    Unicode,  // '<U{n}': n UTF-32 code units per element, NUL-padded
    Bytes,    // '|S{n}': n bytes per element, NUL-padded
};

// One array as stored: raw element bytes (little-endian), in the file's order.
struct NpyArray {
    NpyType type = NpyType::F32;
    size_t item_size = 4;        // bytes per element (Unicode: 4 * n, Bytes: n)
    std::vector<int64_t> shape;  // empty = a 0-d scalar (one element)
    bool fortran_order = false;  // true: first index fastest (np.asfortranarray)
    std::vector<uint8_t> data;   // element_count() * item_size bytes

    size_t element_count() const;
    std::string descr() const;         // "<f4", "<U12", "|b1" ...
    std::string shape_string() const;  // "(2, 3)", "()", "(5,)" as numpy prints it
};

// An array to write, borrowing its element bytes (no copy of large trace buffers). The bytes must
// outlive the write call.
struct NpyRef {
    NpyType type = NpyType::F32;
    size_t item_size = 4;
    std::vector<int64_t> shape;
    bool fortran_order = false;
    std::span<const uint8_t> data;  // element count * item_size bytes

    static NpyRef of(const NpyArray& a) {
        return {a.type, a.item_size, a.shape, a.fortran_order, {a.data.data(), a.data.size()}};
    }
};

// "(2, 3)" for a shape (numpy's tuple syntax).
std::string npy_shape_string(std::span<const int64_t> shape);

// [SECTION] Making arrays (C order)

// Borrows `values` (C order, element count = product of `shape`).
NpyRef npy_ref_f32(std::span<const float> values, std::vector<int64_t> shape);

NpyArray npy_from_f32(std::span<const float> values, std::vector<int64_t> shape);
NpyArray npy_from_i32(std::span<const int32_t> values, std::vector<int64_t> shape);
NpyArray npy_from_u8(std::span<const uint8_t> values, std::vector<int64_t> shape, bool as_bool);
// A '<U{n}' array of UTF-8 strings (n = the longest string in code points, at least 1).
// Invalid UTF-8 bytes become U+FFFD.
NpyArray npy_from_strings(const std::vector<std::string>& values, std::vector<int64_t> shape);
// A 0-d '<U{n}' scalar (np.array("text")).
NpyArray npy_from_string(std::string_view value);

// [SECTION] Reading values out (any stored order; the result is in C order)

// Elements as float32. F16, F32 and F64 convert (F64 rounds to nearest); integer types convert
// exactly up to 2^24. Throws LoadError naming `what` for strings.
std::vector<float> npy_to_f32(const NpyArray& array, const std::string& what);
// Elements as int64 (integer and bool types only; LoadError naming `what` otherwise).
std::vector<int64_t> npy_to_i64(const NpyArray& array, const std::string& what);
// Elements as UTF-8 strings: Unicode arrays decode UTF-32 (trailing NULs dropped), Bytes arrays
// are taken as UTF-8 (invalid bytes become U+FFFD). LoadError naming `what` for numbers.
std::vector<std::string> npy_to_strings(const NpyArray& array, const std::string& what);

// [SECTION] .npy bytes and files

// The magic, version and header dict of a .npy file (version 1.0, or 2.0 when the header needs
// it): the element bytes follow.
std::string npy_header(const NpyRef& array);
// The bytes of a .npy file: npy_header + the elements.
std::string npy_serialize(const NpyArray& array);
// Parses the bytes of a .npy file; `what` names it in errors ("a.npz: attention.npy").
NpyArray npy_parse(std::string_view bytes, const std::string& what);

void write_npy(const std::filesystem::path& path, const NpyArray& array);
NpyArray read_npy(const std::filesystem::path& path);

// [SECTION] .npz archives

struct NpzEntry {
    std::string name;  // the key np.load gives it: the file name without ".npy"
    NpyArray array;
};

// An array to write into an archive (borrowed bytes).
struct NpzMember {
    std::string name;  // key; the zip entry is "<name>.npy"
    NpyRef array;
};

// The bytes of an .npz (zip, STORED entries "<name>.npy", like np.savez). Names must be unique
// and non-empty; Error otherwise. Zip64 structures are written only for what does not fit the
// 32-bit fields (4 GiB), so smaller archives are plain zips.
std::string npz_serialize(std::span<const NpzMember> members);
// Streams the archive to a temporary file beside `path` and renames it into place, so a failed
// write never leaves half a file. Throws Error naming the path if it cannot be written.
void write_npz(const std::filesystem::path& path, std::span<const NpzMember> members);

// Parses the bytes of an .npz archive (entries in central-directory order). Entries whose name
// does not end in ".npy" are skipped. `what` names the file in errors.
std::vector<NpzEntry> npz_parse(std::string_view bytes, const std::string& what);
std::vector<NpzEntry> read_npz(const std::filesystem::path& path);

// The whole file as bytes; LoadError naming it if it cannot be read.
std::string read_binary_file(const std::filesystem::path& path);

}  // namespace attnscope
