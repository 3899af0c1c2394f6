// NumPy .npz archives: a zip of "<key>.npy" members (PKWARE APPNOTE 6.3: local headers, central
// directory, end-of-central-directory record). npy.cpp handles the members themselves.
//
// The reader trusts the central directory, not the local headers: np.savez writes its local
// headers with zip64 extra fields and 0xFFFFFFFF sizes (Python's force_zip64), while the central
// directory holds the real sizes, or zip64 extra fields for the ones past 4 GiB.
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
using detail::get64;
using detail::put16;
using detail::put32;
using detail::put64;
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
constexpr uint32_t k_zip64_end_sig = 0x06064b50, k_zip64_locator_sig = 0x07064b50;
constexpr uint32_t k_zip64_extra_id = 0x0001;
constexpr uint32_t k_dos_date = (0u << 9) | (1u << 5) | 1u;  // 1980-01-01: reproducible bytes
constexpr size_t k_local_size = 30, k_central_size = 46, k_end_size = 22;
constexpr size_t k_zip64_end_size = 56, k_zip64_locator_size = 20;  // without extensible data
// Sizes and offsets from here on do not fit a 32-bit field (0xFFFFFFFF itself means "zip64").
constexpr uint64_t k_zip64_limit = 0xFFFFFFFFu;
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
//
// Zip64 (APPNOTE 4.3.14-4.3.16, 4.5.3) is used per field, as Python's zipfile does: a 32-bit size
// or offset that does not fit holds 0xFFFFFFFF and its value moves to a zip64 extra field, and a
// directory past 4 GiB or with 0xFFFF entries or more gets a zip64 end record and locator. The
// limits are inclusive because 0xFFFFFFFF and 0xFFFF themselves mean "see the zip64 record".
void write_zip(std::ostream& out, std::span<const NpzMember> members, detail::Zip64 zip64) {
    const bool always = zip64 == detail::Zip64::Always;
    std::string central;
    std::set<std::string> names;
    uint64_t offset = 0;
    for (const NpzMember& m : members) {
        if (m.name.empty() || !names.insert(m.name).second)
            throw Error("npz: array names must be unique and non-empty ('" + m.name + "')");
        assert(m.array.data.size() ==
               checked_count(m.array.shape, m.array.item_size, m.name) * m.array.item_size);
        const std::string name = m.name + ".npy";
        if (name.size() > 0xFFFF)
            throw Error("npz: array name '" + m.name.substr(0, 40) + "...' is longer than a zip " +
                        "entry name can be (65535 bytes)");
        const std::string header = npy_header(m.array);
        const uint64_t size = header.size() + m.array.data.size();
        const bool zip64_sizes = always || size >= k_zip64_limit;
        const bool zip64_offset = always || offset >= k_zip64_limit;
        uint32_t crc =
            crc32_update(0, {reinterpret_cast<const uint8_t*>(header.data()), header.size()});
        crc = crc32_update(crc, m.array.data);
        // The fields local and central headers share; the central copy may need zip64 for the
        // offset alone, which the local header does not hold.
        auto common = [&](std::string& s, bool entry_zip64, uint32_t extra_size) {
            put16(s, entry_zip64 ? 45 : 20);  // version needed: 4.5 for zip64, else 2.0
            put16(s, 0);                      // flags
            put16(s, 0);                      // method: stored
            put16(s, 0);                      // time
            put16(s, k_dos_date);
            put32(s, crc);
            put32(s, zip64_sizes ? 0xFFFFFFFFu : uint32_t(size));  // compressed size
            put32(s, zip64_sizes ? 0xFFFFFFFFu : uint32_t(size));  // uncompressed size
            put16(s, uint32_t(name.size()));
            put16(s, extra_size);
        };
        // Zip64 extra fields: the 8-byte values whose 32-bit fields hold 0xFFFFFFFF, in the order
        // uncompressed size, compressed size, local header offset. A local header's must hold
        // both sizes (APPNOTE 4.5.3).
        std::string local_extra, central_extra;
        if (zip64_sizes) {
            put16(local_extra, k_zip64_extra_id);
            put16(local_extra, 16);
            put64(local_extra, size);
            put64(local_extra, size);
        }
        if (zip64_sizes || zip64_offset) {
            put16(central_extra, k_zip64_extra_id);
            put16(central_extra, (zip64_sizes ? 16 : 0) + (zip64_offset ? 8 : 0));
            if (zip64_sizes) {
                put64(central_extra, size);
                put64(central_extra, size);
            }
            if (zip64_offset) put64(central_extra, offset);
        }
        std::string local;
        put32(local, k_local_sig);
        common(local, zip64_sizes, uint32_t(local_extra.size()));
        local += name;
        local += local_extra;
        local += header;
        out.write(local.data(), std::streamsize(local.size()));
        out.write(reinterpret_cast<const char*>(m.array.data.data()),
                  std::streamsize(m.array.data.size()));

        const bool central_zip64 = zip64_sizes || zip64_offset;
        put32(central, k_central_sig);
        put16(central, central_zip64 ? 45 : 20);  // version made by
        common(central, central_zip64, uint32_t(central_extra.size()));
        put16(central, 0);  // comment length
        put16(central, 0);  // disk number
        put16(central, 0);  // internal attributes
        put32(central, 0);  // external attributes
        put32(central, zip64_offset ? 0xFFFFFFFFu : uint32_t(offset));
        central += name;
        central += central_extra;
        offset += local.size() - header.size() + size;
    }
    const uint64_t n_entries = members.size(), central_at = offset, central_size = central.size();
    const bool zip64_end = always || n_entries >= 0xFFFF || central_at >= k_zip64_limit ||
                           central_size >= k_zip64_limit;
    std::string end;
    if (zip64_end) {
        const uint64_t record_at = central_at + central_size;
        put32(end, k_zip64_end_sig);
        put64(end, k_zip64_end_size - 12);  // size of the rest of the record
        put16(end, 45);                     // version made by
        put16(end, 45);                     // version needed
        put32(end, 0);                      // this disk
        put32(end, 0);                      // disk where the central directory starts
        put64(end, n_entries);              // entries on this disk
        put64(end, n_entries);              // entries in total
        put64(end, central_size);
        put64(end, central_at);
        put32(end, k_zip64_locator_sig);
        put32(end, 0);  // disk holding the zip64 end record
        put64(end, record_at);
        put32(end, 1);  // total number of disks
    }
    put32(end, k_end_sig);
    put16(end, 0);
    put16(end, 0);
    put16(end, zip64_end ? 0xFFFFu : uint32_t(n_entries));
    put16(end, zip64_end ? 0xFFFFu : uint32_t(n_entries));
    put32(end, zip64_end ? 0xFFFFFFFFu : uint32_t(central_size));
    put32(end, zip64_end ? 0xFFFFFFFFu : uint32_t(central_at));
    put16(end, 0);
    out.write(central.data(), std::streamsize(central.size()));
    out.write(end.data(), std::streamsize(end.size()));
}

}  // namespace

