// libFuzzer target for WordPiece (BERT): the same uncased vocabulary loaded from tokenizer.json
// (test--bert-tiny-random) and from vocab.txt alone (bert-base-uncased) must agree on every
// input, besides the shared checks (tokenizer_fuzz.h). Spans are not required to be monotonic:
// NFD's canonical reordering may move a mark of one input character past another's.
#include "tokenizer_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto from_json = fuzz::load("test--bert-tiny-random");
    static const auto from_txt = fuzz::load("bert-base-uncased");

    fuzz::Input in = fuzz::split_input(data, size);
    auto a = fuzz::encode_checked(*from_json, in);
    auto b = fuzz::encode_checked(*from_txt, in);
    fuzz::decode_any(*from_json, data, size);
    if (!a || !b) return 0;
    fuzz::check_encoding(*from_json, in, *a, false);
    fuzz::check_encoding(*from_txt, in, *b, false);
    fuzz::require(a->ids == b->ids, "tokenizer.json and vocab.txt disagree on ids");
    fuzz::require(a->type_ids == b->type_ids, "tokenizer.json and vocab.txt disagree on types");
    (void)from_json->decode(a->ids);
    return 0;
}
