"""Fuzzing the header parser (``safetensors_header``) and the local reader (``read_header_file``).

Two properties hold for every input, however hostile:

* the outcome is a parse or a typed ``HeaderError``/``InputError`` with a short message: never
  another exception, never an allocation sized by the file's own claims;
* the ``safetensors`` library is the reference parser: when it reads a complete file, our parse
  (names, dtypes, shapes, offsets, metadata) is the same, and when it rejects one we reject it too,
  except for the deliberate differences named in ``DELIBERATE_DIFFERENCES``.

The example count comes from the hypothesis profile (``tests/conftest.py``): bounded in the normal
suite, ``HYPOTHESIS_PROFILE=long`` for a soak.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import random
import struct
import sys
import tracemalloc
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import safetensors
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from hubprune.errors import HeaderError, InputError
from hubprune.model import HeaderFile
from hubprune.safetensors_header import DTYPE_BITS, MAX_HEADER_LEN, U64_MAX, header_length, parse_header
from hubprune.sources.local import read_header_file

from .conftest import FIXTURES

MESSAGE_MAX = 1_000  # an error message is one readable line, whatever the file holds
NO_FIXTURE_CHECK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


# ---------------------------------------------------------------------------------------------
# Reading a file both ways


@dataclass(frozen=True)
class RefParse:
    """What the reference parser reads from a complete file."""

    tensors: dict[str, tuple[str, list[int], bytes]]  # name -> (dtype, shape, data bytes)
    offsets: dict[str, tuple[int, int]]
    metadata: dict[str, str]


@contextlib.contextmanager
def _framework_module() -> Iterator[types.ModuleType | None]:
    """Let ``safe_open`` start without numpy.

    ``safe_open`` validates the header first, then imports its framework module only to hand out
    tensors later; ``keys()``, ``offset_keys()``, ``metadata()`` and ``get_slice().get_shape()``
    never touch it. Without numpy installed, a bare module stands in for the duration of one
    call and is removed again, so nothing else in the process ever sees it.
    """
    if importlib.util.find_spec("numpy") is not None:
        yield sys.modules.get("numpy")
        return
    stub = types.ModuleType("numpy")
    sys.modules["numpy"] = stub
    try:
        yield stub
    finally:
        if sys.modules.get("numpy") is stub:
            del sys.modules["numpy"]


def reference_read(path: Path) -> RefParse | str:
    """The reference parse of ``path``, or the reference's error message when it rejects it.

    ``deserialize`` (pure, framework-free) gives names, dtypes, shapes and each tensor's bytes;
    ``safe_open`` gives the metadata and the tensors in offset order (offsets are not exposed, but
    the reference requires them contiguous from 0, so the order and the sizes fix them).
    """
    data = path.read_bytes()
    try:
        items = safetensors.deserialize(data)
    except Exception as exc:  # the reference raises SafetensorError, or a Rust panic type
        return f"{type(exc).__name__}: {exc}"
    with _framework_module(), safetensors.safe_open(str(path), framework="numpy") as handle:
        metadata = handle.metadata() or {}
        order = handle.offset_keys()
        assert sorted(handle.keys()) == sorted(order)
        shapes = {name: (handle.get_slice(name).get_dtype(), handle.get_slice(name).get_shape()) for name in order}
    tensors = {name: (info["dtype"], list(info["shape"]), bytes(info["data"])) for name, info in items}
    assert {n: (d, s) for n, (d, s, _) in tensors.items()} == shapes
    offsets, cursor = {}, 0
    for name in order:
        size = len(tensors[name][2])
        offsets[name] = (cursor, cursor + size)
        cursor += size
    return RefParse(tensors, offsets, dict(metadata))


def our_read(path: Path) -> HeaderFile | InputError:
    """``read_header_file``, with a typed error as a value. Any other exception fails the test."""
    try:
        return read_header_file(path)
    except InputError as error:
        return error


def check_error(error: InputError) -> None:
    assert isinstance(error, InputError)
    assert error.message and len(str(error)) < MESSAGE_MAX, str(error)[:MESSAGE_MAX]


def check_invariants(header: HeaderFile, raw_len: int) -> None:
    """What every accepted header promises to the rest of hubprune."""
    assert header.header_len == raw_len
    cursor = gaps = 0
    for tensor in sorted(header.tensors, key=lambda t: (t.begin, t.end)):
        assert 0 <= tensor.begin <= tensor.end <= U64_MAX
        assert tensor.begin >= cursor, "overlapping tensors were accepted"
        gaps += tensor.begin - cursor
        cursor = tensor.end
        assert all(0 <= d <= U64_MAX for d in tensor.shape) and math.prod(tensor.shape) <= U64_MAX
        bits = DTYPE_BITS.get(tensor.dtype)
        if bits is None:
            assert tensor.dtype in header.unknown_dtypes
        else:
            assert math.prod(tensor.shape) * bits == 8 * tensor.nbytes
        tensor.name.encode("utf-8")  # every name can be printed
    assert header.data_len == cursor and header.gaps == gaps
    assert len({t.name for t in header.tensors}) == len(header.tensors)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in header.metadata.items())


def json_depth(text: str) -> int:
    """Deepest bracket nesting outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def has_minus_zero(text: str) -> bool:
    """Whether the JSON holds the integer literal ``-0`` (serde_json reads it as a float)."""
    seen: list[str] = []

    def note(literal: str) -> int:
        seen.append(literal)
        return int(literal)

    try:
        json.loads(text, parse_int=note)
    except (ValueError, RecursionError):
        return False
    return "-0" in seen


