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
#include "attnscope/npy.h"

namespace attnscope::detail {

inline void put16(std::string& out, uint32_t v) {
    out.push_back(char(v & 0xFF));
    out.push_back(char((v >> 8) & 0xFF));
}
inline void put32(std::string& out, uint32_t v) {
    put16(out, v & 0xFFFF);
    put16(out, v >> 16);
}
inline void put64(std::string& out, uint64_t v) {
    put32(out, uint32_t(v & 0xFFFFFFFFu));
    put32(out, uint32_t(v >> 32));
}
// The caller checks that [at, at + 2) / [at, at + 4) lies inside `s`.
inline uint32_t get16(std::string_view s, size_t at) {
    return uint32_t(uint8_t(s[at])) | uint32_t(uint8_t(s[at + 1])) << 8;
}
inline uint32_t get32(std::string_view s, size_t at) {
    return get16(s, at) | get16(s, at + 2) << 16;
}
inline uint64_t get64(std::string_view s, size_t at) {
    return uint64_t(get32(s, at)) | uint64_t(get32(s, at + 4)) << 32;
}

// Element count of `shape`; throws LoadError naming `what` if a dimension is negative or the byte
// size (count * item_size) overflows.
size_t checked_count(std::span<const int64_t> shape, size_t item_size, const std::string& what);

// When the .npz writer uses zip64 structures (APPNOTE 4.3.14-4.3.16, 4.5.3). WhenNeeded: only for
// sizes, offsets and counts that do not fit the 32/16-bit fields, so archives under 4 GiB stay
// plain zips. Always: every entry and the end record, so tests can check zip64 archives without
// writing 4 GiB.
enum class Zip64 { WhenNeeded, Always };
std::string npz_serialize(std::span<const NpzMember> members, Zip64 zip64);

}  // namespace attnscope::detail
