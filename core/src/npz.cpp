// NumPy .npz archives: a zip of "<key>.npy" members (PKWARE APPNOTE 6.3: local headers, central
// directory, end-of-central-directory record). npy.cpp handles the members themselves.
//
// The reader trusts the central directory, not the local headers: np.savez writes its local
// headers with zip64 extra fields and 0xFFFFFFFF sizes (Python's force_zip64), while the central
// directory holds the real sizes for any archive under 4 GiB.
#include <zlib.h>

#include <algorithm>
#include <cassert>
#include <set>
#include <sstream>

#include "attnscope/errors.h"
#include "attnscope/npy.h"
#include "atomic_file.h"
#include "npy_internal.h"

namespace attnscope {

using detail::checked_count;
using detail::get16;
using detail::get32;
using detail::put16;
using detail::put32;
using detail::write_file_atomically;

namespace {

uint32_t crc32_of(std::string_view bytes) {
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t at = 0;
    while (at < bytes.size()) {  // zlib takes uInt lengths
        const uInt n = uInt(std::min<size_t>(bytes.size() - at, 1u << 30));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), n);
        at += n;
    }
    return uint32_t(crc);
}

// Raw deflate (zip method 8) into exactly `size` bytes.
std::string inflate_raw(std::string_view in, size_t size, const std::string& what) {
    std::string out(size, '\0');
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw LoadError(what + ": zlib inflateInit failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    size_t in_left = in.size(), out_left = size;
    int rc = Z_OK;
    while (rc == Z_OK) {
        const uInt in_chunk = uInt(std::min<size_t>(in_left, 1u << 30));
        const uInt out_chunk = uInt(std::min<size_t>(out_left, 1u << 30));
        zs.avail_in = in_chunk;
        zs.avail_out = out_chunk;
        rc = inflate(&zs, Z_NO_FLUSH);
        in_left -= in_chunk - zs.avail_in;
        out_left -= out_chunk - zs.avail_out;
        if (rc == Z_OK && zs.avail_in == 0 && in_left == 0) {
            rc = Z_DATA_ERROR;  // input used up before the end of the stream
        } else if (rc == Z_BUF_ERROR && out_left == 0) {
            rc = Z_DATA_ERROR;  // more output than the directory says
        }
    }
    const std::string zlib_message = zs.msg ? zs.msg : "truncated or too long";
    inflateEnd(&zs);
    if (rc != Z_STREAM_END)
        throw LoadError(what + ": the compressed data is corrupt (zlib: " + zlib_message + ")");
    if (out_left != 0)
        throw LoadError(what + ": inflated to " + std::to_string(size - out_left) +
                        " bytes, the zip directory says " + std::to_string(size));
    return out;
}

}  // namespace

// [SECTION] .npz

namespace {
constexpr uint32_t k_local_sig = 0x04034b50, k_central_sig = 0x02014b50, k_end_sig = 0x06054b50;
constexpr uint32_t k_dos_date = (0u << 9) | (1u << 5) | 1u;  // 1980-01-01: reproducible bytes
constexpr size_t k_local_size = 30, k_central_size = 46, k_end_size = 22;
}  // namespace

