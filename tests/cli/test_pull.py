#!/usr/bin/env python3
"""End-to-end tests of `attnscope pull` and of opening a model by id (stdlib only).

Each case starts hub_server.py (a stand-in for the Hugging Face Hub on 127.0.0.1) on the models
folder and runs attnscope-cli with HF_ENDPOINT pointing at it and HF_HUB_CACHE at a fresh
temporary folder. One ctest test per case:

    test_pull.py --exe build/.../attnscope-cli [--app build/.../attnscope] [--models-default DIR] CASE
    test_pull.py --list          # the case names, for CMake

Models come from ATTNSCOPE_MODELS (the environment wins over --models-default). The command line
and the helpers: cli_testlib.py.
"""

import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_testlib  # noqa: E402
from cli_testlib import Failure, check  # noqa: E402
from hub_server import HubServer, commit_of, git_blob_sha1  # noqa: E402

EXE = None
APP = None
MODELS = None

GPT2_ID = "test/gpt2-tiny-random"
GPT2_FOLDER = "test--gpt2-tiny-random"
BERT_ID = "test/bert-tiny-random"
GPT2_FILES = {"config.json", "vocab.json", "merges.txt", "tokenizer_config.json",
              "model.safetensors"}
TEXT = "The animal didn't cross the street because it was too tired."


class Sandbox:
    """A temporary HF cache and home, a hub server, and the environment that ties them together.

    No HF_TOKEN and no token file of the user's leak in: HF_HOME is private to the sandbox."""

    def __init__(self, repos=None, endpoint=None):
        self.dir = tempfile.mkdtemp(prefix="attnscope-pull-test-")
        self.cache = os.path.join(self.dir, "hub")
        self.server = HubServer(MODELS, repos)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("HF_") and k not in ("HUGGING_FACE_HUB_TOKEN",
                                                             "HUGGINGFACE_HUB_CACHE")}
        self.env.update(HF_HUB_CACHE=self.cache, HF_HOME=os.path.join(self.dir, "hf-home"),
                        HF_ENDPOINT=endpoint or self.server.endpoint)

    def __enter__(self):
        self.server.__enter__()
        return self

    def __exit__(self, *exc):
        self.server.__exit__(*exc)
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, *args, expect=0, env=None, preexec_fn=None):
        """Runs the CLI; checks the exit status (never a signal); returns (stdout, stderr)."""
        return cli_testlib.run_cli(EXE, *args, expect=expect, env={**self.env, **(env or {})},
                                   preexec_fn=preexec_fn, timeout=60)

    def repo(self, model_id):
        return os.path.join(self.cache, "models--" + model_id.replace("/", "--"))

    def snapshot(self, model_id):
        return os.path.join(self.repo(model_id), "snapshots", commit_of(model_id))

    def partials(self, model_id):
        blobs = os.path.join(self.repo(model_id), "blobs")
        return [f for f in os.listdir(blobs) if f.endswith(".incomplete")] \
            if os.path.isdir(blobs) else []


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def git_sha1_of(path):
    with open(path, "rb") as f:
        return git_blob_sha1(f.read())


def snapshot_files(box, model_id):
    snap = box.snapshot(model_id)
    return set(os.listdir(snap)) if os.path.isdir(snap) else set()


def check_no_half_written(box, model_id, missing):
    """The snapshot holds only links to complete blobs; `missing` is not there; no refs/main."""
    snap = box.snapshot(model_id)
    files = snapshot_files(box, model_id)
    check(missing not in files, f"{missing} must not be in the snapshot after a failed pull")
    check("config.json" not in files, "config.json is linked last, so not after a failed pull")
    for name in files:
        path = os.path.join(snap, name)
        check(os.path.islink(path) and os.path.isfile(path),
              f"{name} in the snapshot is not a link to a blob")
        check(not os.readlink(path).endswith(".incomplete"), f"{name} links a partial file")
    check(not os.path.exists(os.path.join(box.repo(model_id), "refs", "main")),
          "refs/main must be written only when the pull is complete")


