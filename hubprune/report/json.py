"""``--format json``: the value types' own ``to_dict()``, which is the contract of DESIGN.md §4."""

from __future__ import annotations

import json
from typing import Any

from .style import Style

_CONTAINERS = (dict, list, tuple)
_SCALAR = json.JSONEncoder(ensure_ascii=False).encode
# One encoder per depth (json.dumps with separators would build one per call).
_ONE_LINE: dict[str, Any] = {}


def _encode(value: Any, indent: str, out: list[str]) -> None:
    """Append ``value`` as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it.

    Python's json runs its pure-Python encoder whenever an indent is asked for; its C encoder
    serves only one-line output. The text is the same either way, so a container holding no other
    container (a layer, a dtype table) is written in one call to the C encoder, its item separator
    carrying the newline and indent: only the containers above those are walked here.
    """
    if isinstance(value, dict):
        items = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        out.append(_SCALAR(value))
        return
    if not items:
        out.append("{}" if isinstance(value, dict) else "[]")
        return
    inner = indent + "  "
    if not any(isinstance(item, _CONTAINERS) for item in items):
        encode = _ONE_LINE.get(inner)
        if encode is None:
            encode = _ONE_LINE[inner] = json.JSONEncoder(ensure_ascii=False, separators=(",\n" + inner, ": ")).encode
        text = encode(value)
        out.append(f"{text[0]}\n{inner}{text[1:-1]}\n{indent}{text[-1]}")
        return
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    out.append(opening)
    separator = "\n" + inner
    if isinstance(value, dict):
        for key, item in value.items():
            out.append(separator)
            # The key as json writes it (a non-string key the same way json.dumps turns it into one).
            out.append(_SCALAR(key) if type(key) is str else _SCALAR({key: None})[1:-7])
            out.append(": ")
            _encode(item, inner, out)
            separator = ",\n" + inner
    else:
        for item in items:
            out.append(separator)
            _encode(item, inner, out)
            separator = ",\n" + inner
    out.append("\n" + indent + closing)


def dumps(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, at the speed of the C encoder."""
    out: list[str] = []
    _encode(value, "", out)
    return "".join(out)


def render_json(obj: Any, style: Style) -> str:
    """Every result in JSON; the style changes nothing (messages are in English, keyed by code)."""
    return dumps(obj.to_dict()) + "\n"
