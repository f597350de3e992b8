"""The command line's conventions: one error table caught once, help, exit codes, glyphs, width,
progress, option bundles."""

from __future__ import annotations

import csv
import inspect
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubprune import errors
from hubprune.formats import errors as _format_errors  # noqa: F401  (their classes join the tree)
from hubprune.cli import ERRORS, EXIT_INPUT, EXIT_USAGE, Progress, app, error_line

from .conftest import LLAMA, TAYLOR

runner = CliRunner()


def invoke(*args: str, **env: str):
    return runner.invoke(app, list(args), env=env or None, prog_name="hubprune")


def _make_error(cls: type[errors.HubpruneError]) -> errors.HubpruneError:
    """An instance of any error class: each required field filled with a value naming the field."""
    args: dict[str, object] = {}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.default is not param.empty:
            continue
        args[name] = 7 if "int" in str(param.annotation) else f"<{name}>"
    return cls(**args)


def _all_error_classes() -> list[type[errors.HubpruneError]]:
    found, todo = [], [errors.HubpruneError]
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo += kind.__subclasses__()
    return sorted(set(found), key=lambda k: k.__name__)


@pytest.mark.parametrize("cls", _all_error_classes(), ids=lambda k: k.__name__)
def test_every_error_type_has_a_row_and_one_line(cls) -> None:
    error = _make_error(cls)
    code, line = error_line(error, "en")
    expected = EXIT_USAGE if isinstance(error, errors.UsageError) else EXIT_INPUT
    assert code == expected
    assert line == f"hubprune: error: {error}" and "\n" not in line
    # The Chinese line keeps the prefix scripts match.
    assert error_line(error, "zh")[1].startswith("hubprune: error: ")


def test_subclasses_come_before_their_base() -> None:
    kinds = [kind for kind, _code, _key in ERRORS]
    for i, kind in enumerate(kinds):
        assert not any(issubclass(later, kind) and later is not kind for later in kinds[i + 1 :]), kind


def test_an_error_is_caught_once_for_every_command(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")
    for args in (["inspect", missing], ["tensors", missing], ["check", missing], ["compare", missing, str(TAYLOR)],
                 ["skeleton", missing, "-o", str(tmp_path / "out")]):  # fmt: skip
        result = invoke(*args)
        assert result.exit_code == EXIT_INPUT, args
        assert result.stderr == f"hubprune: error: {errors.PathNotFoundError(missing)}\n"
        assert result.stdout == ""


def test_h_is_help_everywhere() -> None:
    for args in ([], ["inspect"], ["compare"], ["check"], ["tensors"], ["families"], ["skeleton"], ["schema"]):
        short, long = invoke(*args, "-h"), invoke(*args, "--help")
        assert short.exit_code == 0 and short.stdout == long.stdout and "Usage: hubprune" in short.stdout


def test_top_level_help_lists_the_exit_codes_and_completion() -> None:
    text = invoke("--help").stdout
    assert "Exit codes:" in text
    for code in ("0  success", "1  check", "2  usage", "3  input"):
        assert code in text
    assert "--install-completion" in text and "--show-completion" in text


@pytest.mark.parametrize(
    ("command", "usage"),
    [("inspect", "inspect [OPTIONS] MODEL"), ("compare", "compare [OPTIONS] BASE PRUNED"),
     ("tensors", "tensors [OPTIONS] MODEL [GLOB]"), ("check", "check [OPTIONS] MODEL")],
)  # fmt: skip
def test_usage_lines_name_the_arguments(command: str, usage: str) -> None:
    text = invoke(command, "--help").stdout
    assert f"Usage: hubprune {usage}" in text and "{" not in text.splitlines()[0]


def test_the_bundles_give_every_report_command_the_same_options() -> None:
    shared = ("--format", "--lang", "--output", "--token", "--no-cache", "--bom", "--section")
    for command in ("inspect", "compare", "check", "tensors"):
        text = invoke(command, "--help").stdout
        assert all(option in text for option in shared), command
    for command in ("inspect", "compare", "check"):
        assert "--context" in invoke(command, "--help").stdout


def test_errors_are_said_once_with_the_report_language(tmp_path: Path) -> None:
    result = invoke("inspect", str(tmp_path / "missing"), "--lang", "zh")
    assert result.exit_code == EXIT_INPUT and result.stderr.count("\n") == 1


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, **env}
    full.pop("LC_ALL", None)
    return subprocess.run([sys.executable, "-m", "hubprune", *args], capture_output=True, env=full, timeout=120)


