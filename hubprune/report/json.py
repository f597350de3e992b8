"""``--format json``: the value types' own ``to_dict()``, which is the contract of DESIGN.md §4."""

from __future__ import annotations

from typing import Any


def render_json(obj: Any, lang: str = "en") -> str:
    """Every result in JSON; the language changes nothing (messages are in English, keyed by code)."""
    return obj.to_json(indent=2) + "\n"


render_inspect = render_compare = render_check = render_tensors = render_families = render_json
