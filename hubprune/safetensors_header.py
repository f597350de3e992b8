"""Pure parsing and validation of one safetensors header: bytes in, ``HeaderFile`` out. No I/O.

Layout of a safetensors file: an 8-byte little-endian unsigned length N, then N bytes of UTF-8
JSON (an object mapping tensor names to ``{"dtype", "shape", "data_offsets"}`` plus an optional
``"__metadata__"`` of str -> str), then the data region that the offsets index into.
"""

from __future__ import annotations

import json
import math
import struct

from .errors import HeaderError
from .model import HeaderFile, TensorInfo

PREFIX_LEN = 8
# The format's own cap (safetensors' MAX_HEADER_SIZE): checked before anything is allocated.
MAX_HEADER_LEN = 100_000_000
# The reference parser holds dimensions, element counts, bit sizes and offsets in u64 with checked
# arithmetic; anything past this is rejected there, so it is rejected here too (and Python's
# unbounded ints never turn a hostile shape into a slow bignum product or a float overflow).
U64_MAX = 2**64 - 1
# Longest repr of a name or value quoted in an error message: a header may hold a 50 MB name.
_QUOTE_MAX = 80

# Bits per element of every dtype the safetensors format defines. Sub-byte types (F4, F6_*)
# are packed, so sizes are computed in bits and must land on a byte boundary.
DTYPE_BITS: dict[str, int] = {
    "BOOL": 8,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "F8_E4M3FNUZ": 8,
    "F8_E5M2FNUZ": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "C64": 64,
    "F64": 64,
    "I64": 64,
    "U64": 64,
}


NOT_A_HEADER = "does not start with a safetensors header (no JSON object after the 8-byte length)"


def starts_like_a_header(prefix: bytes) -> bool:
    """Whether the byte after the length prefix is the ``{`` every header starts with.

    Only then may a number read from the prefix be quoted: without that byte the "length" may be
    the first 8 bytes of any file named by mistake.
    """
    return prefix[PREFIX_LEN : PREFIX_LEN + 1] == b"{"


def header_length(prefix: bytes, *, file: str, file_size: int | None = None) -> int:
    """Decode and bound the 8-byte length prefix.

    No number read from a file that is not safetensors is ever shown: the first bytes of a file
    named by mistake may be someone's password file. So a length past the format's cap is not
    quoted, and a length past the end of the file is quoted only when ``prefix`` also holds the
    byte after the length and it is the ``{`` every header starts with.

    >>> header_length(b"\\x10\\x00\\x00\\x00\\x00\\x00\\x00\\x00{", file="m.safetensors")
    16
    """
    if len(prefix) < PREFIX_LEN:
        raise HeaderError(
            file,
            f"file is {len(prefix)} bytes; a safetensors file starts with an 8-byte header length",
        )
    (length,) = struct.unpack("<Q", prefix[:PREFIX_LEN])
    if length > MAX_HEADER_LEN:
        raise HeaderError(
            file, f"does not start with a safetensors header: its header length exceeds the format's limit of {MAX_HEADER_LEN:,} bytes"
        )
    if length < 2:
        raise HeaderError(file, f"header length {length} is too small for a JSON object")
    if file_size is not None and PREFIX_LEN + length > file_size:
        if not starts_like_a_header(prefix):
            raise HeaderError(file, NOT_A_HEADER)
        raise HeaderError(
            file,
            f"header length {length:,} needs {PREFIX_LEN + length:,} bytes with its 8-byte prefix, larger than the file "
            f"({file_size:,} bytes): truncated or not safetensors",
        )
    return length


def _quote(value: object) -> str:
    """``repr`` cut to a readable length, for error messages."""
    text = repr(value)
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 3] + "..."


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {_quote(key)}")
        result[key] = value
    return result