def test_an_ascii_terminal_gets_ascii_arrows_and_bars() -> None:
    result = _run("compare", str(LLAMA), str(TAYLOR), "--lang", "en", PYTHONIOENCODING="ascii:replace", LANG="C")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("ascii")
    # Not "41,943,040 ? 36,700,160": the arrow has an ASCII form of its own, as the bars do.
    assert "Params: 41,943,040 -> 36,700,160 (-12.50%)" in text and "040 ? " not in text


def test_a_utf8_file_keeps_the_arrows(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = _run("compare", str(LLAMA), str(TAYLOR), "--lang", "en", "-o", str(out), PYTHONIOENCODING="ascii:replace", LANG="C")
    assert result.returncode == 0 and "\u2192" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("columns", ["60", "80"])
def test_columns_sets_the_text_width(columns: str) -> None:
    text = invoke("inspect", str(TAYLOR), "--lang", "en", COLUMNS=columns).stdout
    rules = [line for line in text.splitlines() if line and set(line) <= {"=", "-"}]
    assert rules and {len(line) for line in rules} == {int(columns)}


def test_without_columns_a_pipe_gets_the_reference_width() -> None:
    text = _run("inspect", str(TAYLOR), "--lang", "en", COLUMNS="").stdout.decode()
    assert text.splitlines()[0] == "=" * 100


def test_csv_sections_and_bom() -> None:
    summary = invoke("inspect", str(TAYLOR), "-f", "csv", "--section", "summary").stdout
    fields = {row["field"]: row["value"] for row in csv.DictReader(io.StringIO(summary))}
    assert fields["total_params"] == "4015140864" and fields["commit"] == ""  # null is an empty cell
    dtypes = list(csv.DictReader(io.StringIO(invoke("inspect", str(TAYLOR), "-f", "csv", "--section", "dtypes").stdout)))
    assert dtypes == [{"dtype": "BF16", "params": "4015140864", "bytes": "8030281728"}]
    totals = list(csv.DictReader(io.StringIO(invoke("compare", str(LLAMA), str(TAYLOR), "-f", "csv", "--section", "totals").stdout)))
    assert [r["item"] for r in totals] == ["total", "decoder"] and totals[0]["removed_params"] == "4015120384"
    estimates = invoke("compare", str(LLAMA), str(TAYLOR), "-f", "csv", "--section", "estimates").stdout
    assert estimates.splitlines()[0] == "field,base,pruned" and "flops_per_token," in estimates
    findings = invoke("compare", str(LLAMA), str(TAYLOR), "-f", "csv", "--section", "findings", "--lang", "zh", "--bom").stdout
    assert findings.startswith("\ufeffseverity,code,layer,message") and "config 声明" in findings
    bad = invoke("check", str(TAYLOR), "-f", "csv", "--section", "layers")
    assert bad.exit_code == EXIT_USAGE and "choose one of findings, estimates" in bad.stderr


def test_csv_options_need_the_csv_format() -> None:
    result = invoke("inspect", str(TAYLOR), "--section", "summary")
    assert result.exit_code == EXIT_USAGE and result.stdout == ""
    assert result.stderr == "hubprune: error: --bom and --section shape a CSV file: add --format csv\n"


def test_a_format_without_such_a_report_is_a_usage_error() -> None:
    result = invoke("families", "-f", "html")
    assert result.exit_code == EXIT_USAGE and result.stderr.startswith("hubprune: error: families has no html listing")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_combined_line_for_both_models() -> None:
    stream = _Terminal()
    progress = Progress(["org/base", "org/pruned"], stream=stream, delay=0)
    progress("org/base", 3, 8)
    assert progress.line().startswith("hubprune: org/base: 3/8 shard headers; org/pruned: reading (")
    with progress:
        progress("org/pruned", 8, 8)
        progress.draw()
    # Drawn over itself on one line, and cleared at the end so the report starts on a clean line.
    assert stream.getvalue().startswith("\r\x1b[K")
    assert "org/base: 3/8 shard headers; org/pruned: 8/8 shard headers" in stream.getvalue()
    assert stream.getvalue().endswith("\r\x1b[K") and "\n" not in stream.getvalue()


def test_progress_stays_silent_off_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(["m"], stream=stream, delay=0) as progress:
        progress("m", 1, 2)
    assert stream.getvalue() == "" and not progress.enabled


def test_json_output_is_unchanged_by_the_terminal() -> None:
    plain = json.loads(invoke("inspect", str(TAYLOR), "-f", "json").stdout)
    narrow = json.loads(invoke("inspect", str(TAYLOR), "-f", "json", COLUMNS="40").stdout)
    assert plain == narrow
