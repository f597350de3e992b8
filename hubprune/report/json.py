"""``--format json``: the value types' own ``to_dict()``, which is the contract of DESIGN.md §4."""

from __future__ import annotations

from typing import Any

from .style import Style


def render_json(obj: Any, style: Style) -> str:
    """Every result in JSON; the style changes nothing (messages are in English, keyed by code)."""
    return obj.to_json(indent=2) + "\n"
