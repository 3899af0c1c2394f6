// safetensors: the strict header parser, the mapped file, dtype conversion and the writer.
// Each corrupt case builds its own small file, so the test says exactly what is wrong with it.
#include <bit>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>

#include "attnscope/errors.h"
#include "attnscope/safetensors.h"
#include "test_util.h"

using namespace attnscope;
namespace fs = std::filesystem;
using test::expect_load_error;

namespace {

// A file image: 8-byte little-endian header length, the header text, then the data bytes.
std::string image(const std::string& header, const std::string& data = {}) {
    std::string out(8, '\0');
    const uint64_t n = header.size();
    std::memcpy(out.data(), &n, 8);
    return out + header + data;
}

fs::path write_image(const std::string& name, const std::string& bytes) {
    static const fs::path dir = test::temp_dir("safetensors");
    const fs::path path = dir / name;
    test::write_file(path, bytes);
    return path;
}

template <typename T>
std::vector<uint8_t> raw_bytes(std::initializer_list<T> values) {
    std::vector<uint8_t> out(values.size() * sizeof(T));
    std::memcpy(out.data(), std::data(values), out.size());
    return out;
}

std::vector<float> read_back(const fs::path& path, const std::string& name) {
    SafetensorsFile file(path);
    const TensorInfo* info = file.find(name);
    REQUIRE(info != nullptr);
    return file.to_f32(*info);
}

}  // namespace

TEST_CASE("safetensors: dtype names and sizes") {
    CHECK(std::string(dtype_name(DType::BF16)) == "BF16");
    CHECK(std::string(dtype_name(DType::Bool)) == "BOOL");
    CHECK(dtype_size(DType::F64) == 8);
    CHECK(dtype_size(DType::F16) == 2);
    CHECK(dtype_size(DType::U8) == 1);
    TensorInfo info;
    info.shape = {2, 3, 4};
    CHECK(info.numel() == 24);
    info.shape = {};
    CHECK(info.numel() == 1);  // a scalar
}

TEST_CASE("safetensors: a valid header parses in file order, with metadata") {
    const std::string header =
        R"({"__metadata__": {"format": "pt", "note": "x"},
            "z": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
            "a": {"dtype": "F16", "shape": [3], "data_offsets": [16, 22]},
            "empty": {"dtype": "I64", "shape": [0, 5], "data_offsets": [22, 22]},
            "scalar": {"dtype": "U8", "shape": [], "data_offsets": [22, 23]}})";
    const SafetensorsHeader h = parse_safetensors_header(header, 24, "t.safetensors");
    REQUIRE(h.tensors.size() == 4);
    CHECK(h.tensors[0].name == "z");  // header order, not sorted
    CHECK(h.tensors[1].name == "a");
    CHECK(h.tensors[1].dtype == DType::F16);
    CHECK(h.tensors[1].begin == 16);
    CHECK(h.tensors[1].end == 22);
    CHECK(h.tensors[2].numel() == 0);
    CHECK(h.tensors[3].shape.empty());
    CHECK(h.metadata.at("format") == "pt");
    CHECK(h.metadata.at("note") == "x");
}

