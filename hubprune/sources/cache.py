"""On-disk header cache: headers, config and index of one repo commit, under the HF cache home.

Keyed by endpoint, repo and commit, so a mirror never answers for the Hub and a commit's entry
never goes stale. Branch names map to commits in small ref files (as the HF cache does), which
lets a repeated run cost one request (does the branch still point there?) or none when offline.
Nothing secret is stored: no request headers, only what the files say. The cache is optional:
when it cannot be read or written (a read-only HF_HOME, one under a regular file) the run says so
once and goes on without it.
"""

from __future__ import annotations

import hashlib
import json
from ..values import replace
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from ..atomic import write_text_atomic
from ..model import HeaderFile, Snapshot, TensorInfo
from ..safetensors_header import parse_header
# Commits name the entry files: anything but a full sha (say ``../../x`` from a hostile server or
# a tampered ref file) would name a path outside the cache, so it is never used as one.
from .refs import COMMIT_RE

FORMAT_VERSION = 1


def cache_root() -> Path:
    """``$HF_HOME/hubprune`` (HF_HOME defaults to ``~/.cache/huggingface``)."""
    from huggingface_hub import constants

    home = os.environ.get("HF_HOME") or constants.HF_HOME
    return Path(home).expanduser() / "hubprune" / f"headers-v{FORMAT_VERSION}"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)


class HeaderCache:
    """The cache folder of one (endpoint, repo)."""

    def __init__(
        self, endpoint: str, repo_id: str, root: Path | None = None, warn: Callable[[str], None] | None = None
    ) -> None:
        endpoint_key = hashlib.sha256(endpoint.encode()).hexdigest()[:16]
        self.root = root or cache_root()
        self.folder = self.root / endpoint_key / repo_id.replace("/", "--")
        self._warn = warn
        self._warned = False

    def _unusable(self, exc: OSError, doing: str) -> None:
        """Say once that the cache cannot be used; the run goes on without it."""
        if self._warn is not None and not self._warned:
            self._warned = True
            reason = exc.strerror or type(exc).__name__
            self._warn(f"warning: cannot {doing} the header cache in {self.root} ({reason}); going on without it")

    def _read(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except NotADirectoryError as exc:
            self._unusable(exc, "read")
            return None
        except UnicodeDecodeError:
            return None
        except OSError as exc:
            self._unusable(exc, "read")
            return None

    def _write(self, path: Path, text: str) -> None:
        try:
            _atomic_write(path, text)
        except OSError as exc:
            self._unusable(exc, "write")

    def commit_for(self, revision: str) -> str | None:
        commit = (self._read(self.folder / "refs" / quote(revision, safe="")) or "").strip()
        return commit if COMMIT_RE.fullmatch(commit) else None

    def remember_ref(self, revision: str, commit: str) -> None:
        if revision != commit and COMMIT_RE.fullmatch(commit):
            self._write(self.folder / "refs" / quote(revision, safe=""), commit)

    def load(self, commit: str, source: str, display_name: str) -> Snapshot | None:
        """The cached headers of ``commit``, or None (missing or unreadable entries are misses)."""
        if not COMMIT_RE.fullmatch(commit):
            return None
        text = self._read(self.folder / f"{commit}.json")
        if text is None:
            return None
        try:
            data = json.loads(text)
            files = [
                replace(
                    parse_header(entry["header"].encode("utf-8"), file=entry["name"], file_size=entry["file_size"]),
                    marked_skeleton=entry.get("marked_skeleton") is True,
                )
                if "header" in entry
                else _unpack(entry)
                for entry in data["files"]
            ]
        except Exception:  # a corrupt entry must never stop a run: read from the Hub instead
            return None
        return Snapshot.build(
            source,
            display_name,
            files,
            config=data.get("config"),
            index=data.get("index"),
            commit=commit,
            other_files=tuple(data.get("other_files", ())),
        )

    def add_file_list(self, commit: str, other_files: tuple[str, ...]) -> None:
        """Record the repo's file list in an entry cached without one (best effort)."""
        path = self.folder / f"{commit}.json"
        try:
            data = json.loads(self._read(path) or "")
        except ValueError:
            return
        data["other_files"] = list(other_files)
        self._write(path, json.dumps(data))

    def store(self, headers: Snapshot, raw_headers: dict[str, bytes]) -> None:
        """Save a complete read of one commit. ``raw_headers`` maps file name -> header JSON bytes."""
        if not headers.commit or not COMMIT_RE.fullmatch(headers.commit):
            return
        files = [
            {
                "name": f.name,
                "file_size": f.file_size,
                "header": raw_headers[f.name].decode("utf-8"),
                "marked_skeleton": f.marked_skeleton,  # what the repo's skeleton marker said
            }
            if f.name in raw_headers
            else _pack(f)
            for f in headers.files
        ]
        data = {
            "files": files,
            "config": headers.config,
            "index": headers.index,
            "other_files": list(headers.other_files),
        }
        self._write(self.folder / f"{headers.commit}.json", json.dumps(data))


def _pack(header: HeaderFile) -> dict:
    """A file that is not safetensors (``.bin``, GGUF), kept as what was read from it: its tensors
    and the lengths that place them, so a warm run rebuilds the same header without a read."""
    return {
        "name": header.name,
        "file_size": header.file_size,
        "header_len": header.header_len,
        "data_len": header.data_len,
        "metadata": header.metadata,
        "tensors": [[t.name, t.dtype, list(t.shape), t.begin, t.end] for t in header.tensors],
    }


def _unpack(entry: dict) -> HeaderFile:
    name = entry["name"]
    tensors = tuple(TensorInfo(str(n), str(d), tuple(int(x) for x in shape), int(b), int(e), name) for n, d, shape, b, e in entry["tensors"])
    metadata = {str(k): str(v) for k, v in entry["metadata"].items()}
    return HeaderFile(name, int(entry["header_len"]), tensors, metadata, int(entry["data_len"]), entry["file_size"])