def header_text(path: Path) -> str:
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    return data[8 : 8 + length].decode("utf-8")


def tolerated_by_us(header: HeaderFile, path: Path) -> str | None:
    """Why we accept a file the reference rejects, when it is one of DELIBERATE_DIFFERENCES."""
    if header.gaps:
        return "gaps"
    if header.file_size != header.full_size:
        return "skeleton, truncated or trailing bytes"
    if header.unknown_dtypes:
        return "unknown dtype"
    text = header_text(path)
    if json_depth(text) > 128:
        return "nesting beyond serde_json's limit"
    if has_minus_zero(text):
        return "-0"
    return None


def stricter_than_reference(error: InputError, path: Path) -> str | None:
    """Why we reject a file the reference reads, when it is one of DELIBERATE_DIFFERENCES."""
    if isinstance(error, HeaderError) and "duplicate key" in error.problem:
        return "duplicate key"
    if isinstance(error, HeaderError) and "not a JSON object" in error.problem:
        text = header_text(path)
        if text[:1] in (" ", "\t", "\n", "\r"):
            return "leading whitespace"
    return None


def note(label: str) -> None:
    """Count a branch of the property (``--hypothesis-show-statistics`` shows how often each ran)."""
    if currently_in_test_context():
        event(label)


def check_against_reference(path: Path) -> None:
    """The differential property, on one file."""
    ours, ref = our_read(path), reference_read(path)
    note(f"ours {'reads' if isinstance(ours, HeaderFile) else 'rejects'}, reference {'reads' if isinstance(ref, RefParse) else 'rejects'}")
    if isinstance(ours, InputError):
        check_error(ours)
        if isinstance(ref, RefParse):
            reason = stricter_than_reference(ours, path)
            assert reason, f"the reference reads this file but we reject it: {ours}"
            note(f"stricter: {reason}")
        return
    check_invariants(ours, ours.header_len)
    if not isinstance(ref, RefParse):
        reason = tolerated_by_us(ours, path)
        assert reason, f"the reference rejects this file ({ref}) but we accept it"
        note(f"tolerated: {reason}")
        return
    assert ours.file_size == ours.full_size and ours.gaps == 0 and not ours.unknown_dtypes
    data = path.read_bytes()
    assert {t.name: (t.dtype, list(t.shape)) for t in ours.tensors} == {
        name: (dtype, shape) for name, (dtype, shape, _) in ref.tensors.items()
    }
    for tensor in ours.tensors:
        # The bytes the reference hands out are the bytes our offsets point at...
        assert data[ours.data_start + tensor.begin : ours.data_start + tensor.end] == ref.tensors[tensor.name][2]
        # ...and the offsets themselves agree (this also pins zero-size tensors).
        assert (tensor.begin, tensor.end) == ref.offsets[tensor.name]
    assert ours.metadata == ref.metadata


