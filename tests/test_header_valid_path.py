"""The column-wise valid path of the header scanner hands every header it cannot vouch for to the
full scan, which alone decides and words what is wrong."""

from __future__ import annotations

import json

import pytest

from hubprune import safetensors_header as sh

GOOD = '"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}'
GOOD2 = '"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}'


def _raw(text: str) -> bytes:
    """The header JSON padded as writers do, so its tensors start aligned."""
    body = text.encode()
    return body + b" " * (-len(body) % 8)


@pytest.mark.parametrize(
    "text",
    [
        "{" + GOOD + "," + GOOD + "}",  # a tensor named twice
        '{"w":5,' + GOOD + "}",  # a tensor named twice, first not an object
        '{"w":{"dtype":"F16","dtype":"BF16","shape":[2],"data_offsets":[0,4]}}',  # a field twice
        '{"w":{"dtype":"BF16","shape":[9],"shape":[2],"data_offsets":[0,4]}}',
        '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,2],"data_offsets":[0,4]}}',
        '{"__metadata__":{"a":"x","a":"y"},' + GOOD + "}",  # a metadata key twice
        '{"__metadata__":{"a":"x"},"__metadata__":{"a":"x"},' + GOOD + "}",
    ],
)
def test_a_key_given_twice_goes_to_the_full_scan(text: str) -> None:
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
    ],
)
def test_a_doubtful_header_goes_to_the_full_scan(text: str) -> None:
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
    ],
)
def test_the_valid_path_agrees_with_the_full_scan(text: str) -> None:
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
