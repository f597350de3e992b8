"""``--format json``: the value types' own dump, which is the contract of DESIGN.md §4."""

from __future__ import annotations

from typing import Any


def render_json(obj: Any) -> str:
    return obj.model_dump_json(indent=2) + "\n"