# ---------------------------------------------------------------------------------------------
# Strategies

REAL_NAMES = [
    "model.embed_tokens.weight",
    "model.layers.0.self_attn.q_proj.weight",
    "model.layers.31.mlp.down_proj.weight",
    "lm_head.weight",
    "model.layers.0.self_attn.rotary_emb.inv_freq",
]
names = st.one_of(st.text(max_size=12), st.sampled_from(REAL_NAMES), st.just(""), st.just("__metadata_")).filter(
    lambda n: n != "__metadata__"
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 2**63, U64_MAX, U64_MAX + 1, 2**64 * 3]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
metadata_values = st.one_of(
    st.none(), st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4), json_values
)


@st.composite
def tensor_specs(draw: st.DrawFn) -> tuple[str, str, list[int]]:
    dtype = draw(st.sampled_from(sorted(DTYPE_BITS)))
    shape = draw(st.lists(st.integers(0, 6), max_size=3))
    if math.prod(shape) * DTYPE_BITS[dtype] % 8:
        shape.append(8)  # sub-byte dtypes must fill whole bytes
    return draw(names), dtype, shape


@dataclass(frozen=True)
class Layout:
    obj: dict  # the header object as written
    data_len: int  # bytes the offsets cover
    padding: int
    ascii_only: bool


@st.composite
def layouts(draw: st.DrawFn, *, allow_gaps: bool = True) -> Layout:
    """A well-formed header: unique names, any dtypes, tensors placed in any order, maybe gaps."""
    specs = draw(st.lists(tensor_specs(), max_size=8, unique_by=lambda t: t[0]))
    order = draw(st.permutations(range(len(specs))))
    obj: dict = {}
    metadata = draw(st.none() | st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3))
    metadata_first = draw(st.booleans())
    if metadata is not None and metadata_first:
        obj["__metadata__"] = metadata
    cursor = 0
    placed: dict[str, dict] = {}
    for index in order:
        name, dtype, shape = specs[index]
        cursor += draw(st.sampled_from([0, 0, 0, 1, 7])) if allow_gaps else 0
        size = math.prod(shape) * DTYPE_BITS[dtype] // 8
        placed[name] = {"dtype": dtype, "shape": shape, "data_offsets": [cursor, cursor + size]}
        cursor += size
    for name, _, _ in specs:  # JSON order is independent of data order, as in real files
        obj[name] = placed[name]
    if metadata is not None and not metadata_first:
        obj["__metadata__"] = metadata
    return Layout(obj, cursor, draw(st.integers(0, 7)), draw(st.booleans()))


def encode(obj: object, *, padding: int = 0, ascii_only: bool = True) -> bytes:
    body = json.dumps(obj, separators=(",", ":"), ensure_ascii=ascii_only).encode("utf-8") + b" " * padding
    return struct.pack("<Q", len(body)) + body


def data_region(seed: int, length: int) -> bytes:
    # Distinct bytes per tensor, so that a wrong offset shows up as wrong content.
    return random.Random(seed).randbytes(length)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def write(folder: Path, content: bytes, name: str = "model.safetensors") -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


# ---------------------------------------------------------------------------------------------
# Random bytes


@given(st.binary(max_size=8))
def test_any_prefix_is_a_length_or_a_header_error(prefix: bytes) -> None:
    try:
        length = header_length(prefix, file="f")
    except HeaderError as error:
        check_error(error)
    else:
        assert 2 <= length <= MAX_HEADER_LEN and length == struct.unpack("<Q", prefix)[0]


@given(st.integers(0, U64_MAX), st.integers(0, 2**40))
def test_length_is_checked_against_the_cap_and_the_file_size(length: int, file_size: int) -> None:
    prefix = struct.pack("<Q", length)
    fits = 2 <= length <= MAX_HEADER_LEN and 8 + length <= file_size
    try:
        assert header_length(prefix, file="f", file_size=file_size) == length and fits
    except HeaderError as error:
        check_error(error)
        assert not fits


