"""Parsing and validating one header (pure)."""

from __future__ import annotations

import json
import struct

import pytest

from hubprune.errors import HeaderError
from hubprune.safetensors_header import (
    DTYPE_BITS,
    MAX_HEADER_LEN,
    PROBLEM_CODES,
    encode,
    encode_header,
    header_length,
    parse_header,
    scan_json,
)
from hubprune.sources.local import read_header_file

from .conftest import FIXTURES


def entry(dtype: str = "BF16", shape: list = [2, 3], offsets: list = [0, 12]) -> dict:
    return {"dtype": dtype, "shape": shape, "data_offsets": offsets}


def raw(obj: dict) -> bytes:
    return json.dumps(obj).encode()


def test_parses_names_dtypes_shapes_offsets_and_metadata() -> None:
    header = parse_header(
        raw({"__metadata__": {"format": "pt"}, "a": entry(), "b": entry("F32", [4], [12, 28])}), file="m.safetensors"
    )
    assert [(t.name, t.dtype, t.shape, t.begin, t.end) for t in header.tensors] == [
        ("a", "BF16", (2, 3), 0, 12),
        ("b", "F32", (4,), 12, 28),
    ]
    assert header.metadata == {"format": "pt"}
    assert header.data_len == 28 and header.gaps == 0


@pytest.mark.parametrize("dtype", sorted(DTYPE_BITS))
def test_every_format_dtype_is_sized(dtype: str) -> None:
    bits = DTYPE_BITS[dtype]
    header = parse_header(raw({"t": entry(dtype, [8], [0, bits])}), file="f")
    assert header.tensors[0].nbytes == bits  # 8 elements x bits / 8


def test_zero_size_tensors_are_legal() -> None:
    # Pruners may leave [0, d] tensors for a removed part.
    header = parse_header(raw({"q": entry("BF16", [0, 4096], [0, 0])}), file="f")
    assert header.tensors[0].numel == 0


def test_unknown_dtype_is_recorded_not_fatal() -> None:
    header = parse_header(raw({"t": entry("F128", [2], [0, 32])}), file="f")
    assert header.unknown_dtypes == ("F128",)


def test_padding_spaces_are_accepted() -> None:
    assert parse_header(raw({"t": entry()}) + b"    ", file="f").tensors[0].name == "t"


def test_gaps_are_counted() -> None:
    header = parse_header(raw({"a": entry(offsets=[0, 12]), "b": entry(offsets=[20, 32])}), file="f")
    assert header.gaps == 8 and header.data_len == 32


# (header object, what the error must mention) -- each a way real files break.
BAD_HEADERS = [
    ({"t": entry(shape=[-1, 3])}, "non-negative integers"),  # negative dimension
    ({"t": entry(shape=[2.0, 3])}, "non-negative integers"),  # float dimension
    ({"t": entry(shape=[True, 3])}, "non-negative integers"),  # JSON true is not a dimension
    ({"t": entry(shape="2x3")}, "non-negative integers"),
    ({"t": entry(offsets=[12, 0])}, "begin after end"),
    ({"t": entry(offsets=[0])}, "expected [begin, end]"),
    ({"t": entry(offsets=[0, 10])}, "needs 12 bytes"),  # size does not match shape x dtype
    ({"t": {"shape": [1], "data_offsets": [0, 2]}}, "no dtype"),
    ({"t": [1, 2]}, "not an object"),
    ({"a": entry(offsets=[0, 12]), "b": entry(offsets=[6, 18])}, "overlaps"),
    ({"__metadata__": {"k": 1}}, "__metadata__"),
]


