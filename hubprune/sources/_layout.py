"""The rule for file names a checkpoint itself names, shared by the local and the Hub reader.

The index's ``weight_map`` and a repo's file listing are data from whoever published the model.
Before anything is opened or requested for such a name it must be a plain relative path inside
the folder or repo: no ``..``, no absolute path, no backslash, no percent-escape, no URL, no
control character. Otherwise one index line could make a Hub run send the user's token for a file
of another repo, or a local run read a file outside the model.
"""

from __future__ import annotations

import re

from ..errors import UnsafeFileName

INDEX_NAME = "model.safetensors.index.json"
MAX_NAME_LEN = 1_024

# "http:", "file:", "C:": a scheme or a drive makes a name mean somewhere else.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def checked_file_name(name: object, *, source: str = INDEX_NAME) -> str:
    """``name`` if it is a plain relative path inside the checkpoint, else ``UnsafeFileName``.

    >>> checked_file_name("model-00001-of-00002.safetensors")
    'model-00001-of-00002.safetensors'
    >>> checked_file_name("../x")
    Traceback (most recent call last):
    ...
    hubprune.errors.UnsafeFileName: model.safetensors.index.json names '../x', which climbs out of the model with '..': hubprune reads only files inside the model folder or repo; fix or regenerate the index
    """
    if not isinstance(name, str):
        raise UnsafeFileName(repr(name)[:80], "is not a string", source=source)
    problem = _problem(name)
    if problem:
        shown = ascii(name)
        raise UnsafeFileName(shown if len(shown) <= 80 else shown[:77] + "...", problem, source=source)
    return name


def _problem(name: str) -> str | None:
    if not name:
        return "is empty"
    if len(name) > MAX_NAME_LEN:
        return f"is longer than {MAX_NAME_LEN} characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "contains a control character"
    if "\\" in name:
        return "contains a backslash"
    if name.startswith("/"):
        return "is an absolute path"
    if _SCHEME.match(name):
        return "is a URL or a drive path"
    if _PERCENT_ESCAPE.search(name):
        return "contains a percent-escape"
    parts = name.split("/")
    if ".." in parts:
        return "climbs out of the model with '..'"
    if any(part in ("", ".") for part in parts):
        return "has an empty or '.' path segment"
    return None