@given(st.binary(max_size=300))
def test_random_bytes_parse_or_raise_a_header_error(raw: bytes) -> None:
    try:
        header = parse_header(raw, file="f")
    except HeaderError as error:
        check_error(error)
    else:
        check_invariants(header, len(raw))


@settings(suppress_health_check=NO_FIXTURE_CHECK)
@given(st.binary(max_size=200))
def test_random_files_against_the_reference(workdir: Path, content: bytes) -> None:
    check_against_reference(write(workdir, content))


@settings(suppress_health_check=NO_FIXTURE_CHECK)
@given(st.integers(0, 400), st.binary(max_size=400))
def test_random_json_region_behind_a_plausible_prefix(workdir: Path, length: int, body: bytes) -> None:
    check_against_reference(write(workdir, struct.pack("<Q", length) + body))


# ---------------------------------------------------------------------------------------------
# Well-formed files: ground truth and the reference


@settings(suppress_health_check=NO_FIXTURE_CHECK)
@given(layouts(), st.integers(0, 2**32), st.sampled_from(["complete", "skeleton", "truncated", "trailing"]))
def test_generated_files_parse_to_what_was_written(workdir: Path, layout: Layout, seed: int, mode: str) -> None:
    head = encode(layout.obj, padding=layout.padding, ascii_only=layout.ascii_only)
    tail = {
        "complete": layout.data_len,
        "skeleton": 0,
        "truncated": layout.data_len // 2,
        "trailing": layout.data_len + 3,
    }[mode]
    path = write(workdir, head + data_region(seed, tail))
    header = our_read(path)
    assert isinstance(header, HeaderFile), header
    expected = {k: v for k, v in layout.obj.items() if k != "__metadata__"}
    assert {t.name: {"dtype": t.dtype, "shape": list(t.shape), "data_offsets": [t.begin, t.end]} for t in header.tensors} == expected
    assert header.metadata == (layout.obj.get("__metadata__") or {})
    assert header.data_len == layout.data_len
    # Unmarked (no hubprune-skeleton.json beside it), a file cut at its header is a cut download.
    assert header.is_truncated == (mode in ("truncated", "skeleton") and tail < layout.data_len)
    assert not header.is_skeleton
    check_against_reference(path)


@settings(suppress_health_check=NO_FIXTURE_CHECK)
@given(layouts(allow_gaps=False), st.integers(0, 2**32))
def test_complete_files_read_the_same_as_the_reference(workdir: Path, layout: Layout, seed: int) -> None:
    path = write(workdir, encode(layout.obj, padding=layout.padding, ascii_only=layout.ascii_only) + data_region(seed, layout.data_len))
    assert isinstance(reference_read(path), RefParse)
    check_against_reference(path)


# ---------------------------------------------------------------------------------------------
# Mutations: of real fixture headers and of small complete files


def _fixture_headers() -> list[dict]:
    headers = []
    for path in sorted(FIXTURES.glob("*/*.safetensors")):
        data = path.read_bytes()
        (length,) = struct.unpack("<Q", data[:8])
        headers.append(json.loads(data[8 : 8 + length]))
    return headers


FIXTURE_HEADERS = _fixture_headers()
FIELDS = ["dtype", "shape", "data_offsets"]


