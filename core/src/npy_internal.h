// Internal helpers shared by npy.cpp and npz.cpp: little-endian fields and shape checks. Not part
// of the public API.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "attnscope/errors.h"

namespace attnscope::detail {

inline void put16(std::string& out, uint32_t v) {
    out.push_back(char(v & 0xFF));
    out.push_back(char((v >> 8) & 0xFF));
}
inline void put32(std::string& out, uint32_t v) {
    put16(out, v & 0xFFFF);
    put16(out, v >> 16);
}
// The caller checks that [at, at + 2) / [at, at + 4) lies inside `s`.
inline uint32_t get16(std::string_view s, size_t at) {
    return uint32_t(uint8_t(s[at])) | uint32_t(uint8_t(s[at + 1])) << 8;
}
inline uint32_t get32(std::string_view s, size_t at) {
    return get16(s, at) | get16(s, at + 2) << 16;
}

// Element count of `shape`; throws LoadError naming `what` if a dimension is negative or the byte
// size (count * item_size) overflows.
size_t checked_count(std::span<const int64_t> shape, size_t item_size, const std::string& what);

}  // namespace attnscope::detail
