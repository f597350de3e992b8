"""Layers of one signature are read once: the result must be what reading every layer gives.

``infer_shape(..., reuse=False)`` reads each layer on its own; every fixture and zoo case must
come out the same either way, findings included (their text quotes each layer's index and names).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubprune.archs.detect import detect_family
from hubprune.infer import infer_shape
from hubprune.safetensors_header import encode_header
from hubprune.sources.local import read_local

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = sorted(
    str(p.relative_to(FIXTURES))
    for p in [*FIXTURES.iterdir(), *(FIXTURES / "zoo").iterdir()]
    if p.is_dir() and any(p.glob("*.safetensors"))
)


def _both(folder: str):
    snapshot = read_local(folder)
    family, _ = detect_family(snapshot.config, snapshot.tensors)
    return infer_shape(snapshot, family, reuse=True), infer_shape(snapshot, family, reuse=False)


def test_the_cases_cover_zoo_and_pruned_fixtures() -> None:
    assert len([c for c in CASES if c.startswith("zoo/")]) >= 60
    assert {"taylor_only_5000", "Nemotron-NAS-mini", "Qwen2.5-0.5B-Instruct-GPTQ-Int4"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_reused_layers_read_as_every_layer_read_alone(case: str) -> None:
    reused, alone = _both(str(FIXTURES / case))
    assert reused == alone
    assert reused.to_json() == alone.to_json()


def _write(folder: Path, config: dict, tensors: list[tuple[str, str, list[int]]]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.safetensors").write_bytes(encode_header(tensors))
    (folder / "config.json").write_text(json.dumps(config))
    return str(folder)


def test_each_layer_of_one_signature_keeps_its_own_findings(tmp_path: Path) -> None:
    # Six layers alike, each with 100 query rows (not whole heads of 16) and an o_proj that
    # disagrees: every one of them must say so with its own index and tensor names, and the
    # layers without a finding (7, 8: whole heads) still read right past them.
    hidden = 64
    tensors = [("model.embed_tokens.weight", "BF16", [100, hidden]), ("lm_head.weight", "BF16", [100, hidden])]
    for i in range(9):
        rows = 100 if i < 6 else 32
        tensors += [
            (f"model.layers.{i}.self_attn.q_proj.weight", "BF16", [rows, hidden]),
            (f"model.layers.{i}.self_attn.k_proj.weight", "BF16", [16, hidden]),
            (f"model.layers.{i}.self_attn.v_proj.weight", "BF16", [16, hidden]),
            (f"model.layers.{i}.self_attn.o_proj.weight", "BF16", [hidden, 96 if i < 6 else rows]),
            (f"model.layers.{i}.mlp.up_proj.weight", "BF16", [48, hidden]),
            (f"model.layers.{i}.mlp.down_proj.weight", "BF16", [hidden, 48]),
        ]
    config = {"architectures": ["LlamaForCausalLM"], "hidden_size": hidden, "num_attention_heads": 4, "head_dim": 16, "num_hidden_layers": 9}
    reused, alone = _both(_write(tmp_path / "m", config, tensors))
    assert reused == alone
    not_whole = [f for f in reused.findings if f.code == "heads_not_whole"]
    assert [f.layer for f in not_whole] == list(range(6))
    assert [f.args["what"] for f in not_whole] == [f"model.layers.{i}.self_attn.q_proj" for i in range(6)]
    disagree = [f for f in reused.findings if f.code == "attn_dims_disagree"]
    assert [f.args["o_tensor"] for f in disagree] == [f"model.layers.{i}.self_attn.o_proj" for i in range(6)]
    assert [(layer.index, layer.q_heads, layer.kv_heads) for layer in reused.layers[5:]] == [(5, None, 1), (6, 2, 1), (7, 2, 1), (8, 2, 1)]


@pytest.mark.parametrize(
    ("config", "norm_from"),
    [
        ({"hidden_size": 64, "num_attention_heads": 4}, 3),  # head_dim from the q norm of a later layer
        ({"hidden_size": 64, "num_attention_heads": 4}, None),  # from the config ratio, rows 48 and 32
        ({"hidden_size": 60, "num_attention_heads": 5}, None),  # ratio 12 that every layer's rows must take
    ],
)
def test_head_dim_is_read_the_same_from_one_layer_of_each_signature(tmp_path: Path, config: dict, norm_from: int | None) -> None:
    hidden = config["hidden_size"]
    tensors = [("model.embed_tokens.weight", "BF16", [100, hidden])]
    for i in range(8):
        rows = 48 if i % 3 else 96
        tensors += [
            (f"model.layers.{i}.self_attn.q_proj.weight", "BF16", [rows, hidden]),
            (f"model.layers.{i}.self_attn.k_proj.weight", "BF16", [16, hidden]),
            (f"model.layers.{i}.self_attn.o_proj.weight", "BF16", [hidden, rows]),
        ]
        if norm_from is not None and i >= norm_from:
            tensors.append((f"model.layers.{i}.self_attn.q_norm.weight", "BF16", [16]))
    config = {"architectures": ["Qwen3ForCausalLM"], "num_hidden_layers": 8, **config}
    reused, alone = _both(_write(tmp_path / "m", config, tensors))
    assert reused == alone
    assert reused.head_dim is not None
