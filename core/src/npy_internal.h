// Internal helpers shared by npy.cpp and npz.cpp: little-endian fields, shape checks, and writing
// a file through a temporary sibling. Not part of the public API.
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

// Calls write(std::ostream&) on a temporary sibling of `path` and renames it into place, so a
// failed write never leaves a truncated file under the real name. Throws Error naming `path`.
template <typename F>
void write_file_atomically(const std::filesystem::path& path, F&& write) {
    std::filesystem::path tmp = path;
    tmp += ".part";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
        try {
            write(out);
        } catch (...) {
            out.close();
            std::error_code ignored;
            std::filesystem::remove(tmp, ignored);
            throw;
        }
        out.close();
        if (!out) {
            std::error_code ignored;
            std::filesystem::remove(tmp, ignored);
            throw Error("cannot write " + path.string() + " (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw Error("cannot write " + path.string() + ": " + ec.message());
    }
}

}  // namespace attnscope::detail