def dump_attention(box, model):
    out, _ = box.run("dump", "--model", model, "--text", TEXT)
    d = json.loads(out)
    return d


def same_dump(a, b, what):
    check(a["tokens"] == b["tokens"] and a["ids"] == b["ids"], f"{what}: tokens differ")
    check(a["attention"] == b["attention"], f"{what}: attention differs")


# ---------------------------------------------------------------------------------------------
# downloads


def case_pull_cache_layout_and_open_by_id():
    with Sandbox() as box:
        out, err = box.run("pull", GPT2_ID)
        snap = box.snapshot(GPT2_ID)
        check(out.strip() == snap, f"stdout should be the snapshot folder {snap}, got {out!r}")
        check(snapshot_files(box, GPT2_ID) == GPT2_FILES,
              f"snapshot files {sorted(snapshot_files(box, GPT2_ID))}: exactly what the loader "
              f"reads, expected {sorted(GPT2_FILES)}")
        folder = os.path.join(MODELS, GPT2_FOLDER)
        for name in GPT2_FILES:
            link = os.path.join(snap, name)
            source = os.path.join(folder, name)
            etag = sha256_of(source) if name.endswith(".safetensors") else git_sha1_of(source)
            check(os.path.islink(link), f"{name} is not a symlink")
            check(os.readlink(link) == "../../blobs/" + etag,
                  f"{name} links {os.readlink(link)}, expected ../../blobs/{etag}")
            with open(link, "rb") as a, open(source, "rb") as b:
                check(a.read() == b.read(), f"{name}: content differs from the served file")
        with open(os.path.join(box.repo(GPT2_ID), "refs", "main")) as f:
            check(f.read() == commit_of(GPT2_ID), "refs/main must hold the X-Repo-Commit hash")
        check(box.partials(GPT2_ID) == [], f"partial files left: {box.partials(GPT2_ID)}")
        for name in GPT2_FILES:
            check(name in err, f"the progress on stderr should name {name}:\n{err}")
        # The LFS file came through the redirect; the CDN's own ETag was not taken for the hash.
        check(box.server.requests("GET", "/cdn/"), "model.safetensors should come from /cdn/")
        check(not box.server.requests("GET", "generation_config.json"),
              "files the loader does not read are not downloaded")

        info, _ = box.run("info", "--model", GPT2_ID)
        check("layers:         2" in info and snap in info, f"info by id:\n{info}")
        by_id = dump_attention(box, GPT2_ID)
        by_folder = dump_attention(box, folder)
        same_dump(by_id, by_folder, "dump by id vs by folder")
        check(by_id["model"] == GPT2_ID, f"a cached model is named by its id: {by_id['model']}")

        # A second pull finds everything in the cache: HEAD requests only.
        gets = len(box.server.requests("GET"))
        out2, err2 = box.run("pull", GPT2_ID)
        check(out2 == out, "the second pull gives the same snapshot")
        check(len(box.server.requests("GET")) == gets, "the second pull must not download")
        check("0 KB downloaded" in err2, f"second pull summary: {err2}")


def case_pull_tokenizer_json_wins():
    """The loader reads tokenizer.json before vocab.txt, so pull fetches tokenizer.json only."""
    with Sandbox() as box:
        box.run("pull", BERT_ID)
        files = snapshot_files(box, BERT_ID)
        check(files == {"config.json", "tokenizer.json", "tokenizer_config.json",
                        "special_tokens_map.json", "model.safetensors"}, f"files {sorted(files)}")
        a, _ = box.run("tokenize", "--model", BERT_ID, "--text", TEXT)
        b, _ = box.run("tokenize", "--model", os.path.join(MODELS, "test--bert-tiny-random"),
                       "--text", TEXT)
        check(a == b and '"tokens"' in a, f"tokenize by id and by folder differ:\n{a}\n{b}")