@st.composite
def mutated(draw: st.DrawFn, obj: dict) -> dict:
    """The header object with one to three structural mutations."""
    obj = json.loads(json.dumps(obj))  # deep copy
    keys = [k for k in obj if k != "__metadata__"]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["field", "dim", "offset", "dtype", "metadata", "drop", "add", "rename"]))
        if kind == "metadata":
            obj["__metadata__"] = draw(metadata_values)
            continue
        if kind == "add" or not keys:
            obj[draw(names)] = draw(json_values | st.just({"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}))
            continue
        name = draw(st.sampled_from(keys))
        entry = obj.get(name)
        if kind == "drop":
            obj.pop(name, None)
        elif kind == "rename":
            obj[draw(names)] = obj.pop(name, None)
        elif not isinstance(entry, dict):
            obj[name] = draw(json_values)
        elif kind == "field":
            entry[draw(st.sampled_from(FIELDS + ["extra"]))] = draw(json_values)
        elif kind == "dtype":
            entry["dtype"] = draw(st.sampled_from(sorted(DTYPE_BITS)) | st.text(max_size=6) | json_scalars)
        elif kind == "dim" and isinstance(entry.get("shape"), list):
            shape = entry["shape"]
            position = draw(st.integers(0, len(shape)))
            value = draw(json_scalars | st.integers(0, 2**66) | st.sampled_from([0, 1, 2**32, 2**63, U64_MAX]))
            if shape and draw(st.booleans()):
                shape[min(position, len(shape) - 1)] = value
            else:
                shape.insert(position, value)
        elif kind == "offset" and isinstance(entry.get("data_offsets"), list) and entry["data_offsets"]:
            offsets = entry["data_offsets"]
            position = draw(st.integers(0, len(offsets) - 1))
            base = offsets[position] if isinstance(offsets[position], int) else 0
            offsets[position] = draw(
                st.integers(-2, 2).map(lambda d: base + d) | json_scalars | st.sampled_from([U64_MAX, 2**64])
            )
    return obj


@st.composite
def mutated_fixture_files(draw: st.DrawFn) -> bytes:
    obj = draw(st.sampled_from(FIXTURE_HEADERS))
    body = json.dumps(draw(mutated(obj)), separators=(",", ":")).encode()
    body += b" " * (-len(body) % 8)
    # Mostly the true length; sometimes any u64, or one of the boundaries.
    special = [0, 1, 2, len(body) - 1, len(body) + 1, MAX_HEADER_LEN, MAX_HEADER_LEN + 1, 2**63, U64_MAX]
    length = draw(st.sampled_from([len(body)] * 6 + special) | st.integers(0, U64_MAX))
    return struct.pack("<Q", length) + body


@settings(suppress_health_check=NO_FIXTURE_CHECK)
@given(mutated_fixture_files())
def test_mutated_fixture_headers(workdir: Path, content: bytes) -> None:
    check_against_reference(write(workdir, content))


@settings(suppress_health_check=NO_FIXTURE_CHECK)
@given(st.data(), layouts(allow_gaps=False), st.integers(0, 2**32))
def test_mutated_complete_files_against_the_reference(workdir: Path, data: st.DataObject, layout: Layout, seed: int) -> None:
    obj = data.draw(mutated(layout.obj))
    path = write(workdir, encode(obj, padding=layout.padding, ascii_only=layout.ascii_only) + data_region(seed, layout.data_len))
    check_against_reference(path)


@settings(suppress_health_check=NO_FIXTURE_CHECK)
@given(st.sampled_from(FIXTURE_HEADERS), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255), st.sampled_from(["set", "insert", "delete"])), min_size=1, max_size=4))
def test_byte_level_corruption_of_fixture_headers(workdir: Path, obj: dict, edits: list) -> None:
    body = bytearray(json.dumps(obj, separators=(",", ":")).encode())
    for where, byte, how in edits:
        position = min(int(where * len(body)), len(body) - 1)
        if how == "set":
            body[position] = byte
        elif how == "insert":
            body.insert(position, byte)
        else:
            del body[position]
    check_against_reference(write(workdir, struct.pack("<Q", len(body)) + bytes(body)))


# ---------------------------------------------------------------------------------------------
# Hostile shapes, nesting, names, counts, lengths


def entry_with(shape: list, dtype: str = "U8", offsets: list | None = None) -> dict:
    return {"dtype": dtype, "shape": shape, "data_offsets": offsets or [0, 0]}


@given(st.lists(st.integers(0, U64_MAX), min_size=1, max_size=40), st.sampled_from(sorted(DTYPE_BITS)))
def test_shape_products_past_64_bits_are_rejected_not_computed_as_floats(shape: list[int], dtype: str) -> None:
    raw = json.dumps({"t": entry_with(shape, dtype, [0, 8])}).encode()
    try:
        header = parse_header(raw, file="f")
    except HeaderError as error:
        check_error(error)
    else:
        check_invariants(header, len(raw))


