// libFuzzer target for the .npz / .npy reader and the attention importer, which meet files from
// other programs. Each input is parsed as an archive (or a lone .npy) and imported; bad input
// must end in LoadError. Any other exception, crash or sanitizer report is a bug, and an accepted
// trace must keep the importer's promises (checked below with abort()).
//
// Seeds: tests/data/npz/*.npz (made by NumPy, good and bad).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "attnscope/errors.h"
#include "attnscope/npy.h"
#include "attnscope/trace_export.h"

using namespace attnscope;

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "broken promise: %s\n", what);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        std::vector<NpzEntry> entries;
        if (bytes.substr(0, 6) == "\x93NUMPY") {
            entries.push_back({"attention", npy_parse(bytes, "fuzz.npy")});
        } else {
            entries = npz_parse(bytes, "fuzz.npz");
        }
        for (const NpzEntry& e : entries)
            require(e.array.data.size() == e.array.element_count() * e.array.item_size,
                    "data size = elements x item size");
        const AttentionTrace tr = import_attention(entries, "fuzz.npz");
        const size_t T = size_t(tr.n_token);
        require(tr.imported, "imported flag");
        require(tr.weights.size() == size_t(tr.n_layer) * tr.n_head * T * T, "weights size");
        require(tr.mask.size() == T * T, "mask size");
        require(tr.tokens.tokens.size() == T && tr.tokens.texts.size() == T &&
                    tr.tokens.special.size() == T && tr.tokens.spans.size() == T,
                "token arrays of T entries");
        for (float w : tr.weights) require(w >= 0.0f && w <= 1.001f, "weights are probabilities");
    } catch (const LoadError&) {
    }
    return 0;
}
