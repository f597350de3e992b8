"""The column-wise valid path of the header scanner hands every header it cannot vouch for to the
full scan, which alone decides and words what is wrong.

Its columns come from one of two readers: the regular expression for the form the safetensors
library writes, and the JSON decoder for any other form. Each test runs with each of them (the
``reader`` fixture turns the first off to reach the second), and both must agree with the full
scan."""

from __future__ import annotations

import ctypes
import json

import pytest
import safetensors

from hubprune import safetensors_header as sh

GOOD = '"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}'
GOOD2 = '"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}'


@pytest.fixture(params=["written", "decoded"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "decoded":
        monkeypatch.setattr(sh, "_written_columns", lambda text: None)
    return request.param


def _raw(text: str) -> bytes:
    """The header JSON padded as writers do, so its tensors start aligned."""
    body = text.encode()
    return body + b" " * (-len(body) % 8)


@pytest.mark.parametrize(
    "text",
    [
        "{" + GOOD + "," + GOOD + "}",  # a tensor named twice
        "{" + GOOD + "," + GOOD2.replace('"v"', '"w"') + "}",  # twice, each with its own bytes
        '{"w":5,' + GOOD + "}",  # a tensor named twice, first not an object
        '{"w":{"dtype":"F16","dtype":"BF16","shape":[2],"data_offsets":[0,4]}}',  # a field twice
        '{"w":{"dtype":"BF16","shape":[9],"shape":[2],"data_offsets":[0,4]}}',
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,2],"data_offsets":[0,4]}}',
        '{"__metadata__":{"a":"x","a":"y"},' + GOOD + "}",  # a metadata key twice
        '{"__metadata__":{"a":"x"},"__metadata__":{"a":"x"},' + GOOD + "}",
    ],
)
def test_a_key_given_twice_goes_to_the_full_scan(text: str, reader: str) -> None:
    assert sh._scan_valid(_raw(text), None, "m") is None
    found = sh.scan_json(_raw(text), None, file="m")
    assert found.header is None
    assert found.fatal is not None and "duplicate key" in found.fatal.message


@pytest.mark.parametrize(
    "text",
    [
        '{"w\\"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}',  # an escaped quote in a name
        '{"w\\\\":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}',  # an escaped backslash
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4],"extra":1}}',  # a fourth field
        '{"w":{"dtype":"BF16","shape":[0],"data_offsets":[0,0]}}',  # an empty tensor
        '{"w":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}',  # a sub-byte dtype
        '{"w":{"dtype":"BF16","shape":{},"data_offsets":[0,2]}}',
        '{"w":{"dtype":"BF16","shape":"","data_offsets":[0,2]}}',
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":{"0":1,"1":2}}}',
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":"ab"}}',
        '{"w":{"dtype":"BF16","shape":[true],"data_offsets":[0,2]}}',
        '{"w":{"dtype":"BF16","shape":[2.0],"data_offsets":[0,4]}}',
        '{"w":{"dtype":"BF16","shape":[NaN],"data_offsets":[0,4]}}',
        '{"w":{"dtype":["BF16"],"shape":[2],"data_offsets":[0,4]}}',
        '{"w":{"dtype":"BF16","shape":[-1,-2],"data_offsets":[0,4]}}',
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[4,0]}}',
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"v":[1,2,3]}',
        '{"w":"abc"}',
        '{"__metadata__":{"a":1},' + GOOD + "}",
        '{"__metadata__":null,' + GOOD + "}",
        '{"w":{"dtype":"BF16","shape":[4294967296,4294967296],"data_offsets":[0,0]}}',
        # What the regular expression of the written form must not take either:
        '{"w\x01":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}',  # a raw control character
        '{"w\n":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}',
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[00,4]}}',  # a leading zero
        '{"w":{"dtype":"BF16","shape":[02],"data_offsets":[0,4]}}',
        '{"w":{"dtype":"BF16","shape":[2,],"data_offsets":[0,4]}}',  # a trailing comma
        '{"w":{"dtype":"BF16","shape":[,2],"data_offsets":[0,4]}}',
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},,' + GOOD2 + "}",
        "{" + GOOD + ",7," + GOOD2 + "}",  # something between two entries
        "{" + GOOD + "," + GOOD2 + ",}",
        '{"__metadata__":{"format":"pt"},' + GOOD + ',"__metadata__":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]}}',
        '{"__metadata__":{"format":"pt"}}',  # no tensor
        '{"__metadata__":{"format":"pt"},}',
        '{"__metadata__":{"format":"pt"}' + GOOD + "}",
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[18446744073709551616,18446744073709551620]}}',  # past u64
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[123456789012345678901,123456789012345678905]}}',
        '{"w":{"dtype":"BF16","shape":[' + ",".join(["1"] * 65) + '],"data_offsets":[0,2]}}',  # 65 dimensions
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}',  # not closed
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}}',
    ],
)
def test_a_doubtful_header_goes_to_the_full_scan(text: str, reader: str) -> None:
    assert sh._scan_valid(_raw(text), None, "m") is None