namespace {

uint32_t crc32_update(uint32_t crc, std::span<const uint8_t> bytes) {
    uLong c = crc;
    size_t at = 0;
    while (at < bytes.size()) {  // zlib takes uInt lengths
        const uInt n = uInt(std::min<size_t>(bytes.size() - at, 1u << 30));
        c = crc32(c, bytes.data() + at, n);
        at += n;
    }
    return uint32_t(c);
}

// Streams a STORED zip to `out`. CRCs are computed before each entry is written, so each local
// header is final when written and no seeking back is needed.
void write_zip(std::ostream& out, std::span<const NpzMember> members) {
    std::string central;
    std::set<std::string> names;
    if (members.size() > 0xFFFF) throw Error("npz: too many arrays for a zip without zip64");
    uint64_t offset = 0;
    for (const NpzMember& m : members) {
        if (m.name.empty() || !names.insert(m.name).second)
            throw Error("npz: array names must be unique and non-empty ('" + m.name + "')");
        assert(m.array.data.size() ==
               checked_count(m.array.shape, m.array.item_size, m.name) * m.array.item_size);
        const std::string name = m.name + ".npy";
        const std::string header = npy_header(m.array);
        const uint64_t size = header.size() + m.array.data.size();
        if (size >= 0xFFFFFFFFu || offset >= 0xFFFFFFFFu)
            throw Error("npz: array '" + m.name +
                        "' makes the archive larger than 4 GiB (zip64 is not supported)");
        uint32_t crc =
            crc32_update(0, {reinterpret_cast<const uint8_t*>(header.data()), header.size()});
        crc = crc32_update(crc, m.array.data);
        auto common = [&](std::string& s) {  // the fields local and central headers share
            put16(s, 20);                    // version needed: 2.0
            put16(s, 0);                     // flags
            put16(s, 0);                     // method: stored
            put16(s, 0);                     // time
            put16(s, k_dos_date);
            put32(s, crc);
            put32(s, uint32_t(size));  // compressed size
            put32(s, uint32_t(size));  // uncompressed size
            put16(s, uint32_t(name.size()));
            put16(s, 0);  // extra field length
        };
        std::string local;
        put32(local, k_local_sig);
        common(local);
        local += name;
        local += header;
        out.write(local.data(), std::streamsize(local.size()));
        out.write(reinterpret_cast<const char*>(m.array.data.data()),
                  std::streamsize(m.array.data.size()));

        put32(central, k_central_sig);
        put16(central, 20);  // version made by
        common(central);
        put16(central, 0);  // comment length
        put16(central, 0);  // disk number
        put16(central, 0);  // internal attributes
        put32(central, 0);  // external attributes
        put32(central, uint32_t(offset));
        central += name;
        offset += local.size() - header.size() + size;
    }
    if (offset + central.size() >= 0xFFFFFFFFu)
        throw Error("npz: the archive would be larger than 4 GiB (zip64 is not supported)");
    std::string end;
    put32(end, k_end_sig);
    put16(end, 0);
    put16(end, 0);
    put16(end, uint32_t(members.size()));
    put16(end, uint32_t(members.size()));
    put32(end, uint32_t(central.size()));
    put32(end, uint32_t(offset));
    put16(end, 0);
    out.write(central.data(), std::streamsize(central.size()));
    out.write(end.data(), std::streamsize(end.size()));
}

}  // namespace

std::string npz_serialize(std::span<const NpzMember> members) {
    std::ostringstream out;
    write_zip(out, members);
    return std::move(out).str();
}

void write_npz(const std::filesystem::path& path, std::span<const NpzMember> members) {
    write_file_atomically(path, [&](std::ostream& out) { write_zip(out, members); });
}

