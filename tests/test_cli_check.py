"""``hubprune check``, and the estimate, format and tensor options of inspect/compare, through the real CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubprune.cli import app

from .conftest import LLAMA, TAYLOR
from .test_checks import SHARD1, _hub_cache, _overlap, build, edit_entries, edit_json

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def overlapping(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(LLAMA, target)
    edit_entries(target / SHARD1, _overlap)
    return target


@pytest.mark.parametrize(
    ("model", "fail_on", "code"),
    [
        (LLAMA, "error", 0),  # clean base: nothing at all
        (LLAMA, "warning", 0),
        (TAYLOR, "error", 0),  # pruned: config mismatches are warnings
        (TAYLOR, "warning", 1),
    ],
)
def test_exit_codes_on_the_fixtures(model: Path, fail_on: str, code: int) -> None:
    result = invoke("check", str(model), "--fail-on", fail_on)
    assert result.exit_code == code, result.output
    assert "0 error(s)" in result.stdout


def test_broken_header_exits_1_and_says_why(overlapping: Path) -> None:
    result = invoke("check", str(overlapping))
    assert result.exit_code == 1
    assert "offsets_overlap" in result.stdout and "model.layers.0.self_attn.v_proj.weight" in result.stdout
    # inspect cannot read the same file: that is exit 3, with one line on stderr.
    inspected = invoke("inspect", str(overlapping))
    assert inspected.exit_code == 3 and inspected.stdout == ""


def test_missing_input_exits_3(tmp_path: Path) -> None:
    result = invoke("check", str(tmp_path / "nope"))
    assert result.exit_code == 3 and result.stdout == "" and "does not exist" in result.stderr


def test_json_findings_keep_their_shape() -> None:
    result = invoke("check", str(TAYLOR), "--format", "json", "--context", "8192", "--batch", "2")
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1 and data["family"] == "llama"
    assert all(set(f) == {"severity", "code", "message", "layer"} for f in data["findings"])
    assert data["estimates"]["kv_cache_bytes"] == 83_968 * 8192 * 2


def test_csv_and_html_check_reports(overlapping: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(invoke("check", str(overlapping), "--format", "csv").stdout)))
    assert {"offsets_overlap", "data_gaps"} <= {row["code"] for row in rows}
    assert all(row["severity"] == "error" for row in rows)
    page = invoke("check", str(TAYLOR), "--format", "html").stdout
    assert "config_shape_mismatch" in page and page.startswith("<!DOCTYPE html>")


def test_markdown_check_report() -> None:
    result = invoke("check", str(TAYLOR), "--format", "markdown", "--lang", "en")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("# Pre-download check: taylor\\_only\\_5000")
    assert "- warning: config says num\\_attention\\_heads=32" in text and "(config\\_shape\\_mismatch)" in text
    assert "| KV cache per token | 82.00 KiB |" in " ".join(text.split())
    assert "| FLOPs per token | 6.98 GFLOPs |" in " ".join(text.split())  # with its unit
    assert text.rstrip().endswith("**0 error(s), 5 warning(s), 0 note(s)**")
    clean = invoke("check", str(LLAMA), "--format", "markdown", "--lang", "zh").stdout
    assert "未发现问题" in clean


def test_markdown_reports_carry_the_estimates() -> None:
    text = invoke("compare", str(LLAMA), str(TAYLOR), "--format", "markdown", "--context", "8192", "--lang", "en").stdout
    assert "## Estimates" in text and "35.94%" in text


def test_compare_context_shows_the_kv_saving() -> None:
    text = invoke("compare", str(LLAMA), str(TAYLOR), "--context", "8192", "--lang", "en").stdout
    kv_row = next(line for line in text.splitlines() if line.startswith("KV cache, 8,192 tokens x 1"))
    assert kv_row.split()[-5:] == ["1.00", "GiB", "656.00", "MiB", "35.94%"]
    data = json.loads(invoke("compare", str(LLAMA), str(TAYLOR), "--context", "8192", "-f", "json").stdout)
    assert data["pruned"]["estimates"]["kv_cache_bytes"] == 83_968 * 8192
    assert round(data["estimates"]["kv_saved_pct"], 2) == 35.94


def test_bar_chart_ends_the_compare_report() -> None:
    text = invoke("compare", str(LLAMA), str(TAYLOR), "--lang", "zh").stdout
    lines = text.rstrip("\n").splitlines()
    assert lines[-1].split()[0] == "31" and "\u2588" in lines[-1]
    # After the three reference sections, never among them.
    assert text.index("每层 Attention 和 MLP 详细对比") < text.index("每层保留比例")


def test_tensors_lists_every_tensor_or_those_matching_a_glob() -> None:
    every = invoke("tensors", str(TAYLOR), "--lang", "en")
    assert every.exit_code == 0 and "Tensors (287)" in every.stdout
    some = invoke("tensors", str(TAYLOR), "model.layers.23.*", "--lang", "en")
    assert some.exit_code == 0 and "Tensors (5)" in some.stdout
    assert "model.layers.23.mlp.up_proj.weight" in some.stdout and "[3254, 4096]" in some.stdout
    # Options may come before the model and the glob.
    assert "Tensors (5)" in invoke("tensors", "--lang", "en", str(TAYLOR), "model.layers.23.*").stdout
    listing = json.loads(invoke("tensors", str(TAYLOR), "*.23.mlp.up_proj.*", "-f", "json").stdout)
    assert listing["pattern"] == "*.23.mlp.up_proj.*"
    assert listing["tensors"] == [
        {"name": "model.layers.23.mlp.up_proj.weight", "dtype": "BF16", "shape": [3254, 4096], "file": listing["tensors"][0]["file"]}
    ]
    assert "tensors" not in json.loads(invoke("inspect", str(LLAMA), "-f", "json").stdout)


def test_ascii_terminal_gets_ascii_bars(tmp_path: Path) -> None:
    # A terminal that cannot encode block characters (errors replaced, as many consoles do): the
    # chart is drawn in ASCII instead of turning into rows of "?".
    env = {**os.environ, "PYTHONIOENCODING": "ascii:replace", "LANG": "C"}
    result = subprocess.run(
        [sys.executable, "-m", "hubprune", "compare", str(LLAMA), str(TAYLOR), "--lang", "en"],
        capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    tail = result.stdout.decode("ascii").rstrip("\n").splitlines()[-32:]
    assert all(line.isascii() and "#" in line for line in tail)
    assert tail[-1].startswith("   31  ")


def test_a_broken_hub_cache_folder_fails_the_check(tmp_path: Path) -> None:
    # The folder huggingface_hub downloads into (models--org--name with refs/main): what inspect
    # cannot read, check must not call clean.
    repo, snapshot = _hub_cache(tmp_path, LLAMA)
    edit_entries(snapshot / SHARD1, _overlap)
    result = invoke("check", str(repo), "--lang", "en")
    assert result.exit_code == 1, result.output
    assert "offsets_overlap" in result.stdout and "No findings" not in result.stdout
    assert invoke("inspect", str(repo)).exit_code == 3


def test_a_directory_named_like_a_shard_exits_1_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "a.safetensors").mkdir()
    result = invoke("check", str(tmp_path), "--format", "json")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception  # not a crash
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["header_invalid"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_named_pipe_named_like_a_shard_does_not_hang_the_check(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until someone writes: the check must not open one.
    os.mkfifo(tmp_path / "model.safetensors")
    result = subprocess.run(
        [sys.executable, "-m", "hubprune", "check", str(tmp_path), "--format", "json"], capture_output=True, timeout=60
    )
    assert result.returncode == 1, result.stderr.decode(errors="replace")[-2000:]
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["severity"]) for f in findings] == [("header_invalid", "error")]
    assert "is a named pipe (FIFO), not a file" in findings[0]["message"]


# Address space for the child process: far more than a check needs, far less than a list of 10**12 layers.
MEMORY_LIMIT = 1 << 30


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS bounds memory on Linux")
def test_an_absurd_layer_count_in_the_config_stays_cheap(tmp_path: Path) -> None:
    # A config edited by hand (or fuzzed) with num_hidden_layers = 10**12.
    target = tmp_path / "model"
    shutil.copytree(LLAMA, target)
    edit_json(target / "config.json", lambda c: c.update(num_hidden_layers=10**12))
    result = subprocess.run(
        [sys.executable, "-m", "hubprune", "check", str(target), "--format", "json"],
        capture_output=True, timeout=120, preexec_fn=_limit_memory,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    findings = {f["code"]: f for f in json.loads(result.stdout)["findings"]}
    assert "config_num_hidden_layers" in findings
    assert "(layers 32-999999999999; first: layer 32 MLP)" in findings["config_tensors_missing"]["message"]


def test_unknown_moe_flops_are_null_in_json_and_a_question_mark_in_text(tmp_path: Path) -> None:
    config = {k: v for k, v in build.MIXTRAL_8X7B_CONFIG.items() if k != "num_experts_per_tok"} | {"num_hidden_layers": 2}
    build.write_model(tmp_path, config, build.mixtral(8, layers=2), sharded=False)
    assert json.loads(invoke("check", str(tmp_path), "-f", "json").stdout)["estimates"]["flops_per_token"] is None
    row = next(line for line in invoke("check", str(tmp_path), "--lang", "en").stdout.splitlines() if line.startswith("FLOPs per token"))
    assert row.split()[-1] == "?"