def test_a_hostile_million_dim_shape_costs_linear_time() -> None:
    # Found by fuzzing: math.prod over 10**6 dims of 2**64-1 is hours of bignum work; the
    # reference stops at the first overflow, and so do we.
    raw = ('{"t":{"dtype":"U8","shape":[' + ",".join(["18446744073709551615"] * 1_000_000) + '],"data_offsets":[0,1]}}').encode()
    with pytest.raises(HeaderError, match="overflows 64 bits"):
        parse_header(raw, file="f")


@pytest.mark.parametrize("depth", [129, 900, 100_000])
@pytest.mark.parametrize("opener", ["[", '{"k":'])
def test_deep_nesting_is_bounded(depth: int, opener: str) -> None:
    nested = "[" * depth + "]" * depth if opener == "[" else '{"k":' * depth + "0" + "}" * depth
    raw = ('{"t":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"x":' + nested + "}}").encode()
    try:
        header = parse_header(raw, file="f")
    except HeaderError as error:
        check_error(error)
        assert "nested too deeply" in error.problem
    else:
        # Within Python's own limit, a nested value in a field nobody reads is ignored (a named
        # deliberate difference below); it is still parsed once, which the cap bounds.
        assert depth < 1_000 and [t.name for t in header.tensors] == ["t"]


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ('{"a":%s,"a":%s}', "tensor name"),
        ('{"a":{"dtype":"U8","dtype":"U8","shape":[0],"data_offsets":[0,0]}}', "entry field"),
        ('{"__metadata__":{"k":"1","k":"2"}}', "metadata key"),
        ('{"__metadata__":{},"__metadata__":{}}', "__metadata__ itself"),
    ],
)
def test_duplicate_keys_are_rejected(raw: str, where: str) -> None:
    entry = json.dumps(entry_with([0]))
    text = raw % (entry, entry) if "%s" in raw else raw
    with pytest.raises(HeaderError, match="duplicate key"):
        parse_header(text.encode(), file="f")


@given(st.lists(st.text(), min_size=1, max_size=6, unique=True), st.booleans())
def test_unicode_and_empty_names_round_trip(tensor_names: list[str], ascii_only: bool) -> None:
    assume("__metadata__" not in tensor_names)
    obj = {name: entry_with([0]) for name in tensor_names}
    raw = json.dumps(obj, ensure_ascii=ascii_only).encode("utf-8")
    header = parse_header(raw, file="f")
    assert [t.name for t in header.tensors] == tensor_names


@pytest.mark.parametrize(
    "escape",
    ["\\ud800", "\\udfff", "\\uDBFF", "\\ude00\\ud83d"],  # lone lead, lone trail, upper case, reversed pair
)
@pytest.mark.parametrize("where", ["name", "metadata", "extra field"])
def test_lone_surrogates_are_rejected(escape: str, where: str) -> None:
    # Found by fuzzing: json decodes "\ud800" to a str no report can encode as UTF-8, so every
    # renderer crashed; the reference rejects it as invalid JSON.
    text = {
        "name": '{"w%s":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}',
        "metadata": '{"__metadata__":{"k":"%s"}}',
        "extra field": '{"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"x":["%s"]}}',
    }[where] % escape
    with pytest.raises(HeaderError, match="surrogate"):
        parse_header(text.encode(), file="f")


def test_a_valid_surrogate_pair_is_one_character() -> None:
    header = parse_header(b'{"\\ud83d\\ude00":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}', file="f")
    assert header.tensors[0].name == "\U0001f600"


def test_huge_tensor_counts_match_the_reference(workdir: Path) -> None:
    # 100,000 tensors in one file (the synthetic stress model has 200 per shard); 1 byte each, complete.
    count = 100_000
    obj = {f"model.layers.{i // 10}.t{i % 10}.weight": entry_with([1], "U8", [i, i + 1]) for i in range(count)}
    path = write(workdir, encode(obj) + data_region(1, count), name="huge.safetensors")
    header = our_read(path)
    assert isinstance(header, HeaderFile) and len(header.tensors) == count and header.gaps == 0
    ref = reference_read(path)
    assert isinstance(ref, RefParse) and len(ref.tensors) == count
    assert all((t.begin, t.end) == ref.offsets[t.name] for t in header.tensors)


