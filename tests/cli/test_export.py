#!/usr/bin/env python3
"""End-to-end tests of trace export and import in the command-line tool: `attnscope dump
--format json|npz|csv` and `attnscope dump --import FILE.npz`.

    test_export.py --exe attnscope-cli [--models-default DIR] [--data DIR] [--numpy-python PY] CASE
    test_export.py --list

The script itself needs only the standard library (it reads .npz files with zipfile). Cases that
cross-check with NumPy run snippets under --numpy-python (a Python that has numpy, e.g. Debian's
python3-numpy); without one they exit 77, which ctest reports as skipped, with the reason. The
command line and the helpers: cli_testlib.py.
"""

import ast
import csv
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
from array import array

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cli_testlib  # noqa: E402
from cli_testlib import Skip, check  # noqa: E402

EXE = None
MODELS = None
DATA = None
NUMPY_PYTHON = None

GPT2_TINY = "test--gpt2-tiny-random"
BERT_TINY = "test--bert-tiny-random"
TEXT = 'Hello, "world": it\'s me, again.'


def model(name):
    return cli_testlib.model_folder(MODELS, name)


def run(*args, expect=0):
    return cli_testlib.run_cli(EXE, *args, expect=expect)


def numpy(script, *args):
    """Runs `script` under the NumPy Python (argv[1:] = args); returns its stdout."""
    if not NUMPY_PYTHON:
        raise Skip("no Python with NumPy found (install python3-numpy): NumPy cross-check skipped")
    proc = subprocess.run([NUMPY_PYTHON, "-c", script, *args], capture_output=True, timeout=120)
    check(proc.returncode == 0, f"numpy snippet failed:\n{proc.stderr.decode()}")
    return proc.stdout.decode()


# [SECTION] A stdlib .npz reader (what np.load does, for the dtypes attnscope writes)

def read_npy(data):
    check(data[:6] == b"\x93NUMPY", "not a .npy member")
    major = data[6]
    if major == 1:
        (n,) = struct.unpack("<H", data[8:10])
        start = 10
    else:
        (n,) = struct.unpack("<I", data[8:12])
        start = 12
    header = ast.literal_eval(data[start:start + n].decode("latin1"))
    check((start + n) % 64 == 0, f"data not 64-byte aligned ({start + n})")
    body = data[start + n:]
    descr, shape = header["descr"], tuple(header["shape"])
    check(not header["fortran_order"], "attnscope writes C order")
    count = 1
    for d in shape:
        count *= d
    if descr[1] == "U":
        width = int(descr[2:])
        values = [body[i * 4 * width:(i + 1) * 4 * width].decode("utf-32-le").rstrip("\0")
                  for i in range(count)]
    else:
        code = {"<f4": "f", "<i4": "i", "|b1": "B", "|u1": "B"}[descr]
        values = array(code)
        values.frombytes(body)
        check(len(values) == count, f"{descr} {shape}: {len(values)} values")
    return descr, shape, values


def read_npz(path):
    with zipfile.ZipFile(path) as z:
        check(z.testzip() is None, "bad CRC in the archive")
        return {name[:-4]: read_npy(z.read(name)) for name in z.namelist()}


def dump_json(*args):
    out, _ = run("dump", *args)
    return json.loads(out)


def flat_attention(doc):
    return [x for layer in doc["attention"] for head in layer for row in head for x in row]


# [SECTION] Cases

def close(a, b, tol=1e-5):
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b))


def case_dump_npz_matches_json():
    """--format npz holds the attention of --format json, plus q/k/v; what --import reads back
    from it is the same bit for bit. (Two separate runs may differ in the last bit: the engine's
    float sums depend on buffer alignment, so across runs the check allows 1e-5.)"""
    with tempfile.TemporaryDirectory() as tmp:
        for name in (GPT2_TINY, BERT_TINY):
            doc = dump_json("--model", model(name), "--text", TEXT)
            path = os.path.join(tmp, name + ".npz")
            out, _ = run("dump", "--model", model(name), "--text", TEXT, "--format", "npz",
                         "--out", path)
            check(out == "", "npz with --out must print nothing")
            arrays = read_npz(path)
            L, H, T, D = doc["n_layer"], doc["n_head"], doc["n_token"], doc["d_head"]
            descr, shape, att = arrays["attention"]
            check(descr == "<f4" and shape == (L, H, T, T), f"attention {descr} {shape}")
            check(close(att, flat_attention(doc)), f"{name}: npz attention differs from the JSON")
            check(arrays["tokens"][2] == doc["tokens"], "tokens")
            check(arrays["texts"][2] == doc["texts"], "texts")
            check(list(arrays["ids"][2]) == doc["ids"], "ids")
            check(arrays["q"][1] == (L, H, T, D), f"q {arrays['q'][1]}")
            check(arrays["k"][1] == (L, doc["n_kv_head"], T, D), f"k {arrays['k'][1]}")
            check(arrays["scores"][1] == (L, H, T, T), "scores")
            check(arrays["model"][2] == [name], f"model {arrays['model'][2]}")
            check(list(arrays["causal"][2]) == [int(doc["causal"])], "causal")
            # Round trip through the importer: exact.
            back = dump_json("--import", path)
            check(array("f", flat_attention(back)) == att, f"{name}: import changed the values")
            check(back["tokens"] == doc["tokens"] and back["texts"] == doc["texts"], "tokens")
            check(back["causal"] == doc["causal"] and back["imported"] is True, "flags")


