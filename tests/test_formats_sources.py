"""The same model saved as safetensors, .bin (zip, legacy, sharded) and GGUF reads the same.

Ground truth for the per-layer numbers is ``fixtures/pytorch/ground_truth.json`` (measured on the
modules that were saved); every format of that one model must give those numbers.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune.cli import app

from .conftest import FIXTURES

PYTORCH = FIXTURES / "pytorch"
GGUF = FIXTURES / "gguf"
TRUTH = json.loads((PYTORCH / "ground_truth.json").read_text())
LAYERS = TRUTH["tiny-llama/pytorch_model.bin"]["layers"]

SAME_MODEL = [
    PYTORCH / "tiny-llama-safetensors",
    PYTORCH / "tiny-llama",
    PYTORCH / "tiny-llama-legacy",
    PYTORCH / "tiny-llama-sharded",
    PYTORCH / "tiny-llama/pytorch_model.bin",
    GGUF / "tiny-llama-f16.gguf",
    GGUF / "tiny-llama-q8_0.gguf",
    GGUF / "tiny-llama-q4_0.gguf",
    GGUF / "tiny-llama-split",
]


def layer_numbers(path) -> list[tuple]:
    report = json.loads(CliRunner().invoke(app, ["inspect", str(path), "--format", "json"]).stdout)
    return [(l["q_heads"], l["kv_heads"], l["head_dim"], l["intermediate_size"], l["params"]) for l in report["layers"]]


@pytest.mark.parametrize("path", SAME_MODEL, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_every_format_gives_the_measured_layers(path) -> None:
    numbers = layer_numbers(path)
    assert [(q, kv, d, i) for q, kv, d, i, _ in numbers] == [
        (layer["heads"], layer["kv_heads"], layer["head_dim"], layer["intermediate"]) for layer in LAYERS
    ]
    assert numbers == layer_numbers(PYTORCH / "tiny-llama-safetensors")


def test_whole_module_pickle_gives_the_pruned_widths() -> None:
    shape = hubprune.inspect(str(PYTORCH / "llm-pruner"))
    truth = TRUTH["llm-pruner/pytorch_model.bin"]["layers"]
    layers = json.loads(CliRunner().invoke(app, ["inspect", str(PYTORCH / "llm-pruner"), "--format", "json"]).stdout)["layers"]
    assert [l["intermediate_size"] for l in layers] == [layer["intermediate"] for layer in truth]
    assert shape is not None


def test_per_layer_gguf_arrays_and_shapes_agree() -> None:
    truth = json.loads((GGUF / "ground_truth.json").read_text())["tiny-deci-pruned.gguf"]
    layers = json.loads(CliRunner().invoke(app, ["inspect", str(GGUF / "tiny-deci-pruned.gguf"), "--format", "json"]).stdout)["layers"]
    assert [l["kv_heads"] or 0 for l in layers] == truth["head_count_kv"]
    assert [l["intermediate_size"] or 0 for l in layers] == truth["feed_forward_length"]


def test_compare_across_formats_finds_nothing_pruned() -> None:
    result = CliRunner().invoke(app, ["compare", str(PYTORCH / "tiny-llama-safetensors"), str(GGUF / "tiny-llama-q4_0.gguf"), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    text = json.dumps(report)
    base = layer_numbers(PYTORCH / "tiny-llama-safetensors")
    pruned = layer_numbers(GGUF / "tiny-llama-q4_0.gguf")
    assert base == pruned and "layers" in text
