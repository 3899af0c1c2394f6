// .npy and .npz reading and writing (core/src/npy.cpp, core/src/npz.cpp): round trips, every dtype
// the importer accepts, NumPy-made archives (tests/data/npz, made by make_fixtures.py), and damaged
// files that must give clear errors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "attnscope/npy.h"
#include "npy_internal.h"
#include "test_util.h"

using namespace attnscope;
using attnscope::test::expect_load_error;

namespace {

std::filesystem::path data_file(const std::string& name) {
    return std::filesystem::path(ATTNSCOPE_TEST_DATA) / "npz" / name;
}

// A .npy whose header is `dict` (padded as numpy pads it) followed by `data`.
std::string handmade_npy(const std::string& dict, const std::string& data, int major = 1) {
    std::string header = dict;
    const size_t prefix = major == 1 ? 10 : 12;
    header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::string out = "\x93NUMPY";
    out.push_back(char(major));
    out.push_back('\0');
    const uint32_t n = uint32_t(header.size());
    out.push_back(char(n & 0xFF));
    out.push_back(char((n >> 8) & 0xFF));
    if (major != 1) {
        out.push_back(char((n >> 16) & 0xFF));
        out.push_back(char(n >> 24));
    }
    return out + header + data;
}

// Little-endian fields, to find and damage zip structures.
uint32_t le32(const std::string& s, size_t at) {
    uint32_t v = 0;
    for (size_t i = 4; i-- > 0;) v = v << 8 | uint8_t(s[at + i]);
    return v;
}
void set_le(std::string& s, size_t at, uint64_t v, size_t n_bytes) {
    for (size_t i = 0; i < n_bytes; ++i) s[at + i] = char((v >> (8 * i)) & 0xFF);
}
const std::string k_zip64_end_sig("PK\x06\x06", 4), k_zip64_locator_sig("PK\x06\x07", 4);

template <typename T>
std::string bytes_of(std::initializer_list<T> values) {
    std::string s(values.size() * sizeof(T), '\0');
    std::memcpy(s.data(), std::data(values), s.size());
    return s;
}

const NpyArray& entry(const std::vector<NpzEntry>& entries, const std::string& name) {
    for (const NpzEntry& e : entries)
        if (e.name == name) return e.array;
    FAIL("no entry " << name);
    return entries.front().array;
}

}  // namespace

TEST_CASE("npy: float32, int32, bool and string arrays round-trip with numpy's header layout") {
    const std::vector<float> f = {0.0f, -1.5f, 3.25f, 1e-30f, std::numeric_limits<float>::max(),
                                  0.1f};
    const std::string bytes = npy_serialize(npy_from_f32(f, {2, 3}));
    // numpy pads the header so the data starts on a 64-byte boundary.
    CHECK((bytes.size() - f.size() * 4) % 64 == 0);
    CHECK(bytes.find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") !=
          std::string::npos);
    const NpyArray back = npy_parse(bytes, "f.npy");
    CHECK(back.shape == std::vector<int64_t>{2, 3});
    CHECK(npy_to_f32(back, "f") == f);

    const std::vector<int32_t> ids = {50256, -1, 0, 7};
    CHECK(npy_to_i64(npy_parse(npy_serialize(npy_from_i32(ids, {4})), "i"), "i") ==
          std::vector<int64_t>{50256, -1, 0, 7});

    const std::vector<uint8_t> mask = {1, 0, 5, 1};
    const NpyArray b = npy_parse(npy_serialize(npy_from_u8(mask, {2, 2}, true)), "b");
    CHECK(b.descr() == "|b1");
    CHECK(npy_to_i64(b, "b") == std::vector<int64_t>{1, 0, 1, 1});

    // UTF-32 strings: ASCII, accents, CJK, an emoji (outside the BMP), an empty string.
    const std::vector<std::string> s = {"Ġit", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
                                        "\xf0\x9f\x98\x80!", ""};
    const NpyArray u = npy_parse(npy_serialize(npy_from_strings(s, {5})), "u");
    CHECK(u.descr() == "<U4");  // "café": the longest, in code points
    CHECK(npy_to_strings(u, "u") == s);
    CHECK(npy_to_strings(npy_parse(npy_serialize(npy_from_string("gpt2")), "s"), "s") ==
          std::vector<std::string>{"gpt2"});
    CHECK(npy_from_string("x").shape.empty());
}

