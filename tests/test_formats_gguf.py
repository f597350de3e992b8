"""GGUF headers, checked against what gguf-py's GGUFWriter was given (``fixtures/gguf``)."""

from __future__ import annotations

import json
import math
import struct

import pytest

from hubprune.formats.errors import FormatError, GGUFError
from hubprune.formats.gguf import GGML_TYPES, LongArray, read_gguf, split_names
from hubprune.formats.ranges import SparseBytes
from hubprune.formats.reading import grow_prefix, parse_on_demand, parse_whole

from .conftest import FIXTURES

GGUF = FIXTURES / "gguf"
TRUTH = json.loads((GGUF / "ground_truth.json").read_text())


def read(name: str):
    return parse_whole(read_gguf, (GGUF / name).read_bytes(), name)


@pytest.mark.parametrize("name", sorted(name for name in TRUTH if name.endswith(".gguf")))
def test_tensor_names_types_and_logical_shapes(name: str) -> None:
    header = read(name)
    assert {t.name: [t.type_name, list(t.shape)] for t in header.tensors} == TRUTH[name]["tensors"]
    size = (GGUF / name).stat().st_size
    # Data offsets and block sizes account for the file exactly: the last tensor ends at its end.
    last = max(header.tensors, key=lambda t: t.offset)
    assert header.data_offset + last.offset + last.nbytes <= size
    assert size - (header.data_offset + last.offset + last.nbytes) < header.alignment


def test_quantized_types_keep_logical_shapes_and_block_sizes() -> None:
    f16 = {t.name: t for t in read("tiny-llama-f16.gguf").tensors}
    for name in ("tiny-llama-q8_0.gguf", "tiny-llama-q4_0.gguf"):
        for tensor in read(name).tensors:
            assert tensor.shape == f16[tensor.name].shape
            if len(tensor.shape) == 2:
                block, size = GGML_TYPES[tensor.ggml_type][1:]
                assert tensor.nbytes == tensor.numel // block * size


def test_scalar_hyperparameters_repeat_per_layer() -> None:
    header = read("tiny-llama-f16.gguf")
    layers = TRUTH["tiny-llama-f16.gguf"]["layers"]
    assert header.architecture == "llama"
    assert header.per_layer("attention.head_count") == tuple(layer["heads"] for layer in layers)
    assert header.per_layer("attention.head_count_kv") == tuple(layer["kv_heads"] for layer in layers)
    assert header.per_layer("feed_forward_length") == tuple(layer["intermediate"] for layer in layers)
    assert header.arch_key("attention.key_length") == layers[0]["head_dim"]


def test_per_layer_arrays_of_a_pruned_deci_model() -> None:
    truth = TRUTH["tiny-deci-pruned.gguf"]
    header = read("tiny-deci-pruned.gguf")
    assert header.architecture == "deci"
    assert list(header.per_layer("attention.head_count")) == truth["head_count"]
    assert list(header.per_layer("attention.head_count_kv")) == truth["head_count_kv"]
    assert list(header.per_layer("feed_forward_length")) == truth["feed_forward_length"]
    assert header.arch_key("attention.key_length") == truth["key_length"]
    names = {t.name for t in header.tensors}
    assert "blk.1.attn_q.weight" not in names and "blk.2.ffn_gate.weight" not in names  # the 0 entries


def test_split_files_number_themselves_and_hold_every_tensor_once() -> None:
    truth = TRUTH["tiny-llama-split"]
    files = truth["files"]
    assert split_names(f"tiny-llama-split/{files[1]}") == [f"tiny-llama-split/{name}" for name in files]
    seen: dict[str, list] = {}
    for number, name in enumerate(files):
        header = read(f"tiny-llama-split/{name}")
        assert header.split == (number, len(files))
        for tensor in header.tensors:
            assert tensor.name not in seen
            seen[tensor.name] = [tensor.type_name, list(tensor.shape)]
    assert seen == truth["tensors"]
    assert split_names("model-q4.gguf") is None