def test_error_messages_stay_short_for_huge_names() -> None:
    name = "x" * 5_000_000
    raw = json.dumps({name: {"dtype": "U8", "shape": [-1], "data_offsets": [0, 0]}}).encode()
    with pytest.raises(HeaderError) as excinfo:
        parse_header(raw, file="f")
    assert len(str(excinfo.value)) < MESSAGE_MAX


# ---------------------------------------------------------------------------------------------
# Memory stays bounded: the cap is enforced before anything is allocated


def _peak_while(function) -> tuple[object, int]:
    tracemalloc.start()
    try:
        try:
            result: object = function()
        except InputError as error:
            result = error
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.mark.parametrize("claimed", [MAX_HEADER_LEN + 1, 2**32, 2**63, U64_MAX])
def test_a_file_claiming_a_huge_header_allocates_nothing(tmp_path: Path, claimed: int) -> None:
    # A sparse file really as large as the claim (where the filesystem allows), so the file-size
    # check cannot be what stops the read: only the cap, checked before reading, can.
    path = tmp_path / "huge.safetensors"
    with path.open("wb") as handle:
        handle.write(struct.pack("<Q", claimed) + b"{")
        with contextlib.suppress(OSError, OverflowError):
            handle.truncate(min(8 + claimed, 2**40))
    result, peak = _peak_while(lambda: read_header_file(path))
    assert isinstance(result, HeaderError) and "exceeds the format's limit" in result.problem
    assert peak < 1_000_000, f"{peak:,} bytes allocated for a header that was rejected"


@settings(suppress_health_check=NO_FIXTURE_CHECK, max_examples=25)
@given(st.integers(MAX_HEADER_LEN + 1, U64_MAX))
def test_any_claim_past_the_cap_is_rejected_before_reading(workdir: Path, claimed: int) -> None:
    path = write(workdir, struct.pack("<Q", claimed) + b'{"a":1}')
    result, peak = _peak_while(lambda: read_header_file(path))
    # The claim is not quoted: eight bytes of a file that is not safetensors may be anyone's text.
    assert isinstance(result, HeaderError) and "exceeds the format's limit" in result.problem
    assert f"{claimed:,}" not in result.problem and str(claimed) not in result.problem
    assert peak < 1_000_000


def test_a_claim_larger_than_the_file_is_rejected_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, struct.pack("<Q", MAX_HEADER_LEN) + b"{}")
    result, peak = _peak_while(lambda: read_header_file(path))
    assert isinstance(result, HeaderError) and "larger than the file" in result.problem
    assert peak < 1_000_000


# ---------------------------------------------------------------------------------------------
# Where we deliberately differ from the reference parser (safetensors 0.8), and why.
# Each case: (id, header text, data bytes, reference reads it?, we read it?, why).

U8_2 = '"dtype":"U8","shape":[2],"data_offsets":[0,2]'
DELIBERATE_DIFFERENCES = [
    # Layout problems are findings for us (checks.py reports them), errors for a loader.
    ("gap-before-tensor", '{"a":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', b"xyz", False, True,
     "a gap in the data region is reported as a finding, not a parse error"),
    ("bytes-after-data", '{"a":{%s}}' % U8_2, b"xyz", False, True,
     "trailing bytes after the last tensor are reported, the header is still readable"),
    ("skeleton", '{"a":{%s}}' % U8_2, b"", False, True,
     "a header-only skeleton is hubprune's own fixture format (DESIGN.md section 3)"),
    ("truncated-download", '{"a":{%s}}' % U8_2, b"x", False, True,
     "a truncated download is a finding: its header still tells the shapes"),
    ("zero-size-past-end", '{"a":{%s},"b":{"dtype":"U8","shape":[0],"data_offsets":[5,5]}}' % U8_2, b"xy", False, True,
     "an empty tensor placed past the data is a gap, not an overlap"),
    # Families evolve faster than parsers: an unknown dtype is a finding and its size unchecked.
    ("unknown-dtype", '{"a":{"dtype":"Q8","shape":[2],"data_offsets":[0,2]}}', b"xy", False, True,
     "a dtype newer than this release must not make the whole model unreadable"),
    ("lower-case-dtype", '{"a":{"dtype":"u8","shape":[2],"data_offsets":[0,2]}}', b"xy", False, True,
     "same rule: recorded in unknown_dtypes and reported"),
    # JSON grammar corners the two parsers read differently.
    ("minus-zero", '{"a":{"dtype":"U8","shape":[-0],"data_offsets":[0,0]}}', b"", False, True,
     "-0 is an integer in JSON's grammar (serde_json reads it as a float); its value is 0"),
    ("nesting-past-128", '{"a":{%s,"x":%s}}' % (U8_2, "[" * 200 + "]" * 200), b"xy", False, True,
     "serde_json stops at depth 128; Python's own limit still ends deeper nesting with a HeaderError"),
    # Stricter than the reference.
    ("duplicate-tensor-name", '{"a":{%s},"a":{%s}}' % (U8_2, U8_2), b"xy", True, False,
     "the reference keeps the last duplicate silently; which tensor is meant is unknowable"),
    ("duplicate-metadata-key", '{"__metadata__":{"k":"1","k":"2"},"a":{%s}}' % U8_2, b"xy", True, False,
     "same: a duplicate key hides data"),
    ("leading-whitespace", ' {"a":{%s}}' % U8_2, b"xy", True, False,
     "the format says the header MUST begin with '{'; the reference tolerates leading whitespace"),
]