TEST_CASE("npy: float16 and float64 convert to float32, and Fortran order is transposed") {
    // 1, -2, 65504 (largest half), 2^-24 (smallest subnormal), +inf, 0.333 (rounded in half)
    const std::string half = bytes_of<uint16_t>({0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x3555});
    const NpyArray h = npy_parse(
        handmade_npy("{'descr': '<f2', 'fortran_order': False, 'shape': (6,), }", half), "h");
    const std::vector<float> hv = npy_to_f32(h, "h");
    CHECK(hv[0] == 1.0f);
    CHECK(hv[1] == -2.0f);
    CHECK(hv[2] == 65504.0f);
    CHECK(hv[3] == std::ldexp(1.0f, -24));
    CHECK(std::isinf(hv[4]));
    CHECK(hv[5] == doctest::Approx(0.33325195).epsilon(1e-7));

    // np.asfortranarray([[1, 2, 3], [4, 5, 6]], dtype='<f8') stores 1 4 2 5 3 6.
    const std::string d = bytes_of<double>({1, 4, 2, 5, 3, 6});
    const NpyArray f = npy_parse(
        handmade_npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", d), "f");
    CHECK(npy_to_f32(f, "f") == std::vector<float>{1, 2, 3, 4, 5, 6});
    // Three axes: element [i][j][k] sits at i + 2j + 6k.
    std::vector<float> fortran(24), expect(24);
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 4; ++k) {
                const float v = float(100 * i + 10 * j + k);
                fortran[size_t(i + 2 * j + 6 * k)] = v;
                expect[size_t((i * 3 + j) * 4 + k)] = v;
            }
    std::string raw(96, '\0');
    std::memcpy(raw.data(), fortran.data(), 96);
    const NpyArray f3 = npy_parse(
        handmade_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", raw), "f3");
    CHECK(npy_to_f32(f3, "f3") == expect);

    // Version 2.0 headers (4-byte length) and double-quoted keys parse too.
    const NpyArray v2 =
        npy_parse(handmade_npy("{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": ()}",
                               bytes_of<int64_t>({-42}), 2),
                  "v2");
    CHECK(v2.shape.empty());
    CHECK(npy_to_i64(v2, "v2") == std::vector<int64_t>{-42});
}

TEST_CASE("npy: bad headers, dtypes and sizes are refused with the array named") {
    const std::string four = bytes_of<float>({1, 2, 3, 4});
    expect_load_error([&] { npy_parse("PK\x03\x04 not numpy", "x.npy"); }, {"x.npy", "magic"});
    expect_load_error(
        [&] {
            npy_parse(
                handmade_npy("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", four),
                "be.npy");
        },
        {"be.npy", "'>f4'", "big-endian", "astype('<f4')"});
    expect_load_error(
        [&] {
            npy_parse(handmade_npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "x"),
                      "o.npy");
        },
        {"o.npy", "object array", "pickled"});
    expect_load_error(
        [&] {
            npy_parse(
                handmade_npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", four),
                "c.npy");
        },
        {"c.npy", "'<c8'"});
    expect_load_error(
        [&] {
            npy_parse(handmade_npy("{'descr': [('a', '<f4')], 'fortran_order': False, "
                                   "'shape': (1,), }",
                                   four),
                      "s.npy");
        },
        {"s.npy", "structured dtype"});
    expect_load_error(
        [&] {
            npy_parse(
                handmade_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", four),
                "t.npy");
        },
        {"t.npy", "truncated", "needs 20 bytes", "has 16"});
    expect_load_error(
        [&] { npy_parse(handmade_npy("{'descr': '<f4', 'shape': (4,), }", four), "k.npy"); },
        {"k.npy", "lacks"});
    expect_load_error(
        [&] {
            npy_parse(handmade_npy("{'descr': '<f4', 'fortran_order': False, "
                                   "'shape': (4294967296, 4294967296, 4294967296), }",
                                   four),
                      "big.npy");
        },
        {"big.npy", "too large"});
    // A header length that runs past the end of the file.
    std::string cut =
        handmade_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four);
    cut.resize(40);
    expect_load_error([&] { npy_parse(cut, "cut.npy"); }, {"cut.npy", "truncated"});
    // Strings where numbers are expected, and the reverse.
    const NpyArray u = npy_from_strings({"a"}, {1});
    expect_load_error([&] { npy_to_f32(u, "tok"); }, {"tok", "expected numbers"});
    expect_load_error([&] { npy_to_strings(npy_from_f32(std::vector<float>{1.0f}, {1}), "w"); },
                      {"w", "expected strings"});
}

