"""What the command-line end-to-end tests share (test_cli.py, test_export.py, test_pull.py):
failing and skipping a case, running attnscope-cli, reading safetensors files, and the command
line that ctest calls (tests/cli/CMakeLists.txt):

    SCRIPT --exe build/.../attnscope-cli [--models-default DIR] [script options] [CASE ...]
    SCRIPT --list          # the case names, a CMake list

Each case is a function named case_<name>; with no CASE every case runs. Models come from
ATTNSCOPE_MODELS (the environment wins over --models-default). Exit status: 0 when the cases pass,
1 when one fails (or the setup is wrong), SKIP (77, ctest's SKIP_RETURN_CODE) when every case that
ran was skipped. Standard library only.
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import time

SKIP = 77


class Failure(Exception):
    """A check failed; the case fails with this message."""


class Skip(Exception):
    """The case cannot run on this machine (e.g. no NumPy); it is reported as skipped."""


def check(condition, message):
    if not condition:
        raise Failure(message)


def model_folder(models, name):
    """models/name, which must be a folder."""
    path = os.path.join(models, name)
    check(os.path.isdir(path), f"model folder missing: {path} (set ATTNSCOPE_MODELS)")
    return path


def run_cli(exe, *args, stdin=None, expect=0, env=None, preexec_fn=None, timeout=120):
    """Runs `exe args`; checks the exit status (never a signal) and returns (stdout, stderr) as
    str. stdout must be UTF-8."""
    proc = subprocess.run([exe, *args], input=stdin, capture_output=True, timeout=timeout, env=env,
                          preexec_fn=preexec_fn)
    out = proc.stdout.decode("utf-8", errors="strict")
    err = proc.stderr.decode("utf-8", errors="replace")
    shown = " ".join(a if len(a) < 60 else a[:57] + "..." for a in args)
    check(proc.returncode >= 0, f"'{shown}' died from signal {-proc.returncode}\n{err}")
    check(proc.returncode == expect,
          f"'{shown}' exited {proc.returncode}, expected {expect}\n"
          f"stderr: {err}\nstdout: {out[:500]}")
    return out, err


def read_safetensors(path):
    """({name: (dtype, shape, raw bytes)}, metadata) of a safetensors file."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = (info["dtype"], info["shape"], data[begin:end])
    return tensors, header.get("__metadata__", {})


def cases_of(namespace, sort=False):
    """{name: function} of the case_<name> functions in a script's globals(), in definition order
    (or sorted by name)."""
    names = [n for n in namespace if n.startswith("case_")]
    return {n[len("case_"):]: namespace[n] for n in (sorted(names) if sort else names)}


def main(cases, add_arguments=None, setup=None):
    """The command line above. add_arguments(parser) adds the script's own options; setup(args),
    called with args.exe checked and args.models resolved, takes them in and returns an error
    message (which fails the run) or None."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe")
    parser.add_argument("--models-default")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("cases", nargs="*")
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args()
    if args.list:
        print(";".join(cases))
        return 0
    if not args.exe or not os.access(args.exe, os.X_OK):
        print(f"FAIL: --exe {args.exe!r} is not an executable", file=sys.stderr)
        return 1
    args.models = os.environ.get("ATTNSCOPE_MODELS") or args.models_default
    problem = setup(args) if setup else None
    if problem:
        print(f"FAIL: {problem}", file=sys.stderr)
        return 1
    return run_cases(cases, args.cases or list(cases))


def run_cases(cases, names):
    """Runs the named cases; prints one line each; returns the exit status."""
    failed = passed = skipped = 0
    for name in names:
        if name not in cases:
            print(f"FAIL: unknown case {name}; known: {', '.join(cases)}", file=sys.stderr)
            failed += 1
            continue
        start = time.time()
        try:
            cases[name]()
            print(f"ok   {name} ({time.time() - start:.1f} s)")
            passed += 1
        except Skip as e:
            print(f"SKIP {name}: {e}")
            skipped += 1
        except Failure as e:
            print(f"FAIL {name}: {e}", file=sys.stderr)
            failed += 1
    if failed:
        return 1
    return SKIP if skipped and not passed else 0