def _reject_constant(name: str) -> float:
    # Python's json accepts NaN/Infinity; JSON (and the reference parser) does not.
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: the reference parser rejects it as out of range
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _has_lone_surrogate(text: str, obj: object) -> bool:
    """True when a ``\\uD800``-style escape decoded to half a surrogate pair.

    Such a string cannot be written as UTF-8 (every report would crash on it) and the reference
    parser rejects it. Only headers with a ``\\u`` escape pay for the check.
    """
    if "\\u" not in text:
        return False
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_header(raw: bytes, *, file: str, file_size: int | None = None) -> HeaderFile:
    """Parse the JSON part of a header (without the 8-byte prefix) and validate every entry.

    Raises ``HeaderError`` naming ``file`` for anything the format forbids. An unknown dtype is
    not an error: it is recorded in ``unknown_dtypes`` (a finding later) and its size unchecked.

    >>> h = parse_header(b'{"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}}', file="x")
    >>> h.tensors[0].shape, h.data_len
    ((2, 3), 12)
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HeaderError(file, f"header is not UTF-8 (byte {exc.start})") from None
    # Trailing spaces are the format's alignment padding.
    text = text.rstrip(" ")
    if not text.startswith("{"):
        raise HeaderError(file, "header is not a JSON object")
    try:
        obj = json.loads(
            text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant, parse_float=_finite_float
        )
    except RecursionError:
        raise HeaderError(file, "header JSON is nested too deeply") from None
    except ValueError as exc:
        raise HeaderError(file, f"header is not valid JSON ({exc})") from None
    try:
        lone_surrogate = _has_lone_surrogate(text, obj)
    except RecursionError:
        raise HeaderError(file, "header JSON is nested too deeply") from None
    if lone_surrogate:
        raise HeaderError(file, "header has a \\u escape that is half a surrogate pair (not valid Unicode)")

    metadata_raw = obj.pop("__metadata__", None)
    metadata: dict[str, str] = {}
    if metadata_raw is not None:
        if not isinstance(metadata_raw, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata_raw.items()
        ):
            raise HeaderError(file, "__metadata__ must map strings to strings")
        metadata = metadata_raw

    tensors: list[TensorInfo] = []
    unknown: set[str] = set()
    for name, entry in obj.items():
        tensors.append(_parse_entry(name, entry, file, unknown))

    # Offsets index into the data region: no two tensors may share bytes.
    ordered = sorted(tensors, key=lambda t: (t.begin, t.end))
    gaps = 0
    cursor = 0
    for tensor in ordered:
        if tensor.begin < cursor:
            raise HeaderError(file, f"tensor {_quote(tensor.name)} overlaps the tensor before it (offset {tensor.begin} < {cursor})")
        gaps += tensor.begin - cursor
        cursor = max(cursor, tensor.end)
    return HeaderFile(
        name=file,
        header_len=len(raw),
        tensors=tuple(tensors),
        metadata=metadata,
        data_len=cursor,
        file_size=file_size,
        unknown_dtypes=tuple(sorted(unknown)),
        gaps=gaps,
    )


def _numel(shape: list[int]) -> int | None:
    """Element count, or None where the reference's left-to-right checked u64 product overflows."""
    if len(shape) > 64:
        # More than 64 dims > 1 always overflow; walk so a hostile million-dim shape costs linear time.
        count = 1
        for dim in shape:
            count *= dim
            if count > U64_MAX:
                return None
        return count
    count = math.prod(shape)
    if count > U64_MAX:
        return None
    # A zero dim makes the product 0, but the reference overflows first if the dims before it do.
    if count == 0 and math.prod(shape[: shape.index(0)]) > U64_MAX:
        return None
    return count


def _parse_entry(name: str, entry: object, file: str, unknown: set[str]) -> TensorInfo:
    if not isinstance(entry, dict):
        raise HeaderError(file, f"entry {_quote(name)} is not an object")
    dtype = entry.get("dtype")
    shape = entry.get("shape")
    offsets = entry.get("data_offsets")
    if not isinstance(dtype, str):
        raise HeaderError(file, f"tensor {_quote(name)} has no dtype string")
    # type() is int, not isinstance: JSON true is a bool, an int subclass, and never a dimension.
    if type(shape) is not list or not all(type(d) is int and 0 <= d <= U64_MAX for d in shape):
        raise HeaderError(
            file, f"tensor {_quote(name)} has shape {_quote(shape)}; dimensions must be non-negative integers below 2^64"
        )
    if (
        type(offsets) is not list
        or len(offsets) != 2
        or type(offsets[0]) is not int
        or type(offsets[1]) is not int
        or not 0 <= offsets[0] <= U64_MAX
        or not 0 <= offsets[1] <= U64_MAX
    ):
        raise HeaderError(file, f"tensor {_quote(name)} has data_offsets {_quote(offsets)}; expected [begin, end]")
    begin, end = offsets
    if begin > end:
        raise HeaderError(file, f"tensor {_quote(name)} has data_offsets [{begin}, {end}]: begin after end")
    numel = _numel(shape)
    if numel is None:
        raise HeaderError(file, f"tensor {_quote(name)} has shape {_quote(shape)}: its element count overflows 64 bits")
    bits = DTYPE_BITS.get(dtype)
    if bits is None:
        unknown.add(dtype)
    else:
        total_bits = numel * bits
        if total_bits > U64_MAX:
            raise HeaderError(file, f"tensor {_quote(name)} ({dtype} {_quote(shape)}): its size in bits overflows 64 bits")
        if total_bits % 8 or total_bits // 8 != end - begin:
            raise HeaderError(
                file,
                f"tensor {_quote(name)} ({dtype} {_quote(shape)}) needs {total_bits / 8:g} bytes but its offsets span {end - begin}",
            )
    return TensorInfo(name, dtype, tuple(shape), begin, end, file)


def encode_header(tensors: list[tuple[str, str, list[int]]], metadata: dict[str, str] | None = None) -> bytes:
    """Build the header bytes (prefix + JSON + padding) for tensors laid out back to back.

    Used to write skeletons; the layout matches what the safetensors library writes
    (compact JSON, padded with spaces to a multiple of 8).

    >>> encode_header([("w", "F32", [2])])[:8]  # 51 bytes of JSON, padded to 56
    b'8\\x00\\x00\\x00\\x00\\x00\\x00\\x00'
    """
    obj: dict[str, object] = {}
    if metadata:
        obj["__metadata__"] = metadata
    offset = 0
    for name, dtype, shape in tensors:
        size = math.prod(shape) * DTYPE_BITS[dtype] // 8
        obj[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    body = json.dumps(obj, separators=(",", ":")).encode()
    body += b" " * (-len(body) % 8)
    return struct.pack("<Q", len(body)) + body
