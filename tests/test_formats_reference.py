"""Differential tests against the formats' own reference readers, when they are installed.

Neither gguf-py nor torch is a test dependency; these run where the fixture-building extra is
installed and are skipped elsewhere.
"""

from __future__ import annotations

import json

import pytest

from hubprune.formats.gguf import read_gguf
from hubprune.formats.reading import parse_whole
from hubprune.formats.torch_checkpoint import read_torch

from .conftest import FIXTURES

PYTORCH = FIXTURES / "pytorch"
GGUF_FILES = sorted(p for p in (FIXTURES / "gguf").rglob("*.gguf"))
TORCH_FILES = sorted(
    name for name, truth in json.loads((PYTORCH / "ground_truth.json").read_text()).items()
    if truth["kind"] == "state_dict" and name.endswith(".bin")
)


@pytest.mark.parametrize("path", GGUF_FILES, ids=lambda p: p.name)
def test_gguf_matches_gguf_py_reader(path) -> None:
    gguf = pytest.importorskip("gguf")
    reference = gguf.GGUFReader(path)
    ours = parse_whole(read_gguf, path.read_bytes(), path.name)
    assert [t.name for t in ours.tensors] == [t.name for t in reference.tensors]
    for mine, theirs in zip(ours.tensors, reference.tensors):
        assert mine.shape == tuple(int(n) for n in reversed(theirs.shape.tolist()))
        assert mine.ggml_type == int(theirs.tensor_type)
        assert ours.data_offset + mine.offset == int(theirs.data_offset)
        assert mine.nbytes == int(theirs.n_bytes)
    assert set(ours.metadata) == {key for key in reference.fields if not key.startswith("GGUF.")}


@pytest.mark.parametrize("name", TORCH_FILES)
def test_torch_checkpoints_match_torch_load_weights_only(name: str) -> None:
    torch = pytest.importorskip("torch")
    state = torch.load(PYTORCH / name, weights_only=True, map_location="meta")
    ours = parse_whole(read_torch, (PYTORCH / name).read_bytes(), name)
    assert [t.name for t in ours.tensors] == list(state)
    for tensor in ours.tensors:
        reference = state[tensor.name]
        assert tensor.shape == tuple(reference.shape)
        assert tensor.stride == tuple(reference.stride())
        assert tensor.storage_offset == reference.storage_offset()
