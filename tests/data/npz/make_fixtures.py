#!/usr/bin/env python3
"""Makes the .npz fixtures in this folder with NumPy, the way users save attention from
Hugging Face transformers (output_attentions=True). Run it again only to change a fixture:

    python3 tests/data/npz/make_fixtures.py

The files are checked in so the import tests run without NumPy. Each bad_*.npz breaks one rule
the importer checks (tests/core/test_trace_export.cpp expects its message).
"""
import json
import os
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240601)


def softmax_attention(n_layer, n_head, n_token, causal):
    scores = rng.normal(size=(n_layer, n_head, n_token, n_token)) * 2.0
    if causal:
        future = np.triu(np.ones((n_token, n_token), dtype=bool), k=1)
        scores = np.where(future, -np.inf, scores)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def save(name, compressed=False, **arrays):
    path = os.path.join(HERE, name)
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    print(name, {k: (v.dtype.str, v.shape) for k, v in arrays.items()})


# GPT-2 style: np.stack of out.attentions -> [L, 1, H, T, T] float32, byte-level tokens, ids [1, T].
gpt2_tokens = ["The", "Ġanimal", "Ġdidn", "'t", "Ġcross", "Ċ"]
gpt2 = softmax_attention(2, 3, len(gpt2_tokens), causal=True).astype(np.float32)
save("hf_gpt2_batch1.npz", attention=gpt2[:, None], tokens=np.array(gpt2_tokens),
     input_ids=np.array([[464, 5044, 1422, 470, 3272, 198]], dtype=np.int64))

# BERT style, compressed, one float16 array per layer with a batch dim, WordPiece tokens.
bert_tokens = ["[CLS]", "the", "anim", "##al", "slept", ".", "[SEP]"]
bert = softmax_attention(3, 2, len(bert_tokens), causal=False)
save("hf_bert_layers_f16_compressed.npz", compressed=True,
     **{f"attention_{l}": bert[l][None].astype(np.float16) for l in range(3)},
     tokens=np.array(bert_tokens))

# layer_0.. keys, float64 in Fortran order, SentencePiece tokens stored as a JSON string in bytes.
sp_tokens = ["<s>", "▁Once", "▁upon", "▁a", "<0x0A>"]
sp = softmax_attention(2, 2, len(sp_tokens), causal=True)
save("layers_f64_fortran_json_tokens.npz",
     layer_0=np.asfortranarray(sp[0]), layer_1=np.asfortranarray(sp[1]),
     tokens=np.frombuffer(json.dumps(sp_tokens).encode(), dtype=np.uint8))

# Tokens as a bytes ('|S') array, attention [L, H, T, T] float32, no ids.
plain = softmax_attention(1, 2, 4, causal=False).astype(np.float32)
save("bytes_tokens.npz", attention=plain, tokens=np.array([b"a", b"b,c", b'"d"', b"e"]))

# Bad files.
bad = softmax_attention(2, 2, 5, causal=False).astype(np.float32)
tokens5 = np.array(["a", "b", "c", "d", "e"])
row = bad.copy()
row[1, 0, 3] *= 0.87
save("bad_row_sum.npz", attention=row, tokens=tokens5)
neg = bad.copy()
neg[0, 1, 2, 4] = -0.25
neg[0, 1, 2, 0] += 0.25
save("bad_negative.npz", attention=neg, tokens=tokens5)
save("bad_not_square.npz", attention=bad[:, :, :, :4], tokens=tokens5)
save("bad_token_count.npz", attention=bad, tokens=tokens5[:4])
save("bad_no_attention.npz", weights=bad, tokens=tokens5)
save("bad_batch2.npz", attention=np.stack([bad, bad], axis=1), tokens=tokens5)
save("bad_big_endian.npz", attention=bad.astype(">f4"), tokens=tokens5)
save("bad_int_attention.npz", attention=(bad > 0.5).astype(np.int32), tokens=tokens5)
save("bad_layer_gap.npz", attention_0=bad[0], attention_2=bad[1], tokens=tokens5)
np.savez(os.path.join(HERE, "bad_object_tokens.npz"), attention=bad,
         tokens=np.array(["a", 1, None, "d", "e"], dtype=object))
print("bad_object_tokens.npz (object array, pickled)")

# Zip64: np.savez only writes zip64 structures past 4 GiB, so lower zipfile's limits for one small
# file. Every central directory entry then keeps its sizes and local header offset in a zip64 extra
# field, and a zip64 end record and locator precede the end record (which keeps the real values:
# zipfile writes 0xFFFF.. placeholders only when a value does not fit). Uniform causal attention
# (row i: 1 / (i + 1) on keys 0..i), so the test can recompute every weight.
limits = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = -1, 0
try:
    n_token = 4
    uniform = np.tril(np.ones((n_token, n_token))) / np.arange(1, n_token + 1)[:, None]
    save("zip64_forced.npz", attention=np.broadcast_to(uniform, (2, 2, n_token, n_token))
         .astype(np.float32), tokens=np.array(["a", "b", "c", "d"]),
         ids=np.array([10, 11, 12, 13], dtype=np.int32))
finally:
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limits