def test_a_long_vocabulary_is_kept_as_its_length() -> None:
    from hubprune.formats import gguf as module

    data = (GGUF / "tiny-llama-f16.gguf").read_bytes()
    original = module.MAX_KEPT_ARRAY
    module.MAX_KEPT_ARRAY = 8
    try:
        header = parse_whole(read_gguf, data, "x.gguf")
    finally:
        module.MAX_KEPT_ARRAY = original
    tokens = header.metadata["tokenizer.ggml.tokens"]
    assert tokens == LongArray(8, TRUTH["tiny-llama-f16.gguf"]["tensors"]["token_embd.weight"][1][0])


def test_remote_style_reading_grows_one_prefix() -> None:
    data = (GGUF / "tiny-llama-f16.gguf").read_bytes()
    view = SparseBytes(len(data), {0: data[:256]})
    rounds = []

    def fetch(ranges):
        rounds.append(ranges)
        return [data[offset : offset + length] for offset, length in ranges]

    header = parse_on_demand(read_gguf, view, fetch, "x.gguf", cap=1 << 20, grow=grow_prefix(1024))
    assert len(header.tensors) == len(TRUTH["tiny-llama-f16.gguf"]["tensors"])
    assert view.held() < header.data_offset + 4096  # never far past the header
    assert len(rounds) <= 3  # 256 → 1024 → 2048 → 4096 bytes


def header_bytes(kv: bytes, kv_count: int = 1, tensors: bytes = b"", tensor_count: int = 0, version: int = 3) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, tensor_count, kv_count) + kv + tensors + bytes(64)


def kv_string(key: str) -> bytes:
    raw = key.encode()
    return struct.pack("<Q", len(raw)) + raw


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"GGUX" + bytes(40), "magic"),
        (header_bytes(b"", version=1, kv_count=0), "version 1"),
        (header_bytes(b"", version=9, kv_count=0), "unknown GGUF version"),
        (b"GGUF" + struct.pack("<IQQ", 3, 1 << 40, 0) + bytes(16), "tensors (cap"),
        (header_bytes(kv_string("a") + struct.pack("<I", 99)), "unknown value type"),
        (header_bytes(kv_string("a") + struct.pack("<IIQ", 9, 4, 1 << 40)), "array of"),
        (header_bytes(kv_string("a") + struct.pack("<IQ", 8, 1 << 40)), "string of"),
        (header_bytes(kv_string("a") + struct.pack("<II", 4, 1) + kv_string("a") + struct.pack("<II", 4, 1), kv_count=2), "twice"),
        (header_bytes(b"", kv_count=0, tensors=kv_string("t") + struct.pack("<I", 99), tensor_count=1), "dimensions"),
        (header_bytes(b"", kv_count=0, tensors=kv_string("t") + struct.pack("<IqIQ", 1, -4, 0, 0), tensor_count=1), "negative"),
        (header_bytes(b"", kv_count=0, tensors=kv_string("t") + struct.pack("<IqIQ", 1, 4, 0, 3), tensor_count=1), "aligned"),
        (header_bytes(kv_string("general.alignment") + struct.pack("<II", 4, 24)), "power of two"),
        (header_bytes(kv_string("a") + struct.pack("<IQ", 8, 500))[:60], "past the end"),
    ],
)
def test_malformed_headers_are_typed_errors(data: bytes, problem: str) -> None:
    with pytest.raises(FormatError) as error:
        parse_whole(read_gguf, data, "bad.gguf")
    assert problem in error.value.problem
    assert isinstance(error.value, GGUFError) or "past the end" in problem


def test_stacked_moe_experts_map_into_the_role_vocabulary() -> None:
    import hubprune

    truth = TRUTH["tiny-moe.gguf"]
    report = hubprune.inspect(str(GGUF / "tiny-moe.gguf"))
    shape = report.shape
    assert shape.family == "mixtral" and shape.hidden_size == truth["hidden_size"]
    got = [(l.q_heads, l.kv_heads, l.head_dim, l.experts, l.intermediate_size, l.mlp_kind) for l in shape.layers]
    assert got == [(l["heads"], l["kv_heads"], l["head_dim"], l["experts"], l["expert_width"], "moe") for l in truth["layers"]]
    # Every parameter the GGUF holds is counted once, the stacked experts split into their matrices.
    stored = sum(math.prod(shape) for _, shape in truth["tensors"].values())
    assert shape.total_params == stored
    assert not [f for f in report.findings if f.code in ("unrecognized_tensors", "family_guessed", "family_unknown")]