std::vector<NpzEntry> npz_parse(std::string_view bytes, const std::string& what) {
    if (bytes.substr(0, 6) == "\x93NUMPY")
        throw LoadError(what + ": this is a single .npy array, not an .npz archive");
    if (bytes.size() < k_end_size || bytes.substr(0, 2) != "PK")
        throw LoadError(what +
                        ": not an .npz file (not a zip archive: no 'PK' signature); save "
                        "with np.savez or np.savez_compressed");
    // The end record sits in the last 22 + 65535 (comment) bytes.
    size_t end = std::string_view::npos;
    const size_t lowest =
        bytes.size() > k_end_size + 0xFFFF ? bytes.size() - k_end_size - 0xFFFF : 0;
    for (size_t at = bytes.size() - k_end_size + 1; at-- > lowest;)
        if (get32(bytes, at) == k_end_sig) {
            end = at;
            break;
        }
    if (end == std::string_view::npos)
        throw LoadError(what +
                        ": truncated or damaged zip archive (no end-of-central-directory "
                        "record)");
    const uint32_t disk = get16(bytes, end + 4), cd_disk = get16(bytes, end + 6);
    const uint32_t n_entries = get16(bytes, end + 10);
    const uint32_t cd_size = get32(bytes, end + 12), cd_offset = get32(bytes, end + 16);
    if (n_entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu)
        throw LoadError(what + ": a zip64 archive (over 4 GiB or 65535 arrays) is not supported");
    if (disk != 0 || cd_disk != 0)
        throw LoadError(what + ": multi-part zip archives are not supported");
    if (size_t(cd_offset) + cd_size > end)
        throw LoadError(what +
                        ": truncated or damaged zip archive (the central directory lies "
                        "outside the file)");

    std::vector<NpzEntry> out;
    size_t at = cd_offset;
    for (uint32_t i = 0; i < n_entries; ++i) {
        if (at + k_central_size > end || get32(bytes, at) != k_central_sig)
            throw LoadError(what + ": damaged zip central directory (entry " + std::to_string(i) +
                            ")");
        const uint32_t flags = get16(bytes, at + 8), method = get16(bytes, at + 10);
        const uint32_t crc = get32(bytes, at + 16);
        const uint32_t csize = get32(bytes, at + 20), usize = get32(bytes, at + 24);
        const uint32_t name_len = get16(bytes, at + 28), extra_len = get16(bytes, at + 30),
                       comment_len = get16(bytes, at + 32);
        const uint32_t local = get32(bytes, at + 42);
        if (at + k_central_size + name_len > end)
            throw LoadError(what + ": damaged zip central directory (entry " + std::to_string(i) +
                            ")");
        const std::string name(bytes.substr(at + k_central_size, name_len));
        at += k_central_size + name_len + extra_len + comment_len;
        const std::string entry_what = what + ": " + name;
        if (name.empty() || name.back() == '/') continue;  // a folder
        if (flags & 1u) throw LoadError(entry_what + ": encrypted zip entries are not supported");
        if (csize == 0xFFFFFFFFu || usize == 0xFFFFFFFFu || local == 0xFFFFFFFFu)
            throw LoadError(entry_what + ": zip64 entries (over 4 GiB) are not supported");
        if (method != 0 && method != 8)
            throw LoadError(entry_what + ": zip compression method " + std::to_string(method) +
                            " is not supported (only stored and deflate, as numpy writes)");
        if (size_t(local) + k_local_size > bytes.size() || get32(bytes, local) != k_local_sig)
            throw LoadError(entry_what + ": damaged zip archive (bad local header)");
        const size_t data_at =
            size_t(local) + k_local_size + get16(bytes, local + 26) + get16(bytes, local + 28);
        if (data_at + csize > bytes.size())
            throw LoadError(entry_what + ": truncated: the entry needs " + std::to_string(csize) +
                            " bytes, the file ends " +
                            std::to_string(bytes.size() > data_at ? bytes.size() - data_at : 0) +
                            " bytes after its start");
        const std::string_view raw = bytes.substr(data_at, csize);
        std::string inflated;
        std::string_view data = raw;
        if (method == 8) {
            // Deflate cannot compress better than about 1032:1: a larger claimed size is a
            // damaged (or hostile) directory, refused before allocating it.
            if (uint64_t(usize) > uint64_t(csize) * 1032 + 1024)
                throw LoadError(entry_what + ": the zip directory claims " +
                                std::to_string(usize) + " bytes from " + std::to_string(csize) +
                                " compressed: the archive is damaged");
            inflated = inflate_raw(raw, usize, entry_what);
            data = inflated;
        } else if (csize != usize) {
            throw LoadError(entry_what + ": stored entry with different sizes in the directory");
        }
        if (crc32_of(data) != crc)
            throw LoadError(entry_what + ": CRC-32 mismatch: the file is damaged");
        if (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0) continue;
        out.push_back({name.substr(0, name.size() - 4), npy_parse(data, entry_what)});
    }
    return out;
}

std::vector<NpzEntry> read_npz(const std::filesystem::path& path) {
    return npz_parse(read_binary_file(path), path.string());
}

}  // namespace attnscope
