"""PyTorch checkpoints read without unpickling, checked against what torch.save was given.

The fixtures come from ``torch.save`` (``fixtures/build_formats.py``); ``ground_truth.json`` holds
the names, dtypes and shapes of the state dicts that were saved, measured on the torch objects.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from hubprune.formats.errors import FormatError, PickleError, ZipError
from hubprune.formats.pickle_walk import EXPECTED_GLOBALS, walk
from hubprune.formats.ranges import NeedBytes, SparseBytes
from hubprune.formats.reading import grow_prefix, parse_on_demand, parse_whole
from hubprune.formats.torch_checkpoint import read_torch
from hubprune.formats.zip_directory import TAIL_BYTES

from .conftest import FIXTURES

PYTORCH = FIXTURES / "pytorch"
TRUTH = json.loads((PYTORCH / "ground_truth.json").read_text())
TORCH_FILES = sorted(name for name in TRUTH if not name.endswith(".safetensors"))
HOSTILE_MARKER = "hubprune-hostile-marker"


def read(name: str):
    return parse_whole(read_torch, (PYTORCH / name).read_bytes(), name)


@pytest.mark.parametrize("name", TORCH_FILES)
def test_names_dtypes_and_shapes_match_what_was_saved(name: str) -> None:
    checkpoint = read(name)
    got = {tensor.name: [tensor.dtype, list(tensor.shape)] for tensor in checkpoint.tensors}
    assert got == TRUTH[name]["tensors"]
    assert len(checkpoint.tensors) == len(got)  # no name twice


def test_containers_and_layouts() -> None:
    assert read("tiny-llama/pytorch_model.bin").container == "zip"
    assert read("tiny-llama-legacy/pytorch_model.bin").container == "legacy"
    assert read("tiny-llama/pytorch_model.bin").layout == "state_dict"
    assert read("tiny-llama-legacy/pytorch_model.bin").layout == "state_dict"
    assert read("llm-pruner/pytorch_model.bin").layout == "module"


def test_strides_and_storage_offsets_of_views() -> None:
    truth = TRUTH["mixed-dtypes/pytorch_model.bin"]
    tensors = {tensor.name: tensor for tensor in read("mixed-dtypes/pytorch_model.bin").tensors}
    assert {name: list(t.stride) for name, t in tensors.items()} == truth["strides"]
    assert {name: t.storage_offset for name, t in tensors.items()} == truth["offsets"]
    # Both views share the one storage of the tensor they were cut from.
    assert tensors["view.offset"].storage_key == tensors["view.transposed"].storage_key


def test_tied_embeddings_share_a_storage() -> None:
    tensors = {tensor.name: tensor for tensor in read("tiny-llama-tied/pytorch_model.bin").tensors}
    for first, second in TRUTH["tiny-llama-tied/pytorch_model.bin"]["shared"]:
        assert tensors[first].storage_key == tensors[second].storage_key
    untied = {tensor.name: tensor for tensor in read("tiny-llama/pytorch_model.bin").tensors}
    assert untied["lm_head.weight"].storage_key != untied["model.embed_tokens.weight"].storage_key


def test_whole_module_pickle_names_what_loading_it_would_import() -> None:
    checkpoint = read("llm-pruner/pytorch_model.bin")
    unexpected = set(checkpoint.unexpected_globals)
    assert "transformers.models.llama.modeling_llama.LlamaForCausalLM" in unexpected
    assert "torch.nn.modules.linear.Linear" in unexpected
    assert not unexpected & EXPECTED_GLOBALS
    # The per-layer widths of the pruned module, as measured on it when it was saved.
    shapes = {tensor.name: tensor.shape for tensor in checkpoint.tensors}
    for number, layer in enumerate(TRUTH["llm-pruner/pytorch_model.bin"]["layers"]):
        prefix = f"model.layers.{number}"
        assert shapes[f"{prefix}.self_attn.q_proj.weight"][0] == layer["heads"] * layer["head_dim"]
        assert shapes[f"{prefix}.self_attn.k_proj.weight"][0] == layer["kv_heads"] * layer["head_dim"]
        assert shapes[f"{prefix}.mlp.gate_proj.weight"][0] == layer["intermediate"]


def test_a_state_dict_needs_no_unexpected_global() -> None:
    for name in TORCH_FILES:
        if TRUTH[name]["kind"] == "state_dict":
            assert read(name).unexpected_globals == (), name


def test_sharded_index_names_every_tensor_in_the_shard_it_points_at() -> None:
    index = json.loads((PYTORCH / "tiny-llama-sharded/pytorch_model.bin.index.json").read_text())
    for tensor_name, file in index["weight_map"].items():
        names = {tensor.name for tensor in read(f"tiny-llama-sharded/{file}").tensors}
        assert tensor_name in names


# --- the hostile fixture -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hostile/pytorch_model.bin", "hostile/hostile.pkl"])
def test_hostile_pickle_runs_nothing(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = (PYTORCH / name).read_bytes()
    try:
        checkpoint = parse_whole(read_torch, data, name)
    except FormatError as error:
        assert "magic number" in error.problem  # the bare pickle is not a checkpoint at all
    else:
        assert checkpoint.tensors == ()
        assert checkpoint.unexpected_globals == ("os.system",)
    if name.endswith(".pkl"):
        walked = walk(data, name)  # the walker reads the call as a stand-in and names the global
        assert walked.globals == ("os.system",)
        assert walked.value.func.qualname == "os.system"
    assert not (tmp_path / HOSTILE_MARKER).exists()


def test_the_hostile_fixture_would_leave_a_trace_if_it_ran(tmp_path: Path) -> None:
    # Proves the test above can fail: the real unpickler, run in a throwaway process inside a
    # scratch folder, does create the marker.
    script = "import pickle, sys; pickle.loads(open(sys.argv[1], 'rb').read())"
    subprocess.run([sys.executable, "-c", script, str(PYTORCH / "hostile/hostile.pkl")], cwd=tmp_path, check=True, timeout=60)
    assert (tmp_path / HOSTILE_MARKER).exists()


# --- reading over ranges, as a Hub reader does ----------------------------------------------------


def test_zip_reads_from_tail_and_head_only() -> None:
    data = (PYTORCH / "tiny-llama/pytorch_model.bin").read_bytes()
    head = 4096
    view = SparseBytes(len(data), {0: data[:head], len(data) - TAIL_BYTES: data[-TAIL_BYTES:]})
    fetched: list[tuple[int, int]] = []

    def fetch(ranges):
        fetched.extend(ranges)
        return [data[offset : offset + length] for offset, length in ranges]

    checkpoint = parse_on_demand(read_torch, view, fetch, "x.bin", cap=1 << 20)
    assert {t.name for t in checkpoint.tensors} == set(TRUTH["tiny-llama/pytorch_model.bin"]["tensors"])
    # data.pkl (3.4 KB here) fits the first 4 KB: no further read at all.
    assert fetched == []


def test_zip_asks_for_the_rest_of_a_long_data_pkl() -> None:
    data = (PYTORCH / "llm-pruner/pytorch_model.bin").read_bytes()
    view = SparseBytes(len(data), {0: data[:1024], len(data) - TAIL_BYTES: data[-TAIL_BYTES:]})
    with pytest.raises(NeedBytes) as need:
        read_torch(view, "x.bin")
    assert need.value.offset < 1024 < need.value.offset + need.value.length < len(data)


def test_legacy_grows_a_prefix_and_stops_before_the_storages() -> None:
    data = (PYTORCH / "tiny-llama-legacy/pytorch_model.bin").read_bytes()
    view = SparseBytes(len(data), {0: data[:512]})
    rounds = []

    def fetch(ranges):
        rounds.append(ranges)
        return [data[offset : offset + length] for offset, length in ranges]

    checkpoint = parse_on_demand(read_torch, view, fetch, "x.bin", cap=1 << 20, grow=grow_prefix(1024))
    assert len(checkpoint.tensors) == len(TRUTH["tiny-llama-legacy/pytorch_model.bin"]["tensors"])
    assert view.held() < len(data)


def test_the_byte_cap_stops_reading() -> None:
    data = (PYTORCH / "tiny-llama-legacy/pytorch_model.bin").read_bytes()
    view = SparseBytes(len(data), {0: data[:512]})
    with pytest.raises(FormatError, match="more than 1000 bytes"):
        parse_on_demand(read_torch, view, lambda r: [data[o : o + n] for o, n in r], "x.bin", cap=1000, grow=grow_prefix(1024))


# --- malformed input: one typed error each --------------------------------------------------------


def test_a_compressed_data_pkl_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "c.bin"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("c/data.pkl", b"\x80\x02}q\x00." * 50)
    with pytest.raises(ZipError, match="compressed"):
        parse_whole(read_torch, path.read_bytes(), "c.bin")


def test_zip64_directory(tmp_path: Path) -> None:
    """A checkpoint whose directory is written in ZIP64 form (as torch does past 4 GB)."""
    import zipfile

    source = (PYTORCH / "tiny-llama/pytorch_model.bin").read_bytes()
    with zipfile.ZipFile(PYTORCH / "tiny-llama/pytorch_model.bin") as original:
        members = [(info.filename, original.read(info.filename)) for info in original.infolist()]
    path = tmp_path / "z.bin"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, payload in members:
            with archive.open(name, "w", force_zip64=True) as handle:
                handle.write(payload)
    data = path.read_bytes()
    assert b"PK\x06\x06" in data[-200:] or b"\x01\x00" in data  # a ZIP64 extra field is present
    checkpoint = parse_whole(read_torch, data, "z.bin")
    assert [t.name for t in checkpoint.tensors] == [t.name for t in parse_whole(read_torch, source, "o.bin").tensors]


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (b"\x80\x02cbuiltins\nlen\n.", None),  # a bare global: read as a stand-in, not called
        (b"\x80\x02(.", "mark"),
        (b"\x80\x02h\x05.", "memo"),
        (b"\x80\x02K\x01K\x02s.", "SETITEM"),
        (b"\x80\x02\x82\x01.", "EXT1"),
        (b"\x80\x02}(]K\x01u.", "dict key"),
    ],
)
def test_pickle_shapes_the_walker_refuses_or_models(payload: bytes, problem: str | None) -> None:
    if problem is None:
        assert walk(payload, "p.pkl").globals == ("builtins.len",)
        return
    with pytest.raises(PickleError) as error:
        walk(payload, "p.pkl")
    assert problem.lower() in error.value.problem.lower()