@pytest.mark.parametrize(
    ("text", "data", "reference_reads", "we_read", "why"),
    [case[1:] for case in DELIBERATE_DIFFERENCES],
    ids=[case[0] for case in DELIBERATE_DIFFERENCES],
)
def test_deliberate_differences(
    tmp_path: Path, text: str, data: bytes, reference_reads: bool, we_read: bool, why: str
) -> None:
    body = text.encode()
    path = write(tmp_path, struct.pack("<Q", len(body)) + body + data)
    assert isinstance(reference_read(path), RefParse) == reference_reads, why
    ours = our_read(path)
    assert isinstance(ours, HeaderFile) == we_read, why
    check_against_reference(path)  # and the differential property names this case as tolerated


# Files both parsers reject, each once a crash or a silent acceptance here (found by fuzzing).
AGREED_REJECTIONS = [
    ("shape-product-past-float-range", '{"a":{"dtype":"U8","shape":[%s],"data_offsets":[0,2]}}' % ",".join([str(U64_MAX)] * 20),
     b"xy", "overflows 64 bits"),  # was an OverflowError while formatting the message
    ("dim-past-u64-next-to-zero", '{"a":{"dtype":"U8","shape":[0,%d],"data_offsets":[0,0]}}' % (U64_MAX + 1),
     b"", "below 2^64"),  # was accepted as an empty tensor
    ("prefix-overflows-before-zero", '{"a":{"dtype":"U8","shape":[%d,4,0],"data_offsets":[0,0]}}' % 2**63,
     b"", "overflows 64 bits"),  # the reference multiplies left to right and overflows first
    ("offset-past-u64", '{"a":{"dtype":"U8","shape":[0],"data_offsets":[%d,%d]}}' % (2**64, 2**64),
     b"", "expected [begin, end]"),
    ("nan-in-extra-field", '{"a":{%s,"x":NaN}}' % U8_2, b"xy", "NaN is not JSON"),
    ("infinity-in-extra-field", '{"a":{%s,"x":-Infinity}}' % U8_2, b"xy", "-Infinity is not JSON"),
    ("float-out-of-range", '{"a":{%s,"x":1e400}}' % U8_2, b"xy", "out of range"),
    ("lone-surrogate-name", '{"\\ud800":{%s}}' % U8_2, b"xy", "surrogate"),
]


@pytest.mark.parametrize(
    ("text", "data", "needle"), [case[1:] for case in AGREED_REJECTIONS], ids=[case[0] for case in AGREED_REJECTIONS]
)
def test_agreed_rejections(tmp_path: Path, text: str, data: bytes, needle: str) -> None:
    body = text.encode()
    path = write(tmp_path, struct.pack("<Q", len(body)) + body + data)
    assert not isinstance(reference_read(path), RefParse)
    ours = our_read(path)
    assert isinstance(ours, HeaderError) and needle in ours.problem, ours
    check_error(ours)
