"""Layer indices as runs (``0-2, 5``) and names as a short list: how findings quote many items."""

from __future__ import annotations

from collections.abc import Iterable


def compress_ranges(indices: Iterable[int]) -> str:
    """``[0, 1, 2, 5, 7, 8]`` -> ``"0-2, 5, 7-8"``.

    >>> compress_ranges([0, 1, 2, 5, 7, 8])
    '0-2, 5, 7-8'
    """
    return format_runs(runs(indices))


def runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted indices as (first, last) runs of consecutive values."""
    found: list[tuple[int, int]] = []
    for i in sorted(indices):
        if found and i == found[-1][1] + 1:
            found[-1] = (found[-1][0], i)
        elif not found or i != found[-1][1]:
            found.append((i, i))
    return found


def format_runs(found: list[tuple[int, int]]) -> str:
    return ", ".join(f"{first}-{last}" if last > first else str(first) for first, last in found)


def gaps(present: Iterable[int], stop: int) -> list[tuple[int, int]]:
    """The runs of ``range(stop)`` missing from ``present``, found without walking the range:
    a config may claim 10**12 layers.

    >>> gaps({0, 1, 4}, 10**12)
    [(2, 3), (5, 999999999999)]
    """
    found: list[tuple[int, int]] = []
    cursor = 0
    for i in sorted(i for i in set(present) if 0 <= i < stop):
        if i > cursor:
            found.append((cursor, i - 1))
        cursor = i + 1
    if cursor < stop:
        found.append((cursor, stop - 1))
    return found


def union(found: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching runs merged into one.

    >>> union([(5, 9), (0, 2), (3, 3), (8, 12)])
    [(0, 3), (5, 12)]
    """
    merged: list[tuple[int, int]] = []
    for first, last in sorted(found):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def first_names(names: Iterable[str], limit: int = 3) -> dict[str, str | int]:
    """Message args naming the first few of ``names``: ``first`` (joined) and ``and_more`` (how many more)."""
    names = list(names)
    return {"first": ", ".join(names[:limit]), "and_more": max(0, len(names) - limit)}
