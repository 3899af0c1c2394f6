#!/usr/bin/env python3
"""End-to-end tests of the attnscope command-line tool (stdlib only).

Each test case is one function named case_<name>; ctest runs one case per test:

    test_cli.py --exe build/.../attnscope-cli [--models-default DIR] [--fixtures-default DIR] CASE
    test_cli.py --list          # the case names, for CMake

Models come from ATTNSCOPE_MODELS (the environment wins over --models-default), fixtures from
ATTNSCOPE_FIXTURES (else --fixtures-default, else beside the models). A missing folder fails the
case loudly rather than skipping it. The command line and the helpers: cli_testlib.py.
"""

import json
import os
import shutil
import sys
import tempfile
from array import array

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_testlib  # noqa: E402
from cli_testlib import check  # noqa: E402

EXE = None
MODELS = None
FIXTURES = None

STORIES = "karpathy--tinyllamas--stories260K"
BERT_TINY = "test--bert-tiny-random"
GPT2_TINY = "test--gpt2-tiny-random"
ANIMAL = "The animal didn't cross the street because it was too tired."


def model(name):
    return cli_testlib.model_folder(MODELS, name)


def run(*args, stdin=None, expect=0):
    """Runs the CLI; checks the exit status (never a signal) and returns (stdout, stderr) as str."""
    return cli_testlib.run_cli(EXE, *args, stdin=stdin, expect=expect)


def json_line(text):
    lines = text.splitlines()
    check(len(lines) == 1, f"expected one output line, got {len(lines)}")
    return json.loads(lines[0])


def read_safetensors(path):
    """{name: (dtype, shape, values)} and the metadata of a safetensors file; F32 and I32 only."""
    raw, metadata = cli_testlib.read_safetensors(path)
    tensors = {}
    for name, (dtype, shape, data) in raw.items():
        values = array({"F32": "f", "I32": "i"}[dtype])
        values.frombytes(data)
        if sys.byteorder != "little":
            values.byteswap()
        tensors[name] = (dtype, shape, values)
    return tensors, metadata


def golden_lines(name):
    path = os.path.join(FIXTURES, "tokenizers", name + ".jsonl")
    check(os.path.isfile(path), f"tokenizer golden missing: {path}")
    with open(path, encoding="utf-8") as f:
        return path, [json.loads(line) for line in f.read().split("\n") if line]


def check_attention(dump, tensors, tol=1e-5):
    """The dump's attention against the fixture's attn.L, plus the softmax invariants."""
    n_layer, n_head, n_token = dump["n_layer"], dump["n_head"], dump["n_token"]
    attention = dump["attention"]
    check(len(attention) == n_layer, f"attention has {len(attention)} layers, n_layer {n_layer}")
    worst = (0.0, None)
    for l in range(n_layer):
        _, shape, ref = tensors[f"attn.{l}"]
        check(shape == [n_head, n_token, n_token], f"fixture attn.{l} shape {shape}")
        check(len(attention[l]) == n_head, f"layer {l}: {len(attention[l])} heads")
        for h in range(n_head):
            rows = attention[l][h]
            check(len(rows) == n_token, f"layer {l} head {h}: {len(rows)} rows")
            for i, row in enumerate(rows):
                check(len(row) == n_token, f"layer {l} head {h} row {i}: {len(row)} columns")
                check(abs(sum(row) - 1.0) < 1e-4, f"layer {l} head {h} row {i} sums to {sum(row)}")
                if dump["causal"]:
                    check(all(x == 0 for x in row[i + 1:]),
                          f"layer {l} head {h} row {i}: non-zero weight on a future token")
                base = (h * n_token + i) * n_token
                for j, x in enumerate(row):
                    d = abs(x - ref[base + j])
                    if d > worst[0]:
                        worst = (d, (l, h, i, j))
    check(worst[0] <= tol, f"attention differs from the fixture by {worst[0]:.3g} at "
                           f"[layer, head, query, key] = {worst[1]} (tolerance {tol})")


# ---------------------------------------------------------------------------------------------
# tokenize


def check_tokenize_jsonl(model_name, golden_name):
    path, lines = golden_lines(golden_name)
    out, _ = run("tokenize", "--model", model(model_name), "--jsonl", path)
    results = out.split("\n")
    check(results[-1] == "", "output must end with a newline")
    results = results[:-1]
    check(len(results) == len(lines), f"{len(results)} output lines for {len(lines)} input lines")
    bad = []
    for n, (want, got_line) in enumerate(zip(lines, results), 1):
        got = json.loads(got_line)
        if got.get("ids") != want["ids"] or got.get("tokens") != want["tokens"]:
            bad.append(f"line {n} {want['text'][:40]!r}: want {want['ids']}, got {got}")
    check(not bad, f"{len(bad)} of {len(lines)} lines differ:\n" + "\n".join(bad[:5]))