@pytest.mark.parametrize(("obj", "needle"), BAD_HEADERS)
def test_violations_raise_a_header_error_naming_file_and_problem(obj: dict, needle: str) -> None:
    with pytest.raises(HeaderError) as excinfo:
        parse_header(raw(obj), file="model-00001.safetensors")
    assert needle in str(excinfo.value)
    assert "model-00001.safetensors" in str(excinfo.value)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"[1, 2]", "not a JSON object"),
        (b"{not json", "not valid JSON"),
        (b'{"a": 1, "a": 2}', "duplicate key"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_malformed_json(data: bytes, needle: str) -> None:
    with pytest.raises(HeaderError, match="f: "):
        parse_header(data, file="f")
    with pytest.raises(HeaderError) as excinfo:
        parse_header(data, file="f")
    assert needle in excinfo.value.problem


def test_header_length_bounds() -> None:
    assert header_length(struct.pack("<Q", 16), file="f") == 16
    with pytest.raises(HeaderError, match="8-byte header length"):
        header_length(b"\x00" * 7, file="f")
    with pytest.raises(HeaderError, match="exceeds the format's limit"):
        header_length(struct.pack("<Q", MAX_HEADER_LEN + 1), file="f")
    with pytest.raises(HeaderError, match="larger than the file"):
        header_length(struct.pack("<Q", 100) + b"{", file="f", file_size=50)


@pytest.mark.parametrize("after", [b"", b"x", b" "], ids=["prefix only", "not a brace", "a space"])
def test_a_length_is_quoted_only_in_front_of_a_json_object(after: bytes) -> None:
    # Without the "{" after it, the "length" is the first 8 bytes of some other file.
    with pytest.raises(HeaderError) as excinfo:
        header_length(struct.pack("<Q", 4242) + after, file="f", file_size=50)
    assert "does not start with a safetensors header" in excinfo.value.problem
    assert "4242" not in str(excinfo.value) and "4,242" not in str(excinfo.value)


def test_encode_roundtrip() -> None:
    data = encode_header([("a", "BF16", [2, 3]), ("b", "F4", [4])], {"format": "pt"})
    length = header_length(data[:8], file="f")
    assert (8 + length) % 8 == 0
    header = parse_header(data[8:], file="f")
    assert [(t.name, t.shape, t.begin, t.end) for t in header.tensors] == [("a", (2, 3), 0, 12), ("b", (4,), 12, 14)]


def test_one_scan_names_every_fault_once_with_its_count() -> None:
    # Two reversed entries, one entry without offsets, one wrong size and a hole: each fault once,
    # counted; the strict parse raises the first fault met, in entry order.
    obj = {
        "r1": entry(offsets=[12, 0]),
        "m": {"dtype": "BF16", "shape": [2, 3]},
        "r2": entry(offsets=[30, 18]),
        "w": entry(offsets=[0, 10]),
        "late": entry(offsets=[40, 52]),
    }
    found = scan_json(raw(obj), file="f")
    assert found.header is None
    by_code = {(p.code, p.args.get("variant")): p for p in found.problems}
    assert set(by_code) == {
        ("offsets_reversed", None), ("header_invalid", "malformed"), ("tensor_size_mismatch", None), ("data_gaps", None)
    }
    assert by_code["offsets_reversed", None].args["count"] == 2 and by_code["offsets_reversed", None].args["first"] == "r1"
    assert {p.code for p in found.problems if not p.fatal} == {"data_gaps"}
    assert {(p.code, p.args.get("variant")) for p in found.problems} <= set(PROBLEM_CODES)
    with pytest.raises(HeaderError) as excinfo:
        parse_header(raw(obj), file="f")
    assert excinfo.value.problem == found.fatal.message and "begin after end" in excinfo.value.problem


def test_the_skeleton_encoder_writes_every_bundled_header_byte_for_byte() -> None:
    # Fixtures, skeletons and test builders share one encoder: re-encoding any fixture's header
    # gives back its exact bytes (order, compact JSON, padding).
    files = sorted(FIXTURES.rglob("*.safetensors"))
    assert len(files) > 100
    for path in files:
        header = read_header_file(path)
        assert encode(header.tensors, header.metadata) == path.read_bytes()[: header.data_start], path
