"""Run a format parser over a whole file or over ranges fetched on demand, with a byte cap.

Parsers raise :class:`~hubprune.formats.ranges.NeedBytes` for bytes their view lacks. Over a
whole file that can only mean an offset in the file points past its end, a format error; over a
remote file the caller fetches the range (and, for a prefix, more than asked, so that a header
longer than the first read costs one more round trip, not dozens) and runs the parser again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .errors import FormatError
from .ranges import NeedBytes, SparseBytes

T = TypeVar("T")
MAX_ROUNDS = 32


def parse_whole(parser: Callable[[SparseBytes, str], T], data: bytes, file: str) -> T:
    """``parser`` over all of ``data``.

    >>> from hubprune.formats.gguf import read_gguf
    >>> parse_whole(read_gguf, b"GGUF" + bytes(20), "x.gguf")
    Traceback (most recent call last):
    ...
    hubprune.formats.errors.GGUFError: x.gguf: unknown GGUF version 0: the file is damaged or not what its name says; download it again
    """
    try:
        return parser(SparseBytes.whole(data), file)
    except NeedBytes as need:
        raise FormatError(file, f"an offset points past the end of the file ({need})") from None


def parse_on_demand(
    parser: Callable[[SparseBytes, str], T],
    view: SparseBytes,
    fetch: Callable[[list[tuple[int, int]]], list[bytes]],
    file: str,
    *,
    cap: int,
    grow: Callable[[NeedBytes, SparseBytes], tuple[int, int]] | None = None,
) -> T:
    """``parser`` over ``view``, fetching what it asks for until it succeeds.

    ``fetch`` reads a list of (offset, length) ranges in one round trip. ``grow`` widens a
    request (e.g. doubling a prefix); ``cap`` bounds the bytes held, so a hostile header cannot
    make us read the whole file.
    """
    for _ in range(MAX_ROUNDS):
        try:
            return parser(view, file)
        except NeedBytes as need:
            if need.offset < 0 or need.offset + need.length > view.size:
                raise FormatError(file, f"an offset points past the end of the file ({need})") from None
            offset, length = grow(need, view) if grow else (need.offset, need.length)
            length = min(length, view.size - offset)
            if view.held() + length > cap:
                raise FormatError(file, f"metadata needs more than {cap} bytes to read") from None
            for (start, _), data in zip([(offset, length)], fetch([(offset, length)])):
                view.add(start, data)
    raise FormatError(file, f"metadata not read after {MAX_ROUNDS} rounds")


def grow_prefix(minimum: int) -> Callable[[NeedBytes, SparseBytes], tuple[int, int]]:
    """A ``grow`` that keeps one prefix and at least doubles it (GGUF, legacy pickles)."""

    def grow(need: NeedBytes, view: SparseBytes) -> tuple[int, int]:
        held = view.prefix_length()
        end = max(need.offset + need.length, 2 * held, minimum)
        return held, end - held

    return grow
