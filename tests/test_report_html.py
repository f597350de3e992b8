"""``--format html``: one self-contained, well-formed page whose numbers match the text report."""

from __future__ import annotations

from hubprune import values as value_types
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

import hubprune
from hubprune.report import render
from hubprune.report.html import _nice_max, bar_chart

from .conftest import LLAMA, TAYLOR

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def comparison():
    return hubprune.compare(str(LLAMA), str(TAYLOR), context=8192)


class _Collect(HTMLParser):
    """Every tag and attribute, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        self.attrs += attrs


def _text(element: ET.Element) -> str:
    return "".join(element.itertext())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_page_is_well_formed_and_carries_the_numbers(comparison, lang: str) -> None:
    page = render(comparison, "html", lang)
    root = ET.fromstring(page.split("\n", 1)[1])  # after <!DOCTYPE html>
    assert root.tag == f"{XHTML}html"
    tables = root.findall(f".//{XHTML}table")
    svgs = root.findall(f".//{SVG}svg")
    assert len(svgs) == 3  # kept %, heads, intermediate size
    text = _text(root)
    for number in ("8,030,261,248", "4,015,140,864", "57.53%", "81.66%", "35.94%", "656.00 MiB"):
        assert number in text, number
    # The per-layer table has the text report's 32 rows and the same cells.
    per_layer = next(t for t in tables if len(t.findall(f".//{XHTML}tbody/{XHTML}tr")) == 32)
    row_23 = [_text(td) for td in per_layer.findall(f".//{XHTML}tbody/{XHTML}tr")[23]]
    assert row_23[:7] == ["23", "218,112,000", "39,993,344", "18.34%", "81.66%", "100.00%", "77.30%"]


def test_charts_carry_each_layers_value(comparison) -> None:
    root = ET.fromstring(render(comparison, "html", "en").split("\n", 1)[1])
    kept = root.findall(f".//{SVG}svg")[0]
    titles = [_text(rect) for rect in kept.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert len(titles) == 64  # 32 layers x (attention, MLP)
    assert "Layer 23: Attention 0.00%" in titles and "Layer 0: Attention 100.00%" in titles
    heads = root.findall(f".//{SVG}svg")[1]
    assert any(_text(r) == "Layer 2: KV heads (Pruned) 7" for r in heads.iter(f"{SVG}rect"))


def test_page_is_self_contained(comparison) -> None:
    page = render(comparison, "html", "en")
    parser = _Collect()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    urls = [value for name, value in parser.attrs if name in ("src", "href") and value]
    assert urls == []
    # The only URLs are the XML namespaces.
    assert set(__import__("re").findall(r"https?://[^\"' ]+", page)) == {"http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg"}


def test_names_are_escaped(comparison) -> None:
    pruned = comparison.pruned
    hostile = value_types.replace(
        comparison, pruned=value_types.replace(pruned, shape=value_types.replace(pruned.shape, name="<b>&x</b>"))
    )
    page = render(hostile, "html", "en")
    assert "&lt;b&gt;&amp;x&lt;/b&gt;" in page
    ET.fromstring(page.split("\n", 1)[1])


def test_inspect_and_check_pages_parse() -> None:
    shape = hubprune.inspect(str(TAYLOR))
    root = ET.fromstring(render(shape, "html", "en").split("\n", 1)[1])
    assert len(root.findall(f".//{SVG}svg")) == 3
    text = _text(root)
    assert "4,015,140,864" in text and "82.00 KiB" in text
    listing = ET.fromstring(render(hubprune.tensors(str(TAYLOR), "model.layers.23.*"), "html", "en").split("\n", 1)[1])
    assert "model.layers.23.mlp.up_proj.weight" in _text(listing)
    report = hubprune.check(str(TAYLOR))
    root = ET.fromstring(render(report, "html", "zh").split("\n", 1)[1])
    assert "config_shape_mismatch" in _text(root) and "5 个警告" in _text(root)


@pytest.mark.parametrize(("peak", "top"), [(32, 40), (8, 8), (14336, 20000), (100, 100), (1, 4), (0, 4)])
def test_axis_tops_are_round(peak: float, top: int) -> None:
    assert _nice_max(peak) == top


def test_missing_values_draw_no_bar() -> None:
    svg = bar_chart("t", [0, 1], [("a", [None, 3.0], "#000")])
    root = ET.fromstring(svg)
    assert len([r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]) == 1


def _browser() -> str | None:
    return next((b for b in ("chromium", "chromium-browser", "google-chrome", "chrome") if shutil.which(b)), None)


@pytest.mark.skipif(_browser() is None, reason="no headless browser on this machine")
def test_page_renders_headless(comparison, tmp_path: Path) -> None:
    page, shot = tmp_path / "report.html", tmp_path / "report.png"
    page.write_text(render(comparison, "html", "en"), encoding="utf-8")
    # The page needs no network; keep the browser from reaching for any (updates, sync, first-run).
    quiet = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
             "--disable-quic", f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run(
        [_browser(), "--headless", "--disable-gpu", "--no-sandbox", *quiet, f"--screenshot={shot}", "--window-size=1200,2400",
         page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a blank page compresses to far less
