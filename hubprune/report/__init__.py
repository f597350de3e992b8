"""Pure renderers: a ``ModelShape`` or ``Comparison`` in, a string out. No I/O here."""

from __future__ import annotations

FORMATS = ("text", "markdown", "json")


def render(obj: object, fmt: str, lang: str) -> str:
    """Render an inspect (``ModelShape``) or compare (``Comparison``) result.

    Renderer modules are imported on demand so that a JSON run never loads tabulate.
    """
    from ..model import Comparison

    kind = "compare" if isinstance(obj, Comparison) else "inspect"
    if fmt == "json":
        from .json import render_json

        return render_json(obj)
    if fmt == "markdown":
        from . import markdown as module
    elif fmt == "text":
        from . import text as module
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return getattr(module, f"render_{kind}")(obj, lang)
