#!/usr/bin/env python3
"""A stand-in for the Hugging Face Hub, for the `attnscope pull` tests (stdlib only).

Serves model folders in the Hub's URL layout, /{model_id}/resolve/{revision}/{file}:

- model id "org/name" is the folder "org--name" of the models dir, "name" the folder "name";
  `repos` maps more ids to any folder (test-made models).
- revision "main" or the model's commit (sha1 of the id, sent as X-Repo-Commit); any other
  revision is a 404 with X-Error-Code: RevisionNotFound.
- *.safetensors are LFS files, as on the Hub: a 302 to /cdn/... carrying X-Linked-Etag (the
  sha256), X-Linked-Size and X-Repo-Commit; the /cdn/ answer has an ETag of its own that is not
  the checksum. Other files answer 200 with ETag = the git blob sha1.
- Range: bytes=N- (or N-M) gives a 206 with Content-Range.
- 404s carry X-Error-Code RepoNotFound or EntryNotFound.

Faults, set by a test on the server object:
    drop_after[file] = n     the next transfer of `file` sends n body bytes, then closes (once)
    corrupt.add(file)        every transfer of `file` has one byte changed
    gated[model_id] = token  no "Authorization: Bearer token": 401 GatedRepo; another token: 403
    throttle = bytes/s       slow body transfers down (0 = full speed)
Every request is appended to `log` (method, path, status, range, sent body bytes, authorization).

Run it by hand to try the app against it:
    hub_server.py --models ../shared/models --port 8765
    HF_ENDPOINT=http://127.0.0.1:8765 attnscope pull test/gpt2-tiny-random
"""

import argparse
import hashlib
import os
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024


