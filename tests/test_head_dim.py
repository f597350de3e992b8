"""head_dim, the one fact shapes cannot give: where it comes from and when it is ambiguous.

Each case is a Llama-3-8B-shaped skeleton written by ``fixtures/build.py``'s own helpers, with
one thing changed the way a real pruner or exporter changes it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import hubprune

from .conftest import FIXTURES, LLAMA


def _build_module():
    spec = importlib.util.spec_from_file_location("fixture_build", FIXTURES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _build_module()


def llama(folder: Path, *, kv_heads: list[int], config: dict | None = None, extra: list | None = None, drop: str = "") -> str:
    """A Llama-3-8B-like skeleton (4 query heads per KV head, head_dim 128)."""
    tensors = build.llama_tensors(4096, 128256, 128, 4, kv_heads, [14336] * len(kv_heads))
    tensors = [t for t in tensors if not (drop and t[0].startswith(drop))] + (extra or [])
    cfg = {**build.LLAMA3_8B_CONFIG, "num_hidden_layers": len(kv_heads), **(config or {})}
    cfg = {key: value for key, value in cfg.items() if value is not None}
    build.write_skeleton(folder, cfg, tensors)
    return str(folder)


def codes(shape: hubprune.ModelShape) -> set[str]:
    return {f.code for f in shape.findings}


def test_torch_pruning_rewrote_the_head_count(tmp_path: Path) -> None:
    # Torch-Pruning's LLM example halves every layer's heads and sets num_attention_heads=16,
    # num_key_value_heads=4 in the config, but writes no head_dim: hidden/heads says 256.
    pruned = llama(tmp_path / "tp", kv_heads=[4] * 32, config={"num_attention_heads": 16, "num_key_value_heads": 4})
    alone = hubprune.inspect(pruned).shape
    assert "head_dim_ambiguous" in codes(alone)
    ambiguous = next(f for f in alone.findings if f.code == "head_dim_ambiguous")
    assert (ambiguous.args["head_dim"], ambiguous.args["other_head_dim"]) == (256, 128)
    # Against its base the answer is certain: pruning keeps head_dim.
    report = hubprune.compare(str(LLAMA), pruned)
    assert report.pruned.shape.head_dim == 128 and "head_dim_ambiguous" not in codes(report.pruned)
    assert {(row.pruned_q_heads, row.pruned_kv_heads) for row in report.layers} == {(16, 4)}
    assert not [f for f in report.pruned.findings if f.code == "config_num_attention_heads"]


def test_dense_config_with_one_full_layer_is_certain(tmp_path: Path) -> None:
    # LLM-Pruner keeps the dense config and usually leaves the first layers whole.
    pruned = llama(tmp_path / "llmp", kv_heads=[8, 8, 5, 3])
    shape = hubprune.inspect(pruned).shape
    assert shape.head_dim == 128 and [layer.q_heads for layer in shape.layers] == [32, 32, 20, 12]
    assert not codes(shape) & {"head_dim_ambiguous", "head_dim_assumed", "head_dim_unknown"}


def test_rotary_buffer_settles_head_dim_without_config(tmp_path: Path) -> None:
    # Checkpoints saved by transformers < 4.31 carry rotary_emb.inv_freq (head_dim / 2 floats).
    inv_freq = [(f"model.layers.{i}.self_attn.rotary_emb.inv_freq", "F32", [64]) for i in range(2)]
    pruned = llama(tmp_path / "rope", kv_heads=[5, 3], config={"num_attention_heads": None, "hidden_size": None}, extra=inv_freq)
    shape = hubprune.inspect(pruned).shape
    assert shape.head_dim == 128 and [layer.q_heads for layer in shape.layers] == [20, 12]
    assert shape.total_params == hubprune.inspect(llama(tmp_path / "plain", kv_heads=[5, 3])).shape.total_params


@pytest.mark.parametrize("bad", [0, -128, "128", True])
def test_nonsense_head_dim_in_config_is_ignored(tmp_path: Path, bad: object) -> None:
    shape = hubprune.inspect(llama(tmp_path / "bad", kv_heads=[8, 8], config={"head_dim": bad})).shape
    assert shape.head_dim == 128 and shape.layers[0].q_heads == 32


def test_missing_tie_key_uses_the_config_class_default(tmp_path: Path) -> None:
    # LlamaConfig defaults tie_word_embeddings to False: no lm_head then means a random head.
    untied = llama(tmp_path / "notie", kv_heads=[8, 8], config={"tie_word_embeddings": None}, drop="lm_head")
    assert "lm_head_missing" in codes(hubprune.inspect(untied).shape)
    tied = llama(tmp_path / "tie", kv_heads=[8, 8], config={"tie_word_embeddings": True}, drop="lm_head")
    shape = hubprune.inspect(tied).shape
    assert shape.tied_embeddings and "lm_head_missing" not in codes(shape)
    assert json.loads((tmp_path / "notie" / "config.json").read_text()).get("tie_word_embeddings") is None


def test_a_missing_embedding_is_an_error_and_the_vocabulary_is_read_from_lm_head(tmp_path: Path) -> None:
    # An export that left out the token embedding: transformers would start it from random
    # weights. The vocabulary is still measured, from lm_head's rows, not taken from the config.
    missing = llama(tmp_path / "noembed", kv_heads=[8, 8], config={"vocab_size": 1000}, drop="model.embed_tokens")
    shape = hubprune.inspect(missing).shape
    assert "embed_missing" in codes(shape) and shape.embed_params == 0 and shape.vocab_size == 128256
    report = hubprune.check(missing)
    assert [f.severity.value for f in report.findings if f.code == "embed_missing"] == ["error"]
    whole = hubprune.inspect(llama(tmp_path / "whole", kv_heads=[8, 8])).shape
    assert "embed_missing" not in codes(whole) and whole.vocab_size == 128256
