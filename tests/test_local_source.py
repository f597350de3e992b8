"""Reading local checkpoints: folders, single files, Hub cache snapshots, and bad input."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest

from hubprune.errors import HeaderError, NoSafetensorsError, PathNotFoundError, ShardIndexError
from hubprune.safetensors_header import encode_header
from hubprune.sources.local import read_header_file, read_local

from .conftest import LLAMA, TAYLOR


def test_folder_with_index_reads_its_shards(llama_dir: Path) -> None:
    headers = read_local(str(llama_dir))
    assert [f.name for f in headers.files] == [f"model-0000{i}-of-00004.safetensors" for i in range(1, 5)]
    assert len(headers.tensors) == 291
    assert headers.config["num_hidden_layers"] == 32
    assert headers.display_name == "Llama-3-8B-Instruct"
    assert all(f.is_skeleton and not f.is_truncated for f in headers.files)


def test_index_matches_the_published_layout(llama_dir: Path) -> None:
    # Facts of meta-llama/Meta-Llama-3-8B-Instruct's model.safetensors.index.json.
    index = json.loads((llama_dir / "model.safetensors.index.json").read_text())
    assert index["metadata"]["total_size"] == 16_060_522_496
    weight_map = index["weight_map"]
    assert weight_map["model.layers.20.mlp.gate_proj.weight"] == "model-00002-of-00004.safetensors"
    assert weight_map["model.layers.20.mlp.up_proj.weight"] == "model-00003-of-00004.safetensors"
    assert weight_map["model.layers.31.mlp.down_proj.weight"] == "model-00004-of-00004.safetensors"
    # Header sizes equal the published file sizes minus the tensor data (shard 4: 1,168,138,808 bytes).
    shard4 = read_header_file(llama_dir / "model-00004-of-00004.safetensors")
    assert shard4.full_size == 1_168_138_808


def test_single_file_uses_config_beside_it(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(encode_header([("model.embed_tokens.weight", "F32", [4, 2])]))
    (tmp_path / "config.json").write_text('{"hidden_size": 2}')
    headers = read_local(str(tmp_path / "model.safetensors"))
    assert headers.config == {"hidden_size": 2} and list(headers.tensors) == ["model.embed_tokens.weight"]


def test_folder_without_index_reads_every_safetensors(tmp_path: Path) -> None:
    for name in ("b.safetensors", "a.safetensors"):
        (tmp_path / name).write_bytes(encode_header([(name, "F16", [2])]))
    assert [f.name for f in read_local(str(tmp_path)).files] == ["a.safetensors", "b.safetensors"]


def test_index_decides_which_files_count(tmp_path: Path) -> None:
    # Some repos ship a duplicate consolidated.safetensors beside the shards: the index wins.
    shutil.copytree(TAYLOR, tmp_path / "m")
    (tmp_path / "m" / "consolidated.safetensors").write_bytes(encode_header([("x", "F16", [2])]))
    assert "x" not in read_local(str(tmp_path / "m")).tensors


def test_hub_cache_snapshot_folder(tmp_path: Path) -> None:
    repo = tmp_path / "models--prune-lab--taylor_only_5000"
    shutil.copytree(TAYLOR, repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    headers = read_local(str(repo))
    assert headers.display_name == "prune-lab/taylor_only_5000" and len(headers.files) == 2


def test_truncated_file_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    path.write_bytes(encode_header([("w", "F32", [4])]) + b"\x00" * 7)  # 16 bytes of data expected
    header = read_header_file(path)
    assert header.is_truncated and not header.is_skeleton


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# Every bad input of the core issue: (how to make it, the error type, words the message must hold).
BAD_INPUTS = [
    ("empty file", lambda d: _write(d / "model.safetensors", b""), HeaderError, "8-byte header length"),
    ("7-byte file", lambda d: _write(d / "model.safetensors", b"\x01" * 7), HeaderError, "8-byte header length"),
    (
        "header length larger than the file",
        lambda d: _write(d / "model.safetensors", struct.pack("<Q", 4096) + b"{}"),
        HeaderError,
        "larger than the file",
    ),
    (
        "invalid JSON",
        lambda d: _write(d / "model.safetensors", struct.pack("<Q", 9) + b"{not json"),
        HeaderError,
        "not valid JSON",
    ),
    (
        "negative shape",
        lambda d: _write(d / "model.safetensors", _header({"w": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 0]}})),
        HeaderError,
        "non-negative",
    ),
    (
        "float shape",
        lambda d: _write(d / "model.safetensors", _header({"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})),
        HeaderError,
        "non-negative",
    ),
    (
        "overlapping offsets",
        lambda d: _write(
            d / "model.safetensors",
            _header(
                {
                    "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                    "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]},
                }
            ),
        ),
        HeaderError,
        "overlaps",
    ),
    (
        "index naming a missing shard",
        lambda d: (shutil.copytree(LLAMA, d / "m"), (d / "m" / "model-00003-of-00004.safetensors").unlink(), d / "m")[-1],
        ShardIndexError,
        "model-00003-of-00004.safetensors",
    ),
    ("path that does not exist", lambda d: d / "nope", PathNotFoundError, "does not exist"),
    (
        "only pickle weights",
        lambda d: (_write(d / "pytorch_model.bin", b"\x80\x04"), d)[-1],
        NoSafetensorsError,
        "pytorch_model.bin",
    ),
]


def _header(obj: dict) -> bytes:
    body = json.dumps(obj).encode()
    return struct.pack("<Q", len(body)) + body


@pytest.mark.parametrize(("case", "make", "error", "needle"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_raises_typed_error(tmp_path: Path, case: str, make, error: type, needle: str) -> None:
    target = make(tmp_path)
    with pytest.raises(error) as excinfo:
        read_local(str(target))
    assert needle in str(excinfo.value)


READ_COUNTER = r"""
import json, sys
import hubprune

def read_bytes():
    with open("/proc/self/io") as io:
        return int(next(line for line in io if line.startswith("rchar:")).split()[1])

hubprune.inspect(sys.argv[2])  # imports and caches warmed on a small model first
before = read_bytes()
report = hubprune.check(sys.argv[1])
print(json.dumps({"read": read_bytes() - before, "params": report.estimates.weight_bytes}))
"""


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux's per-process I/O counters")
def test_a_local_read_reads_header_bytes_only(tmp_path: Path) -> None:
    # An 8 GB checkpoint (sparse on disk) costs what its header costs: the kernel's count of
    # bytes this process read stays far below one tensor's data, let alone the file's.
    import subprocess
    import sys

    folder = tmp_path / "big"
    folder.mkdir()
    shutil.copy(TAYLOR / "config.json", folder / "config.json")
    tensors = [(f"model.layers.{i}.mlp.up_proj.weight", "BF16", [14336, 4096]) for i in range(32)]
    header = encode_header(tensors, {"format": "pt"})
    data = sum(14336 * 4096 * 2 for _ in tensors)
    with (folder / "model.safetensors").open("wb") as handle:
        handle.write(header)
        handle.truncate(len(header) + data)
    assert (folder / "model.safetensors").stat().st_size > 3_000_000_000
    done = subprocess.run(
        [sys.executable, "-c", READ_COUNTER, str(folder), str(TAYLOR)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["params"] == data  # the whole data region was accounted for, from the header
    assert result["read"] < 2_000_000, result  # header, config, a few module files: never the data
