"""Pure renderers: a ``ModelShape``, ``Comparison`` or ``CheckReport`` in, a string out. No I/O here."""

from __future__ import annotations

FORMATS = ("text", "markdown", "json", "html", "csv")


def render(obj: object, fmt: str, lang: str, *, unicode: bool = True) -> str:
    """Render an inspect (``ModelShape``), compare (``Comparison``) or check (``CheckReport``) result.

    ``unicode=False`` draws the terminal bar charts in ASCII. Renderer modules are imported on
    demand so that a JSON run never loads tabulate.
    """
    from ..model import CheckReport, Comparison

    kind = "compare" if isinstance(obj, Comparison) else "check" if isinstance(obj, CheckReport) else "inspect"
    if fmt == "json":
        from .json import render_json

        return render_json(obj)
    if fmt == "text":
        from . import text

        return getattr(text, f"render_{kind}")(obj, lang, unicode=unicode)
    if fmt == "markdown":
        from . import markdown as module
    elif fmt == "html":
        from . import html as module
    elif fmt == "csv":
        from . import csv as module
    else:
        raise ValueError(f"unknown format {fmt!r}")
    renderer = getattr(module, f"render_{kind}", None)
    if renderer is None:
        raise ValueError(f"format {fmt!r} has no {kind} report")
    return renderer(obj, lang)