def case_pull_resume_after_dropped_connection():
    with Sandbox() as box:
        size = os.path.getsize(os.path.join(MODELS, GPT2_FOLDER, "model.safetensors"))
        cut = 5_000_000
        box.server.drop_after["model.safetensors"] = cut
        _, err = box.run("pull", GPT2_ID, expect=1)
        check("dropped" in err and "model.safetensors" in err and "resume" in err,
              f"a dropped connection should be said, with how to resume:\n{err}")
        check_no_half_written(box, GPT2_ID, "model.safetensors")
        partials = box.partials(GPT2_ID)
        check(len(partials) == 1, f"one partial blob expected, found {partials}")
        partial = os.path.join(box.repo(GPT2_ID), "blobs", partials[0])
        check(os.path.getsize(partial) == cut,
              f"the partial file has {os.path.getsize(partial)} bytes, expected {cut}")

        _, err = box.run("pull", GPT2_ID)
        gets = box.server.requests("GET", "/cdn/")
        check(gets[-1]["range"] == f"bytes={cut}-",
              f"the second pull must ask for the rest: Range {gets[-1]['range']}")
        check(gets[-1]["sent"] == size - cut,
              f"the resumed transfer sent {gets[-1]['sent']} bytes, expected {size - cut}")
        check(snapshot_files(box, GPT2_ID) == GPT2_FILES, "the resumed pull completes")
        check(box.partials(GPT2_ID) == [], "no partial file after the resumed pull")
        check(sha256_of(os.path.join(box.snapshot(GPT2_ID), "model.safetensors")) ==
              sha256_of(os.path.join(MODELS, GPT2_FOLDER, "model.safetensors")),
              "the resumed file differs from the original")
        check("resuming at" in err, f"the resumed pull should say so:\n{err}")


def start_slow_pull(box):
    """A pull at ~4 MB/s, returned once a part of model.safetensors is on disk."""
    box.server.throttle = 4_000_000
    proc = subprocess.Popen([EXE, "pull", GPT2_ID], env=box.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 20
    while time.time() < deadline:
        partials = [p for p in box.partials(GPT2_ID)
                    if os.path.getsize(os.path.join(box.repo(GPT2_ID), "blobs", p)) > 1_000_000]
        if partials and len(partials[0]) == len("0" * 64 + ".incomplete"):
            return proc, os.path.join(box.repo(GPT2_ID), "blobs", partials[0])
        time.sleep(0.02)
    proc.kill()
    raise Failure("the slow pull never wrote 1 MB of model.safetensors")


def case_pull_resume_after_kill():
    with Sandbox() as box:
        proc, partial = start_slow_pull(box)
        proc.kill()
        proc.wait()
        have = os.path.getsize(partial)
        check_no_half_written(box, GPT2_ID, "model.safetensors")
        box.server.throttle = 0
        box.run("pull", GPT2_ID)
        last = box.server.requests("GET", "/cdn/")[-1]
        size = os.path.getsize(os.path.join(MODELS, GPT2_FOLDER, "model.safetensors"))
        check(last["range"] == f"bytes={have}-", f"Range {last['range']}, expected from {have}")
        check(last["sent"] == size - have, f"sent {last['sent']}, expected {size - have}")
        check(snapshot_files(box, GPT2_ID) == GPT2_FILES, "the resumed pull completes")


def case_pull_interrupt_cancels_and_keeps_partial():
    with Sandbox() as box:
        proc, partial = start_slow_pull(box)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        err = err.decode("utf-8", errors="replace")
        check(proc.returncode == 1, f"Ctrl-C should end the pull with status 1, got "
                                    f"{proc.returncode}\n{err}")
        check("cancelled" in err and "resume" in err, f"cancel message:\n{err}")
        check(os.path.exists(partial), "the partial file stays for the next pull")
        check_no_half_written(box, GPT2_ID, "model.safetensors")


def case_pull_corrupted_transfer():
    with Sandbox() as box:
        box.server.corrupt.add("model.safetensors")
        _, err = box.run("pull", GPT2_ID, expect=1)
        check("corrupted" in err and "sha256" in err and "model.safetensors" in err,
              f"a checksum mismatch should be said:\n{err}")
        check_no_half_written(box, GPT2_ID, "model.safetensors")
        check(box.partials(GPT2_ID) == [], "a corrupted download must not be kept for resuming")
        # A small git file is checked against its git blob sha1 (in an empty cache again, or
        # the blob from the first pull would be reused).
        shutil.rmtree(box.cache)
        box.server.corrupt = {"merges.txt"}
        _, err = box.run("pull", GPT2_ID, expect=1)
        check("corrupted" in err and "git blob sha1" in err and "merges.txt" in err, err)
        box.server.corrupt = set()
        box.run("pull", GPT2_ID)
        check(snapshot_files(box, GPT2_ID) == GPT2_FILES, "a clean pull afterwards completes")


def case_pull_write_failure():
    """A file-size limit makes writes fail like a full disk: a clear error, nothing linked."""
    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))

    with Sandbox() as box:
        _, err = box.run("pull", GPT2_ID, expect=1, preexec_fn=limit_file_size)
        check("cannot write" in err and "model.safetensors" in err and "File too large" in err,
              f"a failed write should name the file and the reason:\n{err}")
        check_no_half_written(box, GPT2_ID, "model.safetensors")
        box.run("pull", GPT2_ID)
        check(snapshot_files(box, GPT2_ID) == GPT2_FILES, "the pull completes without the limit")


