"""Pure parsing and validation of one safetensors header: bytes in, ``HeaderFile`` out. No I/O.

Layout of a safetensors file: an 8-byte little-endian unsigned length N, then N bytes of UTF-8
JSON (an object mapping tensor names to ``{"dtype", "shape", "data_offsets"}`` plus an optional
``"__metadata__"`` of str -> str), then the data region that the offsets index into.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Iterable
from itertools import chain, islice, repeat
from operator import add, ge, itemgetter, mod, mul, sub

from .errors import HeaderError
from .model import HeaderFile, HeaderProblem, TensorInfo
from .values import Value

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


# Every (finding code, variant) a scanner problem can carry; ``findings.files`` turns problems into
# findings of these codes, and the message tests read the list to know they are all worded.
PROBLEM_CODES: tuple[tuple[str, str | None], ...] = (
    ("header_invalid", None),
    ("header_invalid", "malformed"),
    ("offsets_reversed", None),
    ("tensor_size_mismatch", None),
    ("offsets_overlap", None),
    ("unknown_dtype", None),
    ("data_gaps", None),
    ("misaligned", None),
    ("file_truncated", None),
    ("file_trailing_bytes", None),
)

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


class HeaderScan(Value, positional=True):
    """Everything the scanner found in one header: the parsed header when no problem is fatal,
    and every problem, fatal or not, each once (counted, with its first instance)."""

    header: HeaderFile | None
    problems: tuple[HeaderProblem, ...]  # with the file's size against the header
    data_start: int | None = None  # where the data region begins, once the length was read

    @property
    def header_only(self) -> bool:
        """The file ends right after its header: a skeleton where a marker lists it."""
        truncated = next((p for p in self.problems if p.code == "file_truncated"), None)
        return truncated is not None and truncated.args["size"] == self.data_start

    @property
    def fatal(self) -> HeaderProblem | None:
        """The problem the strict reader stops at: the first fatal one."""
        return next((p for p in self.problems if p.fatal), None)

    def parsed(self, file: str) -> HeaderFile:
        """The header, or ``HeaderError`` with the first fatal problem's words."""
        fatal = self.fatal
        if fatal is not None or self.header is None:
            raise HeaderError(file, fatal.message if fatal else "header could not be read")
        return self.header


def invalid(message: str) -> HeaderProblem:
    """A file that cannot be read as a header at all; ``message`` says why."""
    return HeaderProblem("header_invalid", message, True, {"problem": message})


def header_extent(prefix: bytes, file_size: int | None = None) -> int | None:
    """How many bytes of the file the header takes with its prefix, or None when the prefix is
    not a usable length (``scan`` then says why). ``prefix`` is the file's first 8 or 9 bytes."""
    try:
        return PREFIX_LEN + header_length(prefix, file="", file_size=file_size)
    except HeaderError:
        return None


def scan(raw: bytes, file_size: int | None = None, *, file: str, marked_skeleton: bool = False) -> HeaderScan:
    """Scan a file's first bytes (the 8-byte length prefix, then the header JSON) for every problem.

    >>> raw = encode_header([("w", "BF16", [2])])
    >>> found = scan(raw, len(raw) + 4 + 3, file="m")  # 4 bytes of data, then 3 more
    >>> [p.code for p in found.problems], found.header is not None
    (['file_trailing_bytes'], True)
    >>> [(p.code, p.fatal) for p in scan(raw[:8] + b'{"w":7}', file="m").problems]
    [('header_invalid', True)]
    """
    try:
        length = header_length(raw[: PREFIX_LEN + 1], file=file, file_size=file_size)
    except HeaderError as error:
        return HeaderScan(None, (invalid(error.problem),))
    if len(raw) < PREFIX_LEN + length:  # the file shrank between its size and its read
        shown = f"header length {length:,}, " if starts_like_a_header(raw) else ""
        return HeaderScan(None, (invalid(f"was cut while being read: {shown}{len(raw) - PREFIX_LEN:,} header bytes read"),))
    return scan_json(raw[PREFIX_LEN : PREFIX_LEN + length], file_size, file=file, marked_skeleton=marked_skeleton)


