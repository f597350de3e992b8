"""PyTorch ``torch.save`` checkpoints, zip (torch >= 1.6) and legacy, read without unpickling.

Zip: ``<name>/data.pkl`` (the object, protocol 2) is the first member, stored uncompressed; each
tensor storage is a record ``<name>/data/<key>``; tensors inside the pickle are calls of
``torch._utils._rebuild_tensor_v2`` on a persistent storage reference. Legacy: a run of pickles
(magic number, protocol version, system info, the object, the storage keys) and then the raw
storages. Both go through :func:`~hubprune.formats.pickle_walk.walk`, which runs nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import PickleError, ZipError
from .pickle_walk import DTYPE_BYTES, Storage, TensorRef, storage_loader, unexpected_globals, walk
from .ranges import NeedBytes, SparseBytes
from .torch_names import named_tensors
from .zip_directory import ZipDirectory, member_data_offset, read_directory

ZIP_MAGIC = b"PK\x03\x04"
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
MAX_DATA_PKL = 256 * 1024 * 1024
HEAD_BYTES = 64 * 1024  # a first read: the local header of data.pkl and, usually, all of it


@dataclass(frozen=True, slots=True)
class TorchTensor:
    name: str
    dtype: str
    shape: tuple[int, ...]
    stride: tuple[int, ...]
    storage_key: str
    storage_offset: int  # elements
    storage_numel: int

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int | None:
        size = DTYPE_BYTES.get(self.dtype)
        return None if size is None else self.numel * size


@dataclass(frozen=True)
class TorchCheckpoint:
    """What a ``torch.save`` file holds, as far as shapes go."""

    file: str
    container: str  # "zip" or "legacy"
    layout: str  # "state_dict", "module" or "nested"
    tensors: tuple[TorchTensor, ...]
    globals: tuple[str, ...]  # every global the pickle names, in first-use order
    byteorder: str | None = None
    pickle_bytes: int = 0  # zip: data.pkl's length; legacy: where the object's pickle ends

    @property
    def unexpected_globals(self) -> tuple[str, ...]:
        return unexpected_globals(self.globals)


def _tensors(found: list[tuple[str, TensorRef]]) -> tuple[TorchTensor, ...]:
    return tuple(
        TorchTensor(name, ref.dtype, ref.shape, ref.stride, ref.storage.key, ref.offset, ref.storage.numel)
        for name, ref in found
    )


def data_pkl_entry(directory: ZipDirectory, file: str):
    """The one ``<prefix>/data.pkl`` entry and its prefix."""
    candidates = [entry for entry in directory.entries if entry.name.count("/") == 1 and entry.name.endswith("/data.pkl")]
    if len(candidates) != 1:
        raise ZipError(file, "not a PyTorch checkpoint (no single <name>/data.pkl in the zip)")
    entry = candidates[0]
    return entry, entry.name[: -len("data.pkl")]


def read_zip(view: SparseBytes, file: str) -> TorchCheckpoint:
    """Read a zip checkpoint through ``view``; raises NeedBytes for what it still has to read."""
    directory = read_directory(view, file)
    entry, prefix = data_pkl_entry(directory, file)
    if entry.method != 0 or entry.compressed_size != entry.size:
        raise ZipError(file, "data.pkl is compressed; torch.save stores it uncompressed")
    if entry.size > MAX_DATA_PKL:
        raise ZipError(file, f"data.pkl of {entry.size} bytes (cap {MAX_DATA_PKL})")
    start = member_data_offset(view, entry, file)
    if start + entry.size > directory.directory_offset:
        raise ZipError(file, "data.pkl runs into the central directory")
    pickled = view.read(start, entry.size)
    records = {e.name[len(prefix) + len("data/") :]: e for e in directory.entries if e.name.startswith(prefix + "data/")}
    walked = walk(pickled, file, persistent_load=storage_loader(file))
    found, layout = named_tensors(walked.value, file)
    for _, ref in found:
        _check_storage(ref, records, file)
    byteorder = None
    order = next((e for e in directory.entries if e.name == prefix + "byteorder"), None)
    if order is not None and order.size <= 16 and order.method == 0:
        try:
            byteorder = view.read(member_data_offset(view, order, file), order.size).decode("ascii", "replace")
        except NeedBytes:
            byteorder = None  # only informative; not worth a round trip
    return TorchCheckpoint(file, "zip", layout, _tensors(found), walked.globals, byteorder, entry.size)


def _check_storage(ref: TensorRef, records: dict, file: str) -> None:
    storage: Storage = ref.storage
    record = records.get(storage.key)
    if record is None:
        raise ZipError(file, f"storage data/{storage.key} is not in the archive")
    item = DTYPE_BYTES.get(storage.dtype)
    if item is not None and record.size < storage.numel * item:
        raise ZipError(file, f"storage data/{storage.key} holds {record.size} bytes, less than its {storage.numel} elements")
    _check_extent(ref, file)


def _check_extent(ref: TensorRef, file: str) -> None:
    if 0 in ref.shape:
        return
    last = ref.offset + sum((size - 1) * stride for size, stride in zip(ref.shape, ref.stride) if stride > 0)
    if last >= ref.storage.numel or any(stride < 0 for stride in ref.stride):
        raise PickleError(file, "a tensor reaches past the end of its storage")


def read_legacy(view: SparseBytes, file: str) -> TorchCheckpoint:
    """Read a pre-1.6 checkpoint: only the leading pickles, never the storages after them.

    The view holds a prefix of the file; when a pickle runs past it, NeedBytes asks for more.
    """
    prefix = view.prefix_length()
    data = view.read(0, prefix)
    position = 0
    expected = (LEGACY_MAGIC_NUMBER, LEGACY_PROTOCOL, None)
    for number, want in enumerate(expected):
        walked = _walk_prefix(data, position, file, prefix, view.size)
        if number == 0 and walked.value != want:
            raise PickleError(file, "not a PyTorch checkpoint (legacy magic number missing)")
        if number == 1 and walked.value != want:
            raise PickleError(file, f"legacy protocol version {walked.value!r} is not {LEGACY_PROTOCOL}")
        position += walked.end
    walked = _walk_prefix(data, position, file, prefix, view.size, persistent_load=storage_loader(file))
    found, layout = named_tensors(walked.value, file)
    for _, ref in found:
        _check_extent(ref, file)
    return TorchCheckpoint(file, "legacy", layout, _tensors(found), walked.globals, None, position + walked.end)


def _walk_prefix(data: bytes, position: int, file: str, held: int, size: int, **kwargs):
    try:
        return walk(data, file, start=position, **kwargs)
    except PickleError:
        if held < size:  # maybe only cut short: ask for more before calling it malformed
            raise NeedBytes(0, min(size, max(2 * held, HEAD_BYTES))) from None
        raise


def read_torch(view: SparseBytes, file: str) -> TorchCheckpoint:
    """A zip or legacy checkpoint, told apart by the first bytes."""
    head = view.read(0, min(4, view.size))
    if head == ZIP_MAGIC:
        return read_zip(view, file)
    if head[:1] == b"\x80":
        return read_legacy(view, file)
    if view.size >= 262 and view.read(257, 5) == b"ustar":
        raise ZipError(file, "tar checkpoints (torch before 0.4) are not supported")
    raise ZipError(file, "neither a zip nor a legacy PyTorch checkpoint")