TEST_CASE("npz: our archives round-trip, with correct CRCs and STORED entries") {
    const std::vector<float> w = {0.25f, 0.75f, 1.0f, 0.0f};
    const NpyArray tokens = npy_from_strings({"a", "b"}, {2});
    const std::vector<NpzMember> members = {{"attention", npy_ref_f32(w, {1, 1, 2, 2})},
                                            {"tokens", NpyRef::of(tokens)}};
    const std::string zip = npz_serialize(members);
    CHECK(zip.substr(0, 4) == std::string("PK\x03\x04", 4));
    CHECK(zip.find("attention.npy") != std::string::npos);
    const std::vector<NpzEntry> back = npz_parse(zip, "mem.npz");
    REQUIRE(back.size() == 2);
    CHECK(back[0].name == "attention");
    CHECK(back[0].array.shape == std::vector<int64_t>{1, 1, 2, 2});
    CHECK(npy_to_f32(back[0].array, "a") == w);
    CHECK(npy_to_strings(back[1].array, "t") == std::vector<std::string>{"a", "b"});

    // Files: written whole, read back the same.
    const auto dir = attnscope::test::temp_dir("npz");
    write_npz(dir / "a.npz", members);
    CHECK(read_binary_file(dir / "a.npz") == zip);
    CHECK(!std::filesystem::exists(dir / "a.npz.part"));
    CHECK_THROWS_AS(write_npz(dir / "no-such-folder" / "a.npz", members), Error);

    // Duplicate names are a caller error, refused.
    const std::vector<NpzMember> twice = {members[0], members[0]};
    CHECK_THROWS_AS(npz_serialize(twice), Error);
}

TEST_CASE("npz: numpy's savez and savez_compressed archives load (made by make_fixtures.py)") {
    // np.savez: STORED entries whose local headers carry zip64 extra fields.
    const std::vector<NpzEntry> plain = read_npz(data_file("hf_gpt2_batch1.npz"));
    const NpyArray& a = entry(plain, "attention");
    CHECK(a.descr() == "<f4");
    CHECK(a.shape == std::vector<int64_t>{2, 1, 3, 6, 6});
    CHECK(npy_to_strings(entry(plain, "tokens"), "tokens")[1] ==
          "\xc4\xa0"
          "animal");
    CHECK(npy_to_i64(entry(plain, "input_ids"), "ids")[0] == 464);

    // np.savez_compressed: DEFLATED entries (zlib inflate), float16.
    const std::vector<NpzEntry> packed = read_npz(data_file("hf_bert_layers_f16_compressed.npz"));
    const NpyArray& l0 = entry(packed, "attention_0");
    CHECK(l0.descr() == "<f2");
    CHECK(l0.shape == std::vector<int64_t>{1, 2, 7, 7});
    const std::vector<float> v = npy_to_f32(l0, "attention_0");
    float sum = 0;
    for (int j = 0; j < 7; ++j) sum += v[size_t(j)];
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-3));
}

TEST_CASE("npz: damaged and foreign files give clear errors") {
    const std::string good = read_binary_file(data_file("hf_gpt2_batch1.npz"));
    expect_load_error([&] { npz_parse(good.substr(0, good.size() / 2), "half.npz"); },
                      {"half.npz", "truncated"});
    expect_load_error([&] { npz_parse("attention,0.5,0.5\n", "a.csv"); }, {"a.csv", "not an .npz"});
    expect_load_error([&] { npz_parse(npy_serialize(npy_from_string("x")), "one.npy"); },
                      {"one.npy", "single .npy"});
    expect_load_error([&] { read_npz("/no/such/file.npz"); }, {"/no/such/file.npz", "cannot open"});

    // A flipped byte inside a stored array: the CRC-32 catches it.
    std::string flipped = good;
    const size_t at = flipped.find("attention.npy") + 13 + 200;
    flipped[at] = char(flipped[at] ^ 0x40);
    expect_load_error([&] { npz_parse(flipped, "flip.npz"); },
                      {"flip.npz", "attention.npy", "CRC-32"});

    // A damaged deflate stream.
    std::string packed = read_binary_file(data_file("hf_bert_layers_f16_compressed.npz"));
    const size_t data_at = packed.find("attention_0.npy") + 15 + 20;
    for (size_t i = 0; i < 8; ++i) packed[data_at + i] = char(0xFF);
    const std::string message = expect_load_error([&] { npz_parse(packed, "z.npz"); }, {"z.npz"});
    CHECK((message.find("corrupt") != std::string::npos ||
           message.find("CRC-32") != std::string::npos));

    // An end record that says zip64 (65535 entries) with no zip64 locator before it: refused, not
    // misread.
    std::string zip64 =
        npz_serialize(std::vector<NpzMember>{{"a", NpyRef::of(npy_from_string("x"))}});
    zip64[zip64.size() - 22 + 10] = char(0xFF);
    zip64[zip64.size() - 22 + 11] = char(0xFF);
    expect_load_error([&] { npz_parse(zip64, "big.npz"); }, {"big.npz", "zip64", "locator"});

    // An unsupported compression method (bzip2 = 12) in the central directory.
    std::string bz = npz_serialize(std::vector<NpzMember>{{"a", NpyRef::of(npy_from_string("x"))}});
    const size_t central = bz.find(std::string("PK\x01\x02", 4));
    bz[central + 10] = 12;
    expect_load_error([&] { npz_parse(bz, "bz.npz"); }, {"bz.npz", "method 12"});
}