std::string detail::npz_serialize(std::span<const NpzMember> members, Zip64 zip64) {
    std::ostringstream out;
    write_zip(out, members, zip64);
    return std::move(out).str();
}

std::string npz_serialize(std::span<const NpzMember> members) {
    return detail::npz_serialize(members, detail::Zip64::WhenNeeded);
}

void write_npz(const std::filesystem::path& path, std::span<const NpzMember> members) {
    write_file_atomically(
        path, [&](std::ostream& out) { write_zip(out, members, detail::Zip64::WhenNeeded); });
}

namespace {

// Replaces the 0xFFFFFFFF fields of a central directory entry with the 8-byte values of its zip64
// extended information extra field (header id 0x0001, APPNOTE 4.5.3), which holds only those
// fields, in the order uncompressed size, compressed size, local header offset.
void read_zip64_extra(std::string_view extra, uint64_t& usize, uint64_t& csize, uint64_t& local,
                      const std::string& what) {
    const size_t needed = 8 * (size_t(usize == 0xFFFFFFFFu) + size_t(csize == 0xFFFFFFFFu) +
                               size_t(local == 0xFFFFFFFFu));
    size_t at = 0;
    while (at + 4 <= extra.size()) {
        const uint32_t id = get16(extra, at), size = get16(extra, at + 2);
        if (size > extra.size() - at - 4)
            throw LoadError(what + ": damaged zip extra field (a block of " + std::to_string(size) +
                            " bytes at byte " + std::to_string(at) + " runs past its end, " +
                            std::to_string(extra.size()) + " bytes)");
        if (id == k_zip64_extra_id) {
            if (size < needed)
                throw LoadError(
                    what + ": damaged zip64 extra field: it holds " + std::to_string(size) +
                    " bytes, the entry's 0xFFFFFFFF fields need " + std::to_string(needed));
            size_t field = at + 4;
            for (uint64_t* value : {&usize, &csize, &local})
                if (*value == 0xFFFFFFFFu) {
                    *value = get64(extra, field);
                    field += 8;
                }
            return;
        }
        at += 4 + size;
    }
    throw LoadError(what +
                    ": damaged zip64 entry: its directory sizes or offset are 0xFFFFFFFF "
                    "but it has no zip64 extra field");
}

}  // namespace

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
    uint64_t disk = get16(bytes, end + 4), cd_disk = get16(bytes, end + 6);
    uint64_t n_entries = get16(bytes, end + 10);
    uint64_t cd_size = get32(bytes, end + 12), cd_offset = get32(bytes, end + 16);
    const bool says_zip64 =
        n_entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu;
    // Where the central directory must end: the end record, or the zip64 end record before it.
    uint64_t directory_limit = end;
    // Zip64 (APPNOTE 4.3.14-4.3.16): a locator right before the end record points to the zip64
    // end record, whose 64-bit fields replace the end record's. Looked for even without 0xFFFF
    // placeholders, as Python's zipfile does: it writes the real (small) values when only one
    // field overflows.
    if (end >= k_zip64_locator_size &&
        get32(bytes, end - k_zip64_locator_size) == k_zip64_locator_sig) {
        const size_t locator = end - k_zip64_locator_size;
        const uint32_t record_disk = get32(bytes, locator + 4),
                       n_disks = get32(bytes, locator + 16);
        const uint64_t record_at = get64(bytes, locator + 8);
        if (record_disk != 0 || n_disks > 1)
            throw LoadError(what + ": multi-part zip archives are not supported");
        if (record_at > locator || locator - record_at < k_zip64_end_size)
            throw LoadError(what +
                            ": truncated or damaged zip64 archive (the zip64 end locator points "
                            "to offset " +
                            std::to_string(record_at) +
                            ", but the 56-byte zip64 end record must end by offset " +
                            std::to_string(locator) + ")");
        if (get32(bytes, record_at) != k_zip64_end_sig)
            throw LoadError(what +
                            ": damaged zip64 archive (no zip64 end-of-central-directory record "
                            "signature at offset " +
                            std::to_string(record_at) + ")");
        const uint64_t record_size = get64(bytes, record_at + 4);
        if (record_size < k_zip64_end_size - 12 || record_size > locator - record_at - 12)
            throw LoadError(what +
                            ": damaged zip64 end-of-central-directory record (it says it is " +
                            std::to_string(record_size) + " bytes after its size field; 44 to " +
                            std::to_string(locator - record_at - 12) + " fit before the locator)");
        disk = get32(bytes, record_at + 16);
        cd_disk = get32(bytes, record_at + 20);
        n_entries = get64(bytes, record_at + 32);
        cd_size = get64(bytes, record_at + 40);
        cd_offset = get64(bytes, record_at + 48);
        directory_limit = record_at;
    } else if (says_zip64) {
        throw LoadError(what +
                        ": truncated or damaged zip64 archive (the end record says zip64, "
                        "but no zip64 end-of-central-directory locator precedes it)");
    }
    if (disk != 0 || cd_disk != 0)
        throw LoadError(what + ": multi-part zip archives are not supported");
    if (cd_offset > directory_limit || cd_size > directory_limit - cd_offset)
        throw LoadError(what +
                        ": truncated or damaged zip archive (the central directory lies "
                        "outside the file)");
    if (n_entries > cd_size / k_central_size)
        throw LoadError(what + ": damaged zip archive (" + std::to_string(n_entries) +
                        " entries cannot fit in a " + std::to_string(cd_size) +
                        "-byte central directory)");
    const size_t cd_end = size_t(cd_offset + cd_size);

    std::vector<NpzEntry> out;
    size_t at = size_t(cd_offset);
    for (uint64_t i = 0; i < n_entries; ++i) {
        if (at + k_central_size > cd_end || get32(bytes, at) != k_central_sig)
            throw LoadError(what + ": damaged zip central directory (entry " + std::to_string(i) +
                            ")");
        const uint32_t flags = get16(bytes, at + 8), method = get16(bytes, at + 10);
        const uint32_t crc = get32(bytes, at + 16);
        uint64_t csize = get32(bytes, at + 20), usize = get32(bytes, at + 24);
        const uint32_t name_len = get16(bytes, at + 28), extra_len = get16(bytes, at + 30),
                       comment_len = get16(bytes, at + 32);
        uint64_t local = get32(bytes, at + 42);
        if (at + k_central_size + name_len + extra_len > cd_end)
            throw LoadError(what + ": damaged zip central directory (entry " + std::to_string(i) +
                            ")");
        const std::string name(bytes.substr(at + k_central_size, name_len));
        const std::string_view extra = bytes.substr(at + k_central_size + name_len, extra_len);
        at += k_central_size + name_len + extra_len + comment_len;
        const std::string entry_what = what + ": " + name;
        if (name.empty() || name.back() == '/') continue;  // a folder
        if (flags & 1u) throw LoadError(entry_what + ": encrypted zip entries are not supported");
        if (usize == 0xFFFFFFFFu || csize == 0xFFFFFFFFu || local == 0xFFFFFFFFu)
            read_zip64_extra(extra, usize, csize, local, entry_what);
        if (method != 0 && method != 8)
            throw LoadError(entry_what + ": zip compression method " + std::to_string(method) +
                            " is not supported (only stored and deflate, as numpy writes)");
        if (bytes.size() < k_local_size || local > bytes.size() - k_local_size ||
            get32(bytes, size_t(local)) != k_local_sig)
            throw LoadError(entry_what + ": damaged zip archive (bad local header)");
        const size_t data_at = size_t(local) + k_local_size + get16(bytes, size_t(local) + 26) +
                               get16(bytes, size_t(local) + 28);
        if (data_at > bytes.size() || csize > bytes.size() - data_at)
            throw LoadError(entry_what + ": truncated: the entry needs " + std::to_string(csize) +
                            " bytes, the file ends " +
                            std::to_string(bytes.size() > data_at ? bytes.size() - data_at : 0) +
                            " bytes after its start");
        const std::string_view raw = bytes.substr(data_at, size_t(csize));
        std::string inflated;
        std::string_view data = raw;
        if (method == 8) {
            // Deflate cannot compress better than about 1032:1: a larger claimed size is a
            // damaged (or hostile) directory, refused before allocating it.
            if (uint64_t(usize) > uint64_t(csize) * 1032 + 1024)
                throw LoadError(entry_what + ": the zip directory claims " + std::to_string(usize) +
                                " bytes from " + std::to_string(csize) +
                                " compressed: the archive is damaged");
            inflated = inflate_raw(raw, size_t(usize), entry_what);
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
