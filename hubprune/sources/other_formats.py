"""Local PyTorch (``.bin``/``.pt``) and GGUF checkpoints as the headers safetensors would give.

Which weights a folder means follows transformers: safetensors first (read elsewhere), then
``pytorch_model.bin.index.json`` and its shards, then ``pytorch_model.bin``; GGUF files are read
when they are all the folder has, or when asked for (``weights="gguf"``). Files are read in
bounded ranges (``pread``), never whole: a 100 GB ``.bin`` costs its tail, its ``data.pkl`` and
nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import InputError, ShardIndexError
from ..formats.errors import FormatError
from ..formats.gguf import GGUFFile, read_gguf, split_names
from ..formats.ranges import SparseBytes
from ..formats.reading import grow_prefix, parse_on_demand
from ..formats.to_headers import gguf_config, gguf_header, torch_header
from ..formats.torch_checkpoint import HEAD_BYTES, TorchCheckpoint, read_torch
from ..formats.zip_directory import TAIL_BYTES
from ..model import HeaderFile
from ._layout import MAX_INDEX_BYTES, shard_names_from_index

BIN_INDEX = "pytorch_model.bin.index.json"
BIN_SINGLE = "pytorch_model.bin"
TORCH_SUFFIXES = (".bin", ".pt", ".pth")
LOCAL_CAP = 1024 * 1024 * 1024  # metadata bytes one file may need; far above any real header
GGUF_FIRST_READ = 1024 * 1024


def _read_view(fd: int, size: int, pieces: list[tuple[int, int]]) -> SparseBytes:
    view = SparseBytes(size)
    for offset, length in pieces:
        view.add(offset, os.pread(fd, min(length, size - offset), offset))
    return view


def parse_local(path: Path, name: str, parser, size: int, fd: int, first: list[tuple[int, int]], grow=None):
    view = _read_view(fd, size, first)

    def fetch(ranges: list[tuple[int, int]]) -> list[bytes]:
        return [os.pread(fd, length, offset) for offset, length in ranges]

    return parse_on_demand(parser, view, fetch, name, cap=LOCAL_CAP, grow=grow)


def read_torch_file(path: Path, name: str) -> tuple[TorchCheckpoint, int]:
    """The checkpoint and the file's size (which the layout checks compare with the header)."""
    from .local import _open_regular

    fd, size = _open_regular(path, name)
    try:
        head = min(HEAD_BYTES, size)
        first = [(0, head)] + ([(max(0, size - TAIL_BYTES), TAIL_BYTES)] if size > head else [])
        return parse_local(path, name, read_torch, size, fd, first, grow=_torch_grow), size
    finally:
        os.close(fd)


def _torch_grow(need, view: SparseBytes) -> tuple[int, int]:
    # A legacy checkpoint grows its prefix; a zip asks for exactly the range it lacks.
    if need.offset == 0:
        return grow_prefix(HEAD_BYTES)(need, view)
    return need.offset, need.length


def read_gguf_file(path: Path, name: str) -> tuple[GGUFFile, int]:
    from .local import _open_regular

    fd, size = _open_regular(path, name)
    try:
        first = [(0, min(GGUF_FIRST_READ, size))]
        return parse_local(path, name, read_gguf, size, fd, first, grow=grow_prefix(GGUF_FIRST_READ)), size
    finally:
        os.close(fd)


def torch_names(names: list[str], index: dict[str, Any] | None) -> list[str]:
    """The ``.bin`` files transformers would load, given the folder's file names."""
    if index is not None:
        return shard_names_from_index(index, BIN_INDEX)
    if BIN_SINGLE in names:
        return [BIN_SINGLE]
    return [n for n in names if n.lower().endswith(TORCH_SUFFIXES) and n != "training_args.bin"]


def gguf_names(names: list[str]) -> list[str]:
    """One GGUF model's files: the first ``*.gguf`` and, when it is split, all its parts."""
    ggufs = sorted(n for n in names if n.lower().endswith(".gguf"))
    if not ggufs:
        return []
    split = split_names(ggufs[0])
    return split if split and all(part in ggufs for part in split) else [ggufs[0]]


