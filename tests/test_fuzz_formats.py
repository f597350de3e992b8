"""Property tests: whatever bytes come in, the format parsers end in a result or a typed error.

Inputs are real fixtures with bytes flipped, cut or spliced, and pickles assembled from random
opcodes. The caps (sizes, counts, depth) keep memory bounded; the hypothesis profile in
``conftest.py`` bounds the number of examples.
"""

from __future__ import annotations

import pickletools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubprune.formats.errors import FormatError
from hubprune.formats.gguf import read_gguf
from hubprune.formats.pickle_walk import walk
from hubprune.formats.reading import parse_whole
from hubprune.formats.torch_checkpoint import read_torch

from .conftest import FIXTURES

SEEDS = {
    "zip": (FIXTURES / "pytorch/mixed-dtypes/pytorch_model.bin").read_bytes(),
    "legacy": (FIXTURES / "pytorch/tiny-llama-legacy/pytorch_model.bin").read_bytes()[:8192],
    "module": (FIXTURES / "pytorch/llm-pruner/pytorch_model.bin").read_bytes(),
    "gguf": (FIXTURES / "gguf/tiny-deci-pruned.gguf").read_bytes()[:4096],
}
PARSERS = {"zip": read_torch, "legacy": read_torch, "module": read_torch, "gguf": read_gguf}


@st.composite
def damaged(draw, kind: str) -> bytes:
    data = bytearray(SEEDS[kind])
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "set", "cut", "splice"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80]))
        elif action == "cut":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


def parse_or_typed_error(kind: str, data: bytes) -> None:
    try:
        parse_whole(PARSERS[kind], data, "fuzz")
    except FormatError as error:
        assert error.problem  # a message, not an empty error


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_damaged_checkpoints_give_a_result_or_a_typed_error(kind: str) -> None:
    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(damaged(kind))
    def check(data: bytes) -> None:
        parse_or_typed_error(kind, data)

    check()


# Opcodes with their argument encoders, for pickles assembled at random.
OPCODES = {op.name: op.code.encode("latin-1") for op in pickletools.opcodes}


def _op(name: str) -> bytes:
    return OPCODES[name]


NO_ARG = [
    "MARK", "STOP", "POP", "POP_MARK", "DUP", "NONE", "NEWTRUE", "NEWFALSE", "EMPTY_TUPLE", "EMPTY_LIST",
    "EMPTY_DICT", "EMPTY_SET", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "LIST", "DICT", "APPEND", "APPENDS",
    "SETITEM", "SETITEMS", "ADDITEMS", "FROZENSET", "REDUCE", "BUILD", "NEWOBJ", "STACK_GLOBAL", "BINPERSID",
    "MEMOIZE", "NEXT_BUFFER", "READONLY_BUFFER",
]
instruction = st.one_of(
    st.sampled_from(NO_ARG).map(_op),
    st.integers(0, 255).map(lambda n: b"K" + bytes([n])),
    st.integers(0, 255).map(lambda n: b"q" + bytes([n])),
    st.integers(0, 255).map(lambda n: b"h" + bytes([n])),
    st.text(max_size=8).map(lambda s: b"\x8c" + bytes([len(s.encode())]) + s.encode() if len(s.encode()) < 256 else b"N"),
    st.sampled_from([b"ctorch._utils\n_rebuild_tensor_v2\n", b"ccollections\nOrderedDict\n", b"ctorch\nFloatStorage\n", b"cos\nsystem\n"]),
    st.binary(max_size=3),
)


@given(st.lists(instruction, max_size=60))
def test_random_pickles_never_escape_as_untyped_errors(ops: list[bytes]) -> None:
    program = b"\x80\x02" + b"".join(ops) + b"."
    try:
        walk(program, "fuzz.pkl", persistent_load=lambda pid: pid)
    except FormatError as error:
        assert error.problem


def test_deep_nesting_is_bounded() -> None:
    # 200,000 nested one-tuples: built without recursion, then refused when named.
    program = b"\x80\x02N" + b"\x85" * 200_000 + b"."
    walked = walk(program, "deep.pkl")
    from hubprune.formats.torch_names import named_tensors

    with pytest.raises(FormatError, match="nested deeper"):
        named_tensors(walked.value, "deep.pkl")
