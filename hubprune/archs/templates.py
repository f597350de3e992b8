"""Turn a tensor's module path into its layer-independent template, and back."""

from __future__ import annotations

import re

# The layer index is the integer after ".layers." / ".h." / ".layer." / ".blocks." (DESIGN.md §2).
_LAYER_RE = re.compile(r"(?:^|\.)(?:layers|h|layer|blocks)\.(\d+)(?=\.|$)")
# A routed expert's index is the integer after ".experts." (Mixtral, Qwen-MoE, DeepSeek).
_EXPERT_RE = re.compile(r"\.experts\.(\d+)(?=\.|$)")


def split_layer(module: str) -> tuple[str, int | None]:
    """``model.layers.7.mlp.up_proj`` -> (``model.layers.{layer}.mlp.up_proj``, 7).

    >>> split_layer("model.layers.7.mlp.up_proj")
    ('model.layers.{layer}.mlp.up_proj', 7)
    >>> split_layer("model.norm")
    ('model.norm', None)
    """
    span = layer_span(module)
    if span is None:
        return module, None
    start, end = span
    return module[:start] + "{layer}" + module[end:], int(module[start:end])


def layer_span(module: str) -> tuple[int, int] | None:
    """Where the layer index of a module path is (start and end of its digits), None without one.

    Every path that starts like this one up to those digits (``model.layers.``) has its layer
    index at the same place when the same place holds digits followed by a dot: an earlier
    match would have been found in this path too.

    >>> layer_span("model.layers.17.mlp")
    (13, 15)
    """
    match = _LAYER_RE.search(module)
    return None if match is None else match.span(1)


def split_expert(template: str) -> tuple[str, int | None]:
    """``...mlp.experts.3.up_proj`` -> (``...mlp.experts.{expert}.up_proj``, 3).

    >>> split_expert("model.layers.{layer}.block_sparse_moe.experts.3.w1")
    ('model.layers.{layer}.block_sparse_moe.experts.{expert}.w1', 3)
    """
    match = _EXPERT_RE.search(template)
    if match is None:
        return template, None
    start, end = match.span(1)
    return template[:start] + "{expert}" + template[end:], int(match.group(1))


def layer_template(module: str) -> str:
    """The module path with its layer and expert indices replaced by placeholders."""
    return split_expert(split_layer(module)[0])[0]
