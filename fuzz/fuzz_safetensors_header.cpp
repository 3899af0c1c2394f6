// libFuzzer target for the safetensors reader, the code that meets untrusted model files first.
//
// Each input is used twice:
//  1. parse_safetensors_header(bytes[8:], data_size = LE u64 of bytes[0:8]): the header parser
//     alone, with any data size;
//  2. the whole input as a file image for SafetensorsFile (header length, mapping, to_f32). The
//     image goes into a memfd, so there is no disk I/O per execution.
// Bad input must end in LoadError; any other exception, crash or sanitizer report is a bug, and an
// accepted header must satisfy every promise the parser makes (checked below with abort()).
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "attnscope/errors.h"
#include "attnscope/safetensors.h"

using namespace attnscope;

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

// What an accepted header guarantees to every caller.
void check_header(const SafetensorsHeader& header, uint64_t data_size) {
    std::set<std::string> names;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const TensorInfo& t : header.tensors) {
        require(names.insert(t.name).second, "duplicate tensor name accepted");
        require(t.name != "__metadata__", "__metadata__ returned as a tensor");
        require(t.begin <= t.end && t.end <= data_size, "offsets outside the data accepted");
        require(t.numel() >= 0, "negative numel");
        for (int64_t d : t.shape) require(d >= 0, "negative dimension accepted");
        require(uint64_t(t.numel()) * dtype_size(t.dtype) == t.end - t.begin,
                "byte length does not match shape x dtype");
        if (t.end > t.begin) ranges.emplace_back(t.begin, t.end);
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
        require(ranges[i].first >= ranges[i - 1].second, "overlapping ranges accepted");
}

int memfd() {
    static const int fd = [] {
        const int f = memfd_create("fuzz.safetensors", MFD_CLOEXEC);
        if (f < 0) std::abort();
        return f;
    }();
    return fd;
}

void fuzz_header(const uint8_t* data, size_t size) {
    if (size < 8) return;
    uint64_t data_size = 0;
    std::memcpy(&data_size, data, 8);
    const std::string_view header(reinterpret_cast<const char*>(data + 8), size - 8);
    try {
        const SafetensorsHeader parsed = parse_safetensors_header(header, data_size, "fuzz");
        check_header(parsed, data_size);
    } catch (const LoadError&) {
    }
}

void fuzz_file(const uint8_t* data, size_t size) {
    const int fd = memfd();
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != ssize_t(size)) std::abort();
    static const std::string path = "/proc/self/fd/" + std::to_string(fd);
    try {
        SafetensorsFile file(path);
        uint64_t header_size = 0;
        std::memcpy(&header_size, data, 8);
        check_header(file.header(), size - 8 - header_size);
        const uint8_t* data_buffer = data + 8 + header_size;
        for (const TensorInfo& t : file.header().tensors) {
            require(file.find(t.name) != nullptr, "find() misses a tensor");
            const auto bytes = file.bytes(t);
            require(bytes.size() == t.end - t.begin, "bytes() has the wrong size");
            // The span must show exactly the input's bytes at the tensor's offsets.
            if (!bytes.empty())
                require(
                    bytes.front() == data_buffer[t.begin] && bytes.back() == data_buffer[t.end - 1],
                    "bytes() points at the wrong place");
            // Converts every byte: a span reaching past the mapping would crash here.
            const std::vector<float> values = file.to_f32(t);
            require(values.size() == size_t(t.numel()), "to_f32 returned the wrong count");
        }
    } catch (const LoadError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz_header(data, size);
    fuzz_file(data, size);
    return 0;
}
