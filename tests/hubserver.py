"""A loopback HTTP server that speaks enough of the Hugging Face Hub protocol for tests and benchmarks.

It serves *skeleton* repos: folders whose ``*.safetensors`` files stop right after their header
(8-byte little-endian length ``N`` + ``N`` bytes of JSON). Each such file is served as if it were the
complete checkpoint: its size is ``8 + N + max(end offset)`` and every byte past what is on disk reads
as zero. The zeros are generated chunk by chunk, so a 5 GB shard costs nothing to "host".

Only the standard library is used, so the server can run anywhere the tests run::

    with FakeHub([Repo("org/model", Path("fixtures/model"))], latency=0.05) as hub:
        HfApi(endpoint=hub.endpoint, token=False).get_safetensors_metadata("org/model")
        print(len(hub.log), hub.bytes_sent, hub.levels())  # requests, body bytes, sequential waves

Endpoints (modelled on huggingface.co and on what ``huggingface_hub`` expects from it):

* ``GET /api/models/{repo_id}`` and ``/api/models/{repo_id}/revision/{rev}``: model info JSON.
* ``GET /api/models/{repo_id}/tree/{rev}[/{path}]``: file listing (``?recursive=true`` supported).
* ``GET /api/models/{repo_id}/safetensors-metadata/{index filename}``: every shard header of ``main`` in
  one answer, ``{"index": {index without weight_map}, "headers": {shard: header}}`` (404 without index).
* ``GET|HEAD /{repo_id}/resolve/{rev}/{filename}``: by default as huggingface.co answers it: a small file
  gets ``307`` with a *relative* ``Location: /api/resolve-cache/models/{repo}/{commit}/{file}?etag=..``
  (the 200 there carries ``X-Repo-Commit``); an LFS file gets ``302`` to the CDN origin, with
  ``X-Repo-Commit``, ``X-Linked-Size`` and ``X-Linked-Etag`` on the 302 only. With ``direct=True`` every
  file is answered on ``/resolve`` itself (200/206 with those headers), LFS files too unless
  ``lfs_redirect``.
* ``GET|HEAD /lfs/{repo_id}/{commit}/{filename}`` on ``cdn_endpoint`` (another port, so another origin):
  a pre-signed url; it serves ranges and refuses any request that carries ``Authorization``.
* ``mirror_endpoint`` (a third port) answers every request ``308`` to the same path on ``endpoint``, as
  mirrors that moved to huggingface.co do.

Answers to credentials are the Hub's: an unknown token gets 401 "Invalid credentials in Authorization
header" (no ``X-Error-Code``) even on public repos; a valid token without access to a gated repo 403
``GatedRepo``; a missing repo 401 ``RepoNotFound`` without a token, 404 with one; a disabled repo 403 with
only ``X-Error-Message``. ``renames`` answers ``307`` from old repo ids to new ones on ``/resolve`` and
``/api``. ``rate_limit_next`` answers 429 with ``RateLimit``/``RateLimit-Policy`` and no ``Retry-After``.
``connect_cost`` is slept once per new connection (standing for a TLS handshake).

Besides faults a well-behaved Hub has (errors, resets, stalls), ``FakeHub`` has *hostile* knobs that
break the protocol the way broken proxies, mirrors and malicious servers do: a ``Content-Length`` that
lies, a body that never ends, a redirect loop, gzip on a range, a ``Content-Range`` for other bytes.
``claimed_header_file()`` makes a file whose length prefix claims an absurd header (for ``extra_files``).

Run ``python -m tests.hubserver --latency 0.05`` from the project root to serve ``fixtures/`` by hand.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import io
import json
import math
import re
import socket
import signal
import struct
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote

__all__ = ["DEFAULT_TOKEN", "FakeHub", "LoggedRequest", "Repo", "claimed_header_file", "fixture_repos"]

DEFAULT_TOKEN = "hf_test_token"

CHUNK_SIZE = 64 * 1024
_ZEROS = bytes(CHUNK_SIZE)

# Suffixes the Hub's default .gitattributes stores with Git LFS. LFS files get the X-Linked-* headers
# and, in `lfs_redirect` mode, a redirect to the "CDN" host.
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf", ".h5", ".msgpack", ".onnx")

# Fixed timestamps keep the JSON answers reproducible from run to run.
_CREATED_AT = "2024-04-17T09:35:12.000Z"
_LAST_MODIFIED = "2024-09-27T15:52:39.000Z"

# The safetensors format caps headers at 100 MB; a bigger length prefix means "not a safetensors file".
_MAX_HEADER_SIZE = 100_000_000


def claimed_header_file(claimed_length: int, body: bytes = b'{"__metadata__":{}}') -> bytes:
    """A safetensors-looking file whose 8-byte length prefix claims ``claimed_length`` header bytes
    (up to 2**64 - 1) while only ``body`` follows: a reader that trusts the prefix allocates or
    downloads that much."""
    return struct.pack("<Q", claimed_length) + body


def _default_commit(repo_id: str) -> str:
    """A deterministic 40-hex "commit sha" so that logs and cache paths are the same on every run."""
    return hashlib.sha1(f"hubserver commit for {repo_id}".encode()).hexdigest()


def _git_blob_oid(data: bytes) -> str:
    """The object id git gives a blob: sha1 over "blob <len>\\0" + content (what the Hub reports as `oid`)."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


@dataclass
class Repo:
    """One model repo served by the fake hub.

    Every revision serves the same files (those of ``folder`` plus ``extra_files``); revisions only decide
    which commit sha is reported and whether a request gets ``RevisionNotFound``.
    """

    repo_id: str
    """E.g. ``"meta-llama/Meta-Llama-3-8B-Instruct"``."""
    folder: Path
    """Skeleton folder on disk. Dot-files and dot-folders in it are not served."""
    commit: str = ""
    """Commit sha of the repo; left empty, a deterministic sha derived from ``repo_id`` is used."""
    branches: dict[str, str] = field(default_factory=dict)
    """Branch (or ref) name -> commit sha; left empty, ``{"main": commit}``. A revision may be any of these
    names or any of these shas (``refs/pr/1`` style names work, encoded or not)."""
    gated: bool = False
    """Without a valid token, file downloads answer 401 ``GatedRepo``. Like on the Hub, model info and the
    tree listing of a gated repo stay public."""
    private: bool = False
    """Without a valid token, every endpoint answers 401 ``RepoNotFound``: the Hub hides private repos."""
    granted: frozenset[str] | None = None
    """Tokens that were granted access to a gated repo (None: every valid token). A valid token that
    was not gets 403 ``GatedRepo``."""
    disabled: bool = False
    """Every request answers 403 with ``X-Error-Message: Access to this resource is disabled.``"""
    extra_files: dict[str, bytes] = field(default_factory=dict)
    """Files served verbatim in addition to (or instead of, on a name clash) the folder's files,
    e.g. ``{"pytorch_model.bin": b"..."}`` to simulate a pickle-only repo, or
    ``{"model.safetensors": claimed_header_file(2**63)}`` for a header length no reader may trust."""

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        if not self.commit:
            self.commit = _default_commit(self.repo_id)
        if not self.branches:
            self.branches = {"main": self.commit}

    def resolve_revision(self, revision: str) -> str | None:
        """The commit sha a revision (branch name or full sha) points to, or None if it is unknown."""
        if revision in self.branches:
            return self.branches[revision]
        if revision == self.commit or revision in self.branches.values():
            return revision
        return None