TEST_CASE("safetensors: header validation rejects bad headers with precise messages") {
    auto parse = [](const std::string& header, uint64_t data_size = 64) {
        return [=] { parse_safetensors_header(header, data_size, "bad.safetensors"); };
    };
    SUBCASE("not JSON") {
        expect_load_error(parse(R"({"a": {"dtype": )"), {"bad.safetensors", "not valid JSON"});
    }
    SUBCASE("not an object") {
        expect_load_error(parse("[1, 2]"), {"bad.safetensors", "must be a JSON object"});
    }
    SUBCASE("deeply nested JSON stops the parser early") {
        const std::string deep = std::string(200000, '[') + std::string(200000, ']');
        expect_load_error(parse(deep), {"bad.safetensors", "nests deeper"});
        expect_load_error(parse("{\"w\": {\"dtype\": \"F32\", \"shape\": [" + deep +
                                "], \"data_offsets\": [0, 4]}}"),
                          {"bad.safetensors", "nests deeper"});
        // Nesting that parses is shown shortened in messages.
        const std::string nested = std::string(20, '[') + std::string(20, ']');
        expect_load_error(parse(nested), {"must be a JSON object", "[[[[...]"});
        expect_load_error(parse("{\"w\": " + nested + "}"), {"tensor 'w'", "must be an object"});
    }
    SUBCASE("a number too large for a double") {
        expect_load_error(
            parse(R"({"w": {"dtype": "F32", "shape": [1e999], "data_offsets": [0, 4]}})"),
            {"bad.safetensors", "JSON"});
    }
    SUBCASE("entry not an object") {
        expect_load_error(parse(R"({"w": 5})"), {"'w'", "must be an object"});
    }
    SUBCASE("unknown dtype") {
        expect_load_error(
            parse(R"({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}})"),
            {"bad.safetensors", "tensor 'w'", "unsupported dtype 'F8_E4M3'", "BF16"});
    }
    SUBCASE("missing fields") {
        expect_load_error(parse(R"({"w": {"shape": [2], "data_offsets": [0, 8]}})"),
                          {"tensor 'w'", "dtype"});
        expect_load_error(parse(R"({"w": {"dtype": "F32", "data_offsets": [0, 8]}})"),
                          {"tensor 'w'", "shape"});
        expect_load_error(parse(R"({"w": {"dtype": "F32", "shape": [2]}})"),
                          {"tensor 'w'", "data_offsets"});
    }
    SUBCASE("negative or non-integer dimension") {
        expect_load_error(
            parse(R"({"w": {"dtype": "F32", "shape": [-2, 1], "data_offsets": [0, 8]}})"),
            {"tensor 'w'", "-2"});
        expect_load_error(
            parse(R"({"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}})"),
            {"tensor 'w'", "2.5"});
    }
    SUBCASE("shape whose size overflows") {
        expect_load_error(
            parse(
                R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}})"),
            {"tensor 'w'", "too large"});
        expect_load_error(
            parse(
                R"({"w": {"dtype": "F64", "shape": [4611686018427387904], "data_offsets": [0, 8]}})"),
            {"tensor 'w'", "too large"});
    }
    SUBCASE("offsets reversed or outside the data") {
        expect_load_error(parse(R"({"w": {"dtype": "U8", "shape": [0], "data_offsets": [8, 4]}})"),
                          {"tensor 'w'", "end before they begin"});
        expect_load_error(
            parse(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [56, 72]}})", 64),
            {"tensor 'w'", "[56, 72]", "past the end", "64 bytes"});
        expect_load_error(parse(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})"),
                          {"tensor 'w'", "data_offsets"});
    }
    SUBCASE("overlapping ranges") {
        expect_load_error(parse(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                                    "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})"),
                          {"bad.safetensors", "'a'", "'b'", "overlap"});
    }
    SUBCASE("shape x dtype disagrees with the byte length") {
        const std::string m = expect_load_error(
            parse(R"({"h.3.attn.c_attn.weight": {"dtype": "F32", "shape": [768, 2304],
                     "data_offsets": [0, 1000]}})",
                  10000),
            {});
        CHECK(m ==
              "bad.safetensors: tensor 'h.3.attn.c_attn.weight': shape [768, 2304] x F32 needs "
              "7077888 bytes but data_offsets give 1000");
    }
    SUBCASE("duplicate names") {
        expect_load_error(parse(R"({"w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                                    "w": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})"),
                          {"bad.safetensors", "'w'", "more than once"});
        expect_load_error(
            parse(
                R"({"w": {"dtype": "U8", "dtype": "F32", "shape": [1], "data_offsets": [0, 1]}})"),
            {"'dtype'", "more than once"});
    }
    SUBCASE("metadata must be string to string") {
        expect_load_error(parse(R"({"__metadata__": {"n": 3}})"), {"__metadata__", "'n'"});
        expect_load_error(parse(R"({"__metadata__": ["x"]})"), {"__metadata__"});
    }
}