def read_other_folder(folder, weights: str | None = None) -> tuple[list[HeaderFile], dict | None, dict | None, tuple[str, ...]]:
    """Headers of the PyTorch or GGUF weights of ``folder`` (a ``ModelFolder``).

    Returns (headers, index, config from the weights themselves or None, unexpected pickle
    globals). An empty header list means the folder has neither format.
    """
    names = folder.names()
    want_torch = weights in (None, "bin")
    if want_torch:
        index = folder.json(BIN_INDEX, ShardIndexError, MAX_INDEX_BYTES)
        files = torch_names(names, index)
        if files:
            headers, imports = [], []
            for file in files:
                real = folder.locate(file)
                if real is None:
                    raise ShardIndexError(BIN_INDEX, f"names {file}, which is not in {folder.path}")
                checkpoint, size = read_torch_file(real, file)
                headers.append(torch_header(checkpoint, file, size))
                imports += [g for g in checkpoint.unexpected_globals if g not in imports]
            return headers, index, None, tuple(imports)
    if weights in (None, "gguf"):
        files = gguf_names(names)
        if files:
            headers, config = [], None
            for file in files:
                real = folder.locate(file)
                if real is None:
                    continue
                parsed, size = read_gguf_file(real, file)
                headers.append(gguf_header(parsed, file, size))
                config = config or gguf_config(parsed)
            return headers, None, config, ()
    return [], None, None, ()


def read_other_file(path: str | Path) -> tuple[HeaderFile, dict | None, tuple[str, ...]] | None:
    """One ``.bin``/``.pt``/``.gguf`` file named directly; None for any other suffix."""
    path = Path(path)
    lower = path.name.lower()
    if lower.endswith(".gguf"):
        parsed, size = read_gguf_file(path, path.name)
        return gguf_header(parsed, path.name, size), gguf_config(parsed), ()
    if lower.endswith(TORCH_SUFFIXES):
        checkpoint, size = read_torch_file(path, path.name)
        return torch_header(checkpoint, path.name, size), None, checkpoint.unexpected_globals
    return None


__all__ = ["FormatError", "read_other_file", "read_other_folder"]


# --- over the Hub -------------------------------------------------------------------------------

REMOTE_CAP = 64 * 1024 * 1024  # metadata bytes one remote file may cost at most
GGUF_FIRST_REMOTE = 256 * 1024  # most GGUF headers without a big vocabulary fit; doubled when not


def remote_names(files: list[str], weights: str | None = None) -> tuple[str, list[str]] | None:
    """Which format the repo's top-level files give, and the files to read (``bin`` or ``gguf``):
    the ``.bin`` files first, as transformers would, unless ``weights`` names the format."""
    top = [name for name in files if "/" not in name]
    if weights in (None, "bin"):
        if BIN_INDEX in top:
            return "bin-index", [BIN_INDEX]
        torch_files = torch_names(top, None)
        if torch_files:
            return "bin", torch_files
    if weights in (None, "gguf"):
        ggufs = gguf_names(top)
        if ggufs:
            return "gguf", ggufs
    return None


def first_ranges(kind: str, size: int | None) -> list[tuple[int, int]]:
    """What to read of a file before parsing it, all in one round trip.

    A zip checkpoint starts with ``data.pkl`` and ends with its central directory, so its head and
    its tail are read side by side when the size is known (the listing gives it); a GGUF or a
    legacy pickle is one prefix, grown when its header is longer.
    """
    if kind == "gguf":
        return [(0, GGUF_FIRST_REMOTE if size is None else max(1, min(GGUF_FIRST_REMOTE, size)))]
    if size is None or size <= HEAD_BYTES:
        return [(0, HEAD_BYTES if size is None else max(1, size))]
    tail = max(HEAD_BYTES, size - TAIL_BYTES)
    return [(0, HEAD_BYTES), (tail, size - tail)]


