"""Paths as text, read the way ``pathlib`` reads them, for the local reader.

The local reader works on plain strings: importing ``pathlib`` (with the ``urllib.parse`` it
imports) was a tenth of the start-up of a library read. These give the few answers it needs from
``Path`` (``name``, ``parent``, ``stem``, ``is_relative_to``, its printed form) with the same
rules: empty and ``.`` components are dropped, ``..`` is kept (a link it follows is resolved by
the file system, never by rewriting the text). ``tests/test_paths.py`` checks them against
``pathlib``.
"""

from __future__ import annotations


def pure(text: str) -> str:
    """A path as pathlib writes it: empty and ``.`` components dropped, ``..`` kept (no link is
    resolved by rewriting the text)."""
    parts = [part for part in text.split("/") if part not in ("", ".")]
    return ("/" if text.startswith("/") else "") + "/".join(parts) or "."


def name_of(text: str) -> str:
    """The last component of a path, as ``Path.name``: ``""`` for ``.`` or ``/``."""
    parts = [part for part in text.split("/") if part not in ("", ".")]
    return parts[-1] if parts else ""


def parent_of(text: str) -> str:
    """The folder a path's last component is in, as ``Path.parent``."""
    head, slash, _ = pure(text).rpartition("/")
    return (head or "/") if slash else "."


def stem_of(name: str) -> str:
    """A file name without its last suffix, as ``Path.stem``."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def inside(real: str, root: str) -> bool:
    """Whether real path ``real`` is ``root`` or below it (both absolute and resolved)."""
    return real == root or real.startswith(root if root.endswith("/") else root + "/")
