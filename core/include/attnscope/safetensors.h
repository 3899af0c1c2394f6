// safetensors reading: a strict header parser (fuzzed) and a memory-mapped file.
// Format: 8-byte little-endian header length N, N bytes of JSON, then the data buffer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

const char* dtype_name(DType dtype);
size_t dtype_size(DType dtype);

// "[2, 3]": a tensor shape as messages print it.
std::string shape_string(const std::vector<int64_t>& shape);

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // byte offset into the data buffer (after the header)
    uint64_t end = 0;    // exclusive

    int64_t numel() const;
};

struct SafetensorsHeader {
    std::vector<TensorInfo> tensors;                 // in header order
    std::map<std::string, std::string> metadata;     // "__metadata__", string -> string
};

// Parses and validates a header against the size of the data buffer that follows it. Rejects:
// malformed JSON, unknown dtype, negative or overflowing shapes, offsets past the data, overlapping
// ranges, shape x dtype != byte length, duplicate names. `file_label` goes into every message.
// Throws LoadError. This is the libFuzzer entry point's target.
SafetensorsHeader parse_safetensors_header(std::string_view header_json, uint64_t data_size,
                                           const std::string& file_label);

// A read-only memory-mapped safetensors file.
class SafetensorsFile {
public:
    // Opens, maps and validates `path`. Throws LoadError (header length past end, bad header...).
    explicit SafetensorsFile(const std::filesystem::path& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    const SafetensorsHeader& header() const { return m_header; }
    const TensorInfo* find(std::string_view name) const;  // nullptr if absent
    // The raw bytes of a tensor (points into the mapping; valid while this object lives).
    std::span<const uint8_t> bytes(const TensorInfo& info) const;
    // The tensor converted to F32 (from F32, F16, BF16, F64 or integer types).
    std::vector<float> to_f32(const TensorInfo& info) const;

private:
    std::filesystem::path m_path;
    SafetensorsHeader m_header;
    const uint8_t* m_map = nullptr;
    size_t m_map_size = 0;
    const uint8_t* m_data = nullptr;  // start of the data buffer inside the mapping
};

// Converts raw little-endian tensor bytes of `dtype` to F32.
void convert_to_f32(DType dtype, std::span<const uint8_t> bytes, std::span<float> out);

// Writes a safetensors file (used by tests to make small files, and by exports).
struct TensorToWrite {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;  // raw little-endian bytes
};
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace attnscope
