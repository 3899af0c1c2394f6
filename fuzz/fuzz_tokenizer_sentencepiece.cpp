// libFuzzer target for SentencePiece-style BPE with byte fallback (stories260K). Besides the
// shared checks (tokenizer_fuzz.h): without special-token text or a literal "▁", decoding the
// tokens after <s> gives the text back exactly (byte fallback makes every character encodable).
#include "tokenizer_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto tok = fuzz::load("karpathy--tinyllamas--stories260K");

    fuzz::Input in = fuzz::split_input(data, size);
    auto e = fuzz::encode_checked(*tok, in);
    fuzz::decode_any(*tok, data, size);
    if (!e) return 0;
    fuzz::check_encoding(*tok, in, *e, true);
    if (!in.pair && !fuzz::contains_any(in.text, {"<s>", "</s>", "<unk>", "\xE2\x96\x81"})) {
        fuzz::require(!e->ids.empty() && e->ids[0] == 1, "no BOS");
        std::vector<int32_t> body(e->ids.begin() + 1, e->ids.end());
        fuzz::require(tok->decode(body) == in.text, "decode(encode(x)) != x");
    }
    return 0;
}