def case_dump_csv_matches_json():
    """--format csv: one head, header of key tokens, one row per query, quoting that csv reads."""
    doc = dump_json("--model", model(GPT2_TINY), "--text", TEXT)
    out, _ = run("dump", "--model", model(GPT2_TINY), "--text", TEXT, "--format", "csv",
                 "--layer", "1", "--head", "3")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    T = doc["n_token"]
    check(len(rows) == T + 1, f"{len(rows)} rows for {T} tokens")
    check(rows[0] == ["query \\ key"] + doc["texts"], f"header {rows[0]}")
    check(any("," in t for t in doc["texts"]) and any('"' in t for t in doc["texts"]),
          "the text should have tokens with a comma and a quote")
    for i in range(T):
        check(rows[i + 1][0] == doc["texts"][i], f"row {i} label {rows[i + 1][0]!r}")
        values = [float(x) for x in rows[i + 1][1:]]
        check(close(values, doc["attention"][1][3][i]), f"row {i} differs from the JSON")


def case_dump_format_errors():
    m = model(GPT2_TINY)
    _, err = run("dump", "--model", m, "--text", "x", "--format", "npz", expect=2)
    check("--out" in err, err)
    _, err = run("dump", "--model", m, "--text", "x", "--format", "xml", expect=2)
    check("json, npz or csv" in err, err)
    _, err = run("dump", "--model", m, "--text", "x", "--layer", "1", expect=2)
    check("--format csv" in err, err)
    _, err = run("dump", "--model", m, "--text", "x", "--format", "csv", "--head", "9", expect=1)
    check("head 9 is out of range" in err and "4 heads" in err, err)
    _, err = run("dump", "--import", "a.npz", "--model", m, expect=2)
    check("--model" in err, err)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "no", "such", "dir.npz")
        _, err = run("dump", "--model", m, "--text", "x", "--format", "npz", "--out", path,
                     expect=1)
        check("cannot write" in err, err)


def case_import_checked_in_files():
    """NumPy-made files (tests/data/npz) import; the JSON says what was found."""
    doc = dump_json("--import", os.path.join(DATA, "hf_gpt2_batch1.npz"))
    check(doc.get("imported") is True, "imported flag")
    check(doc["n_layer"] == 2 and doc["n_head"] == 3 and doc["n_token"] == 6, "sizes")
    check(doc["causal"] is True, "causal")
    check(doc["texts"][1] == " animal" and doc["texts"][5] == "\n", f"texts {doc['texts']}")
    doc = dump_json("--import", os.path.join(DATA, "hf_bert_layers_f16_compressed.npz"))
    check(doc["n_layer"] == 3 and doc["causal"] is False, "bert sizes")
    check(doc["special"] == [1, 0, 0, 0, 0, 0, 1], f"special {doc['special']}")


