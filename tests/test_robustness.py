"""Odd inputs a user can hand hubprune: each gets an answer or one line and a documented exit code.

One case per line, with where such an input comes from.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune.cli import app
from hubprune.safetensors_header import encode_header

from .conftest import LLAMA, TAYLOR

runner = CliRunner()


def one_line_error(result, code: int, needle: str) -> None:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hubprune: error: ") and needle in lines[0]


def test_a_fifo_named_like_a_checkpoint_is_refused_not_waited_on(tmp_path: Path) -> None:
    # A named pipe left by a streaming download tool; opening it would block forever.
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    one_line_error(runner.invoke(app, ["inspect", str(fifo)]), 3, "is a named pipe (FIFO), not a file")


def test_output_that_is_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    one_line_error(runner.invoke(app, ["inspect", str(TAYLOR), "-o", str(tmp_path)]), 2, "it is a folder")


def test_a_terminal_that_cannot_show_chinese_gets_question_marks_not_a_traceback() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-m", "hubprune", "compare", str(LLAMA), str(TAYLOR), "--lang", "zh"],
        capture_output=True, text=True, env=env, timeout=120, errors="replace",
    )  # fmt: skip
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "4,015,140,864" in done.stdout and "?" in done.stdout


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("config.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),  # fuzzed or hostile config
        ("config.json", b"\xff\xfe{}", "not valid JSON"),  # UTF-16 saved by an editor
        ("config.json", b"[1, 2]", "not a JSON object"),
        ("model.safetensors.index.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_broken_json_beside_the_weights(tmp_path: Path, name: str, content: bytes, needle: str) -> None:
    folder = tmp_path / "m"
    shutil.copytree(TAYLOR, folder)
    (folder / name).write_bytes(content)
    one_line_error(runner.invoke(app, ["inspect", str(folder)]), 3, needle)


def _cache_repo(tmp_path: Path, ref: bytes) -> Path:
    repo = tmp_path / "models--prune-lab--taylor_only_5000"
    shutil.copytree(TAYLOR, repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_bytes(ref)
    return repo


@pytest.mark.parametrize("ref", [b"\xff\xfe", b"../../..", b""])
def test_a_bad_hub_cache_ref_does_not_escape_or_crash(tmp_path: Path, ref: bytes) -> None:
    # A ref file damaged by hand or by an interrupted write: the folder is read as given.
    repo = _cache_repo(tmp_path, ref)
    result = runner.invoke(app, ["inspect", str(repo)])
    one_line_error(result, 3, "has no safetensors files")


def test_a_stale_index_beside_model_safetensors(tmp_path: Path) -> None:
    # Re-saved unsharded into the same folder: the shards are gone, the old index stayed, and
    # transformers loads model.safetensors (it looks for it before the index).
    folder = tmp_path / "resaved"
    folder.mkdir()
    shutil.copy(TAYLOR / "config.json", folder)
    shutil.copy(LLAMA / "model.safetensors.index.json", folder)
    shutil.copy(LLAMA / "model-00004-of-00004.safetensors", folder / "model.safetensors")
    headers = hubprune.read_snapshot(str(folder))
    assert [f.name for f in headers.files] == ["model.safetensors"] and headers.index is None


def test_layer_indices_far_apart_are_listed_not_filled(tmp_path: Path) -> None:
    # A tensor renamed by a buggy export script: 10^8 empty layers would exhaust memory.
    (tmp_path / "model.safetensors").write_bytes(encode_header([("model.layers.100000000.mlp.up_proj.weight", "BF16", [4, 4])]))
    shape = hubprune.inspect(str(tmp_path)).shape
    assert [layer.index for layer in shape.layers] == [100_000_000]
    assert "layer_indices_sparse" in {f.code for f in shape.findings}


def test_a_huge_layer_map_is_a_usage_error() -> None:
    one_line_error(runner.invoke(app, ["compare", str(LLAMA), str(TAYLOR), "--layer-map", "0-3000000000"]), 2, "--layer-map")


def test_three_bit_gptq_unpacks_to_the_dense_shape(tmp_path: Path) -> None:
    # auto-gptq 3-bit: 32 values in 3 int32 words, so qweight is [in*3/32, out].
    hidden, inter = 4096, 14336
    tensors = [("model.embed_tokens.weight", "F16", [1000, hidden]), ("lm_head.weight", "F16", [1000, hidden])]
    for module, out, inp in (("self_attn.q_proj", 4096, hidden), ("self_attn.k_proj", 1024, hidden),
                             ("self_attn.v_proj", 1024, hidden), ("self_attn.o_proj", hidden, 4096),
                             ("mlp.gate_proj", inter, hidden), ("mlp.up_proj", inter, hidden), ("mlp.down_proj", hidden, inter)):
        p = f"model.layers.0.{module}."
        tensors += [(p + "qweight", "I32", [inp * 3 // 32, out]), (p + "qzeros", "I32", [inp // 128, out * 3 // 32]),
                    (p + "scales", "F16", [inp // 128, out]), (p + "g_idx", "I32", [inp])]  # fmt: skip
    (tmp_path / "model.safetensors").write_bytes(encode_header(tensors))
    config = {"architectures": ["LlamaForCausalLM"], "hidden_size": hidden, "num_attention_heads": 32,
              "num_key_value_heads": 8, "intermediate_size": inter, "num_hidden_layers": 1, "vocab_size": 1000,
              "quantization_config": {"quant_method": "gptq", "bits": 3, "group_size": 128}}  # fmt: skip
    (tmp_path / "config.json").write_text(json.dumps(config))
    layer = hubprune.inspect(str(tmp_path)).shape.layers[0]
    assert (layer.attn_params, layer.mlp_params) == (41_943_040, 176_160_768)
    assert (layer.q_heads, layer.kv_heads, layer.intermediate_size) == (32, 8, 14336)


def test_inspect_warns_when_model_safetensors_would_be_loaded_instead_of_the_shards(tmp_path: Path) -> None:
    # A pruned model.safetensors saved into the base model's folder: transformers loads it first.
    folder = tmp_path / "both"
    shutil.copytree(LLAMA, folder)
    shutil.copy(TAYLOR / "model-00002-of-00002.safetensors", folder / "model.safetensors")
    stray = [f for f in hubprune.inspect(str(folder)).findings if f.code == "shard_unindexed"]
    assert len(stray) == 1 and "model.safetensors" in stray[0].message
    # check reports it once, not twice.
    assert [f.code for f in hubprune.check(str(folder)).findings].count("shard_unindexed") == 1


@pytest.mark.parametrize("fmt", ["html", "csv", "markdown"])
def test_families_refuses_formats_it_does_not_have(fmt: str) -> None:
    one_line_error(runner.invoke(app, ["families", "--format", fmt]), 2, "families has no")


def test_pickle_only_folder_is_named_whatever_the_case_of_its_suffix(tmp_path: Path) -> None:
    # Weights copied from a Windows share keep upper-case names; they are pickles all the same.
    (tmp_path / "PYTORCH_MODEL.BIN").write_bytes(b"\x80\x04.")
    one_line_error(runner.invoke(app, ["inspect", str(tmp_path)]), 3, "PYTORCH_MODEL.BIN")
