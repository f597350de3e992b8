"""The reference report, reproduced from headers alone.

``seed.txt`` below is the pruning report of Llama-3-8B-Instruct vs the Taylor-pruned model that
hubprune must reproduce. Numbers are parsed out of both reports and compared section by
section, so layout may differ but no number may. A percentage is compared as written, except that
zero is zero whatever its sign: the reference writes an unchanged part as ``(-0.00%)``, hubprune as
``(0.00%)``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hubprune.cli import app
from typer.testing import CliRunner

from .conftest import LLAMA, TAYLOR

SEED = Path(__file__).resolve().parent / "data" / "seed_report_zh.txt"

NUM = r"([\d,]+)"
PCT = r"(-?[\d.]+)%"


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _pct(text: str) -> str:
    """A percentage as written, with ``-0.00`` read as the number it is (``0.00``)."""
    return "0.00" if float(text) == 0 else text


def parse_report(text: str, labels: dict[str, str]) -> dict:
    """Pull every number of the three sections out of a compare text report."""
    totals = {}
    for key in ("total", "decoder"):
        match = re.search(rf"^{re.escape(labels[key])}\s+{NUM}\s+{NUM}\s+{NUM}\s+{PCT}", text, re.M)
        assert match, f"no {key} row"
        totals[key] = (_int(match[1]), _int(match[2]), _int(match[3]), _pct(match[4]))
    rows = {}
    for match in re.finditer(rf"^(\d+)\s+{NUM}\s+{NUM}\s+{PCT}\s+{PCT}\s+{PCT}\s+{PCT}[ \t]*([^\n]*)$", text, re.M):
        rows[int(match[1])] = (_int(match[2]), _int(match[3]), *map(_pct, match.group(4, 5, 6, 7)), match[8].strip())
    details = {}
    parts = re.split(r"^Layer (\d+):$", text, flags=re.M)
    for index, body in zip(parts[1::2], parts[2::2]):
        params = re.findall(rf"{re.escape(labels['params'])}: {NUM} → {NUM} \((-?[\d.]+)%\)", body)
        width = re.search(rf"{re.escape(labels['intermediate'])}: (\d+) → (\d+)", body)
        assert len(params) == 2 and width, f"layer {index} details incomplete"
        details[int(index)] = (
            [(_int(a), _int(b), _pct(pct)) for a, b, pct in params],
            (int(width[1]), int(width[2])),
        )
    return {"totals": totals, "rows": rows, "details": details}


ZH = {"total": "总参数量", "decoder": "Decoder Layers", "params": "参数", "intermediate": "中间维度"}
EN = {"total": "Total parameters", "decoder": "Decoder Layers", "params": "Params", "intermediate": "Intermediate size"}


@pytest.fixture(scope="module")
def seed() -> dict:
    return parse_report(SEED.read_text(encoding="utf-8"), ZH)


def run_compare(*extra: str) -> str:
    result = CliRunner().invoke(app, ["compare", str(LLAMA), str(TAYLOR), *extra])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_seed_parses_completely(seed: dict) -> None:
    # Guards the parser itself: 2 total rows, 32 table rows, 32 detail blocks.
    assert len(seed["totals"]) == 2 and len(seed["rows"]) == 32 and len(seed["details"]) == 32
    assert seed["totals"]["total"] == (8_030_261_248, 4_015_140_864, 4_015_120_384, "50.00")


def test_chinese_report_reproduces_every_number(seed: dict) -> None:
    ours = parse_report(run_compare("--lang", "zh"), ZH)
    assert ours == seed


def test_chinese_report_has_the_reference_labels() -> None:
    text = run_compare("--lang", "zh")
    for line in ("模型剪枝对比分析报告", "原始模型: Llama-3-8B-Instruct", "剪枝模型: taylor_only_5000", "总体参数统计",
                 "每层参数详细对比", "每层 Attention 和 MLP 详细对比", "[Attn剪空]"):
        assert line in text
    for header in ("项目", "原始", "剪枝后", "减少", "剪枝比例", "总参数(原始)", "总参数(剪枝)", "保留比例%", "剪枝率%",
                   "Attn剪枝%", "MLP剪枝%", "状态"):
        assert header in text
    # The sections come in the reference's order.
    order = [text.index(s) for s in ("总体参数统计", "每层参数详细对比", "每层 Attention 和 MLP 详细对比")]
    assert order == sorted(order)


def test_english_report_carries_the_same_numbers(seed: dict) -> None:
    ours = parse_report(run_compare("--lang", "en"), EN)
    # Status words are translated; everything else is identical.
    seed_rows = {i: row[:-1] for i, row in seed["rows"].items()}
    assert {i: row[:-1] for i, row in ours["rows"].items()} == seed_rows
    assert ours["rows"][23][-1] == "[attention removed]"
    assert ours["totals"] == seed["totals"] and ours["details"] == seed["details"]


def test_heads_are_reported_beyond_the_reference() -> None:
    text = run_compare("--lang", "zh")
    layer_2 = text.split("Layer 2:")[1].split("Layer 3:")[0]
    assert "查询头: 32 → 28" in layer_2 and "KV头: 8 → 7" in layer_2
    layer_23 = text.split("Layer 23:")[1].split("Layer 24:")[0]
    assert "查询头: 32 → 0" in layer_23 and "KV头: 8 → 0" in layer_23


def test_columns_stay_aligned_with_chinese_labels() -> None:
    from wcwidth import wcswidth

    text = run_compare("--lang", "zh")
    table = text.split("每层参数详细对比")[1].split("每层 Attention")[0]
    lines = [line for line in table.splitlines() if re.match(r"^(Layer|\d+)\s", line)]
    # Every row ends its last numeric column (MLP %) at the same display column as the header's.
    ends = {wcswidth(line[: line.rindex("%") + 1]) for line in lines if "%" in line}
    header = next(line for line in lines if line.startswith("Layer"))
    assert len(ends) == 1
    assert wcswidth(header[: header.index("MLP剪枝%") + len("MLP剪枝%")]) == ends.pop()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_unchanged_part_has_no_minus_sign(lang: str) -> None:
    # The reference's unchanged attention blocks read "(-0.00%)"; hubprune writes no sign for zero.
    assert "(-0.00%)" in SEED.read_text(encoding="utf-8")
    text = run_compare("--lang", lang)
    assert "(0.00%)" in text and "-0.00%" not in text
