"""Every zoo case: hubprune's totals and per-layer numbers against truth measured on the modules.

The cases (``fixtures/zoo/<case>/``) are header-only skeletons of tiny models that transformers'
own classes built and saved, some pruned on the module objects first; ``truth.json`` holds what
was counted on those objects (``fixtures/zoo/README.md``). Regenerating needs torch; this test
does not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hubprune

ZOO = Path(__file__).resolve().parent.parent / "fixtures" / "zoo"
CASES = sorted(p.name for p in ZOO.iterdir() if (p / "truth.json").is_file())

# The per-layer fields compared.
LAYER_FIELDS = ["params", "attn_params", "mlp_params", "q_heads", "kv_heads", "intermediate_size", "experts", "mixer"]

# Cases hubprune reads wrongly today, with what was observed (hubprune's value, then the modules').
# strict: fixing one makes its xfail an error, so the fix removes the entry.
KNOWN_GAPS: dict[str, str] = {}


def _expected(truth: dict, fields: list[str]) -> dict:
    return {
        "total_params": truth["total_params"],
        "layers": {layer["index"]: {f: layer[f] for f in fields} for layer in truth["layers"]},
    }


def _observed(shape, fields: list[str]) -> dict:
    return {
        "total_params": shape.total_params,
        "layers": {layer.index: {f: getattr(layer, f) for f in fields} for layer in shape.layers},
    }


def _param(case: str):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[case])] if case in KNOWN_GAPS else []
    return pytest.param(case, marks=marks, id=case)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_zoo_case_is_exact(case: str) -> None:
    truth = json.loads((ZOO / case / "truth.json").read_text())
    shape = hubprune.inspect(str(ZOO / case)).shape
    assert _observed(shape, LAYER_FIELDS) == _expected(truth, LAYER_FIELDS)


def test_zoo_is_large_and_gaps_name_real_cases() -> None:
    assert len(CASES) >= 60
    assert set(KNOWN_GAPS) <= set(CASES)


def test_stacked_experts_whose_sides_are_not_the_hidden_size_are_unknown_not_zero(tmp_path: Path) -> None:
    # The gpt_oss case with a hidden size that matches neither inner side of the expert tensors:
    # one expert's width cannot be read, so it is null with a finding naming the tensor.
    import shutil

    case = tmp_path / "gpt_oss"
    shutil.copytree(ZOO / "gpt_oss", case)
    config = json.loads((case / "config.json").read_text())
    truth = json.loads((case / "truth.json").read_text())
    assert hubprune.inspect(str(case)).shape.layers[0].intermediate_size == truth["layers"][0]["intermediate_size"]
    header = (case / "model.safetensors").read_bytes()
    assert config["hidden_size"] == 64 and b'"model.embed_tokens.weight"' in header
    from hubprune.sources.local import read_local
    from hubprune.archs.schema import load_family
    from hubprune.infer import infer_shape

    headers = read_local(str(case))
    family = load_family("generic")
    embed = headers.tensors["model.embed_tokens.weight"]
    # Pretend the embedding is 48 wide: no inner side of [4, 64, 192] / [4, 96, 64] is then the hidden size.
    headers.tensors["model.embed_tokens.weight"] = type(embed)(embed.name, embed.dtype, (256, 48), embed.begin, embed.end, embed.file)
    shape = infer_shape(headers, family)
    assert shape.layers[0].experts == 4
    assert shape.layers[0].intermediate_size is None
    assert any(f.code == "expert_width_unknown" and "experts" in f.args["tensor"] for f in shape.findings)


def test_experts_stacked_in_rows_without_a_router_are_unknown_not_zero() -> None:
    # DBRX stacks every expert's rows in one [experts x width, hidden] tensor; the router's rows
    # say how many experts share them. Without the router neither count nor width can be read.
    from hubprune.archs.detect import detect_family
    from hubprune.infer import infer_shape
    from hubprune.sources.local import read_local

    headers = read_local(str(ZOO / "dbrx"))
    family, _ = detect_family(headers.config, headers.tensors)
    whole = infer_shape(headers, family)
    assert (whole.layers[0].experts, whole.layers[0].intermediate_size) == (4, 96)
    headers = read_local(str(ZOO / "dbrx"))  # a fresh snapshot: the module map of one is kept
    for name in [n for n in headers.tensors if n.endswith("ffn.router.layer.weight")]:
        del headers.tensors[name]
    shape = infer_shape(headers, family)
    assert shape.layers[0].experts is None
    assert shape.layers[0].intermediate_size is None
    assert any(f.code == "expert_width_unknown" and "experts.mlp" in f.args["tensor"] for f in shape.findings)


def test_a_mixer_under_an_unknown_spelling_is_unknown_not_removed() -> None:
    # Layer 0's attention renamed to spellings no family knows: its heads cannot be read, so they
    # are null (the unrecognized-tensors finding names the modules), never 0 ("removed").
    from hubprune.archs.detect import detect_family
    from hubprune.infer import infer_shape
    from hubprune.sources.local import read_local

    headers = read_local(str(ZOO / "llama"))
    for name in [n for n in headers.tensors if n.startswith("model.layers.0.self_attn.")]:
        tensor = headers.tensors.pop(name)
        renamed = name.replace("self_attn.", "self_attn.w_")
        headers.tensors[renamed] = type(tensor)(renamed, tensor.dtype, tensor.shape, tensor.begin, tensor.end, tensor.file)
    family, _ = detect_family(headers.config, headers.tensors)
    shape = infer_shape(headers, family)
    assert (shape.layers[0].q_heads, shape.layers[0].kv_heads, shape.layers[0].mixer) == (None, None, None)
    assert shape.layers[1].q_heads == 4
    unread = [f for f in shape.findings if f.code == "unrecognized_tensors"]
    assert unread and "model.layers.0.self_attn.w_" in unread[0].args["first"]


def test_text_report_shows_each_layers_mixer_and_the_stored_buffers() -> None:
    from typer.testing import CliRunner

    from hubprune.cli import app

    shape = hubprune.inspect(str(ZOO / "minimax")).shape
    assert shape.buffer_params > 0
    result = CliRunner().invoke(app, ["inspect", str(ZOO / "minimax"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert f"Stored buffers  {shape.buffer_params:,}".split() == [w for w in result.output.split("\n") if w.startswith("Stored buffers")][0].split()
    rows = {line.split()[0]: line.split() for line in result.output.splitlines() if line[:1].isdigit()}
    assert "attention" in rows["0"] and "linear" in rows["1"]