def case_import_bad_files():
    """Each broken file: exit 1 and a message naming what is wrong. Never a crash."""
    expected = {
        "bad_row_sum.npz": "query 3] sums to 0.87",
        "bad_negative.npz": "is -0.25",
        "bad_not_square.npz": "must be equal",
        "bad_token_count.npz": "T = 5",
        "bad_no_attention.npz": "no attention found",
        "bad_batch2.npz": "batch of 2",
        "bad_big_endian.npz": "big-endian",
        "bad_int_attention.npz": "float16, float32 or float64",
        "bad_layer_gap.npz": "'attention_1' is missing",
        "bad_object_tokens.npz": "object array",
    }
    for name, words in expected.items():
        _, err = run("dump", "--import", os.path.join(DATA, name), expect=1)
        check(name in err and words in err, f"{name}: {err}")
    with tempfile.TemporaryDirectory() as tmp:
        good = open(os.path.join(DATA, "hf_gpt2_batch1.npz"), "rb").read()
        cut = os.path.join(tmp, "cut.npz")
        open(cut, "wb").write(good[: len(good) // 2])
        _, err = run("dump", "--import", cut, expect=1)
        check("truncated" in err, err)
        text = os.path.join(tmp, "text.npz")
        open(text, "w").write("not an archive\n")
        _, err = run("dump", "--import", text, expect=1)
        check("not an .npz" in err, err)


def case_numpy_reads_dump_npz():
    """np.load reads our archive: dtypes, shapes, strings, values equal to the JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.npz")
        run("dump", "--model", model(GPT2_TINY), "--text", TEXT, "--format", "npz", "--out", path)
        ref = os.path.join(tmp, "g.json")
        run("dump", "--model", model(GPT2_TINY), "--text", TEXT, "--out", ref)
        out = numpy("""
import json, sys
import numpy as np
z = np.load(sys.argv[1])
doc = json.load(open(sys.argv[2]))
a = z["attention"]
assert a.dtype == np.float32 and a.flags.c_contiguous, a.dtype
assert a.shape == (doc["n_layer"], doc["n_head"], doc["n_token"], doc["n_token"]), a.shape
assert np.allclose(a, np.array(doc["attention"], dtype=np.float32), rtol=0, atol=1e-5), "values"
assert np.allclose(a.sum(-1), 1, atol=1e-5)
assert z["tokens"].dtype.kind == "U" and list(z["tokens"]) == doc["tokens"], z["tokens"]
assert list(z["texts"]) == doc["texts"]
assert z["ids"].dtype == np.int32 and list(z["ids"]) == doc["ids"]
assert z["mask"].dtype == np.bool_ and not z["mask"][0, 1] and z["mask"][1, 0]
assert z["q"].shape[-1] == doc["d_head"] and z["hidden"].shape[-1] == doc["d_model"]
assert str(z["model"]) == doc["model"] and bool(z["causal"]) is True
print("ok", sorted(z.files))
""", path, ref)
        check(out.startswith("ok"), out)


def case_numpy_savez_import_roundtrip():
    """Files as transformers users save them (np.savez and np.savez_compressed; stacked with a
    batch dim, per-layer keys, float16/float64, Fortran order) import to the same matrices."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src.npz")
        run("dump", "--model", model(BERT_TINY), "--text", TEXT, "--format", "npz", "--out", src)
        made = numpy("""
import json, os, sys
import numpy as np
z = np.load(sys.argv[1])
a, tokens, out = z["attention"], z["tokens"], sys.argv[2]
np.savez(os.path.join(out, "stacked_batch.npz"), attention=a[:, None], tokens=tokens)
np.savez_compressed(os.path.join(out, "compressed.npz"), attention=a, tokens=tokens)
np.savez_compressed(os.path.join(out, "layers_f16.npz"),
                    **{f"attention_{l}": a[l][None].astype(np.float16) for l in range(len(a))},
                    tokens=tokens)
np.savez(os.path.join(out, "layers_f64_fortran.npz"),
         **{f"layer_{l}": np.asfortranarray(a[l].astype(np.float64)) for l in range(len(a))},
         tokens=np.frombuffer(json.dumps(tokens.tolist()).encode(), dtype=np.uint8))
print("made")
""", src, tmp)
        check(made.startswith("made"), made)
        for name in ("stacked_batch", "compressed", "layers_f16", "layers_f64_fortran"):
            back = os.path.join(tmp, name + ".back.npz")
            run("dump", "--import", os.path.join(tmp, name + ".npz"), "--format", "npz",
                "--out", back)
            out = numpy("""
import sys
import numpy as np
a = np.load(sys.argv[1])["attention"]
z = np.load(sys.argv[2])
expect = a.astype(np.float16).astype(np.float32) if "f16" in sys.argv[2] else a
assert z["attention"].shape == a.shape, z["attention"].shape
assert np.array_equal(z["attention"], expect), np.abs(z["attention"] - expect).max()
assert list(z["tokens"]) == list(np.load(sys.argv[1])["tokens"])
assert "q" not in z.files  # an imported trace has attention only
print("same")
""", src, back)
            check(out.startswith("same"), f"{name}: {out}")


def main():
    def add_arguments(parser):
        parser.add_argument("--data", default=os.path.join(HERE, "..", "data", "npz"))
        parser.add_argument("--numpy-python", default="")

    def setup(args):
        global EXE, MODELS, DATA, NUMPY_PYTHON
        EXE, MODELS = args.exe, args.models
        DATA = os.path.abspath(args.data)
        NUMPY_PYTHON = args.numpy_python
        return None

    return cli_testlib.main(cli_testlib.cases_of(globals(), sort=True), add_arguments, setup)


if __name__ == "__main__":
    sys.exit(main())