def write_safetensors(path, tensors):
    """tensors: {name: (dtype, shape, raw bytes)}, written in name order."""
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def make_sharded_copy(dest):
    """test--gpt2-tiny-random with its weights split over two shards and an index."""
    src = os.path.join(MODELS, GPT2_FOLDER)
    os.makedirs(dest)
    for name in GPT2_FILES - {"model.safetensors"}:
        shutil.copy(os.path.join(src, name), dest)
    tensors, _ = cli_testlib.read_safetensors(os.path.join(src, "model.safetensors"))
    names = sorted(tensors)
    halves = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    weight_map = {}
    for shard, members in halves.items():
        write_safetensors(os.path.join(dest, shard), {n: tensors[n] for n in members})
        weight_map.update({n: shard for n in members})
    with open(os.path.join(dest, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)
    return dest


def case_pull_sharded_model():
    tmp = tempfile.mkdtemp(prefix="attnscope-sharded-")
    try:
        repo = make_sharded_copy(os.path.join(tmp, "gpt2-sharded"))
        with Sandbox(repos={"test/gpt2-sharded": repo}) as box:
            box.run("pull", "test/gpt2-sharded")
            files = snapshot_files(box, "test/gpt2-sharded")
            want = (GPT2_FILES - {"model.safetensors"}) | {
                "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors"}
            check(files == want, f"sharded snapshot {sorted(files)}, expected {sorted(want)}")
            same_dump(dump_attention(box, "test/gpt2-sharded"),
                      dump_attention(box, os.path.join(MODELS, GPT2_FOLDER)),
                      "sharded model by id vs the single-file folder")
    finally:
        shutil.rmtree(tmp)


# ---------------------------------------------------------------------------------------------
# errors


def case_pull_unknown_id_revision_and_file():
    tmp = tempfile.mkdtemp(prefix="attnscope-broken-")
    try:
        no_config = os.path.join(tmp, "no-config")
        shutil.copytree(os.path.join(MODELS, GPT2_FOLDER), no_config)
        os.chmod(no_config, 0o755)
        os.remove(os.path.join(no_config, "config.json"))
        missing_shard = make_sharded_copy(os.path.join(tmp, "missing-shard"))
        os.remove(os.path.join(missing_shard, "model-00002-of-00002.safetensors"))
        repos = {"test/no-config": no_config, "test/missing-shard": missing_shard}
        with Sandbox(repos=repos) as box:
            _, err = box.run("pull", "test/does-not-exist", expect=1)
            check("test/does-not-exist" in err and "not found" in err and "check the id" in err,
                  f"unknown id:\n{err}")
            _, err = box.run("pull", GPT2_ID, "--revision", "v9", expect=1)
            check("revision 'v9' was not found" in err, f"unknown revision:\n{err}")
            _, err = box.run("pull", "test/no-config", expect=1)
            check("has no config.json" in err and "404" in err, f"missing config:\n{err}")
            _, err = box.run("pull", "test/missing-shard", expect=1)
            check("model-00002-of-00002.safetensors" in err and "404" in err,
                  f"a shard the index names but the server lacks:\n{err}")
            check(box.server.requests("GET", "model-00001") == [],
                  "nothing is downloaded before every file is known to exist")
            _, err = box.run("pull", "gpt2", expect=1)  # config and tokenizer only
            check("no weights" in err and "model.safetensors" in err, f"no weights:\n{err}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def case_pull_pickle_only_model():
    tmp = tempfile.mkdtemp(prefix="attnscope-pickle-")
    try:
        repo = os.path.join(tmp, "pickle")
        os.makedirs(repo)
        for name in ("config.json", "vocab.json", "merges.txt"):
            shutil.copy(os.path.join(MODELS, GPT2_FOLDER, name), repo)
        with open(os.path.join(repo, "pytorch_model.bin"), "wb") as f:
            f.write(b"PK\x03\x04 not really a zip")
        with Sandbox(repos={"test/pickle-only": repo}) as box:
            _, err = box.run("pull", "test/pickle-only", expect=1)
            check("pytorch_model.bin" in err and "pickle" in err and "arbitrary code" in err and
                  "safe_serialization=True" in err, f"pickle-only model:\n{err}")
            check(box.server.requests("GET") == [], "nothing is downloaded for an unusable model")
    finally:
        shutil.rmtree(tmp)


def case_pull_offline():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Sandbox(endpoint=f"http://127.0.0.1:{port}") as box:
        _, err = box.run("pull", GPT2_ID, expect=1)
        check("cannot connect" in err and "offline" in err and str(port) in err,
              f"connection refused:\n{err}")
        _, err = box.run("pull", GPT2_ID, expect=1, env={"HF_HUB_OFFLINE": "1"})
        check("HF_HUB_OFFLINE" in err, f"offline mode:\n{err}")


def case_pull_gated_model_and_token():
    with Sandbox() as box:
        box.server.gated[GPT2_ID] = "hf_secret123"
        _, err = box.run("pull", GPT2_ID, expect=1)
        check("gated" in err and "HF_TOKEN" in err and "401" in err, f"gated, no token:\n{err}")
        check(box.server.requests()[0]["authorization"] is None, "no token, no header")
        _, err = box.run("pull", GPT2_ID, expect=1, env={"HF_TOKEN": "hf_wrong"})
        check("HF_TOKEN is set" in err and "403" in err, f"gated, wrong token:\n{err}")
        box.server.log.clear()
        box.run("pull", GPT2_ID, env={"HF_TOKEN": "hf_secret123"})
        resolves = box.server.requests(contains="/resolve/")
        check(resolves and all(r["authorization"] == "Bearer hf_secret123" for r in resolves),
              "every request to the Hub carries the token as a Bearer header")
        check(snapshot_files(box, GPT2_ID) == GPT2_FILES, "the gated model downloads with a token")
        # The token file that `huggingface-cli login` writes is used when HF_TOKEN is unset.
        shutil.rmtree(box.cache)
        os.makedirs(box.env["HF_HOME"], exist_ok=True)
        with open(os.path.join(box.env["HF_HOME"], "token"), "w") as f:
            f.write("hf_secret123\n")
        box.run("pull", GPT2_ID)


def case_open_by_id_errors_and_usage():
    with Sandbox() as box:
        _, err = box.run("info", "--model", GPT2_ID, expect=1)
        check(f"attnscope pull {GPT2_ID}" in err and box.cache in err,
              f"an id not in the cache should say where it looked and how to get it:\n{err}")
        _, err = box.run("dump", "--model", "/nonexistent/model", "--text", "hi", expect=1)
        check("model folder not found: /nonexistent/model" in err, err)
        _, err = box.run("pull", expect=2)
        check("MODEL_ID" in err, f"missing id:\n{err}")
        _, err = box.run("pull", "a", "b", expect=2)
        check("unexpected argument 'b'" in err, err)
        _, err = box.run("pull", "bad--id", expect=1)
        check("not a Hugging Face model id" in err, err)
        out, _ = box.run("pull", "--help")
        check(out.startswith("usage:") and "HF_TOKEN" in out and "--revision" in out, out)


def case_app_opens_by_id():
    """The app's --model takes an id too (run only when the app and xvfb-run are available)."""
    check(APP and shutil.which("xvfb-run"), "needs --app and xvfb-run")
    with Sandbox() as box:
        box.run("pull", GPT2_ID)
        proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", APP,
                               "--model", GPT2_ID, "--text", TEXT, "--frames", "2"],
                              capture_output=True, timeout=60,
                              env={**box.env, "ASAN_OPTIONS": "detect_leaks=0"})
        out = proc.stdout.decode(errors="replace")
        err = proc.stderr.decode(errors="replace")
        check(proc.returncode == 0 and f"model {GPT2_ID}," in out and "error panel" not in err,
              f"the app should open {GPT2_ID} from the cache (exit {proc.returncode}):\n"
              f"{out}\n{err}")