def case_tokenize_jsonl_gpt2():
    check_tokenize_jsonl("gpt2", "gpt2")


def case_tokenize_jsonl_minilm():
    check_tokenize_jsonl("sentence-transformers--all-MiniLM-L6-v2",
                         "sentence-transformers--all-MiniLM-L6-v2")


def case_tokenize_jsonl_bert_vocab_only():
    # bert-base-uncased has only vocab.txt: no config.json, no tokenizer.json.
    check_tokenize_jsonl("bert-base-uncased", "sentence-transformers--all-MiniLM-L6-v2")


def case_tokenize_jsonl_stories():
    check_tokenize_jsonl(STORIES, STORIES)


def case_tokenize_jsonl_roberta():
    check_tokenize_jsonl("test--roberta-tiny-random", "test--roberta-tiny-random")


def case_tokenize_text_samples():
    """A handful of golden lines through --text / --pair (and --text-file when argv cannot hold
    the text, i.e. it has a NUL byte)."""
    for golden, folder in [("gpt2", "gpt2"), ("sentence-transformers--all-MiniLM-L6-v2",
                                              "bert-base-uncased"), (STORIES, STORIES)]:
        _, lines = golden_lines(golden)
        picks = lines[:4] + [l for l in lines if "text_pair" in l][:2] + \
            [l for l in lines if any(ord(c) > 0x2000 for c in l["text"])][:3] + \
            [l for l in lines if l["text"] == ""][:1]
        with tempfile.TemporaryDirectory() as tmp:
            for k, want in enumerate(picks):
                args = ["tokenize", "--model", model(folder)]
                if "\0" in want["text"]:
                    path = os.path.join(tmp, f"text{k}")
                    with open(path, "wb") as f:
                        f.write(want["text"].encode("utf-8"))
                    args += ["--text-file", path]
                else:
                    args += ["--text", want["text"]]
                if want.get("text_pair") is not None:
                    args += ["--pair", want["text_pair"]]
                got = json_line(run(*args)[0])
                check(got == {"ids": want["ids"], "tokens": want["tokens"]},
                      f"{folder}: {want['text'][:40]!r}: want {want['ids']}, got {got}")


def case_tokenize_jsonl_stdin_bad_line():
    stdin = "\n".join([
        json.dumps({"text": "Hello world"}),
        "{not json",
        json.dumps({"txt": "no text member"}),
        "",
        json.dumps({"text": "Who?", "pair": "Tom."}),
        json.dumps({"text": "x", "pair": 3}),
    ]) + "\n"
    out, err = run("tokenize", "--model", model(BERT_TINY), "--jsonl", "-",
                   stdin=stdin.encode(), expect=1)
    results = [json.loads(l) for l in out.splitlines()]
    check(len(results) == 6, f"expected 6 result lines, got {len(results)}")
    check(results[0]["ids"] == [101, 7592, 2088, 102], f"line 1: {results[0]}")
    for n in (1, 2, 3, 5):
        check("error" in results[n] and f"line {n + 1}" in results[n]["error"],
              f"line {n + 1} should be an error naming its line: {results[n]}")
    check(results[4]["tokens"] == ["[CLS]", "who", "?", "[SEP]", "tom", ".", "[SEP]"],
          f"pair line: {results[4]}")
    check("4 of 6" in err, f"stderr should count the failed lines: {err}")


# ---------------------------------------------------------------------------------------------
# dump


def case_dump_stories_animal():
    tensors, meta = read_safetensors(os.path.join(FIXTURES, STORIES, "animal_tired.safetensors"))
    check(meta["text"] == ANIMAL, "fixture text changed")
    with tempfile.TemporaryDirectory() as tmp:
        out_path = os.path.join(tmp, "dump.json")
        out, _ = run("dump", "--model", model(STORIES), "--text", ANIMAL, "--out", out_path)
        check(out == "", "with --out nothing goes to stdout")
        with open(out_path, encoding="utf-8") as f:
            dump = json.load(f)
    check(dump["n_token"] == 34 and len(dump["tokens"]) == 34, f"{dump['n_token']} tokens")
    check(dump["n_layer"] == 5 and dump["n_head"] == 8 and dump["n_kv_head"] == 4,
          f"layers/heads {dump['n_layer']}/{dump['n_head']}/{dump['n_kv_head']}")
    check(dump["d_head"] == 8 and dump["arch"] == "llama" and dump["model"] == STORIES,
          "d_head, arch, model")
    check(dump["ids"] == list(tensors["input_ids"][2]), "ids differ from the fixture")
    check(dump["tokens"] == json.loads(meta["tokens"]), "tokens differ from the fixture")
    check(len(dump["texts"]) == 34 and len(dump["spans"]) == 34, "texts and spans")
    check(dump["prediction"]["kind"] == "next_token" and dump["prediction"]["positions"] == [33],
          f"prediction {dump['prediction']['kind']}")
    check_attention(dump, tensors)


