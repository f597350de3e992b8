"""GGUF v2/v3 headers: key-value metadata and tensor infos, never tensor data.

Layout: ``GGUF``, version u32, tensor count u64, KV count u64; then the KV pairs (key string,
value type u32, value; arrays carry an element type and a u64 count); then per tensor its name,
``n_dims`` u32, ``ne`` (n_dims × i64, innermost dimension first), ggml type u32 and an offset u64
into the data section, which starts at the next multiple of ``general.alignment`` (default 32).

Shapes are given here outermost first, as torch and safetensors write them, so ``token_embd``
reads ``(vocab, hidden)``. For quantized types the shape is still the logical element count; the
byte size comes from the type's block layout.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from typing import Any

from .errors import GGUFError
from .ranges import NeedBytes, SparseBytes

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
MAX_TENSORS = 1_000_000
MAX_KV = 1_000_000
MAX_STRING = 64 * 1024 * 1024
MAX_ARRAY = 64 * 1024 * 1024
MAX_KEPT_ARRAY = 65_536  # longer arrays (vocabularies, merges) are kept as their length only
MAX_ARRAY_DEPTH = 3
MAX_DIMS = 8
MAX_NAME = 4096
MAX_HEADER = 512 * 1024 * 1024

# value type id -> struct code (fixed-size scalars)
SCALAR_TYPES = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
STRING_TYPE = 8
ARRAY_TYPE = 9

# ggml type id -> (name, elements per block, bytes per block)
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 40), 10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292), 16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110), 22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8),
    28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17), 40: ("NVFP4", 64, 36), 41: ("Q1_0", 128, 18),
}

SPLIT_NAME = re.compile(r"^(?P<stem>.*)-(?P<number>\d{5})-of-(?P<count>\d{5})\.gguf$")


@dataclass(frozen=True)
class LongArray:
    """An array too long to keep (e.g. a vocabulary): its element type and length only."""

    item_type: int
    length: int


@dataclass(frozen=True, slots=True)
class GGUFTensor:
    name: str
    shape: tuple[int, ...]  # outermost first
    ggml_type: int
    offset: int  # relative to the data section

    @property
    def type_name(self) -> str:
        known = GGML_TYPES.get(self.ggml_type)
        return known[0] if known else f"type{self.ggml_type}"

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int | None:
        """Bytes in the file; None for an unknown type or a row that is not whole blocks."""
        known = GGML_TYPES.get(self.ggml_type)
        if known is None:
            return None
        _, block, size = known
        row = self.shape[-1] if self.shape else 1
        if row % block:
            return None
        return self.numel // block * size


@dataclass(frozen=True)
class GGUFFile:
    file: str
    version: int
    byteorder: str  # "little" or "big"
    metadata: dict[str, Any]
    tensors: tuple[GGUFTensor, ...]
    alignment: int
    data_offset: int  # where tensor data starts in the file (the header's full length)

    @property
    def architecture(self) -> str | None:
        value = self.metadata.get("general.architecture")
        return value if isinstance(value, str) else None

    def get_int(self, key: str) -> int | None:
        value = self.metadata.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def arch_key(self, suffix: str) -> Any:
        arch = self.architecture
        return None if arch is None else self.metadata.get(f"{arch}.{suffix}")

    def per_layer(self, suffix: str) -> tuple[int | None, ...] | None:
        """``{arch}.{suffix}`` for each block: a scalar repeated, or the per-block array.

        An entry of 0 means the block has none (llama.cpp's per-layer convention); an entry
        that is not an int is None. None when the key is absent or the block count unknown.

        >>> f = GGUFFile("x", 3, "little", {"general.architecture": "deci", "deci.block_count": 3,
        ...     "deci.attention.head_count_kv": [2, 0, 1]}, (), 32, 0)
        >>> f.per_layer("attention.head_count_kv")
        (2, 0, 1)
        """
        blocks = self.get_int(f"{self.architecture}.block_count") if self.architecture else None
        value = self.arch_key(suffix)
        if blocks is None or value is None or blocks < 0:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return (value,) * blocks
        if isinstance(value, list) and len(value) == blocks:
            return tuple(item if isinstance(item, int) and not isinstance(item, bool) else None for item in value)
        return None

    @property
    def split(self) -> tuple[int, int] | None:
        """(this file's 0-based number, file count) for split GGUFs."""
        number, count = self.get_int("split.no"), self.get_int("split.count")
        if number is None or count is None:
            return None
        return number, count


def split_names(name: str) -> list[str] | None:
    """All file names of a split GGUF, given any one of them; None when ``name`` is not split.

    >>> split_names("m/Llama-Q4_K_M-00002-of-00003.gguf")
    ['m/Llama-Q4_K_M-00001-of-00003.gguf', 'm/Llama-Q4_K_M-00002-of-00003.gguf', 'm/Llama-Q4_K_M-00003-of-00003.gguf']
    """
    match = SPLIT_NAME.match(name)
    if match is None:
        return None
    count = int(match["count"])
    if count < 1 or int(match["number"]) > count:
        return None
    return [f"{match['stem']}-{number:05d}-of-{count:05d}.gguf" for number in range(1, count + 1)]


class _Cursor:
    """Sequential reads through a view; the prefix held decides how far parsing gets."""

    def __init__(self, view: SparseBytes, file: str, order: str) -> None:
        self.view = view
        self.file = file
        self.order = order
        self.position = 0
        start, self.buffer = view.piece_at(0)
        if start != 0:
            raise NeedBytes(0, 24)

    def _reach(self, length: int) -> int:
        """Where ``length`` more bytes end, once they are known to be in the buffer."""
        end = self.position + length
        if end > MAX_HEADER:
            raise GGUFError(self.file, f"header longer than {MAX_HEADER} bytes")
        if end > len(self.buffer):
            if end > self.view.size:
                raise GGUFError(self.file, "header runs past the end of the file")
            raise NeedBytes(0, end)
        return end

    def take(self, length: int) -> bytes:
        end = self._reach(length)
        data = self.buffer[self.position : end]
        self.position = end
        return data

    def unpack(self, code: str) -> Any:
        size = struct.calcsize(code)
        return struct.unpack(self.order + code, self.take(size))[0]

    def string(self, cap: int = MAX_STRING) -> str:
        length = self.unpack("Q")
        if length > cap:
            raise GGUFError(self.file, f"string of {length} bytes (cap {cap})")
        raw = self.take(length)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace")

    def skip(self, length: int) -> None:
        self.position = self._reach(length)


def _value(cursor: _Cursor, kind: int, depth: int = 0) -> Any:
    code = SCALAR_TYPES.get(kind)
    if code is not None:
        return cursor.unpack(code)
    if kind == STRING_TYPE:
        return cursor.string()
    if kind == ARRAY_TYPE:
        if depth >= MAX_ARRAY_DEPTH:
            raise GGUFError(cursor.file, f"arrays nested deeper than {MAX_ARRAY_DEPTH}")
        item_type = cursor.unpack("I")
        length = cursor.unpack("Q")
        if length > MAX_ARRAY:
            raise GGUFError(cursor.file, f"array of {length} elements (cap {MAX_ARRAY})")
        item_code = SCALAR_TYPES.get(item_type)
        if item_code is not None:
            size = struct.calcsize(item_code)
            if length > MAX_KEPT_ARRAY:
                cursor.skip(length * size)
                return LongArray(item_type, length)
            return list(struct.unpack(f"{cursor.order}{length}{item_code}", cursor.take(length * size)))
        if item_type not in (STRING_TYPE, ARRAY_TYPE):
            raise GGUFError(cursor.file, f"array of unknown value type {item_type}")
        if length > MAX_KEPT_ARRAY:
            for _ in range(length):
                _skip_value(cursor, item_type, depth + 1)
            return LongArray(item_type, length)
        return [_value(cursor, item_type, depth + 1) for _ in range(length)]
    raise GGUFError(cursor.file, f"unknown value type {kind}")


def _skip_value(cursor: _Cursor, kind: int, depth: int) -> None:
    if kind == STRING_TYPE:
        length = cursor.unpack("Q")
        if length > MAX_STRING:
            raise GGUFError(cursor.file, f"string of {length} bytes (cap {MAX_STRING})")
        cursor.skip(length)
    else:
        _value(cursor, kind, depth)


def read_gguf(view: SparseBytes, file: str) -> GGUFFile:
    """Parse a GGUF header from the prefix ``view`` holds; NeedBytes asks for a longer prefix."""
    if view.size < 24:
        raise GGUFError(file, f"file of {view.size} bytes is too short for GGUF")
    head = view.read(0, 8)
    if head[:4] != MAGIC:
        raise GGUFError(file, "not a GGUF file (no GGUF magic)")
    little = struct.unpack("<I", head[4:8])[0]
    if little in SUPPORTED_VERSIONS:
        order, byteorder = "<", "little"
    elif struct.unpack(">I", head[4:8])[0] in SUPPORTED_VERSIONS:
        order, byteorder = ">", "big"
    elif little == 1:
        raise GGUFError(file, "GGUF version 1 is not supported (convert it with a current llama.cpp)")
    else:
        raise GGUFError(file, f"unknown GGUF version {little}")
    cursor = _Cursor(view, file, order)
    cursor.take(4)
    version = cursor.unpack("I")
    tensor_count = cursor.unpack("Q")
    kv_count = cursor.unpack("Q")
    if tensor_count > MAX_TENSORS:
        raise GGUFError(file, f"{tensor_count} tensors (cap {MAX_TENSORS})")
    if kv_count > MAX_KV:
        raise GGUFError(file, f"{kv_count} metadata keys (cap {MAX_KV})")
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = cursor.string(MAX_NAME)
        kind = cursor.unpack("I")
        if key in metadata:
            raise GGUFError(file, f"metadata key {key!r} appears twice")
        metadata[key] = _value(cursor, kind)
    tensors = []
    seen: set[str] = set()
    for _ in range(tensor_count):
        name = cursor.string(MAX_NAME)
        n_dims = cursor.unpack("I")
        if n_dims > MAX_DIMS:
            raise GGUFError(file, f"tensor {name!r} has {n_dims} dimensions (cap {MAX_DIMS})")
        ne = struct.unpack(f"{order}{n_dims}q", cursor.take(8 * n_dims))
        if any(size < 0 for size in ne):
            raise GGUFError(file, f"tensor {name!r} has a negative dimension")
        if math.prod(ne) >= 1 << 62:
            raise GGUFError(file, f"tensor {name!r} has more than 2^62 elements")
        ggml_type = cursor.unpack("I")
        offset = cursor.unpack("Q")
        if name in seen:
            raise GGUFError(file, f"tensor {name!r} appears twice")
        seen.add(name)
        tensors.append(GGUFTensor(name, tuple(reversed(ne)), ggml_type, offset))
    alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or isinstance(alignment, bool) or alignment <= 0 or alignment & (alignment - 1) or alignment > 1 << 20:
        raise GGUFError(file, f"general.alignment {alignment!r} is not a power of two")
    data_offset = -(-cursor.position // alignment) * alignment
    for tensor in tensors:
        if tensor.offset % alignment:
            raise GGUFError(file, f"tensor {tensor.name!r} is not aligned to {alignment} bytes")
    return GGUFFile(file, version, byteorder, metadata, tuple(tensors), alignment, data_offset)
