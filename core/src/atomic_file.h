// Writing a file so that it is either complete or absent: the bytes go to a temporary sibling
// ("<path>.part") that is renamed into place only after a successful close. A failed export never
// leaves a truncated file under the real name. Internal to core.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <system_error>

#include "attnscope/errors.h"

namespace attnscope::detail {

inline std::filesystem::path temp_sibling(const std::filesystem::path& path) {
    std::filesystem::path tmp = path;
    tmp += ".part";
    return tmp;
}

inline void discard_temp(const std::filesystem::path& tmp) noexcept {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
}

// Renames the finished `tmp` to `path`; throws Error naming `path` (and removes tmp) if it can't.
inline void commit_temp(const std::filesystem::path& tmp, const std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        discard_temp(tmp);
        throw Error("cannot write " + path.string() + ": " + ec.message());
    }
}

[[noreturn]] inline void throw_cannot_open(const std::filesystem::path& path) {
    throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
}

[[noreturn]] inline void throw_write_failed(const std::filesystem::path& tmp,
                                            const std::filesystem::path& path) {
    discard_temp(tmp);
    throw Error("cannot write " + path.string() + " (disk full?)");
}

// Calls write(std::ostream&) on the temporary sibling of `path`, then renames it into place.
template <typename F>
void write_file_atomically(const std::filesystem::path& path, F&& write) {
    const std::filesystem::path tmp = temp_sibling(path);
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw_cannot_open(path);
        try {
            write(out);
        } catch (...) {
            out.close();
            discard_temp(tmp);
            throw;
        }
        out.close();
        if (!out) throw_write_failed(tmp, path);
    }
    commit_temp(tmp, path);
}

// The same for writers that need a C stream (JsonWriter): write(std::FILE*).
template <typename F>
void write_c_file_atomically(const std::filesystem::path& path, F&& write) {
    const std::filesystem::path tmp = temp_sibling(path);
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw_cannot_open(path);
    try {
        write(f);
    } catch (...) {
        std::fclose(f);
        discard_temp(tmp);
        throw;
    }
    if (std::fclose(f) != 0) throw_write_failed(tmp, path);
    commit_temp(tmp, path);
}

}  // namespace attnscope::detail
