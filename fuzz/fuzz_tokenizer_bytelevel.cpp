// libFuzzer target for byte-level BPE: GPT-2 (vocab.json + merges.txt) and RoBERTa
// (tokenizer.json, <mask> with lstrip). Besides the shared checks (tokenizer_fuzz.h):
//  - GPT-2 is lossless: decode(encode(text)) == text for every valid input;
//  - without added tokens in the text, RoBERTa's ids are GPT-2's + 4 between <s> and </s>
//    (its vocabulary is GPT-2's shifted by 4), which cross-checks the two load paths.
#include "tokenizer_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto gpt2 = fuzz::load("gpt2");
    static const auto roberta = fuzz::load("test--roberta-tiny-random");

    fuzz::Input in = fuzz::split_input(data, size);
    auto g = fuzz::encode_checked(*gpt2, in);
    auto r = fuzz::encode_checked(*roberta, in);
    fuzz::decode_any(*gpt2, data, size);
    fuzz::decode_any(*roberta, data, size);
    if (!g || !r) return 0;
    fuzz::check_encoding(*gpt2, in, *g, true);
    fuzz::check_encoding(*roberta, in, *r, true);

    if (!in.pair) {
        fuzz::require(gpt2->decode(g->ids) == in.text, "GPT-2 decode(encode(x)) != x");
        if (!fuzz::contains_any(in.text,
                                {"<s>", "</s>", "<pad>", "<unk>", "<mask>", "<|endoftext|>"})) {
            fuzz::require(r->ids.size() == g->ids.size() + 2, "RoBERTa and GPT-2 token counts");
            for (size_t i = 0; i < g->ids.size(); ++i)
                fuzz::require(r->ids[i + 1] == g->ids[i] + 4, "RoBERTa id != GPT-2 id + 4");
        }
    }
    return 0;
}