@dataclass(frozen=True)
class LoggedRequest:
    """What the server saw and did for one request (appended once the request is fully handled)."""

    method: str
    path: str
    """Request path as received (still percent-encoded), without the query string."""
    query: str
    host: str
    """The Host header: tells requests to ``endpoint`` from requests to ``cdn_endpoint`` apart."""
    client_port: int
    """Port of the client's end of the connection: equal ports mean a reused keep-alive connection."""
    range: str | None
    authorization: bool
    """Whether an ``Authorization`` header arrived (its value is never recorded)."""
    status: int | None
    """Status code sent, or None when the connection was dropped without a response."""
    bytes_sent: int
    """Body bytes actually written to the socket (headers not counted)."""
    t_start: float
    """time.monotonic() when the request line had been read."""
    t_end: float
    """time.monotonic() when the last byte was written or the connection was dropped."""
    origin: str = "hub"
    """Which origin answered: ``"hub"``, ``"cdn"`` or ``"mirror"``."""
    t_answer: float | None = None
    """time.monotonic() just before the status line was written (None: no answer was sent). A
    client cannot act on an answer before it, so a request sent after reading this one's answer
    always has ``t_start > t_answer``: two requests each started before the other was answered
    were in flight together, however loaded the machine."""
    announced_length: int | None = None
    """The Content-Length header sent (it differs from the body under the hostile knobs); None when
    there was none or no response."""


# --------------------------------------------------------------------------------------------------
# Files as served


@dataclass(frozen=True)
class _ServedFile:
    """One file of a repo, as the server presents it."""

    path: str
    size: int  # full size announced and served
    lfs: bool
    sha256: str  # LFS oid (see _lfs_oid for how it is made up for skeletons)
    git_oid: str  # blob id of the file in git (of the LFS pointer for LFS files)
    pointer_size: int | None
    disk: Path | None = None  # bytes come from this file, padded with zeros up to `size` ...
    data: bytes | None = None  # ... or from memory
    header: dict | None = None  # parsed safetensors header, if any

    def chunks(self, start: int, length: int) -> Iterator[bytes]:
        """Yield the bytes [start, start + length) in chunks of at most CHUNK_SIZE, lazily."""
        end = start + length
        if self.data is not None:
            for pos in range(start, end, CHUNK_SIZE):
                yield self.data[pos : min(pos + CHUNK_SIZE, end)]
            return
        pos = start
        assert self.disk is not None
        with self.disk.open("rb") as f:
            f.seek(pos)
            while pos < end:
                block = f.read(min(CHUNK_SIZE, end - pos))
                if not block:
                    break  # past the end of what is on disk: zeros from here on
                pos += len(block)
                yield block
        while pos < end:
            n = min(CHUNK_SIZE, end - pos)
            yield _ZEROS if n == CHUNK_SIZE else _ZEROS[:n]
            pos += n


def _lfs_pointer(sha256: str, size: int) -> bytes:
    """The Git LFS pointer file that git stores in place of an LFS file."""
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def _read_safetensors_header(path: Path) -> tuple[dict, int] | None:
    """Return (header JSON, 8 + N) for a safetensors file, or None if the start of the file is not one."""
    try:
        with path.open("rb") as f:
            prefix = f.read(8)
            if len(prefix) < 8:
                return None
            (n,) = struct.unpack("<Q", prefix)
            if n > _MAX_HEADER_SIZE:
                return None
            raw = f.read(n)
        if len(raw) < n:
            return None
        header = json.loads(raw)
        if not isinstance(header, dict):
            return None
        return header, 8 + n
    except (OSError, ValueError):
        return None