TEST_CASE("npz: a zip64 archive made by Python's zipfile loads (zip64_forced.npz)") {
    // make_fixtures.py lowers zipfile's limits: every entry's sizes and offset sit in a zip64
    // extra field, and a zip64 end record and locator precede the end record.
    const std::string bytes = read_binary_file(data_file("zip64_forced.npz"));
    REQUIRE(bytes.find(k_zip64_end_sig) != std::string::npos);
    REQUIRE(bytes.find(k_zip64_locator_sig) != std::string::npos);
    const std::vector<NpzEntry> entries = npz_parse(bytes, "zip64_forced.npz");
    REQUIRE(entries.size() == 3);
    const NpyArray& a = entry(entries, "attention");
    CHECK(a.shape == std::vector<int64_t>{2, 2, 4, 4});
    // Uniform causal attention: row i puts 1 / (i + 1) on keys 0..i.
    const std::vector<float> w = npy_to_f32(a, "attention");
    for (size_t m = 0; m < 4; ++m)
        for (size_t i = 0; i < 4; ++i)
            for (size_t j = 0; j < 4; ++j)
                CHECK(w[(m * 4 + i) * 4 + j] == (j <= i ? float(1.0 / double(i + 1)) : 0.0f));
    CHECK(npy_to_strings(entry(entries, "tokens"), "tokens") ==
          std::vector<std::string>{"a", "b", "c", "d"});
    CHECK(npy_to_i64(entry(entries, "ids"), "ids") == std::vector<int64_t>{10, 11, 12, 13});
}

TEST_CASE("npz: zip64 is written only when needed, and forced zip64 archives round-trip") {
    const std::vector<float> w = {0.25f, 0.75f, 1.0f, 0.0f};
    const NpyArray tokens = npy_from_strings({"a", "b"}, {2});
    const std::vector<NpzMember> members = {{"attention", npy_ref_f32(w, {1, 1, 2, 2})},
                                            {"tokens", NpyRef::of(tokens)}};
    // Small archives stay plain zips (readable by any unzip).
    const std::string plain = npz_serialize(members);
    CHECK(plain.find(k_zip64_end_sig) == std::string::npos);
    CHECK(plain.find(k_zip64_locator_sig) == std::string::npos);

    // Forced: every entry and the end record use zip64, with placeholders in the 32-bit fields.
    const std::string forced = detail::npz_serialize(members, detail::Zip64::Always);
    CHECK(forced.find(k_zip64_end_sig) != std::string::npos);
    CHECK(forced.substr(forced.size() - 22 - 20, 4) == k_zip64_locator_sig);
    CHECK(le32(forced, forced.size() - 22 + 12) == 0xFFFFFFFFu);  // directory size
    CHECK(le32(forced, forced.size() - 22 + 16) == 0xFFFFFFFFu);  // directory offset
    const size_t central = forced.find(std::string("PK\x01\x02", 4));
    REQUIRE(central != std::string::npos);
    CHECK(le32(forced, central + 20) == 0xFFFFFFFFu);  // compressed size
    CHECK(le32(forced, central + 42) == 0xFFFFFFFFu);  // local header offset
    const std::vector<NpzEntry> back = npz_parse(forced, "forced.npz");
    REQUIRE(back.size() == 2);
    CHECK(back[0].name == "attention");
    CHECK(back[0].array.shape == std::vector<int64_t>{1, 1, 2, 2});
    CHECK(npy_to_f32(back[0].array, "a") == w);
    CHECK(npy_to_strings(back[1].array, "t") == std::vector<std::string>{"a", "b"});

    // The real threshold for the entry count: 65535 entries or more need a zip64 end record
    // (0xFFFF itself is the placeholder).
    const NpyArray one = npy_from_string("x");
    std::vector<NpzMember> many;
    for (int i = 0; i < 0xFFFF; ++i) many.push_back({"a" + std::to_string(i), NpyRef::of(one)});
    const std::string big = npz_serialize(many);
    CHECK(big.substr(big.size() - 22 - 20, 4) == k_zip64_locator_sig);
    const std::vector<NpzEntry> all = npz_parse(big, "many.npz");
    REQUIRE(all.size() == 0xFFFF);
    CHECK(all.back().name == "a65534");
    CHECK(npy_to_strings(all.back().array, "a65534") == std::vector<std::string>{"x"});
}

