#!/usr/bin/env python3
"""End-to-end test of `attnscope rank` (stdlib only).

    test_rank.py CLI_BINARY [MODELS_DIR]

Checks that `rank` lists every (layer, head) by the weight from token I to token J, best first
with ties by layer then head, exactly as the ranking computed here from `attnscope dump` of the
same text. Models come from ATTNSCOPE_MODELS (the environment wins over MODELS_DIR); a missing
folder fails loudly rather than skipping.
"""

import json
import os
import subprocess
import sys

ANIMAL = "The animal didn't cross the street because it was too tired."
FAILURES = []
WEIGHT_TOL = 1e-6


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL: " + message, file=sys.stderr)
    return condition


def run(exe, *args, expect=0):
    proc = subprocess.run([exe, *args], capture_output=True, timeout=120)
    out = proc.stdout.decode("utf-8")
    err = proc.stderr.decode("utf-8", errors="replace")
    shown = " ".join(a if len(a) < 50 else a[:47] + "..." for a in args)
    if not check(proc.returncode == expect,
                 f"'{shown}' exited {proc.returncode}, expected {expect}\nstderr: {err}"):
        return None, err
    return out, err


def one_json_line(text):
    lines = text.splitlines()
    check(len(lines) == 1, f"expected one output line, got {len(lines)}")
    return json.loads(lines[0])


def expected_ranking(dump, i, j):
    """[(layer, head, weight)] sorted by weight descending, then layer, then head."""
    heads = []
    for layer, per_head in enumerate(dump["attention"]):
        for head, matrix in enumerate(per_head):
            heads.append((layer, head, matrix[i][j]))
    heads.sort(key=lambda h: (-h[2], h[0], h[1]))
    return heads


def check_same_ranking(label, got, expected, top=None):
    """`got` (from rank) against the first `top` (default all) of `expected`, the ranking of
    every head computed from dump's weights.

    Two processes do not always agree to the last bit: the engine's float sums can round
    differently when its buffers land at different alignments (the command lines differ), about
    1e-8 here. So weights are compared within WEIGHT_TOL, the order exactly except among heads
    whose weights are that close.
    """
    dump_weight = {(l, h): w for l, h, w in expected}
    expected = expected[:top] if top is not None else expected
    if not check(len(got) == len(expected), f"{label}: {len(got)} heads, expected {len(expected)}"):
        return
    for l, h, w in got:
        check(abs(w - dump_weight[(l, h)]) <= WEIGHT_TOL,
              f"{label}: head {l}.{h} weight {w}, dump says {dump_weight[(l, h)]}")
    # rank's own order: weight descending, ties by layer then head.
    check(got == sorted(got, key=lambda r: (-r[2], r[0], r[1])), f"{label}: not sorted: {got}")
    # The same heads in the same places, up to swaps of near-equal weights.
    for k, ((gl, gh, gw), (el, eh, ew)) in enumerate(zip(got, expected)):
        check((gl, gh) == (el, eh) or abs(dump_weight[(gl, gh)] - ew) <= WEIGHT_TOL,
              f"{label}: rank {k} is head {gl}.{gh} ({gw}), dump ranks {el}.{eh} ({ew}) there")


def check_model(exe, models, name, text, pairs_of_tokens, pair_text=None):
    folder = os.path.join(models, name)
    if not check(os.path.isdir(folder), f"model folder missing: {folder} (set ATTNSCOPE_MODELS)"):
        return
    extra = ["--pair", pair_text] if pair_text is not None else []
    out, _ = run(exe, "dump", "--model", folder, "--text", text, *extra)
    if out is None:
        return
    dump = json.loads(out)
    tokens = dump["tokens"]
    n_heads = dump["n_layer"] * dump["n_head"]
    for query_token, key_token in pairs_of_tokens:
        i, j = tokens.index(query_token), tokens.index(key_token)
        label = f"{name}: {query_token!r} ({i}) -> {key_token!r} ({j})"
        out, _ = run(exe, "rank", "--model", folder, "--text", text, *extra,
                     "--from", str(i), "--to", str(j))
        if out is None:
            continue
        ranked = one_json_line(out)
        expected = expected_ranking(dump, i, j)
        check(len(ranked) == n_heads, f"{label}: {len(ranked)} heads listed, expected {n_heads}")
        got = [(r["layer"], r["head"], r["weight"]) for r in ranked]
        check_same_ranking(label, got, expected)
        check(all(set(r) == {"layer", "head", "weight"} for r in ranked),
              f"{label}: unexpected keys in {ranked[0]}")

        out, _ = run(exe, "rank", "--model", folder, "--text", text, *extra,
                     "--from", str(i), "--to", str(j), "--top", "3")
        if out is not None:
            top = [(r["layer"], r["head"], r["weight"]) for r in one_json_line(out)]
            check_same_ranking(label + " --top 3", top, expected, top=3)


def check_errors(exe, models):
    folder = os.path.join(models, "test--gpt2-tiny-random")
    if not os.path.isdir(folder):
        return
    # 13 tokens: index 13 is one past the end.
    _, err = run(exe, "rank", "--model", folder, "--text", ANIMAL, "--from", "13", "--to", "0",
                 expect=1)
    check("--from 13 is past the last token" in err, f"out-of-range message: {err!r}")
    # A left-to-right model's token cannot attend to a later one.
    _, err = run(exe, "rank", "--model", folder, "--text", ANIMAL, "--from", "2", "--to", "5",
                 expect=1)
    check("cannot attend to token 5" in err, f"masked-pair message: {err!r}")
    _, err = run(exe, "rank", "--model", folder, "--text", ANIMAL, "--from", "2", expect=2)
    check("missing --to" in err, f"missing-option message: {err!r}")
    run(exe, "rank", "--model", folder, "--text", ANIMAL, "--from", "-1", "--to", "0", expect=2)
    run(exe, "rank", "--model", folder, "--text", ANIMAL, "--from", "2", "--to", "1",
        "--top", "0", expect=2)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    exe = sys.argv[1]
    models = os.environ.get("ATTNSCOPE_MODELS") or (sys.argv[2] if len(sys.argv) > 2 else None)
    if not models:
        print("ATTNSCOPE_MODELS is not set: point it at the models folder", file=sys.stderr)
        return 1

    check_model(exe, models, "test--gpt2-tiny-random", ANIMAL,
                [("Ġit", "Ġanimal"), ("Ġtired", "The"), ("The", "The"), (".", "Ġstreet")])
    # stories260K spells " animal" as ▁a|n|im|a|l: rank against its first piece.
    check_model(exe, models, "karpathy--tinyllamas--stories260K", ANIMAL,
                [("▁it", "▁a"), ("▁it", "<s>"), ("▁was", "▁it")])
    # An encoder attends both ways, and --pair reaches the second segment.
    check_model(exe, models, "test--bert-tiny-random", "Who left the ball?",
                [("it", "ball"), ("ball", "it"), ("[CLS]", "[SEP]")],
                pair_text="Tom said it was lost.")
    check_errors(exe, models)

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    print("rank: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
