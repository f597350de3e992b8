"""Byte views the parsers read through: whole bytes, or the ranges fetched so far of a larger file.

A parser asks for ``view.read(offset, length)``. When the view does not hold those bytes it raises
:class:`NeedBytes`; the caller (a local or Hub source) fetches them and runs the parser again.
Parsing is cheap next to a network round trip, so re-running beats keeping parser state.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass
class NeedBytes(Exception):
    """The parser needs ``[offset, offset + length)``, which the view does not hold."""

    offset: int
    length: int

    def __str__(self) -> str:
        return f"need bytes {self.offset}..{self.offset + self.length}"


class SparseBytes:
    """Pieces of a file of known ``size``, keyed by offset; reads must fall inside one piece.

    >>> view = SparseBytes(100, {0: b"head", 96: b"tail"})
    >>> view.read(1, 3), view.read(96, 4)
    (b'ead', b'tail')
    >>> view.read(50, 4)
    Traceback (most recent call last):
    ...
    hubprune.formats.ranges.NeedBytes: need bytes 50..54
    """

    def __init__(self, size: int, pieces: dict[int, bytes] | None = None) -> None:
        self.size = size
        self._starts: list[int] = []
        self._pieces: list[bytes] = []
        for offset, data in sorted((pieces or {}).items()):
            self.add(offset, data)

    @classmethod
    def whole(cls, data: bytes) -> "SparseBytes":
        return cls(len(data), {0: data})

    def add(self, offset: int, data: bytes) -> None:
        """Keep ``data`` at ``offset``, merged with the pieces it touches or overlaps."""
        if not data:
            return
        lo, hi = offset, offset + len(data)
        kept: list[tuple[int, bytes]] = []
        joined: list[tuple[int, bytes]] = []
        for start, piece in zip(self._starts, self._pieces):
            (joined if start <= hi and start + len(piece) >= lo else kept).append((start, piece))
        if joined:
            lo = min(lo, joined[0][0])
            hi = max(hi, max(start + len(piece) for start, piece in joined))
            buffer = bytearray(hi - lo)
            for start, piece in joined:
                buffer[start - lo : start - lo + len(piece)] = piece
            buffer[offset - lo : offset - lo + len(data)] = data
            data = bytes(buffer)
        kept.append((lo, bytes(data)))
        kept.sort(key=lambda item: item[0])
        self._starts = [start for start, _ in kept]
        self._pieces = [piece for _, piece in kept]

    def held(self) -> int:
        """Bytes held in all pieces."""
        return sum(len(piece) for piece in self._pieces)

    def prefix_length(self) -> int:
        """How many bytes from offset 0 are held without a gap."""
        return len(self._pieces[0]) if self._starts and self._starts[0] == 0 else 0

    def read(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise NeedBytes(offset, length)  # the caller turns reads past the end into a format error
        index = bisect.bisect_right(self._starts, offset) - 1
        if index >= 0:
            start = self._starts[index]
            piece = self._pieces[index]
            if offset + length <= start + len(piece):
                return piece[offset - start : offset - start + length]
        raise NeedBytes(offset, length)

    def piece_at(self, offset: int) -> tuple[int, bytes]:
        """The piece holding ``offset`` (start, bytes); NeedBytes when none does."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index >= 0 and offset < self._starts[index] + len(self._pieces[index]):
            return self._starts[index], self._pieces[index]
        raise NeedBytes(offset, 1)
