"""hubprune: what a pruned LLM checkpoint really contains, from safetensors headers alone.

Library API (the CLI is a thin layer over it; the functions live in ``hubprune.api``)::

    >>> import hubprune
    >>> report = hubprune.inspect("fixtures/taylor_only_5000")
    >>> report.shape.total_params, report.shape.layers[2].q_heads, report.shape.layers[2].intermediate_size
    (4015140864, 28, 10349)
    >>> comparison = hubprune.compare("fixtures/Llama-3-8B-Instruct", "fixtures/taylor_only_5000")
    >>> round(comparison.totals.decoder_pruned_pct, 2)
    57.53

A reference is a local path when it exists, else a Hub repo id ``org/name[@revision]``.

The names below are loaded on first use, so ``import hubprune`` costs almost nothing and a
command pays only for the modules it runs.
"""

from __future__ import annotations

import importlib

from ._version import __version__

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False

# submodule -> the public names it provides.
_SUBMOD_ATTRS: dict[str, list[str]] = {
    "api": ["check", "compare", "families", "inspect", "read_snapshot", "tensors", "write_skeleton"],
    "errors": ["HubpruneError", "InputError", "UsageError", "CannotAlign"],
    "model": [
        "CheckReport",
        "Comparison",
        "Estimates",
        "Finding",
        "InspectReport",
        "ModelShape",
        "ReadOptions",
        "Severity",
        "Snapshot",
        "TensorListing",
    ],
}

_ATTR_TO_SUBMOD = {attr: module for module, attrs in _SUBMOD_ATTRS.items() for attr in attrs}

__all__ = ["__version__", *sorted(_ATTR_TO_SUBMOD)]


def __getattr__(name: str) -> Any:
    module = _ATTR_TO_SUBMOD.get(name)
    if module is None:
        raise AttributeError(f"module 'hubprune' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # for type checkers and IDEs, which do not run __getattr__
    from typing import Any

    from .api import check, compare, families, inspect, read_snapshot, tensors, write_skeleton
    from .errors import CannotAlign, HubpruneError, InputError, UsageError
    from .model import (
        CheckReport,
        Comparison,
        Estimates,
        Finding,
        InspectReport,
        ModelShape,
        ReadOptions,
        Severity,
        Snapshot,
        TensorListing,
    )