@pytest.mark.parametrize(
    "text",
    [
        "{" + GOOD + "," + GOOD2 + "}",
        '{"__metadata__":{"format":"pt","x":""},' + GOOD + "," + GOOD2 + "}",
        '{"__metadata__":{},' + GOOD + "}",
        '{"__metadata__":{"note":"data_offsets"},' + GOOD + "}",  # field names as strings: counted, not doubted
        '{"__metadata__":{"data_offsets":"dtype"},' + GOOD + "}",
        '{"dtype":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}',  # a tensor named like a field
        '{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}',
        '{"é ü":{"dtype":"U8","shape":[1,1,3],"data_offsets":[0,3]}}   ',
        '{"w":{"dtype":"BF16","shape":[' + ",".join(["1"] * 64) + '],"data_offsets":[0,2]}}',  # 64 dimensions
        '{"\u00e9":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}'.encode().decode("unicode_escape"),
        '{"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}',
        '{"__metadata__":{"k":"}{"},' + GOOD + "}",  # braces inside a metadata string
        "{" + GOOD + " ," + GOOD2 + "}",  # not the written form: the decoder reads it
    ],
)
def test_the_valid_path_agrees_with_the_full_scan(text: str, reader: str) -> None:
    raw = _raw(text)
    fast = sh._scan_valid(raw, None, "m")
    assert fast is not None
    obj = json.loads(text)
    metadata = obj.pop("__metadata__", {})
    assert fast.header is not None and fast.header.metadata == metadata
    assert [t.name for t in fast.header.tensors] == list(obj)
    assert [(t.dtype, list(t.shape), [t.begin, t.end]) for t in fast.header.tensors] == [
        (e["dtype"], e["shape"], e["data_offsets"]) for e in obj.values()
    ]
    assert fast.header.data_len == max(e["data_offsets"][1] for e in obj.values())
    assert fast.problems == () and fast.header.problems == () and fast.header.gaps == 0


def _spec(buffer: ctypes.Array, dtype: str, shape: list[int], size: int) -> safetensors.TensorSpec:
    return safetensors.TensorSpec(dtype=dtype, shape=shape, data_ptr=ctypes.addressof(buffer), data_len=size)


def test_the_safetensors_librarys_own_header_is_read_in_its_written_form() -> None:
    # Else the regular expression could miss every real header and the tests above would pass
    # on the decoder alone.
    buffer = ctypes.create_string_buffer(64)
    tensors = {
        "model.layers.0.mlp.up_proj.weight": _spec(buffer, "bfloat16", [4, 2], 16),
        "lm_head.weight": _spec(buffer, "float32", [2, 3], 24),
        "scalar": _spec(buffer, "float32", [], 4),
        "model.embed_tokens.weight": _spec(buffer, "uint8", [1, 1, 5], 5),
    }
    data = safetensors.serialize(tensors, {"format": "pt", "note": "{a:[1,2]}"})
    length = int.from_bytes(data[:8], "little")
    text = data[8 : 8 + length].decode().rstrip(" ")
    columns = sh._written_columns(text)
    assert columns is not None
    found = sh.scan(data, len(data), file="m")
    assert found.header is not None and found.problems == ()
    reference = {name: (entry["dtype"], entry["shape"]) for name, entry in safetensors.deserialize(data)}
    assert {t.name: (t.dtype, list(t.shape)) for t in found.header.tensors} == reference
    assert found.header.metadata == {"format": "pt", "note": "{a:[1,2]}"}


@pytest.mark.parametrize(
    "text",
    [
        "{" + GOOD + ',"v":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',  # a gap between two tensors
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',  # before the first
        '{"v":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' + GOOD + "}",  # out of order, with a gap
        '{"__metadata__":{"format":"pt"},"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"U8","shape":[1],"data_offsets":[3,4]}}',
    ],
)
def test_both_readers_give_the_same_scan(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _raw(text)
    assert sh._written_columns(text) is not None
    written = sh._scan_valid(raw, None, "m")
    monkeypatch.setattr(sh, "_written_columns", lambda text: None)
    assert written is not None and written == sh._scan_valid(raw, None, "m") == sh.scan_json(raw, None, file="m")