def case_app_downloads_from_model_picker():
    """The picker's Download button pulls the id in its box ("gpt2" by default) on a background
    thread, and the model opens when the download is done. The server is slowed down so that a
    scripted run that did not wait for the download would capture the old model."""
    check(APP and shutil.which("xvfb-run"), "needs --app and xvfb-run")
    tmp = tempfile.mkdtemp(prefix="attnscope-picker-")
    try:
        repo = os.path.join(tmp, "gpt2")
        shutil.copytree(os.path.join(MODELS, GPT2_FOLDER), repo)
        with Sandbox(repos={"gpt2": repo}) as box:
            box.server.throttle = 20_000_000
            # 1042,427: the Download button in the default 1280x800 layout of the picker.
            def run_app():
                return subprocess.run(
                    ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", APP,
                     "--model", os.path.join(MODELS, "test--bert-tiny-random"), "--text", TEXT,
                     "--open-model-picker", "--click", "1042,427", "--frames", "2"],
                    capture_output=True, timeout=60,
                    env={**box.env, "ASAN_OPTIONS": "detect_leaks=0"})
            proc = run_app()
            if not box.server.requests():
                # Seen once in a full `ctest -j2` run: the click reached no button. The likely
                # cause (a press in the frame after the picker first showed, which ImGui cannot
                # hover yet) is fixed in AutoPilot; one more try, said aloud, in case it was not
                # the only one. A second miss fails below.
                print("the first run requested nothing from the server; trying once more")
                proc = run_app()
            out = proc.stdout.decode(errors="replace")
            err = proc.stderr.decode(errors="replace")
            check(proc.returncode == 0 and "model gpt2," in out and "error panel" not in err,
                  f"the downloaded model should be open (exit {proc.returncode}):\n{out}\n{err}")
            check(snapshot_files(box, "gpt2") == GPT2_FILES, "the app's download fills the cache")
            check(box.server.requests("GET", "/cdn/"), "the weights came from the server")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    def add_arguments(parser):
        parser.add_argument("--app")

    def setup(args):
        global EXE, APP, MODELS
        EXE, APP, MODELS = args.exe, args.app, args.models
        if not MODELS or not os.path.isdir(os.path.join(MODELS, GPT2_FOLDER)):
            return f"models folder {MODELS!r} lacks {GPT2_FOLDER}: set ATTNSCOPE_MODELS"
        MODELS = os.path.abspath(MODELS)
        return None

    return cli_testlib.main(cli_testlib.cases_of(globals()), add_arguments, setup)


if __name__ == "__main__":
    sys.exit(main())
