"""Terminal bar charts: exact widths, ASCII fallback, 80 columns in both languages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wcwidth import wcswidth

import hubprune
from hubprune.report import Style
from hubprune.report.bars import bar, compare_bars, inspect_bars

from .conftest import LLAMA, TAYLOR


@given(fraction=st.floats(min_value=-1, max_value=2, allow_nan=False), width=st.integers(1, 60), unicode=st.booleans())
def test_a_bar_is_always_exactly_its_width(fraction: float, width: int, unicode: bool) -> None:
    drawn = bar(fraction, width, unicode=unicode)
    assert len(drawn) == width
    assert drawn.isascii() != unicode or set(drawn) <= {"#", "."}


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0.0, "░░░░"), (1.0, "████"), (0.5, "██░░"), (1 / 32, "▏░░░"), (0.97, "███▉")],
)
def test_eighth_blocks(fraction: float, expected: str) -> None:
    assert bar(fraction, 4) == expected


@pytest.fixture(scope="module")
def comparison():
    return hubprune.compare(str(LLAMA), str(TAYLOR))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("unicode", [True, False])
def test_charts_fit_80_columns(comparison, lang: str, unicode: bool) -> None:
    style = Style(lang=lang, ascii=not unicode)
    for lines in (compare_bars(comparison, style), inspect_bars(comparison.pruned.shape, style)):
        assert max(wcswidth(line) for line in lines) <= 80
        assert all(line.isascii() for line in lines[2:]) != unicode


@pytest.mark.parametrize("width", [40, 50, 64, 72])
def test_charts_shrink_to_the_width(comparison, width: int) -> None:
    # COLUMNS narrower than the chart: the bars give up cells (the headings' words cannot).
    style = Style(lang="en", ascii=True, width=width)
    for lines in (compare_bars(comparison, style)[2:], inspect_bars(comparison.pruned.shape, style)[2:]):
        assert len(lines) == 32 and max(wcswidth(line) for line in lines) <= width
        assert all("#" in line or "." in line for line in lines)


def test_compare_chart_shows_kept_shares(comparison) -> None:
    rows = compare_bars(comparison, Style(ascii=True))[2:]
    assert len(rows) == 32
    assert rows[23].split()[1:3] == ["." * 24, "0%"]  # attention removed
    assert rows[0].split()[1:3] == ["#" * 24, "100%"]  # attention untouched


def test_inspect_chart_shows_heads_and_width() -> None:
    rows = inspect_bars(hubprune.inspect(str(TAYLOR)).shape, Style(ascii=True))[2:]
    assert rows[2].split()[2] == "28/7" and rows[2].split()[-1] == "10349"
    assert rows[23].split()[2] == "0/0"