TEST_CASE("npz: damaged zip64 structures give clear errors") {
    const NpyArray one = npy_from_string("x");
    const std::string good = detail::npz_serialize(std::vector<NpzMember>{{"a", NpyRef::of(one)}},
                                                   detail::Zip64::Always);
    const size_t locator = good.size() - 22 - 20, record = good.find(k_zip64_end_sig);
    REQUIRE(good.substr(locator, 4) == k_zip64_locator_sig);
    const size_t central = good.find(std::string("PK\x01\x02", 4));
    const size_t extra = central + 46 + 5;           // after the name "a.npy"
    REQUIRE(le32(good, extra) == (24u << 16 | 1u));  // id 1, 24 bytes: two sizes and the offset
    auto damaged = [&](size_t at, uint64_t value, size_t n_bytes) {
        std::string bad = good;
        set_le(bad, at, value, n_bytes);
        return bad;
    };

    // The locator points outside the file, or past itself.
    expect_load_error([&] { npz_parse(damaged(locator + 8, 1ull << 62, 8), "loc.npz"); },
                      {"loc.npz", "zip64", "locator", "4611686018427387904"});
    expect_load_error([&] { npz_parse(damaged(locator + 8, locator - 10, 8), "loc2.npz"); },
                      {"loc2.npz", "zip64", "locator"});
    // Not a zip64 end record where the locator points.
    expect_load_error([&] { npz_parse(damaged(record, 0x06054b50, 4), "sig.npz"); },
                      {"sig.npz", "zip64 end-of-central-directory record", "signature"});
    // A record size that runs into the locator.
    expect_load_error([&] { npz_parse(damaged(record + 4, 1000, 8), "size.npz"); },
                      {"size.npz", "zip64 end", "1000"});
    // 64-bit directory offset, size and count that do not fit the file.
    expect_load_error([&] { npz_parse(damaged(record + 48, ~0ull, 8), "off.npz"); },
                      {"off.npz", "central directory lies outside"});
    expect_load_error([&] { npz_parse(damaged(record + 40, ~0ull - 8, 8), "cds.npz"); },
                      {"cds.npz", "central directory lies outside"});
    expect_load_error([&] { npz_parse(damaged(record + 32, 1ull << 40, 8), "count.npz"); },
                      {"count.npz", "1099511627776 entries cannot fit"});

    // The zip64 extra field: too short for the 0xFFFFFFFF fields, missing, or running past the
    // entry's extra data.
    expect_load_error([&] { npz_parse(damaged(extra + 2, 16, 2), "short.npz"); },
                      {"short.npz", "a.npy", "zip64 extra field", "holds 16 bytes", "need 24"});
    expect_load_error([&] { npz_parse(damaged(extra, 0x9999, 2), "none.npz"); },
                      {"none.npz", "a.npy", "no zip64 extra field"});
    expect_load_error([&] { npz_parse(damaged(extra + 2, 200, 2), "long.npz"); },
                      {"long.npz", "a.npy", "extra field", "runs past"});
    // 64-bit sizes and offset beyond the file.
    expect_load_error([&] { npz_parse(damaged(extra + 20, 1ull << 40, 8), "local.npz"); },
                      {"local.npz", "a.npy", "bad local header"});
    std::string huge = damaged(extra + 4, ~0ull, 8);
    set_le(huge, extra + 12, ~0ull, 8);
    expect_load_error([&] { npz_parse(huge, "huge.npz"); },
                      {"huge.npz", "a.npy", "truncated", "18446744073709551615"});
    std::string unequal = damaged(extra + 4, 1ull << 33, 8);
    expect_load_error([&] { npz_parse(unequal, "uneq.npz"); }, {"uneq.npz", "different sizes"});
}