def parse(raw: bytes, file_size: int | None = None, *, file: str) -> HeaderFile:
    """``scan``, raising ``HeaderError`` at the first fatal problem: what a loader would accept."""
    return scan(raw, file_size, file=file).parsed(file)


def parse_header(raw: bytes, *, file: str, file_size: int | None = None) -> HeaderFile:
    """Parse the JSON part of a header (without the 8-byte prefix) and validate every entry.

    Raises ``HeaderError`` naming ``file`` for anything the format forbids. An unknown dtype is
    not an error: it is recorded in ``unknown_dtypes`` (a finding later) and its size unchecked.

    >>> h = parse_header(b'{"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}}', file="x")
    >>> h.tensors[0].shape, h.data_len
    ((2, 3), 12)
    """
    return scan_json(raw, file_size, file=file).parsed(file)


def _json_object(raw: bytes) -> dict[str, object] | HeaderProblem:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return invalid(f"header is not UTF-8 (byte {exc.start})")
    # Trailing spaces are the format's alignment padding.
    text = text.rstrip(" ")
    if not text.startswith("{"):
        return invalid("header is not a JSON object")
    try:
        obj = json.loads(
            text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant, parse_float=_finite_float
        )
        lone_surrogate = _has_lone_surrogate(text, obj)
    except RecursionError:
        return invalid("header JSON is nested too deeply")
    except ValueError as exc:
        return invalid(f"header is not valid JSON ({exc})")
    if lone_surrogate:
        return invalid("header has a \\u escape that is half a surrogate pair (not valid Unicode)")
    return obj


class _Tally:
    """Problems of one kind across many tensors: counted, the first one kept with its words."""

    def __init__(self) -> None:
        self.found: dict[str, list] = {}  # code -> [count, message, args]; insertion order is first seen

    def add(self, code: str, message: str, **args: object) -> None:
        entry = self.found.get(code)
        if entry is None:
            self.found[code] = [1, message, args]
        else:
            entry[0] += 1

    def problems(self, fatal: bool) -> list[HeaderProblem]:
        return [HeaderProblem(code, message, fatal, {**args, "count": count}) for code, (count, message, args) in self.found.items()]


def scan_json(raw: bytes, file_size: int | None = None, *, file: str, marked_skeleton: bool = False) -> HeaderScan:
    """Scan the JSON part of a header (without its 8-byte prefix): see ``scan``.

    ``marked_skeleton``: the folder's skeleton marker lists the file (``HeaderFile.is_skeleton``).
    """
    valid = _scan_valid(raw, file_size, file, marked_skeleton)
    if valid is not None:
        return valid
    obj = _json_object(raw)
    if isinstance(obj, HeaderProblem):
        return HeaderScan(None, (obj,))
    problems: list[HeaderProblem] = []
    metadata_raw = obj.pop("__metadata__", None)
    metadata: dict[str, str] = {}
    if metadata_raw is not None:
        if isinstance(metadata_raw, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata_raw.items()):
            metadata = metadata_raw
        else:
            problems.append(invalid("__metadata__ must map strings to strings"))

    faults = _Tally()
    tensors: list[TensorInfo] = []  # entries the layout pass sees (a wrong size still has a place)
    for name, entry in obj.items():
        tensor = _scan_entry(name, entry, file, faults)
        if tensor is not None:
            tensors.append(tensor)
    problems += faults.problems(fatal=True)
    layout, data_len, gaps = _scan_layout(tensors, PREFIX_LEN + len(raw), file_size)
    problems += layout
    header = None
    if not any(p.fatal for p in problems):
        header = HeaderFile(
            name=file,
            header_len=len(raw),
            tensors=tuple(tensors),
            metadata=metadata,
            data_len=data_len,
            file_size=file_size,
            unknown_dtypes=tuple(p.args["dtype"] for p in problems if p.code == "unknown_dtype"),
            gaps=gaps,
            marked_skeleton=marked_skeleton,
            # The file's size against its header is asked of every header, of any format, by
            # the findings (``size_problems``); what the header alone says is kept here.
            problems=tuple(p for p in problems if p.code not in SIZE_CODES),
        )
    return HeaderScan(header, tuple(problems), PREFIX_LEN + len(raw))


