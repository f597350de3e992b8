"""Pure renderers: a result of ``hubprune.api`` in, a string out. No I/O here."""

from __future__ import annotations

import importlib

from ..model import CheckReport, Comparison, FamilyList, InspectReport, TensorListing

# The kind of report each result type is; it names the renderer function in each format module.
_KINDS: dict[type, str] = {
    InspectReport: "inspect",
    Comparison: "compare",
    CheckReport: "check",
    TensorListing: "tensors",
    FamilyList: "families",
}

# Format -> the module of its renderers, imported on first use: a JSON run loads no table code.
FORMAT_MODULES = {"text": "text", "markdown": "markdown", "json": "json", "html": "html", "csv": "csv"}


def render(obj: object, fmt: str, lang: str, *, unicode: bool = True) -> str:
    """Render an inspect, compare, check, tensors or families result in ``fmt``.

    ``unicode=False`` draws the terminal bar charts in ASCII.
    """
    kind = _KINDS[type(obj)]
    if fmt not in FORMAT_MODULES:
        raise ValueError(f"unknown format {fmt!r}")
    module = importlib.import_module(f".{FORMAT_MODULES[fmt]}", __name__)
    renderer = getattr(module, f"render_{kind}", None)
    if renderer is None:
        raise ValueError(f"format {fmt!r} has no {kind} report")
    if fmt == "text":
        return renderer(obj, lang, unicode=unicode)
    return renderer(obj, lang)
