"""Turn a tensor's module path into its layer-independent template, and back."""

from __future__ import annotations

import re

# The layer index is the integer after ".layers." / ".h." / ".layer." / ".blocks." (DESIGN.md §2).
_LAYER_RE = re.compile(r"(?:^|\.)(?:layers|h|layer|blocks)\.(\d+)(?=\.|$)")


def split_layer(module: str) -> tuple[str, int | None]:
    """``model.layers.7.mlp.up_proj`` -> (``model.layers.{layer}.mlp.up_proj``, 7).

    >>> split_layer("model.layers.7.mlp.up_proj")
    ('model.layers.{layer}.mlp.up_proj', 7)
    >>> split_layer("model.norm")
    ('model.norm', None)
    """
    match = _LAYER_RE.search(module)
    if match is None:
        return module, None
    start, end = match.span(1)
    return module[:start] + "{layer}" + module[end:], int(match.group(1))


def layer_template(module: str) -> str:
    return split_layer(module)[0]