def parse_remote(reader, name: str, revision: str, kind: str, replies: list[tuple[int, object]]):
    """(parsed file, size) from its first reads; a header longer than them costs more reads."""
    head = next(reply for offset, reply in replies if offset == 0)
    size = head.total_size if head.total_size is not None else len(head.body)
    view = SparseBytes(size)
    for offset, reply in replies:
        view.add(offset, reply.body[: max(0, size - offset)])

    def fetch(ranges: list[tuple[int, int]]) -> list[bytes]:
        return [reader.get(name, revision, start=offset, length=length).body for offset, length in ranges]

    if kind == "gguf":
        return parse_on_demand(read_gguf, view, fetch, name, cap=REMOTE_CAP, grow=grow_prefix(2 * GGUF_FIRST_REMOTE)), size
    if len(replies) == 1 and size > len(head.body) and head.body[:4] == b"PK\x03\x04":
        tail_start = max(len(head.body), size - TAIL_BYTES)  # no size was listed: the tail now
        view.add(tail_start, fetch([(tail_start, size - tail_start)])[0])
    return parse_on_demand(read_torch, view, fetch, name, cap=REMOTE_CAP, grow=_torch_grow), size


class NoWeightsError(InputError):
    """The weights format asked for (``--weights``) is not in the folder or repo."""

    def __init__(self, where: str, weights: str, names: list[str]) -> None:
        present = sorted({kind for kind, test in _KIND_TESTS if any(test(n) for n in names if "/" not in n)})
        super().__init__(
            f"{where} has no {weights} weights",
            hint=f"it has {', '.join(present)}: pick one of those with {{option.weights}}" if present else "check the name of the model",
        )
        self.where, self.weights = where, weights


_KIND_TESTS = (
    ("safetensors", lambda n: n.endswith(".safetensors")),
    ("bin", lambda n: n.lower().endswith(TORCH_SUFFIXES) and n != "training_args.bin"),
    ("gguf", lambda n: n.lower().endswith(".gguf")),
)


def read_other_remote(
    reader, files: list[str], revision: str, pool, sizes: dict[str, int] | None = None, weights: str | None = None,
    probed: list[tuple[int, object]] | None = None, index_reply=None,
) -> tuple[list[HeaderFile], dict | None, dict | None, tuple[str, ...]] | None:
    """Headers of a Hub repo's ``.bin`` or GGUF weights; None when it has neither.

    Every file's first reads go out at once (one level); parsing them needs nothing more when
    the metadata fits, which it does for any state dict and most GGUFs. ``probed`` are first
    reads of ``pytorch_model.bin`` already made (the Hub plan's speculative ones), used when that is the
    file to read; ``index_reply``, a read of ``pytorch_model.bin.index.json`` already made.
    """
    from ._layout import checked_file_name, json_object

    chosen = remote_names(files, weights)
    if chosen is None:
        return None
    kind, names = chosen
    index = None
    if kind == "bin-index":
        reply = index_reply or reader.get(BIN_INDEX, revision, limit=MAX_INDEX_BYTES)
        index = json_object(reply.body, BIN_INDEX, ShardIndexError)
        names, kind = shard_names_from_index(index, BIN_INDEX), "bin"
    names = [checked_file_name(name, source="the file list") for name in names]
    sizes = sizes or {}
    jobs = {
        name: [(offset, pool.submit(reader.get, name, revision, start=offset, length=length)) for offset, length in first_ranges(kind, sizes.get(name))]
        for name in names
        if not (probed and kind == "bin" and name == BIN_SINGLE)
    }
    firsts = {name: [(offset, job.result()) for offset, job in reads] for name, reads in jobs.items()}
    if probed and kind == "bin" and BIN_SINGLE in names:
        firsts[BIN_SINGLE] = probed
    parsed = {name: parse_remote(reader, name, revision, kind, firsts[name]) for name in names}
    if kind == "gguf":
        headers = [gguf_header(parsed[name][0], name, parsed[name][1]) for name in names]
        config = next((c for c in (gguf_config(parsed[name][0]) for name in names) if c), None)
        return headers, None, config, ()
    imports: list[str] = []
    for name in names:
        imports += [g for g in parsed[name][0].unexpected_globals if g not in imports]
    return [torch_header(parsed[name][0], name, parsed[name][1]) for name in names], index, None, tuple(imports)