def case_dump_same_bits_whatever_the_model_path():
    """The same model and text give the same bits whatever path names the folder.

    Path strings are allocated before the trace, so their length moves where the trace buffers
    land. Vectorised loops peel up to the first aligned element, so unaligned buffers changed the
    order of additions and the last bits of scores (seen in CI: a model opened by Hub id and by
    folder disagreed). Path lengths over several 64-byte lines, as the heap moves in 16-byte steps."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in (GPT2_TINY, STORIES):
            seen = {}
            for length in range(1, 49):
                folder = os.path.join(tmp, name[:4] + "x" * length)
                os.symlink(model(name), folder)
                out, _ = run("dump", "--model", folder, "--text", ANIMAL)
                dump = json.loads(out)
                del dump["model"]
                seen.setdefault(json.dumps(dump, sort_keys=True), []).append(length)
            check(len(seen) == 1, f"{name}: {len(seen)} different results; path lengths per "
                  f"result: {list(seen.values())}")


def case_dump_bert_pair_via_stdin():
    tensors, meta = read_safetensors(os.path.join(FIXTURES, BERT_TINY, "pair_qa.safetensors"))
    with tempfile.TemporaryDirectory() as tmp:
        pair_path = os.path.join(tmp, "pair.txt")
        with open(pair_path, "wb") as f:
            f.write(meta["text_pair"].encode())
        out, _ = run("dump", "--model", model(BERT_TINY), "--text-file", "-", "--pair-file",
                     pair_path, stdin=meta["text"].encode())
    dump = json_line(out)
    check(dump["text"] == meta["text"] and dump["text_pair"] == meta["text_pair"], "texts")
    check(dump["ids"] == list(tensors["input_ids"][2]), "ids differ from the fixture")
    check(dump["type_ids"] == list(tensors["token_type_ids"][2]), "type_ids differ")
    check_attention(dump, tensors)


def case_dump_text_file_keeps_quotes_and_newlines():
    text = 'She said "hi"\nand\tleft \\ ok'
    out, _ = run("dump", "--model", model(GPT2_TINY), "--text-file", "-", stdin=text.encode())
    dump = json_line(out)
    check(dump["text"] == text, f"text round trip: {dump['text']!r}")
    check("Ċ" in dump["tokens"], f"the newline should be a token: {dump['tokens']}")


def case_dump_empty_text():
    _, err = run("dump", "--model", model(GPT2_TINY), "--text", "", expect=1)
    check("no tokens" in err, f"gpt2 on an empty text: {err}")
    dump = json_line(run("dump", "--model", model(BERT_TINY), "--text", "")[0])
    check(dump["tokens"] == ["[CLS]", "[SEP]"], f"BERT on an empty text: {dump['tokens']}")


def case_dump_too_long_and_truncate():
    text = "word " * 600
    _, err = run("dump", "--model", model(BERT_TINY), "--text", text, expect=1)
    check("512" in err and "--truncate" in err, f"too-long message: {err}")
    out, err = run("dump", "--model", model(BERT_TINY), "--text", text, "--truncate")
    dump = json_line(out)
    check(dump["n_token"] == 512 and dump["tokens"][-1] == "[SEP]", f"{dump['n_token']} tokens")
    check("602" in err, f"a note should say how long the text was: {err}")


# ---------------------------------------------------------------------------------------------
# predict, info, bench


def case_predict_bert_mask():
    k = 5
    out, _ = run("predict", "--model", model(BERT_TINY), "--text",
                 "The capital of France is [MASK].", "--top", str(k), "--json")
    pred = json_line(out)["prediction"]
    check(pred["kind"] == "mask_fill" and pred["positions"] == [6], f"prediction {pred}")
    fills = pred["top"][0]
    check(len(fills) == k, f"{len(fills)} fills for --top {k}")
    probs = [c["prob"] for c in fills]
    check(all(0 < p <= 1 for p in probs) and probs == sorted(probs, reverse=True),
          f"probabilities {probs}")
    check(all(c["token"] and isinstance(c["id"], int) for c in fills), "fills need id and token")
    table, _ = run("predict", "--model", model(BERT_TINY), "--text",
                   "The capital of France is [MASK].", "--top", str(k))
    check("rank" in table and fills[0]["token"] in table, f"table:\n{table}")
    _, err = run("predict", "--model", model(BERT_TINY), "--text", "no mask here", expect=1)
    check("[MASK]" in err, f"no-mask message: {err}")


def case_predict_next_token():
    pred = json_line(run("predict", "--model", model(STORIES), "--text", "Once upon a time",
                         "--json", "--top", "3")[0])["prediction"]
    check(pred["kind"] == "next_token" and len(pred["top"][0]) == 3, f"prediction {pred}")


def case_info():
    out, _ = run("info", "--model", model(STORIES))
    lines = {l.split(":", 1)[0]: l.split(":", 1)[1].strip() for l in out.splitlines() if ":" in l}
    check(lines.get("layers") == "5", f"info layers: {lines.get('layers')}\n{out}")
    check(lines.get("heads", "").startswith("8 query, 4"), f"info heads:\n{out}")
    info = json_line(run("info", "--model", model(STORIES), "--json")[0])
    check(info["n_layer"] == 5 and info["n_params"] > 0 and "model.safetensors" in info["files"],
          f"info --json: {info}")
    out, _ = run("info", "--model", model("gpt2"))  # config and tokenizer, no weights
    check("no weights" in out and "12" in out, f"info on a folder without weights:\n{out}")


def case_bench_shape():
    out, _ = run("bench", "--shape", "gpt2-small", "--tokens", "8", "--repeat", "1",
                 "--warmup", "0")
    line = json_line(out)
    for key in ("tokens", "median_ms", "min_ms", "peak_rss_mb", "threads"):
        check(key in line, f"bench line lacks {key}: {line}")
    check(line["tokens"] == 8 and line["median_ms"] > 0 and line["peak_rss_mb"] > 100,
          f"bench line {line}")


# ---------------------------------------------------------------------------------------------
# errors


def case_error_missing_folder():
    for cmd in ("tokenize", "dump", "predict", "info"):
        args = [cmd, "--model", "/nonexistent/attnscope-model"] + \
            ([] if cmd == "info" else ["--text", "hi"])
        _, err = run(*args, expect=1)
        check("/nonexistent/attnscope-model" in err,
              f"{cmd}: message should name the folder: {err}")


def case_error_folder_without_tokenizer():
    tmp = tempfile.mkdtemp(prefix="attnscope-cli-test-")
    try:
        shutil.copy(os.path.join(model(GPT2_TINY), "config.json"), tmp)
        _, err = run("tokenize", "--model", tmp, "--text", "hi", expect=1)
        check("tokenizer" in err, f"message should say the tokenizer is missing: {err}")
        _, err = run("dump", "--model", tmp, "--text", "hi", expect=1)
        check(err.strip(), "dump needs a message too")
    finally:
        shutil.rmtree(tmp)


def case_error_invalid_utf8():
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as f:
        f.write(b"caf\xe9 au lait")
    try:
        for cmd in ("tokenize", "dump"):
            _, err = run(cmd, "--model", model(GPT2_TINY), "--text-file", f.name, expect=1)
            check("UTF-8" in err and "offset 3" in err, f"{cmd}: {err}")
    finally:
        os.unlink(f.name)


def case_error_usage():
    _, err = run("dump", "--model", model(GPT2_TINY), "--text", "hi", "--bogus", expect=2)
    check("--bogus" in err, f"unknown flag should be named: {err}")
    _, err = run("dump", "--model", expect=2)
    check("--model" in err, f"missing value: {err}")
    _, err = run("predict", "--model", model(GPT2_TINY), "--text", "hi", "--top", "x", expect=2)
    check("--top" in err, f"bad number: {err}")
    _, err = run("bench", "--shape", "gpt2-small", expect=2)
    check("--tokens" in err, f"missing option: {err}")
    run("frobnicate", expect=2)
    for cmd in ("tokenize", "dump", "predict", "info", "bench"):
        out, _ = run(cmd, "--help")
        check(out.startswith("usage:") and "--help" in out, f"{cmd} --help:\n{out}")


def main():
    def add_arguments(parser):
        parser.add_argument("--fixtures-default")

    def setup(args):
        global EXE, MODELS, FIXTURES
        EXE, MODELS = args.exe, args.models
        FIXTURES = os.environ.get("ATTNSCOPE_FIXTURES") or args.fixtures_default or \
            os.path.join(os.path.dirname(os.path.abspath(MODELS or ".")), "fixtures")
        if not MODELS or not os.path.isdir(MODELS):
            return f"models folder {MODELS!r} missing: set ATTNSCOPE_MODELS"
        if not os.path.isdir(FIXTURES):
            return f"fixtures folder {FIXTURES!r} missing: set ATTNSCOPE_FIXTURES"
        return None

    return cli_testlib.main(cli_testlib.cases_of(globals()), add_arguments, setup)


if __name__ == "__main__":
    sys.exit(main())
