"""Pure renderers: a result of ``hubprune.api`` in, a string out. No I/O here.

``RENDERERS`` is the one table of what can be rendered how: format -> result type -> renderer.
Every renderer has the same signature, ``renderer(result, style) -> str``, and does no arithmetic
of its own: numbers come from the result, formatted by ``rows.py``. A renderer is named as
``"module:function"`` and imported on first use, so a JSON run loads no table code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import keyword
from ..model import CheckReport, Comparison, FamilyList, InspectReport, TensorListing
from .style import Style

if TYPE_CHECKING:
    from ..errors import Spell

__all__ = ["RENDERERS", "Style", "render", "renderer", "supports"]

_ALL = (InspectReport, Comparison, CheckReport, TensorListing)

RENDERERS: dict[str, dict[type, str]] = {
    "text": {InspectReport: "text:render_inspect", Comparison: "text:render_compare", CheckReport: "text:render_check",
             TensorListing: "text:render_tensors", FamilyList: "text:render_families"},
    "markdown": {InspectReport: "markdown:render_inspect", Comparison: "markdown:render_compare",
                 CheckReport: "markdown:render_check", TensorListing: "markdown:render_tensors"},
    "json": {kind: "json:render_json" for kind in (*_ALL, FamilyList)},
    "html": {InspectReport: "html:render_inspect", Comparison: "html:render_compare", CheckReport: "html:render_check",
             TensorListing: "html:render_tensors"},
    "csv": {InspectReport: "csv:render_inspect", Comparison: "csv:render_compare", CheckReport: "csv:render_check",
            TensorListing: "csv:render_tensors"},
}  # fmt: skip

FORMATS = tuple(RENDERERS)


def supports(fmt: str, kind: type) -> bool:
    """Whether ``fmt`` can render a result of type ``kind``."""
    return kind in RENDERERS.get(fmt, {})


def renderer(fmt: str, kind: type) -> Callable[[object, Style], str]:
    """The renderer of ``kind`` in ``fmt``; ``ValueError`` when there is none."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}")
    if kind not in RENDERERS[fmt]:
        raise ValueError(f"format {fmt!r} has no {kind.__name__} report")
    module, _, function = RENDERERS[fmt][kind].partition(":")
    return getattr(importlib.import_module(f".{module}", __name__), function)


def render(
    obj: object,
    fmt: str,
    lang: str = "en",
    *,
    ascii: bool = False,
    width: int | None = None,
    bom: bool = False,
    section: str | None = None,
    spell: Spell = keyword,
) -> str:
    """Render an inspect, compare, check, tensors or families result in ``fmt``.

    ``ascii`` draws arrows and bar charts without non-ASCII glyphs; ``width`` is the text report's
    line width (terminal columns); ``bom`` starts a CSV with a UTF-8 byte-order mark, which
    spreadsheet programs need to read non-ASCII text as UTF-8; ``section`` picks a CSV's table;
    ``spell`` names the options a text points to (their Python keywords unless told otherwise).
    """
    style = Style(lang=lang, ascii=ascii, width=width or Style.width, bom=bom, section=section, spell=spell)
    return renderer(fmt, type(obj))(obj, style)
