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
    match = _LAYER_RE.search(module)
    if match is None:
        return module, None
    start, end = match.span(1)
    return module[:start] + "{layer}" + module[end:], int(match.group(1))


def split_layers(modules: list[str]) -> list[tuple[str, int | None]]:
    """``split_layer`` of many module paths, in order, matching each layer's prefix once.

    A checkpoint lists a layer's modules together; every name that starts with the prefix
    ``model.layers.7.`` of the last match has its first layer index at the same place, so only
    the names past a prefix change are searched.

    >>> split_layers(["model.layers.7.mlp.up_proj", "model.norm", "model.layers.8", "model.layers.7.mlp.down_proj"])
    [('model.layers.{layer}.mlp.up_proj', 7), ('model.norm', None), ('model.layers.{layer}', 8), ('model.layers.{layer}.mlp.down_proj', 7)]
    """
    result: list[tuple[str, int | None]] = []
    append = result.append
    search = _LAYER_RE.search
    prefix, head, size, known = "\0", "", 0, None
    for module in modules:
        if module.startswith(prefix):
            append((head + module[size:], known))
            continue
        match = search(module)
        if match is None:
            append((module, None))
            continue
        start, end = match.span(1)
        index = int(match.group(1))
        if end < len(module):
            prefix, head, size, known = module[: end + 1], module[:start] + "{layer}.", end + 1, index
        append((module[:start] + "{layer}" + module[end:], index))
    return result


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
