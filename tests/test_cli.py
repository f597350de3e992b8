"""The CLI, in-process (CliRunner) and as a subprocess, including its error contract."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune.cli import app

from .conftest import LLAMA, TAYLOR

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"hubprune {hubprune.__version__}"


def test_inspect_json_follows_the_contract() -> None:
    result = invoke("inspect", str(TAYLOR), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1
    for key in ("total_params", "params_by_dtype", "decoder_params", "num_layers", "hidden_size", "head_dim", "family", "layers", "findings"):
        assert key in data
    assert data["total_params"] == 4_015_140_864 and data["num_layers"] == 32 and data["family"] == "llama"
    layer_2, layer_23 = data["layers"][2], data["layers"][23]
    for key in ("index", "params", "attn_params", "mlp_params", "q_heads", "kv_heads", "intermediate_size", "experts"):
        assert key in layer_2
    assert (layer_2["q_heads"], layer_2["kv_heads"], layer_2["intermediate_size"], layer_2["experts"]) == (28, 7, 10349, None)
    # A removed part gives 0, not null.
    assert (layer_23["q_heads"], layer_23["kv_heads"], layer_23["attn_params"]) == (0, 0, 0)
    codes = {f["code"]: f for f in data["findings"]}
    assert codes["config_num_attention_heads"]["severity"] == "warning"
    assert "num_attention_heads=32" in codes["config_num_attention_heads"]["message"]


def test_base_model_has_no_config_findings() -> None:
    data = json.loads(invoke("inspect", str(LLAMA), "--format", "json").stdout)
    assert data["total_params"] == 8_030_261_248
    assert not [f for f in data["findings"] if f["code"].startswith("config_")]
    assert {(layer["q_heads"], layer["kv_heads"], layer["intermediate_size"]) for layer in data["layers"]} == {(32, 8, 14336)}


def test_compare_json_follows_the_contract() -> None:
    data = json.loads(invoke("compare", str(LLAMA), str(TAYLOR), "-f", "json").stdout)
    assert set(data) >= {"base", "pruned", "totals", "layers"}
    totals = data["totals"]
    for key in ("base_params", "pruned_params", "removed_params", "pruned_pct", "base_decoder_params", "pruned_decoder_params", "decoder_pruned_pct"):
        assert key in totals
    assert totals["removed_params"] == 4_015_120_384 and round(totals["decoder_pruned_pct"], 2) == 57.53
    layer = data["layers"][23]
    for key in ("index", "base_params", "pruned_params", "kept_pct", "pruned_pct", "attn_pruned_pct", "mlp_pruned_pct",
                "base_q_heads", "pruned_q_heads", "base_kv_heads", "pruned_kv_heads", "base_intermediate_size",
                "pruned_intermediate_size", "status"):
        assert key in layer
    assert layer["status"] == ["attn_removed"] and layer["attn_pruned_pct"] == 100.0
    assert 0 <= layer["kept_pct"] <= 100


def test_markdown_report() -> None:
    text = invoke("compare", str(LLAMA), str(TAYLOR), "--format", "markdown", "--lang", "en").stdout
    assert text.startswith("# Model pruning comparison report")
    assert "| Total parameters | 8,030,261,248 | 4,015,140,864 | 4,015,120,384 |" in text.replace("  ", " ").replace("  ", " ")
    assert "| 23 " in text and "\\[attention removed\\]" in text  # brackets escaped: text, not a link


def test_inspect_text_in_both_languages() -> None:
    en = invoke("inspect", str(TAYLOR), "--lang", "en").stdout
    zh = invoke("inspect", str(TAYLOR), "--lang", "zh").stdout
    assert "Total parameters" in en and "4,015,140,864" in en
    assert "总参数量" in zh and "4,015,140,864" in zh


def test_language_follows_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert "模型剪枝对比分析报告" in invoke("compare", str(LLAMA), str(TAYLOR)).stdout
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert "Model pruning comparison report" in invoke("compare", str(LLAMA), str(TAYLOR)).stdout


def test_output_file_is_written_and_stdout_stays_empty(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    result = invoke("compare", str(LLAMA), str(TAYLOR), "-f", "markdown", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("# ")
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]  # no temp file left behind


def test_output_is_not_written_when_reading_fails(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    result = invoke("compare", str(LLAMA), str(tmp_path / "missing"), "-o", str(target))
    assert result.exit_code == 3 and not target.exists()


def test_skeleton_roundtrip(tmp_path: Path) -> None:
    out = tmp_path / "copy"
    result = invoke("skeleton", str(TAYLOR), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in TAYLOR.iterdir())
    copy, original = hubprune.inspect(str(out)).to_dict(), hubprune.inspect(str(TAYLOR)).to_dict()
    assert {k: v for k, v in copy.items() if k not in ("source", "name")} == {
        k: v for k, v in original.items() if k not in ("source", "name")
    }
    # Refuses to write into a folder that has files.
    again = invoke("skeleton", str(TAYLOR), "-o", str(out))
    assert again.exit_code == 2 and "not an empty folder" in again.stderr


def test_different_layer_counts_say_why(tmp_path: Path) -> None:
    # Depth pruning: drop the last layer's tensors from a copy.
    from hubprune.sources.local import read_local
    from hubprune.skeleton import write_skeleton
    from hubprune import values as value_types

    headers = read_local(str(TAYLOR))
    files = [
        value_types.replace(f, tensors=tuple(t for t in f.tensors if ".layers.31." not in t.name)) for f in headers.files
    ]
    shallow = value_types.replace(headers, files=tuple(files), index=None)
    write_skeleton(shallow, tmp_path / "shallow")
    # Nothing records which base layer went: totals only, and the report says why.
    for lang, note in (("en", "the models have 32 and 31 decoder layers"), ("zh", "两个模型分别有 32 层和 31 层")):
        result = invoke("compare", str(LLAMA), str(tmp_path / "shallow"), "--lang", lang)
        assert result.exit_code == 0, result.output
        assert note in result.stdout and "--layer-map" in result.stdout
        assert "depth_pruned" in result.stdout
    markdown = invoke("compare", str(LLAMA), str(tmp_path / "shallow"), "-f", "markdown").stdout
    assert "decoder layers and nothing records" in markdown and "| 0 " not in markdown
    data = json.loads(invoke("compare", str(LLAMA), str(tmp_path / "shallow"), "-f", "json").stdout)
    assert data["aligned"] is False and data["layers"] == []
    # With a map the layers are paired: the last base layer is the one that went.
    mapped = json.loads(invoke("compare", str(LLAMA), str(tmp_path / "shallow"), "-f", "json", "--layer-map", "0-30").stdout)
    assert mapped["layers"][31]["status"] == ["layer_removed"] and mapped["layers"][30]["pruned_params"] > 0
    # The library can be asked to refuse instead.
    from hubprune.errors import CannotAlign

    with pytest.raises(CannotAlign, match="32 and 31 decoder layers"):
        hubprune.compare(str(LLAMA), str(tmp_path / "shallow"), allow_unaligned=False)
    bad_map = invoke("compare", str(LLAMA), str(tmp_path / "shallow"), "--layer-map", "0-x")
    assert bad_map.exit_code == 2 and bad_map.stderr.startswith("hubprune: error: ")


def _bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", 10) + b"{not json}")
    return path


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: d / "missing", "does not exist"),
        (lambda d: (d / "empty.safetensors").write_bytes(b"") or d / "empty.safetensors", "8-byte header length"),
        (_bad_file, "not valid JSON"),
    ],
)
def test_bad_input_gives_one_line_and_exit_3(tmp_path: Path, make, needle: str) -> None:
    target = make(tmp_path)
    result = invoke("inspect", str(target))
    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hubprune: error: ") and needle in lines[0]
    assert "Traceback" not in result.stderr


def test_usage_error_exit_2() -> None:
    assert invoke("inspect", str(LLAMA), "--format", "yaml").exit_code == 2


def test_subprocess_console_entry_and_module(tmp_path: Path) -> None:
    env = {**os.environ, "LANG": "C.UTF-8"}
    env.pop("LC_ALL", None)
    ok = subprocess.run(
        [sys.executable, "-m", "hubprune", "compare", str(LLAMA), str(TAYLOR), "--lang", "zh"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert ok.returncode == 0 and "4,015,140,864" in ok.stdout and ok.stderr == ""
    exe = shutil.which("hubprune")
    if exe:  # installed console script
        bad = subprocess.run([exe, "inspect", str(tmp_path / "nope")], capture_output=True, text=True, env=env, timeout=120)
        assert bad.returncode == 3 and bad.stdout == "" and "Traceback" not in bad.stderr
        assert bad.stderr.count("\n") == 1