TEST_CASE("safetensors: file-level checks") {
    SUBCASE("file shorter than 8 bytes") {
        const auto path = write_image("short.safetensors", "abc");
        expect_load_error([&] { SafetensorsFile f(path); },
                          {"short.safetensors", "3 bytes", "too short"});
    }
    SUBCASE("empty file") {
        const auto path = write_image("empty.safetensors", "");
        expect_load_error([&] { SafetensorsFile f(path); }, {"empty.safetensors", "too short"});
    }
    SUBCASE("header length past the end of the file") {
        std::string bytes = image("{}");
        const uint64_t n = 1000;
        std::memcpy(bytes.data(), &n, 8);
        const auto path = write_image("past_end.safetensors", bytes);
        expect_load_error([&] { SafetensorsFile f(path); },
                          {"past_end.safetensors", "1000", "past the end of the file"});
    }
    SUBCASE("absurd header length") {
        std::string bytes = image("{}");
        const uint64_t n = uint64_t(1) << 60;
        std::memcpy(bytes.data(), &n, 8);
        const auto path = write_image("absurd.safetensors", bytes);
        expect_load_error([&] { SafetensorsFile f(path); }, {"absurd.safetensors", "absurd"});
    }
    SUBCASE("header that is not JSON") {
        const auto path = write_image("notjson.safetensors", image("hello world"));
        expect_load_error([&] { SafetensorsFile f(path); }, {"notjson.safetensors", "JSON"});
    }
    SUBCASE("offsets outside the data that follows the header") {
        const auto path = write_image(
            "outside.safetensors",
            image(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", "1234"));
        expect_load_error([&] { SafetensorsFile f(path); },
                          {"outside.safetensors", "tensor 'w'", "past the end", "4 bytes"});
    }
    SUBCASE("missing file") {
        expect_load_error([&] { SafetensorsFile f("/nonexistent/x.safetensors"); },
                          {"/nonexistent/x.safetensors"});
    }
    SUBCASE("a hand-made valid file with unpadded header maps correctly") {
        const auto path =
            write_image("handmade.safetensors",
                        image(R"({"b":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}})",
                              std::string("\x01\x02\xff")));
        SafetensorsFile file(path);
        const TensorInfo* info = file.find("b");
        REQUIRE(info);
        CHECK(file.find("nope") == nullptr);
        auto bytes = file.bytes(*info);
        REQUIRE(bytes.size() == 3);
        CHECK(bytes[2] == 0xff);
        CHECK(file.to_f32(*info) == std::vector<float>{1, 2, 255});
    }
}

TEST_CASE("safetensors: F32, F16 and BF16 round-trips with known values") {
    const fs::path dir = test::temp_dir("safetensors-roundtrip");
    const fs::path path = dir / "values.safetensors";
    const float inf = std::numeric_limits<float>::infinity();
    // F16 bit patterns: 1.5, -2, 65504 (max), 2^-24 (smallest subnormal), 1023 * 2^-24 (largest
    // subnormal), 2^-14 (smallest normal), -0, +inf, -inf, NaN.
    const std::vector<uint8_t> f16 = raw_bytes<uint16_t>(
        {0x3E00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x8000, 0x7C00, 0xFC00, 0x7E00});
    // BF16: 1.5, -2, 1.0, the largest finite (0x7F7F), the smallest subnormal (0x0001).
    const std::vector<uint8_t> bf16 = raw_bytes<uint16_t>({0x3FC0, 0xC000, 0x3F80, 0x7F7F, 0x0001});
    const std::vector<uint8_t> f32 = raw_bytes<float>({1.5f, -2.0f, 65504.0f, 1e-40f});
    write_safetensors(path,
                      {{"half", DType::F16, {2, 5}, f16},
                       {"brain", DType::BF16, {5}, bf16},
                       {"single", DType::F32, {4}, f32},
                       {"double", DType::F64, {2}, raw_bytes<double>({0.1, -3e300})},
                       {"i64", DType::I64, {2}, raw_bytes<int64_t>({-5, int64_t(1) << 40})},
                       {"i32", DType::I32, {1}, raw_bytes<int32_t>({-123456})},
                       {"i16", DType::I16, {1}, raw_bytes<int16_t>({-32768})},
                       {"i8", DType::I8, {2}, raw_bytes<int8_t>({-128, 127})},
                       {"u8", DType::U8, {1}, raw_bytes<uint8_t>({200})},
                       {"flags", DType::Bool, {3}, raw_bytes<uint8_t>({0, 1, 1})},
                       {"none", DType::F32, {0, 4}, {}}},
                      {{"format", "pt"}, {"who", "attnscope test"}});

    SafetensorsFile file(path);
    CHECK(file.header().metadata.at("who") == "attnscope test");
    CHECK(file.header().tensors.size() == 11);
    CHECK(file.header().tensors.front().name == "half");

    const auto h = read_back(path, "half");
    REQUIRE(h.size() == 10);
    CHECK(h[0] == 1.5f);
    CHECK(h[1] == -2.0f);
    CHECK(h[2] == 65504.0f);
    CHECK(h[3] == std::ldexp(1.0f, -24));
    CHECK(h[4] == 1023.0f * std::ldexp(1.0f, -24));
    CHECK(h[5] == std::ldexp(1.0f, -14));
    CHECK(h[6] == 0.0f);
    CHECK(std::signbit(h[6]));
    CHECK(h[7] == inf);
    CHECK(h[8] == -inf);
    CHECK(std::isnan(h[9]));

    const auto b = read_back(path, "brain");
    CHECK(b[0] == 1.5f);
    CHECK(b[1] == -2.0f);
    CHECK(b[2] == 1.0f);
    CHECK(b[3] == std::bit_cast<float>(0x7F7F0000u));
    CHECK(b[4] == std::bit_cast<float>(0x00010000u));

    CHECK(read_back(path, "single") == std::vector<float>{1.5f, -2.0f, 65504.0f, 1e-40f});
    const auto d = read_back(path, "double");
    CHECK(d[0] == 0.1f);
    CHECK(d[1] == -inf);  // out of F32 range
    CHECK(read_back(path, "i64") == std::vector<float>{-5.0f, 1099511627776.0f});
    CHECK(read_back(path, "i32") == std::vector<float>{-123456.0f});
    CHECK(read_back(path, "i16") == std::vector<float>{-32768.0f});
    CHECK(read_back(path, "i8") == std::vector<float>{-128.0f, 127.0f});
    CHECK(read_back(path, "u8") == std::vector<float>{200.0f});
    CHECK(read_back(path, "flags") == std::vector<float>{0.0f, 1.0f, 1.0f});
    CHECK(read_back(path, "none").empty());
}

TEST_CASE("safetensors: the writer pads the header to 8 bytes and checks sizes") {
    const fs::path dir = test::temp_dir("safetensors-writer");
    for (int n_name = 1; n_name <= 9; ++n_name) {
        const fs::path path = dir / "pad.safetensors";
        write_safetensors(path, {{std::string(size_t(n_name), 'x'), DType::U8, {1}, {7}}});
        const std::string bytes = test::read_file(path);
        uint64_t header_size = 0;
        std::memcpy(&header_size, bytes.data(), 8);
        CHECK(header_size % 8 == 0);
        CHECK(bytes.size() == 8 + header_size + 1);
        CHECK(bytes[8 + header_size - 1] != '\0');
        CHECK(read_back(path, std::string(size_t(n_name), 'x')) == std::vector<float>{7.0f});
    }
    CHECK_THROWS_AS(write_safetensors(dir / "bad.safetensors", {{"w", DType::F32, {2}, {1, 2, 3}}}),
                    Error);
    CHECK_THROWS_AS(write_safetensors(dir / "dup.safetensors",
                                      {{"w", DType::U8, {1}, {1}}, {"w", DType::U8, {1}, {2}}}),
                    Error);
}

TEST_CASE("safetensors: convert_to_f32 checks the byte count") {
    std::vector<float> out(3);
    const std::vector<uint8_t> five(5);
    CHECK_THROWS_AS(convert_to_f32(DType::F16, five, out), LoadError);
}

TEST_CASE("safetensors: every real model and fixture file opens") {
    std::vector<fs::path> files;
    for (const auto& root : {test::models_dir(), test::fixtures_dir()})
        for (const auto& entry : fs::recursive_directory_iterator(root))
            if (entry.path().extension() == ".safetensors") files.push_back(entry.path());
    // At least the five models with weights and a dozen fixtures per model.
    CHECK(files.size() >= 5 + 5 * 12);
    for (const auto& path : files) {
        CAPTURE(path);
        SafetensorsFile file(path);
        CHECK(!file.header().tensors.empty());
        for (const auto& info : file.header().tensors) {
            CAPTURE(info.name);
            CHECK(file.bytes(info).size() == size_t(info.numel()) * dtype_size(info.dtype));
        }
    }

    const fs::path llama =
        test::model_dir("karpathy--tinyllamas--stories260K") / "model.safetensors";
    SafetensorsFile file(llama);
    CHECK(file.header().metadata.at("format") == "pt");
    const TensorInfo* embed = file.find("model.embed_tokens.weight");
    REQUIRE(embed);
    CHECK(embed->dtype == DType::F32);
    CHECK(embed->shape == std::vector<int64_t>{512, 64});
    const TensorInfo* k = file.find("model.layers.0.self_attn.k_proj.weight");
    REQUIRE(k);
    CHECK(k->shape == std::vector<int64_t>{32, 64});  // 4 KV heads x d_head 8
    const std::vector<float> values = file.to_f32(*embed);
    CHECK(values.size() == 512 * 64);
    for (float v : values) REQUIRE(std::isfinite(v));
}
