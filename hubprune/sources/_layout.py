"""Checkpoint-layout rules shared by the local and the Hub reader.

The file names a checkpoint itself names (the index's ``weight_map``, a repo's file listing) are
data from whoever published it. Before anything is opened or requested for such a name, it must
be a plain relative path inside the folder or repo: no ``..``, no absolute path, no backslash, no
percent-escape, no URL, no control character. Otherwise one index line could make a local run
read ``/etc/passwd`` or a Hub run send the user's token to another repo.
"""

from __future__ import annotations

import json
import re

from ..errors import ConfigError, ShardIndexError, UnsafeFileName

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


INDEX_NAME = "model.safetensors.index.json"
SINGLE_NAME = "model.safetensors"

# Written by `hubprune skeleton` beside the header-only files it makes. A file that ends right
# after its header is a skeleton only when this marker lists it; otherwise, where its offsets
# promise data, it is a download cut short.
SKELETON_MARKER = "hubprune-skeleton.json"
MAX_MARKER_BYTES = 10_000_000

# Caps on what is read of each kind of file, the same for a local folder and the Hub.
MAX_CONFIG_BYTES = 10_000_000
MAX_INDEX_BYTES = 100_000_000
# Longest file name accepted from a checkpoint (Linux allows 4096 bytes for a whole path).
MAX_NAME_LEN = 1_024

# "http:", "file:", "C:": a scheme or a drive makes a name mean somewhere else.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def _quote_name(name: str) -> str:
    """A name as it may appear in a message: escaped, cut to a readable length."""
    text = ascii(name)
    return text if len(text) <= 80 else text[:77] + "..."


def checked_file_name(name: object, *, source: str = INDEX_NAME) -> str:
    """``name`` if it is a plain relative path inside the checkpoint, else ``UnsafeFileName``.

    ``source`` says where the name came from (the index, a file listing) for the message.

    >>> checked_file_name("model-00001-of-00002.safetensors")
    'model-00001-of-00002.safetensors'
    >>> checked_file_name("../../etc/passwd")
    Traceback (most recent call last):
    ...
    hubprune.errors.UnsafeFileName: model.safetensors.index.json names '../../etc/passwd', which climbs out of the model with '..': hubprune reads only files inside the model folder or repo; fix or regenerate the index
    """
    if not isinstance(name, str):
        raise UnsafeFileName(repr(name)[:80], "is not a string", source=source)
    shown = _quote_name(name)
    problem = _problem(name)
    if problem:
        raise UnsafeFileName(shown, problem, source=source)
    return name


def _problem(name: str) -> str | None:
    if not name:
        return "is empty"
    if len(name) > MAX_NAME_LEN:
        return f"is longer than {MAX_NAME_LEN:,} characters"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode"
    # In ASCII the only such characters are the C0 controls and DEL, which isprintable() finds;
    # anything wider is asked of the Unicode database (loaded only then) a character at a time.
    if not name.isascii():
        import unicodedata

        if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
            return "holds a control character"
    elif not name.isprintable():
        return "holds a control character"
    if "\\" in name:
        return "holds a backslash"
    if _PERCENT_ESCAPE.search(name):
        return "holds a percent-escape"
    if "?" in name or "#" in name:
        return "holds a URL query or fragment"
    if _SCHEME.match(name) or name.startswith("//"):
        return "is a URL or a drive path"
    if name.startswith("/"):
        return "is an absolute path"
    parts = name.split("/")
    if ".." in parts:
        return "climbs out of the model with '..'"
    if "" in parts or "." in parts:
        return "is not a plain path (empty or '.' segment)"
    return None


def json_object(data: bytes | str, name: str, error: type[ConfigError] | type[ShardIndexError]) -> dict[str, Any]:
    """Parse ``config.json`` or the index (bytes from disk or the Hub, or their text); ``error``
    names what broke."""
    try:
        parsed = json.loads(data if isinstance(data, str) else data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise error(name, f"is not valid JSON ({exc})") from None
    except RecursionError:
        raise error(name, "is nested too deeply to be a config or an index") from None
    if not isinstance(parsed, dict):
        raise error(name, "is not a JSON object")
    return parsed


def shard_names_from_index(index: dict[str, Any], file: str = INDEX_NAME) -> list[str]:
    """The shard files an index names, sorted (shards are numbered), each a checked file name."""
    weight_map = index.get("weight_map")
    # An index names a handful of files tens of thousands of times: each file name is checked
    # once, its type too (a list among them is unhashable, a number is not a str).
    try:
        named = set(weight_map.values()) if isinstance(weight_map, dict) else None
    except TypeError:
        named = None
    if named is None or not set(map(type, named)) <= {str}:
        raise ShardIndexError(file, "has no weight_map of tensor name -> file name")
    return sorted({checked_file_name(name, source=file) for name in named})


def skeleton_marker(files: list[str]) -> str:
    """The text of ``SKELETON_MARKER`` for a folder whose ``files`` are header-only."""
    return json.dumps({"hubprune_skeleton": 1, "header_only": sorted(files)}, indent=1) + "\n"


def marked_skeletons(marker: dict[str, Any] | None) -> frozenset[str]:
    """The file names a parsed ``SKELETON_MARKER`` lists (none for anything malformed)."""
    if not isinstance(marker, dict) or marker.get("hubprune_skeleton") != 1:
        return frozenset()
    names = marker.get("header_only")
    if not isinstance(names, list):
        return frozenset()
    return frozenset(n for n in names if isinstance(n, str))