# Byte size of each dtype whose elements are whole bytes: the only ones the valid path takes.
_BYTE_SIZES = {dtype: bits // 8 for dtype, bits in DTYPE_BITS.items() if bits >= 8}
_DTYPE_NAMES = {dtype: dtype for dtype in DTYPE_BITS}
_ENTRY_FIELDS = itemgetter("dtype", "shape", "data_offsets")
# Plain dicts: NaN and Infinity decode to floats and fail the int and str checks below.
_DECODE = json.JSONDecoder().decode
_ABSENT: dict[str, str] = {}


def _scan_valid(raw: bytes, file_size: int | None, file: str, marked_skeleton: bool = False) -> HeaderScan | None:
    """``scan_json`` for the common case, a header with no fault, checked a column at a time
    rather than an entry at a time; None when anything may be wrong.

    Every test here is one the full scan makes, or a stricter one (each entry holds exactly its
    three fields, no dimension is 0, no dtype is unknown or sub-byte, no backslash anywhere,
    tensors aligned and not overlapping). When any fails the full scan runs, so which problems a
    header has and how they are worded is decided there alone; this path only ever finds a
    header valid, with at most the notes ``_valid_layout`` gives.

    The columns come from ``_written_columns`` when the header is written as the safetensors
    library writes it, else from ``_decoded_columns``.
    """
    try:
        text = raw.decode("utf-8").rstrip(" ")
    except UnicodeDecodeError:
        return None
    if not text.startswith("{") or "\\" in text:
        return None
    # JSON allows no control character raw in a string (and the written form none outside one);
    # UTF-8 puts none inside a multi-byte character, so the bytes tell.
    columns = _written_columns(text) if len(raw.translate(None, _CONTROL_BYTES)) == len(raw) else None
    if columns is None:
        columns = _decoded_columns(text)
        if columns is None:
            return None
    names, dtypes, shapes, begins, ends, sizes, nbytes, metadata = columns
    if max(begins) > U64_MAX or max(ends) > U64_MAX or max(nbytes) > U64_MAX // 8 or nbytes != list(map(sub, ends, begins)):
        return None
    data_start = PREFIX_LEN + len(raw)
    layout = _valid_layout(begins, ends, sizes, data_start, file_size)
    if layout is None:
        return None
    problems, data_len, gaps = layout
    header = HeaderFile(
        name=file,
        header_len=len(raw),
        tensors=tuple(map(TensorInfo, names, dtypes, shapes, begins, ends, repeat(file))),
        metadata=metadata,
        data_len=data_len,
        file_size=file_size,
        unknown_dtypes=(),
        gaps=gaps,
        marked_skeleton=marked_skeleton,
        problems=tuple(p for p in problems if p.code not in SIZE_CODES),
    )
    return HeaderScan(header, tuple(problems), data_start)


# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    # (names, dtypes, shapes as tuples, begins, ends, element sizes, byte sizes, metadata)
    _Columns = tuple[Sequence[str], Sequence[str], list, list[int], list[int], list[int], list[int], dict[str, str]]

# One tensor entry as the safetensors library writes it (serde_json: compact, the fields in this
# order), followed by a comma. A name holds no quote (there is no backslash to escape one), and
# the header no control character (``_scan_valid`` checks). Numbers are JSON's: no sign, no
# leading zero.
_WRITTEN_ENTRY = re.compile(r'"([^"]*)":\{("dtype":"[^"]*","shape":\[[0-9,]*\]),"data_offsets":\[(0|[1-9][0-9]{0,19}),(0|[1-9][0-9]{0,19})\]\},')
_WRITTEN_ENTRY_TEXT = len('"":{,"data_offsets":[,]},')  # an entry's characters outside its groups
# A dtype and 0 to 64 dimensions, each at least 1.
_WRITTEN_KIND = re.compile(r'"dtype":"([^"]*)","shape":\[((?:[1-9][0-9]{0,19}(?:,[1-9][0-9]{0,19}){0,63})?)\]')
_METADATA_OPENING = '{"__metadata__":'
_CONTROL_BYTES = bytes(range(32))
_RAW_DECODE = json.JSONDecoder().raw_decode


def _written_columns(text: str) -> _Columns | None:
    """The columns of a header written as the safetensors library writes it (the metadata first,
    then one ``_WRITTEN_ENTRY`` per tensor), read with one regular expression instead of decoding
    a dict and two lists per tensor; None for a header written any other way.

    The entries found must tile the text exactly: they never overlap, so when their lengths add
    up to the length of the text, nothing lies between them. Each entry then is a JSON object of
    exactly these three fields, and the text a JSON object of those entries.
    """
    if not text.endswith("}"):
        return None
    start, metadata = 1, {}
    if text.startswith(_METADATA_OPENING):
        try:
            metadata, end = _RAW_DECODE(text, len(_METADATA_OPENING))
        except (ValueError, RecursionError):
            return None
        # Without a backslash every quote opens or closes a string: 4 per pair, unless a key is
        # given twice (the plain dict kept one of them; the strict reader refuses the header).
        if type(metadata) is not dict or not set(map(type, metadata.values())) <= {str} or text[end : end + 1] != ",":
            return None
        if text.count('"', len(_METADATA_OPENING), end) != 4 * len(metadata):
            return None
        start = end + 1
    body = text[start:-1] + ","
    found = _WRITTEN_ENTRY.findall(body)
    if not found:
        return None
    names, kinds, begin_texts, end_texts = zip(*found)
    # Where each tensor begins at the end of the one before (as writers lay them out), the begins
    # are those ends: the same text is the same number, JSON numbers having no leading zero.
    contiguous = begin_texts[1:] == end_texts[:-1]
    offsets_text = sum(map(len, end_texts))
    offsets_text += offsets_text - len(end_texts[-1]) + len(begin_texts[0]) if contiguous else sum(map(len, begin_texts))
    if sum(map(len, names)) + sum(map(len, kinds)) + offsets_text + len(found) * _WRITTEN_ENTRY_TEXT != len(body):
        return None
    distinct_names = set(names)
    if len(distinct_names) != len(names) or "__metadata__" in distinct_names:
        return None
    # A file has a handful of kinds (dtype and shape): each is checked and made once, and every
    # tensor of that shape holds the one tuple (a checkpoint's tensors all live until the report
    # is made).
    dtype_of, shape_of, size_of, nbytes_of = {}, {}, {}, {}
    for kind in set(kinds):
        match = _WRITTEN_KIND.fullmatch(kind)
        size = _BYTE_SIZES.get(match.group(1)) if match is not None else None
        if size is None:
            return None
        dtype_of[kind], shape_text = _DTYPE_NAMES[match.group(1)], match.group(2)
        shape = shape_of[kind] = tuple(map(int, shape_text.split(","))) if shape_text else ()
        size_of[kind], nbytes_of[kind] = size, math.prod(shape) * size
    ends = list(map(int, end_texts))
    begins = [int(begin_texts[0]), *ends[:-1]] if contiguous else list(map(int, begin_texts))
    return (
        names,
        list(map(dtype_of.__getitem__, kinds)),
        list(map(shape_of.__getitem__, kinds)),
        begins,
        ends,
        list(map(size_of.__getitem__, kinds)),
        list(map(nbytes_of.__getitem__, kinds)),
        metadata,
    )


def _decoded_columns(text: str) -> _Columns | None:
    """The columns of a header written in any other form: decoded into plain dicts, which keep
    the last of two equal keys where the strict reader refuses the header. Without a backslash
    every ``"`` in the text opens or closes a string, and once the structure is checked the
    strings it holds can be counted: five per tensor (its name, three field names, its dtype), one
    for ``__metadata__`` and two per metadata pair. A key given twice, at any level, leaves the
    text with more strings than that."""
    try:
        obj = _DECODE(text)
        metadata = obj.pop("__metadata__", _ABSENT)
        strings = 0
        if metadata is _ABSENT:
            metadata = {}
        elif type(metadata) is not dict or not set(map(type, metadata.values())) <= {str}:
            return None
        else:
            strings = 1 + 2 * len(metadata)
        entries = obj.values()
        if not entries or set(map(len, entries)) != {3}:
            return None
        dtypes, shapes, offsets = zip(*map(_ENTRY_FIELDS, entries))
        sizes = list(map(_BYTE_SIZES.get, dtypes))
    except (ValueError, RecursionError, KeyError, TypeError):
        # Not JSON, an entry that is not an object, a field missing, a dtype that is a list...
        return None
    if text.count('"') != 2 * (strings + 5 * len(dtypes)):
        return None
    if None in sizes or set(map(type, shapes)) != {list} or max(map(len, shapes)) > 64:
        return None
    dims = list(chain.from_iterable(shapes))
    # type() is int, not isinstance: JSON true is a bool, an int subclass. Dimensions of at least
    # 1 are each at most the element count, which the size check bounds.
    if dims and (set(map(type, dims)) != {int} or min(dims) < 1):
        return None
    try:
        if set(map(len, offsets)) != {2}:
            return None
    except TypeError:
        return None
    flat = list(chain.from_iterable(offsets))
    if set(map(type, flat)) != {int} or min(flat) < 0:
        return None
    # Every tensor holds at least one element, so equal sizes put each end after its begin.
    nbytes = list(map(mul, map(math.prod, shapes), sizes))
    # The decoder gives every entry its own shape: each becomes the one object of its value.
    shaped = list(map(tuple, shapes))
    distinct = dict(zip(shaped, shaped))
    # Each dtype as the one string object of its name.
    dtype_names = list(map(_DTYPE_NAMES.__getitem__, dtypes))
    return list(obj), dtype_names, list(map(distinct.__getitem__, shaped)), flat[0::2], flat[1::2], sizes, nbytes, metadata


def _valid_layout(
    begins: list[int], ends: list[int], sizes: list[int], data_start: int, file_size: int | None
) -> tuple[list[HeaderProblem], int, int] | None:
    """``_scan_layout`` when no two tensors overlap and every one is aligned (``sizes``: element
    bytes): (problems, data length, gap bytes); None otherwise, for ``_scan_layout`` to find and
    word those problems."""
    if any(map(mod, map(add, begins, repeat(data_start)), sizes)):
        return None
    # Every tensor ends after it begins (it holds at least one element). Then no two overlap
    # exactly when, with the begins and the ends each sorted on their own, every begin but the
    # first is at or past the end before it: the k-th smallest end is where the k tensors that
    # begin first have all ended, or the intervals could not be disjoint. The data ends at the
    # largest end. (Two sorts of ints are cheaper than one of pairs.)
    if begins[1:] == ends[:-1]:
        # Each tensor begins where the one before it ends, as writers lay them out: in order and
        # disjoint, with a gap only before the first.
        end, gaps = ends[-1], begins[0]
    else:
        starts, stops = sorted(begins), sorted(ends)
        if not all(map(ge, islice(starts, 1, None), stops)):
            return None
        end = stops[-1]
        gaps = sum(starts) - sum(stops) + end
    problems = []
    if gaps:
        problems.append(HeaderProblem("data_gaps", f"{gaps:,} bytes of data no tensor covers", False, {"gaps": gaps}))
    problems += size_problems(file_size, data_start, end)
    return problems, end, gaps


class FileScan(Value, positional=True):
    """One weight file of a lenient read: its name, what the scanner found, and whether the
    folder's skeleton marker lists it (then a file cut at its header is not truncated)."""

    name: str
    scan: HeaderScan
    marked_skeleton: bool = False


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


def _scan_entry(name: str, entry: object, file: str, faults: _Tally) -> TensorInfo | None:
    """One tensor entry: its ``TensorInfo``, or None after recording why it has none.

    An entry the format forbids counts once, under the first of its faults. A size that does not
    match shape x dtype is a fault too, but the entry keeps its place in the layout, so that the
    bytes it claims are not reported as a hole besides.
    """

    def malformed(message: str) -> None:
        faults.add("header_invalid", message, variant="malformed", first=name)

    if not isinstance(entry, dict):
        return malformed(f"entry {_quote(name)} is not an object")
    dtype = entry.get("dtype")
    shape = entry.get("shape")
    offsets = entry.get("data_offsets")
    if not isinstance(dtype, str):
        return malformed(f"tensor {_quote(name)} has no dtype string")
    # type() is int, not isinstance: JSON true is a bool, an int subclass, and never a dimension.
    if type(shape) is not list or not all(type(d) is int and 0 <= d <= U64_MAX for d in shape):
        return malformed(
            f"tensor {_quote(name)} has shape {_quote(shape)}; dimensions must be non-negative integers below 2^64"
        )
    if (
        type(offsets) is not list
        or len(offsets) != 2
        or type(offsets[0]) is not int
        or type(offsets[1]) is not int
        or not 0 <= offsets[0] <= U64_MAX
        or not 0 <= offsets[1] <= U64_MAX
    ):
        return malformed(f"tensor {_quote(name)} has data_offsets {_quote(offsets)}; expected [begin, end]")
    begin, end = offsets
    if begin > end:
        faults.add(
            "offsets_reversed",
            f"tensor {_quote(name)} has data_offsets [{begin}, {end}]: begin after end",
            first=name, begin=begin, end=end,
        )
        return None
    numel = _numel(shape)
    if numel is None:
        return malformed(f"tensor {_quote(name)} has shape {_quote(shape)}: its element count overflows 64 bits")
    tensor = TensorInfo(name, dtype, tuple(shape), begin, end, file)
    bits = DTYPE_BITS.get(dtype)
    if bits is None:
        return tensor  # an unknown dtype is a layout note (``_scan_layout``), its size unchecked
    total_bits = numel * bits
    if total_bits > U64_MAX:
        return malformed(f"tensor {_quote(name)} ({dtype} {_quote(shape)}): its size in bits overflows 64 bits")
    if total_bits % 8 or total_bits // 8 != end - begin:
        faults.add(
            "tensor_size_mismatch",
            f"tensor {_quote(name)} ({dtype} {_quote(shape)}) needs {total_bits / 8:g} bytes but its offsets span {end - begin}",
            first=name, dtype=dtype, shape=list(shape), needed=total_bits / 8,
            decimals=0 if total_bits % 8 == 0 else 1, span=end - begin,
        )
    return tensor


SIZE_CODES = ("file_truncated", "file_trailing_bytes")


def size_problems(file_size: int | None, data_start: int, data_len: int) -> list[HeaderProblem]:
    """A file shorter than its header says (cut, or a skeleton where a marker says so) or longer.

    The one rule for every weight format: the PyTorch and GGUF readers give their headers a data
    start and length too, and the findings ask this of every file.
    """
    if file_size is None:
        return []
    full = data_start + data_len
    if file_size < full:
        return [HeaderProblem("file_truncated", "shorter than its header says", False, {"size": file_size, "full": full})]
    if file_size > full:
        # safetensors requires the data to end exactly at the end of the file (MetadataIncompleteBuffer).
        return [HeaderProblem("file_trailing_bytes", "bytes after the data", False, {"size": file_size, "full": full})]
    return []


def _scan_layout(
    tensors: list[TensorInfo], data_start: int, file_size: int | None
) -> tuple[list[HeaderProblem], int, int]:
    """(problems, data length, gap bytes) of the data region the tensors index into.

    Overlaps are fatal (two tensors would share bytes); the rest a loader may or may not accept
    and the findings say: unknown dtypes, holes (the safetensors library requires each tensor to
    start where the last one ended), misalignment, and a file shorter or longer than its header says.
    """
    ordered = sorted(tensors, key=lambda t: (t.begin, t.end))
    overlaps, misaligned = _Tally(), _Tally()
    gaps = cursor = 0
    for t in ordered:
        if t.begin < cursor:
            overlaps.add(
                "offsets_overlap",
                f"tensor {_quote(t.name)} overlaps the tensor before it (offset {t.begin} < {cursor})",
                first=t.name, offset=t.begin,
            )
        else:
            gaps += t.begin - cursor
        cursor = max(cursor, t.end)
        bits = DTYPE_BITS.get(t.dtype)
        # A misaligned tensor cannot be mapped in place, so loaders copy it: a note, not a fault.
        if bits and bits >= 8 and (data_start + t.begin) % (bits // 8):
            misaligned.add(
                "misaligned",
                f"tensor {_quote(t.name)} ({t.dtype}) starts at byte {data_start + t.begin}, not a multiple of its element size",
                first=t.name, dtype=t.dtype, at=data_start + t.begin,
            )
    problems = overlaps.problems(fatal=True)
    problems += [
        HeaderProblem("unknown_dtype", f"dtype {dtype} is not a safetensors dtype", False, {"dtype": dtype})
        for dtype in sorted({t.dtype for t in tensors if t.dtype not in DTYPE_BITS})
    ]
    if gaps:
        problems.append(HeaderProblem("data_gaps", f"{gaps:,} bytes of data no tensor covers", False, {"gaps": gaps}))
    problems += misaligned.problems(fatal=False)
    problems += size_problems(file_size, data_start, cursor)
    return problems, cursor, gaps


def encode_header(tensors: list[tuple[str, str, list[int]]], metadata: dict[str, str] | None = None) -> bytes:
    """Header bytes (prefix + JSON + padding) for tensors laid out back to back, in the order given.

    >>> encode_header([("w", "F32", [2])])[:8]  # 51 bytes of JSON, padded to 56
    b'8\\x00\\x00\\x00\\x00\\x00\\x00\\x00'
    """
    placed: list[TensorInfo] = []
    offset = 0
    for name, dtype, shape in tensors:
        size = math.prod(shape) * DTYPE_BITS[dtype] // 8
        placed.append(TensorInfo(name, dtype, tuple(shape), offset, offset + size, ""))
        offset += size
    return encode(placed, metadata)


def encode(tensors: Iterable[TensorInfo], metadata: dict[str, str] | None = None) -> bytes:
    """Header bytes (prefix + JSON + padding) for tensors at their own offsets, gaps and all.

    The layout the safetensors library writes: compact UTF-8 JSON, ``__metadata__`` first, then
    the tensors in offset order, padded with spaces so the data starts on an 8-byte boundary.
    ``hubprune skeleton`` and every test and fixture builder write headers with this one function.
    """
    obj: dict[str, object] = {}
    if metadata:
        obj["__metadata__"] = metadata
    for t in sorted(tensors, key=lambda t: (t.begin, t.end)):
        obj[t.name] = {"dtype": t.dtype, "shape": list(t.shape), "data_offsets": [t.begin, t.end]}
    body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    body += b" " * (-len(body) % 8)
    return struct.pack("<Q", len(body)) + body
