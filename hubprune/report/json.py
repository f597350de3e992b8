"""``--format json``: the pydantic dump, which is the contract of DESIGN.md §4."""

from __future__ import annotations

from pydantic import BaseModel


def render_json(obj: BaseModel) -> str:
    return obj.model_dump_json(indent=2) + "\n"