def _tensor_data_end(header: dict) -> int | None:
    """max(end) over the tensors' data_offsets (0 for a header without tensors), None if malformed."""
    end = 0
    try:
        for name, info in header.items():
            if name == "__metadata__":
                continue
            end = max(end, int(info["data_offsets"][1]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return end


def _load_disk_file(rel: str, path: Path) -> _ServedFile:
    disk_size = path.stat().st_size
    lfs = rel.endswith(LFS_SUFFIXES)
    if not lfs:
        data = path.read_bytes()
        return _ServedFile(
            path=rel,
            size=len(data),
            lfs=False,
            sha256=hashlib.sha256(data).hexdigest(),
            git_oid=_git_blob_oid(data),
            pointer_size=None,
            disk=path,
        )

    size = disk_size
    header = None
    if rel.endswith(".safetensors"):
        parsed = _read_safetensors_header(path)
        if parsed is not None and (data_end := _tensor_data_end(parsed[0])) is not None:
            header = parsed[0]
            size = max(disk_size, parsed[1] + data_end)
        # A file whose header does not parse is served byte for byte, so that tests can serve
        # deliberately corrupt files.
    # Hashing gigabytes of zeros at start-up would be too slow, so the LFS oid of a file from disk is
    # made up from its size and its first MiB: stable, and it changes whenever the header changes, but it
    # is not the sha256 of the bytes served.
    with path.open("rb") as f:
        head = f.read(1 << 20)
    sha256 = hashlib.sha256(b"hubserver lfs %d\x00" % size + head).hexdigest()
    pointer = _lfs_pointer(sha256, size)
    return _ServedFile(
        path=rel,
        size=size,
        lfs=True,
        sha256=sha256,
        git_oid=_git_blob_oid(pointer),
        pointer_size=len(pointer),
        disk=path,
        header=header,
    )


def _memory_file(rel: str, data: bytes) -> _ServedFile:
    lfs = rel.endswith(LFS_SUFFIXES)
    sha256 = hashlib.sha256(data).hexdigest()
    pointer = _lfs_pointer(sha256, len(data)) if lfs else None
    return _ServedFile(
        path=rel,
        size=len(data),
        lfs=lfs,
        sha256=sha256,
        git_oid=_git_blob_oid(pointer if pointer is not None else data),
        pointer_size=len(pointer) if pointer is not None else None,
        data=data,
    )


class _RepoState:
    """A Repo plus its file table, computed once when the hub starts."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        if not repo.folder.is_dir():
            raise FileNotFoundError(f"skeleton folder of {repo.repo_id!r} not found: {repo.folder}")
        files: dict[str, _ServedFile] = {}
        for path in sorted(repo.folder.rglob("*")):
            rel_parts = path.relative_to(repo.folder).parts
            if not path.is_file() or any(part.startswith(".") for part in rel_parts):
                continue
            rel = "/".join(rel_parts)
            files[rel] = _load_disk_file(rel, path)
        for rel, data in repo.extra_files.items():
            files[rel] = _memory_file(rel, bytes(data))
        self.files = dict(sorted(files.items()))
        self.config = self._read_config()

    def _read_config(self) -> dict:
        served = self.files.get("config.json")
        if served is None:
            return {}
        try:
            config = json.loads(b"".join(served.chunks(0, served.size)))
        except ValueError:
            return {}
        return config if isinstance(config, dict) else {}

    def dirs(self) -> set[str]:
        """All folders that contain at least one file (not the root)."""
        out = set()
        for rel in self.files:
            parts = rel.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                out.add("/".join(parts[:i]))
        return out

    def model_info(self, commit: str, blobs: bool) -> dict:
        """The JSON the Hub answers on /api/models/{repo_id}."""
        repo = self.repo
        siblings = []
        for f in self.files.values():
            sibling: dict = {"rfilename": f.path}
            if blobs:  # like the Hub's ?blobs=true (files_metadata=True in huggingface_hub)
                sibling["size"] = f.size
                sibling["blobId"] = f.git_oid
                if f.lfs:
                    sibling["lfs"] = {"sha256": f.sha256, "size": f.size, "pointerSize": f.pointer_size}
            siblings.append(sibling)

        tags = []
        if "config.json" in self.files:
            tags.append("transformers")
        parameters: dict[str, int] = {}
        for f in self.files.values():
            for name, info in (f.header or {}).items():
                if name != "__metadata__" and isinstance(info, dict):
                    dtype = str(info.get("dtype"))
                    parameters[dtype] = parameters.get(dtype, 0) + math.prod(int(d) for d in info.get("shape", []))
        if any(f.path.endswith(".safetensors") for f in self.files.values()):
            tags.append("safetensors")
        if isinstance(self.config.get("model_type"), str):
            tags.append(self.config["model_type"])

        info: dict = {
            "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "author": repo.repo_id.split("/")[0] if "/" in repo.repo_id else None,
            "sha": commit,
            "lastModified": _LAST_MODIFIED,
            "createdAt": _CREATED_AT,
            "private": repo.private,
            "gated": "auto" if repo.gated else False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "library_name": "transformers" if "config.json" in self.files else None,
            "tags": tags,
            "config": {k: self.config[k] for k in ("architectures", "model_type") if k in self.config},
            "siblings": siblings,
            "usedStorage": sum(f.size for f in self.files.values()),
        }
        if parameters:
            info["safetensors"] = {"parameters": parameters, "total": sum(parameters.values())}
        return info

    def tree(self, path: str, recursive: bool) -> list[dict] | None:
        """Entries of the /api/models/{repo_id}/tree listing under `path`, or None if it is not a folder."""
        dirs = self.dirs()
        if path and path not in dirs:
            return None
        prefix = f"{path}/" if path else ""
        entries = []
        for d in sorted(dirs):
            if d.startswith(prefix) and (recursive or "/" not in d[len(prefix) :]):
                entries.append({"type": "directory", "oid": hashlib.sha1(f"tree {d}".encode()).hexdigest(), "path": d})
        for f in self.files.values():
            if f.path.startswith(prefix) and (recursive or "/" not in f.path[len(prefix) :]):
                entry: dict = {"type": "file", "oid": f.git_oid, "size": f.size, "path": f.path}
                if f.lfs:
                    entry["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": f.pointer_size}
                entries.append(entry)
        return entries


# --------------------------------------------------------------------------------------------------
# HTTP


class _HubError(Exception):
    """An error answer in the Hub's format: status, X-Error-Code, X-Error-Message and {"error": ...}."""

    def __init__(self, status: int, code: str | None, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


_UNSATISFIABLE = object()
_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def _parse_range(value: str, size: int):
    """Parse a Range header against a file of `size` bytes.

    Returns (first, last) inclusive, `_UNSATISFIABLE` (answer 416), or None when the header is to be
    ignored (malformed, or several ranges): RFC 9110 lets a server answer 200 with the whole file then.
    """
    m = _RANGE_RE.match(value)
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):  # suffix range: the last N bytes
        n = int(m.group(2))
        if n == 0 or size == 0:
            return _UNSATISFIABLE
        return max(0, size - n), size - 1
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else None
    if last is not None and last < first:
        return None
    if first >= size:
        return _UNSATISFIABLE
    return first, size - 1 if last is None else min(last, size - 1)


def _endless(chunks: Iterator[bytes], stop: threading.Event) -> Iterator[bytes]:
    """``chunks``, then zeros until ``stop`` is set (or, in practice, until the client hangs up)."""
    yield from chunks
    while not stop.is_set():
        yield _ZEROS


def _bytewise(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks`` one byte at a time."""
    for chunk in chunks:
        for i in range(len(chunk)):
            yield chunk[i : i + 1]


def _gzip(chunks: Iterator[bytes]) -> bytes:
    """One gzip member holding ``chunks``, compressed as they come (zeros shrink ~1000x)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [compressor.compress(chunk) for chunk in chunks]
    out.append(compressor.flush())
    return b"".join(out)


# Errors that mean "the client went away": never worth a traceback.
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # FakeHub.close() joins the handler threads itself, with a bound
    allow_reuse_address = True
    request_queue_size = 128  # the default backlog of 5 makes parallel clients wait for SYN retries
    hub: FakeHub
    origin: str  # "hub", "cdn" or "mirror"

    def process_request(self, request, client_address) -> None:
        thread = threading.Thread(target=self.process_request_thread, args=(request, client_address), daemon=True)
        self.hub._add_thread(thread)
        thread.start()

    def handle_error(self, request, client_address) -> None:
        # socketserver prints a traceback to stderr by default; a client hanging up is routine here,
        # and anything else is recorded so that tests can assert that the server stayed healthy.
        exc = sys.exc_info()[1]
        if isinstance(exc, _DISCONNECTS) or (isinstance(exc, OSError | ValueError) and self.hub._stop.is_set()):
            return
        if exc is not None:
            self.hub.errors.append(exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections
    server_version = "hubserver"
    sys_version = ""
    server: _Server

    # -- connection bookkeeping -----------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        # Without TCP_NODELAY, "headers then body" writes meet delayed ACKs and add ~40 ms per request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.hub._track(self.connection, add=True)
        if self.server.hub.connect_cost > 0:
            self.server.hub._stop.wait(self.server.hub.connect_cost)  # a TLS handshake, once per connection

    def finish(self) -> None:
        try:
            super().finish()
        except (OSError, ValueError):
            pass
        finally:
            self.server.hub._track(self.connection, add=False)

    def log_message(self, format, *args) -> None:
        pass  # quiet: the structured log is FakeHub.log

    # -- dispatch ---------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def _handle(self) -> None:
        hub = self.server.hub
        t_start = time.monotonic()
        self._status: int | None = None
        self._bytes = 0
        self._headers_sent = False
        self._responding = False
        self._announced: int | None = None
        self._t_answer: float | None = None
        hub._request_started()
        try:
            self._handle_inner(hub)
        except _DISCONNECTS:
            self.close_connection = True
        except Exception as exc:  # a bug in the server: answer 500 if still possible, and record it
            self.close_connection = True
            if hub._stop.is_set() and isinstance(exc, OSError | ValueError):
                pass
            else:
                hub.errors.append(exc)
                if not self._headers_sent:
                    try:
                        self._send_error(_HubError(500, None, f"hubserver error: {exc!r}"))
                    except Exception:
                        pass
        finally:
            path, _, query = self.path.partition("?")
            hub._record(
                LoggedRequest(
                    method=self.command,
                    path=path,
                    query=query,
                    host=self.headers.get("Host", ""),
                    client_port=self.client_address[1],
                    range=self.headers.get("Range"),
                    authorization=self.headers.get("Authorization") is not None,
                    status=self._status,
                    bytes_sent=self._bytes,
                    t_start=t_start,
                    t_end=time.monotonic(),
                    announced_length=self._announced,
                    origin=self.server.origin,
                    t_answer=self._t_answer,
                ),
            )

    def _begin_response(self) -> None:
        self._responding = True

    def _handle_inner(self, hub: FakeHub) -> None:
        # WAN round trip first: every request pays it, even those that fail below.
        if hub.latency > 0:
            hub._stop.wait(hub.latency)
        if hub.stall_seconds > 0 and hub.stall_after_bytes is None:
            hub._stop.wait(hub.stall_seconds)  # wakes up at shutdown, so close() never hangs on it
        if hub._stop.is_set():
            self.close_connection = True
            return
        if hub._take("reset_next"):
            self._begin_response()
            self._reset()
            return
        if hub._take("fail_next"):
            status = hub.fail_status
            headers = {}
            if hub.retry_after is not None:
                value = hub.retry_after
                headers["Retry-After"] = value if isinstance(value, str) else f"{value:g}"
            self._send_error(_HubError(status, None, f"Injected failure ({status})", headers))
            return
        try:
            self._route(hub)
        except _HubError as err:
            if self._headers_sent:
                raise
            self._send_error(err)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no response at all."""
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # The socket only really closes once the handler's file objects drop their references.
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except (OSError, ValueError):
                pass
        sock.close()
        # BaseHTTPRequestHandler flushes wfile after every request: give it something harmless to flush.
        self.wfile = io.BytesIO()

    def _route(self, hub: FakeHub) -> None:
        path, _, query = self.path.partition("?")
        params = parse_qs(query)
        if self.server.origin == "mirror":
            self._redirect(308, f"{hub.endpoint}{self.path}")
            return
        if self.server.origin == "cdn":
            if self.headers.get("Authorization") is not None:
                # A pre-signed url carries its credentials in the query: S3 refuses a second mechanism.
                raise _HubError(400, None, "Only one auth mechanism allowed")
            if not path.startswith("/lfs/"):
                raise _HubError(404, None, "Not Found")
            self._lfs(hub, path[len("/lfs/") :])
            return
        self._check_token(hub)
        if hub._take("rate_limit_next"):
            kind = "api" if path.startswith("/api/") and not path.startswith("/api/resolve-cache/") else "resolvers"
            quota = 500 if kind == "api" else 3000
            raise _HubError(
                429,
                None,
                "You have been rate-limited; you can retry this action in a few minutes.",
                {"RateLimit": f'"{kind}";r=0;t={hub.rate_limit_reset}', "RateLimit-Policy": f'"fixed window";"{kind}";q={quota};w=300'},
            )
        if path.startswith("/api/resolve-cache/models/"):
            self._resolve_cache(hub, path[len("/api/resolve-cache/models/") :])
        elif path.startswith("/api/models/"):
            if self._renamed(hub, path[len("/api/models/") :], "/api/models/"):
                return
            self._api(hub, path[len("/api/models/") :], params)
        elif path.startswith("/lfs/") and hub.direct:
            self._lfs(hub, path[len("/lfs/") :])  # the direct mode's CDN path on the Hub origin (old urls)
        else:
            if self._renamed(hub, path[1:], "/"):
                return
            self._resolve(hub, path[1:])

    def _redirect(self, status: int, location: str, headers: dict[str, str] | None = None) -> None:
        body = f"Redirecting to {location}".encode()
        headers = {**(headers or {}), "Location": location, "Content-Type": "text/plain; charset=utf-8"}
        self._send(status, headers, len(body), iter([body]))

    def _renamed(self, hub: FakeHub, rest: str, prefix: str) -> bool:
        """A repo that was renamed answers 307 to the same request under its new id."""
        segments = rest.split("/")
        for n in (2, 1):
            old = "/".join(unquote(part) for part in segments[:n])
            if len(segments) > n - 1 and old in hub.renames and old not in hub._repos:
                tail = "/".join(segments[n:])
                query = self.path.partition("?")[2]
                location = f"{prefix}{hub.renames[old]}" + (f"/{tail}" if tail else "") + (f"?{query}" if query else "")
                self._redirect(307, location)
                return True
        return False

    # -- auth -------------------------------------------------------------------------------------

    def _token(self) -> str | None:
        value = self.headers.get("Authorization")
        if value is None:
            return None
        scheme, _, token = value.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else value

    def _has_valid_token(self, hub: FakeHub) -> bool:
        return self._token() in hub.tokens

    def _check_token(self, hub: FakeHub) -> None:
        # The Hub checks credentials before anything else: an unknown token is refused even on a
        # public repo, with no X-Error-Code (so clients cannot tell it from a missing repo by code).
        if self.headers.get("Authorization") is not None and not self._has_valid_token(hub):
            raise _HubError(401, None, "Invalid credentials in Authorization header")

    def _missing_repo(self, hub: FakeHub) -> _HubError:
        status = 404 if self._has_valid_token(hub) else 401
        return _HubError(status, "RepoNotFound", "Repository not found")

    def _check_visible(self, hub: FakeHub, state: _RepoState) -> None:
        if state.repo.private and not self._has_valid_token(hub):
            raise _HubError(401, "RepoNotFound", "Repository not found")
        if state.repo.disabled:
            raise _HubError(403, None, "Access to this resource is disabled.")

    def _check_download(self, hub: FakeHub, state: _RepoState) -> None:
        self._check_visible(hub, state)
        if not state.repo.gated:
            return
        if not self._has_valid_token(hub):
            raise _HubError(
                401,
                "GatedRepo",
                f"Access to model {state.repo.repo_id} is restricted. You must have access to it and be "
                "authenticated to access it. Please log in.",
            )
        if state.repo.granted is not None and self._token() not in state.repo.granted:
            raise _HubError(
                403,
                "GatedRepo",
                f"Access to model {state.repo.repo_id} is restricted and you are not in the authorized list. "
                f"Visit https://huggingface.co/{state.repo.repo_id} to ask for access.",
            )

    # -- path parsing -----------------------------------------------------------------------------

    @staticmethod
    def _split_repo(hub: FakeHub, segments: list[str]) -> tuple[_RepoState | None, list[str]]:
        """Split percent-encoded path segments into (known repo or None, remaining segments)."""
        for n in (2, 1):  # "namespace/name" first, then legacy ids without a namespace
            repo_id = "/".join(unquote(s) for s in segments[:n])
            if len(segments) >= n and repo_id in hub._repos:
                return hub._repos[repo_id], segments[n:]
        return None, segments[2:]

    @staticmethod
    def _split_revision(state: _RepoState, segments: list[str], min_rest: int) -> tuple[str, str, list[str]]:
        """Split segments into (revision, commit, rest), leaving at least `min_rest` segments in rest.

        Clients send revisions percent-encoded as one segment (`refs%2Fpr%2F1`), but `refs/pr/1` sent
        raw over several segments works too.
        """
        for n in range(1, len(segments) - min_rest + 1):
            revision = unquote("/".join(segments[:n]))
            commit = state.repo.resolve_revision(revision)
            if commit is not None:
                return revision, commit, segments[n:]
        revision = unquote(segments[0]) if segments else ""
        raise _HubError(404, "RevisionNotFound", f"Invalid rev id: {revision}")

    # -- endpoints --------------------------------------------------------------------------------

    def _api(self, hub: FakeHub, rest: str, params: dict[str, list[str]]) -> None:
        state, tail = self._split_repo(hub, rest.split("/"))
        if state is None:
            raise self._missing_repo(hub)
        self._check_visible(hub, state)
        blobs = params.get("blobs", ["false"])[0].lower() in ("1", "true")
        if tail and tail[0] == "safetensors-metadata" and hub.safetensors_metadata_endpoint:
            self._check_download(hub, state)
            self._safetensors_metadata(state, unquote("/".join(tail[1:])))
        elif not tail or tail == [""]:
            commit = state.repo.resolve_revision("main")
            if commit is None:
                raise _HubError(404, "RevisionNotFound", "Invalid rev id: main")
            # `?expand[]=...` narrows the answer on the Hub; the full object is a superset, which is fine.
            self._send_json(state.model_info(commit, blobs))
        elif tail[0] == "revision" and len(tail) >= 2:
            _, commit, _ = self._split_revision(state, tail[1:], 0)
            self._send_json(state.model_info(commit, blobs))
        elif tail[0] == "tree" and len(tail) >= 2:
            # The revision is one (encoded) segment here: a raw "refs/pr/1" would be ambiguous with a path.
            revision = unquote(tail[1])
            if state.repo.resolve_revision(revision) is None:
                raise _HubError(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            sub = unquote("/".join(tail[2:])).strip("/")
            recursive = params.get("recursive", ["false"])[0].lower() in ("1", "true")
            entries = state.tree(sub, recursive)
            if entries is None:
                raise _HubError(404, "EntryNotFound", f"{sub} does not exist on \"{revision}\"")
            self._send_json(entries)
        else:
            raise _HubError(404, None, "Not Found")

    def _resolve(self, hub: FakeHub, rest: str) -> None:
        segments = rest.split("/")
        state, tail = self._split_repo(hub, segments)
        if state is None or not tail or tail[0] != "resolve":
            if "resolve" in segments:
                raise self._missing_repo(hub)
            raise _HubError(404, None, "Not Found")
        self._check_download(hub, state)
        revision, commit, file_segments = self._split_revision(state, tail[1:], 1)
        filename = unquote("/".join(file_segments))
        if hub.redirect_loop and hub._hostile(filename):
            location = f"{hub.endpoint}{self.path}"  # this very url: a loop only a redirect cap ends
            body = f"Found. Redirecting to {location}".encode()
            self._send(302, {"Location": location, "Content-Type": "text/plain; charset=utf-8"}, len(body), iter([body]))
            return
        served = state.files.get(filename)
        # X-Repo-Commit on a 404 lets huggingface_hub cache the file's absence for that commit.
        if served is None:
            raise _HubError(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": commit})

        headers = {"X-Repo-Commit": commit}
        if served.lfs:
            headers["X-Linked-Size"] = str(served.size)
            headers["X-Linked-Etag"] = f'"{served.sha256}"'
        if served.lfs and (hub.lfs_redirect or not hub.direct):
            # Like the Hub: the redirect itself carries the metadata; ETag is the pointer's git oid there.
            # The signature stands for a pre-signed url: whoever holds it may read, with no token.
            signature = hashlib.sha256(f"{commit}/{served.path}".encode()).hexdigest()[:32]
            headers["ETag"] = f'"{served.git_oid}"'
            location = f"{hub.cdn_endpoint}/lfs/{state.repo.repo_id}/{commit}/{quote(served.path)}?X-Amz-Signature={signature}"
            self._redirect(302, location, headers)
            return
        if not hub.direct:
            # Small files: a relative redirect to the commit-addressed cache; the 200 there names the commit.
            etag = quote(f'"{served.git_oid}"', safe="")
            location = f"/api/resolve-cache/models/{state.repo.repo_id}/{commit}/{quote(served.path)}?etag={etag}"
            self._redirect(307, location)
            return
        headers["ETag"] = f'"{served.sha256}"' if served.lfs else f'"{served.git_oid}"'
        self._send_file(hub, served, headers)

    def _resolve_cache(self, hub: FakeHub, rest: str) -> None:
        if hub.commit_cache_by_redirect_only and "etag" not in parse_qs(self.path.partition("?")[2]):
            raise _HubError(404, None, "Not Found")  # a Hub that serves the cache only at the urls it hands out
        state, tail = self._split_repo(hub, rest.split("/"))
        if state is None or len(tail) < 2:
            raise self._missing_repo(hub)
        self._check_download(hub, state)
        commit = unquote(tail[0])
        if commit not in state.repo.branches.values() and commit != state.repo.commit:
            raise _HubError(404, "RevisionNotFound", f"Invalid rev id: {commit}")
        served = state.files.get(unquote("/".join(tail[1:])))
        if served is None:
            raise _HubError(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": commit})
        self._send_file(hub, served, {"X-Repo-Commit": commit, "ETag": f'"{served.git_oid}"'})

    def _safetensors_metadata(self, state: _RepoState, index_name: str) -> None:
        """Every shard header of ``main`` in one answer, as the Hub's safetensors-metadata endpoint."""
        served = state.files.get(index_name)
        if served is None:
            raise _HubError(404, "EntryNotFound", f"{index_name} does not exist on \"main\"")
        try:
            index = json.loads(b"".join(served.chunks(0, served.size)))
            shards = sorted(set(index["weight_map"].values()))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise _HubError(400, None, f"{index_name} is not a safetensors index") from None
        headers = {}
        for shard in shards:
            file = state.files.get(shard)
            parsed = None
            if file is not None:
                prefix = b"".join(file.chunks(0, min(file.size, 8)))
                n = struct.unpack("<Q", prefix)[0] if len(prefix) == 8 else 0
                try:
                    ok = 0 < n <= min(_MAX_HEADER_SIZE, file.size - 8)
                    parsed = json.loads(b"".join(file.chunks(8, n))) if ok else None
                except ValueError:
                    parsed = None
            if not isinstance(parsed, dict):
                raise _HubError(404, "EntryNotFound", f"{shard} is not a readable safetensors file")
            headers[shard] = parsed
        index = {key: value for key, value in index.items() if key != "weight_map"}
        self._send_json({"index": index, "headers": headers})

    def _lfs(self, hub: FakeHub, rest: str) -> None:
        # Stands in for a signed CDN url: no auth check, whoever has the url may read the bytes.
        segments = rest.split("/")
        state, tail = self._split_repo(hub, segments)
        if state is None or len(tail) < 2 or state.repo.resolve_revision(unquote(tail[0])) is None:
            raise _HubError(404, None, "Not Found")
        served = state.files.get(unquote("/".join(tail[1:])))
        if served is None or not served.lfs:
            raise _HubError(404, None, "Not Found")
        self._send_file(hub, served, {"ETag": f'"{served.sha256}"'})

    # -- response writing -------------------------------------------------------------------------

    def _send_file(self, hub: FakeHub, served: _ServedFile, headers: dict[str, str]) -> None:
        headers["Accept-Ranges"] = "bytes"
        headers["Content-Type"] = "application/octet-stream" if served.lfs else "text/plain; charset=utf-8"
        header = self.headers.get("Range")
        spec = None if header is None or hub.ignore_range else _parse_range(header, served.size)
        if spec is _UNSATISFIABLE:
            raise _HubError(
                416, None, "Requested Range Not Satisfiable", {"Content-Range": f"bytes */{served.size}"}
            )
        if spec is None:
            self._send(200, headers, served.size, served.chunks(0, served.size), target=served.path)
            return
        first, last = spec
        hostile = hub._hostile(served.path)
        if hostile and hub.wrong_content_range:
            first = min(first + hub.wrong_content_range, served.size - 1)
            last = min(last + hub.wrong_content_range, served.size - 1)
        headers["Content-Range"] = f"bytes {first}-{last}/{served.size}"
        length, chunks = last - first + 1, served.chunks(first, last - first + 1)
        if hostile and (hub.gzip_ranges or hub.gzip_label_only):
            headers["Content-Encoding"] = "gzip"
            if not hub.gzip_label_only:
                body = _gzip(chunks)
                length, chunks = len(body), iter([body])
        self._send(206, headers, length, chunks, target=served.path)

    def _send_json(self, payload) -> None:
        body = json.dumps(payload).encode()
        target = self.path.partition("?")[0].lstrip("/")  # api/models/...: for hub.hostile_files
        self._send(200, {"Content-Type": "application/json; charset=utf-8"}, len(body), iter([body]), target=target)

    def _send_error(self, err: _HubError) -> None:
        body = json.dumps({"error": err.message}).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", **err.headers}
        if err.code is not None:
            headers["X-Error-Code"] = err.code
        headers["X-Error-Message"] = err.message
        self._send(err.status, headers, len(body), iter([body]))

    def _send(
        self, status: int, headers: dict[str, str], length: int, chunks: Iterator[bytes], *, target: str | None = None
    ) -> None:
        """Write status, headers and (unless HEAD) the body, counting the body bytes that left.

        A ``target`` (file name or ``api/models/...`` path) subjects the answer to the hostile knobs.
        """
        hub = self.server.hub
        announced: int | None = length
        trickle = 0.0
        if target is not None and hub._hostile(target):
            trickle = hub.trickle_seconds
            if trickle > 0:
                chunks = _bytewise(chunks)
            if hub.endless_body:
                announced = hub.endless_content_length
                chunks = _endless(chunks, hub._stop)
                self.close_connection = True  # the message never completes: nothing can follow it
            elif hub.content_length_lie:
                announced = max(0, length + hub.content_length_lie)
                # Promised more than comes: hang up, so the client sees a short body, not a stall.
                self.close_connection = self.close_connection or hub.content_length_lie > 0
        self._begin_response()
        self._t_answer = time.monotonic()
        self.send_response(status)
        headers.setdefault("X-Request-Id", uuid.uuid4().hex)
        for name, value in headers.items():
            self.send_header(name, value)
        self._announced = announced
        if announced is not None:
            self.send_header("Content-Length", str(announced))
        else:
            self.send_header("Connection", "close")
        self._status = status
        self._headers_sent = True
        self.end_headers()
        if self.command == "HEAD":
            return
        stall_at = hub.stall_after_bytes if hub.stall_seconds > 0 else None
        for chunk in chunks:
            if stall_at is not None and self._bytes + len(chunk) > stall_at:
                cut = max(0, stall_at - self._bytes)
                self.wfile.write(chunk[:cut])
                self._bytes += cut
                chunk, stall_at = chunk[cut:], None
                hub._stop.wait(hub.stall_seconds)  # once per response; wakes up at shutdown
                if hub._stop.is_set():
                    self.close_connection = True
                    return
            self.wfile.write(chunk)
            self._bytes += len(chunk)
            if trickle > 0 and hub._stop.wait(trickle):
                self.close_connection = True
                return


# --------------------------------------------------------------------------------------------------
# The hub


class FakeHub:
    """A fake Hugging Face Hub on 127.0.0.1, serving skeleton repos. Use it as a context manager.

    The server starts in a daemon thread as soon as the object is created; ``close()`` (or leaving the
    ``with`` block) stops it and drops open connections.

    Fault knobs can be changed at any time, from any thread:

    * ``ignore_range``: answer 200 with the whole (full-size) file instead of 206.
    * ``fail_next`` / ``fail_status`` / ``retry_after``: fail the next N requests with that status
      (and a ``Retry-After`` header when set: seconds, or a string sent verbatim, e.g. a malformed one).
    * ``stall_seconds``: wait that long before answering each request (to test client timeouts).
    * ``stall_after_bytes``: with ``stall_seconds``, send the status line, the headers and this many
      body bytes first, then stall mid-body (None: stall before answering).
    * ``reset_next``: drop the connection of the next N requests with no response.
    * ``rate_limit_next`` / ``rate_limit_reset``: answer the next N Hub requests 429 with the
      Hub's ``RateLimit`` headers, asking for that many seconds.
    * ``safetensors_metadata_endpoint``: False answers the one-request metadata endpoint 404, as a
      mirror or an older Hub does.
    * ``commit_cache_by_redirect_only``: True answers ``/api/resolve-cache/...`` 404 unless the url
      carries the ``etag`` the Hub's own redirect puts in it.

    Hostile knobs: protocol breakage from broken proxies, mirrors or malicious servers. They apply to
    successful answers (files and API JSON, not errors or redirects) whose target matches
    ``hostile_files``, an fnmatch pattern (default ``"*"``) tested against the file name for file
    downloads and against ``api/models/...`` for API answers:

    * ``content_length_lie``: announce ``Content-Length`` = true length + this (0: off). Positive: the
      server sends the true body, then closes the connection short of what it promised. Negative:
      it sends the whole true body past the announced end, on a connection kept alive.
    * ``endless_body``: after the bytes asked for (the range, or the whole file), stream zeros forever,
      until the client hangs up or the hub closes. ``endless_content_length`` is the
      ``Content-Length`` announced with it; None announces none (the body ends when the connection
      does).
    * ``redirect_loop``: file requests answer ``302`` with ``Location`` set to their own URL, forever.
    * ``gzip_ranges``: answer range requests ``206`` with ``Content-Encoding: gzip`` and the gzip of
      the range as the body (the Content-Range still names the uncompressed bytes).
      ``gzip_label_only`` sends the label with the raw bytes (a body that does not decode).
    * ``wrong_content_range``: answer range requests with the bytes starting this many bytes later
      than asked, labelled honestly in ``Content-Range`` (0: off): a proxy serving the wrong slice.
    * ``trickle_seconds``: send the body one byte at a time, this many seconds apart (0: off): a
      server never silent long enough for a read timeout, that would take days to finish.
    """

    def __init__(
        self,
        repos: list[Repo],
        *,
        tokens: set[str] | frozenset[str] = frozenset({DEFAULT_TOKEN}),
        latency: float = 0.0,
        lfs_redirect: bool = False,
        direct: bool = False,
        connect_cost: float = 0.0,
        renames: dict[str, str] | None = None,
    ) -> None:
        self._repos = {repo.repo_id: _RepoState(repo) for repo in repos}
        self.tokens = set(tokens)
        self.latency = latency
        self.lfs_redirect = lfs_redirect
        self.direct = direct
        self.connect_cost = connect_cost
        self.renames = dict(renames or {})
        self.safetensors_metadata_endpoint = True
        self.commit_cache_by_redirect_only = False
        self.rate_limit_reset = 1
        self._rate_limit_next = 0

        self.ignore_range = False
        self.fail_status = 503
        self.retry_after: float | str | None = None
        self.stall_seconds = 0.0
        self.stall_after_bytes: int | None = None
        self._fail_next = 0

        self.hostile_files = "*"
        self.content_length_lie = 0
        self.endless_body = False
        self.endless_content_length: int | None = None
        self.redirect_loop = False
        self.gzip_ranges = False
        self.gzip_label_only = False
        self.wrong_content_range = 0
        self.trickle_seconds = 0.0
        self._reset_next = 0

        self.errors: list[BaseException] = []
        """Unexpected exceptions raised while serving (client disconnects are not errors)."""
        self._log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._connections: set[socket.socket] = set()
        self._handler_threads: list[threading.Thread] = []
        self._stop = threading.Event()

        # Three origins on three ports: the Hub, its CDN (pre-signed LFS urls) and a mirror that moved.
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []
        for origin in ("hub", "cdn", "mirror"):
            server = _Server(("127.0.0.1", 0), _Handler)
            server.hub, server.origin = self, origin
            self._servers[origin] = server
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"hubserver-{origin}", daemon=True
            )
            self._threads.append(thread)
        self.endpoint = f"http://127.0.0.1:{self._servers['hub'].server_address[1]}"
        self.cdn_endpoint = f"http://127.0.0.1:{self._servers['cdn'].server_address[1]}"
        self.mirror_endpoint = f"http://127.0.0.1:{self._servers['mirror'].server_address[1]}"
        for thread in self._threads:
            thread.start()

    # -- lifecycle --------------------------------------------------------------------------------

    def __enter__(self) -> FakeHub:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving: wake sleeping handlers, stop accepting, and drop open connections."""
        if self._stop.is_set():
            return
        self._stop.set()
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=5)
        # Handler threads too: a request still sleeping must not log into whatever runs next.
        with self._lock:
            handlers = list(self._handler_threads)
        for thread in handlers:
            thread.join(timeout=5)

    def _add_thread(self, thread: threading.Thread) -> None:
        with self._lock:
            self._handler_threads = [t for t in self._handler_threads if t.is_alive()]
            self._handler_threads.append(thread)

    def _track(self, sock: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(sock)
            else:
                self._connections.discard(sock)

    # -- helpers for tests ------------------------------------------------------------------------

    def url(self, repo_id: str, filename: str, revision: str = "main") -> str:
        """The resolve url of a file, encoded the way huggingface_hub encodes it."""
        return f"{self.endpoint}/{repo_id}/resolve/{quote(revision, safe='')}/{quote(filename)}"

    def file_size(self, repo_id: str, filename: str) -> int:
        """The full size the hub serves for a file."""
        return self._repos[repo_id].files[filename].size

    def reset_knobs(self) -> None:
        """Turn every fault and hostile knob off (latency, connect_cost and lfs_redirect included)."""
        self.latency, self.lfs_redirect, self.connect_cost = 0.0, False, 0.0
        self.rate_limit_next, self.safetensors_metadata_endpoint = 0, True
        self.commit_cache_by_redirect_only = False
        self.ignore_range, self.fail_status, self.retry_after = False, 503, None
        self.stall_seconds, self.stall_after_bytes = 0.0, None
        self.fail_next = self.reset_next = 0
        self.hostile_files, self.content_length_lie = "*", 0
        self.endless_body, self.endless_content_length, self.redirect_loop = False, None, False
        self.gzip_ranges = self.gzip_label_only = False
        self.wrong_content_range, self.trickle_seconds = 0, 0.0

    def _hostile(self, target: str) -> bool:
        """Whether the hostile knobs apply to a file name or ``api/models/...`` path."""
        return fnmatch.fnmatchcase(target, self.hostile_files)

    # -- fault knobs (counters are decremented by handler threads, hence the lock) ---------------

    @property
    def fail_next(self) -> int:
        with self._lock:
            return self._fail_next

    @fail_next.setter
    def fail_next(self, n: int) -> None:
        with self._lock:
            self._fail_next = n

    @property
    def rate_limit_next(self) -> int:
        with self._lock:
            return self._rate_limit_next

    @rate_limit_next.setter
    def rate_limit_next(self, n: int) -> None:
        with self._lock:
            self._rate_limit_next = n

    @property
    def reset_next(self) -> int:
        with self._lock:
            return self._reset_next

    @reset_next.setter
    def reset_next(self, n: int) -> None:
        with self._lock:
            self._reset_next = n

    def _take(self, knob: str) -> bool:
        """Consume one unit of a fault counter; True if this request must fail."""
        attr = f"_{knob}"
        with self._lock:
            if getattr(self, attr) > 0:
                setattr(self, attr, getattr(self, attr) - 1)
                return True
            return False

    # -- log --------------------------------------------------------------------------------------

    def _request_started(self) -> None:
        with self._lock:
            self._in_flight += 1

    def _record(self, entry: LoggedRequest) -> None:
        with self._idle:
            self._log.append(entry)
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every request whose request line has arrived is logged; True unless the timeout
        expired.

        A client can read the last byte of a response before the server thread has logged it, and a
        client that gave up leaves a request sleeping (latency, stall) here, so log readers go
        through this.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    @property
    def log(self) -> list[LoggedRequest]:
        """Completed requests in completion order (a copy), once responses being written are done
        (see wait_idle)."""
        self.wait_idle()
        with self._lock:
            return list(self._log)

    @property
    def bytes_sent(self) -> int:
        """Body bytes written over all logged requests."""
        return sum(entry.bytes_sent for entry in self.log)

    def reset_log(self) -> None:
        self.wait_idle()
        with self._lock:
            self._log.clear()

    def levels(self, gap: float = 0.0) -> int:
        """Number of sequential "waves" of requests in the log (0 for an empty log).

        Definition: the length of the longest chain r1, r2, ..., rk of logged requests in which each
        request started at least `gap` seconds after the previous one had ended
        (``r[i+1].t_start >= r[i].t_end + gap``). Put differently, a request is on level 1 if no logged
        request had ended (+gap) before it started, and otherwise one level above the highest-level
        request that had. Requests sent together in parallel share a level; a request that had to
        wait for an answer is one level deeper. So it counts round trips on the critical path.

        With ``latency`` set, gap=0 tells the two apart reliably. With no latency, a small gap absorbs
        thread start-up jitter in parallel batches, at the risk of merging truly sequential requests
        that follow each other faster than `gap`.
        """
        entries = sorted(self.log, key=lambda e: e.t_start)
        level: list[int] = []
        for i, entry in enumerate(entries):
            below = [level[j] for j in range(i) if entries[j].t_end + gap <= entry.t_start]
            level.append(1 + max(below, default=0))
        return max(level, default=0)


# --------------------------------------------------------------------------------------------------
# Fixtures


# Skeleton folder name under fixtures/ -> repo id it stands for.
FIXTURE_REPO_IDS = {
    "Llama-3-8B-Instruct": "meta-llama/Meta-Llama-3-8B-Instruct",
    "taylor_only_5000": "prune-lab/taylor_only_5000",
}


def fixture_repos(root: Path) -> list[Repo]:
    """Repos for the skeletons present under `root` (the ``fixtures`` folder, or the project root).

    Missing skeletons are skipped. The repos are neither gated nor private; use dataclasses.replace()
    for that.
    """
    root = Path(root)
    if (root / "fixtures").is_dir():
        root = root / "fixtures"
    return [
        Repo(repo_id=repo_id, folder=root / name)
        for name, repo_id in FIXTURE_REPO_IDS.items()
        if (root / name).is_dir()
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the skeleton fixtures as a fake Hugging Face Hub.")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds slept at the start of each request")
    parser.add_argument("--connect-cost", type=float, default=0.0, help="seconds slept once per new connection")
    parser.add_argument("--direct", action="store_true", help="answer files on /resolve itself, without redirects")
    parser.add_argument("--lfs-redirect", action="store_true", help="with --direct, still redirect LFS files to the CDN")
    parser.add_argument(
        "--fixtures", type=Path, default=Path(__file__).resolve().parent.parent / "fixtures", help="fixtures folder"
    )
    parser.add_argument("--token", action="append", help=f"accepted token (repeatable; default {DEFAULT_TOKEN})")
    args = parser.parse_args(argv)

    repos = fixture_repos(args.fixtures)
    if not repos:
        parser.error(f"no skeleton repos found under {args.fixtures}")
    tokens = set(args.token) if args.token else {DEFAULT_TOKEN}
    # A shell starts background jobs with SIGINT ignored, and Python then installs no handler of
    # its own: Ctrl-C (or a test's SIGINT) must stop the server wherever it was started from.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with FakeHub(
        repos, tokens=tokens, latency=args.latency, lfs_redirect=args.lfs_redirect, direct=args.direct, connect_cost=args.connect_cost
    ) as hub:
        print(hub.endpoint, flush=True)
        for repo in repos:
            print(f"  {hub.endpoint}/api/models/{repo.repo_id}", file=sys.stderr)
        print(f"  HF_ENDPOINT={hub.endpoint}  (Ctrl-C to stop)", file=sys.stderr, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