def commit_of(model_id):
    return hashlib.sha1(("commit:" + model_id).encode()).hexdigest()


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HubServer:
    def __init__(self, models_dir, repos=None, port=0):
        self.models_dir = models_dir
        self.repos = dict(repos or {})
        self.drop_after = {}
        self.corrupt = set()
        self.gated = {}
        self.throttle = 0
        self.log = []
        self._lock = threading.Lock()
        self._hashes = {}
        handler = type("Handler", (_Handler,), {"hub": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._httpd.daemon_threads = True
        self.endpoint = "http://127.0.0.1:%d" % self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()

    def folder_of(self, model_id):
        if model_id in self.repos:
            return self.repos[model_id]
        return os.path.join(self.models_dir, model_id.replace("/", "--"))

    def etag_of(self, path):
        """(sha256 for LFS files or git sha1 for others, size) of a file, cached."""
        key = (path, os.stat(path).st_mtime_ns)
        with self._lock:
            if key not in self._hashes:
                with open(path, "rb") as f:
                    data = f.read()
                lfs = path.endswith(".safetensors")
                digest = hashlib.sha256(data).hexdigest() if lfs else git_blob_sha1(data)
                self._hashes[key] = (digest, len(data))
            return self._hashes[key]

    def take_drop(self, file):
        with self._lock:
            return self.drop_after.pop(file, None)

    def requests(self, method=None, contains=""):
        with self._lock:
            return [r for r in self.log
                    if (method is None or r["method"] == method) and contains in r["path"]]

    def record(self, entry):
        with self._lock:
            self.log.append(entry)


class _Handler(BaseHTTPRequestHandler):
    hub = None  # set per server
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the tests read hub.log instead
        pass

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        self._serve(head=False)

    # -- routing -----------------------------------------------------------------------------

    def _serve(self, head):
        self._entry = {"method": "HEAD" if head else "GET", "path": self.path, "status": 0,
                       "range": self.headers.get("Range"), "sent": 0,
                       "authorization": self.headers.get("Authorization")}
        # Logged before answering (and updated in place), so a client that has finished finds
        # all of its requests in the log.
        self.hub.record(self._entry)
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if path.startswith("/cdn/"):
            self._serve_cdn(path[len("/cdn/"):], head)
        else:
            self._serve_resolve(path, head)

    def _serve_resolve(self, path, head):
        parts = path.lstrip("/").split("/resolve/", 1)
        if len(parts) != 2 or "/" not in parts[1]:
            return self._error(404, "EntryNotFound", "not a resolve URL")
        model_id = parts[0]
        revision, file = parts[1].split("/", 1)
        folder = self.hub.folder_of(model_id)
        if model_id in self.hub.gated:
            wanted = "Bearer " + self.hub.gated[model_id]
            given = self.headers.get("Authorization")
            if given is None:
                return self._error(401, "GatedRepo", "Access to model %s is restricted." % model_id)
            if given != wanted:
                return self._error(403, "GatedRepo", "Your token has no access to %s." % model_id)
        if not os.path.isdir(folder):
            return self._error(404, "RepoNotFound", "Repository not found")
        commit = commit_of(model_id)
        if revision not in ("main", commit):
            return self._error(404, "RevisionNotFound", "Invalid rev id: " + revision)
        full = os.path.join(folder, file)
        if ".." in file.split("/") or not os.path.isfile(full):
            return self._error(404, "EntryNotFound", "Entry not found")
        digest, size = self.hub.etag_of(full)
        if file.endswith(".safetensors"):
            self.send_response(302)
            self._entry["status"] = 302
            rel = os.path.relpath(full, self.hub.models_dir) if model_id not in self.hub.repos \
                else "repo/" + urllib.parse.quote(model_id, safe="") + "/" + file
            self.send_header("Location", self.hub.endpoint + "/cdn/" + urllib.parse.quote(rel))
            self.send_header("X-Linked-Etag", '"%s"' % digest)
            self.send_header("X-Linked-Size", str(size))
            self.send_header("X-Repo-Commit", commit)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send_file(full, head, {"ETag": '"%s"' % digest, "X-Repo-Commit": commit}, file)

    def _serve_cdn(self, rel, head):
        if rel.startswith("repo/"):
            model_id, file = rel[len("repo/"):].split("/", 1)
            full = os.path.join(self.hub.repos[urllib.parse.unquote(model_id)], file)
        else:
            full = os.path.join(self.hub.models_dir, rel)
        if not os.path.isfile(full):
            return self._error(404, "EntryNotFound", "no such object")
        digest, _ = self.hub.etag_of(full)
        # A CDN's own validator, deliberately not the content hash.
        self._send_file(full, head, {"ETag": '"cdn-%s"' % digest[:16]}, os.path.basename(full))

    # -- bodies --------------------------------------------------------------------------------

    def _send_file(self, full, head, headers, name):
        with open(full, "rb") as f:
            data = f.read()
        start, end = 0, len(data)
        status = 200
        wanted = self.headers.get("Range")
        if wanted and wanted.startswith("bytes="):
            first, _, last = wanted[len("bytes="):].partition("-")
            start = int(first)
            end = int(last) + 1 if last else len(data)
            if start >= len(data):
                self._entry["status"] = 416
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        body = bytearray(data[start:end])
        if name in self.hub.corrupt and len(body) > 0:
            body[len(body) // 2] ^= 0xFF
        self._entry["status"] = status
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end - 1, len(data)))
        self.end_headers()
        if head:
            return
        drop = self.hub.take_drop(name)
        limit = len(body) if drop is None else min(drop, len(body))
        sent = 0
        while sent < limit:
            n = min(CHUNK, limit - sent)
            self._entry["sent"] = sent + n  # before the client can have it, for the same reason
            try:
                self.wfile.write(body[sent:sent + n])
            except (BrokenPipeError, ConnectionResetError):
                self._entry["sent"] = sent
                break
            sent += n
            if self.hub.throttle:
                time.sleep(n / self.hub.throttle)
        if drop is not None:
            self.wfile.flush()
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.close_connection = True

    def _error(self, status, code, message):
        body = ('{"error": "%s"}' % message).encode()
        self._entry["status"] = status
        self.send_response(status)
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", required=True, help="folder of org--name model folders")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--throttle", type=int, default=0, help="bytes/s, to watch progress bars")
    args = parser.parse_args()
    with HubServer(os.path.abspath(args.models), port=args.port) as server:
        server.throttle = args.throttle
        print("serving %s as a Hugging Face Hub at %s" % (args.models, server.endpoint),
              flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
