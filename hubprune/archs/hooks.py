"""Named hooks: per-family knowledge that one data field cannot hold, referenced from a family file.

A family file lists the hooks its models need (``"hooks": ["block_configs"]``); the checks and
the estimates ask the questions below and never test a config key themselves. A hook name the
file misspells fails when the family loads.

* ``block_configs``: DeciLM / Nemotron-NAS configs declare every block in ``block_configs``
  (no-op, linear replacement, own KV group and FFN size); their top-level uniform keys describe no
  layer, and loaders ignore them.
* ``per_layer_lists``: OpenELM writes ``num_query_heads``, ``num_kv_heads`` and
  ``ffn_multipliers`` as one value per layer; a list there is a per-layer value, not a bad one.
* ``latent_attention``: multi-head latent attention (DeepSeek-V2/V3): q heads are ``nope + rope``
  wide, KV is one compressed ``kv_lora_rank`` vector (``dims.latent_dims``), so the uniform
  ``heads x head_dim`` shapes do not describe its attention weights.
* ``pruned_heads``: transformers' own head pruning (BERT-style ``prune_heads``, saved by
  nn_pruning) records the removed heads in ``config.pruned_heads`` and removes them again when it
  builds the model, so those layers are meant to be smaller.
"""

from __future__ import annotations

from enum import Enum

from ..model import as_int

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class _Family(Protocol):
        hooks: list[Hook]

        def config_value(self, config: dict | None, fact: str) -> object | None: ...

        def config_key(self, config: dict, fact: str) -> str | None: ...


class Hook(str, Enum):
    """A named hook a family file may reference."""

    BLOCK_CONFIGS = "block_configs"
    PER_LAYER_LISTS = "per_layer_lists"
    LATENT_ATTENTION = "latent_attention"
    PRUNED_HEADS = "pruned_heads"

    def __str__(self) -> str:
        return self.value


def per_block_config(family: _Family, config: dict | None) -> bool:
    """Whether the config describes each block itself, so its uniform keys describe no layer."""
    return Hook.BLOCK_CONFIGS in family.hooks and isinstance((config or {}).get("block_configs"), list)


def per_layer_lists(family: _Family) -> bool:
    """Whether a list-valued count fact is one value per layer (not an invalid value)."""
    return Hook.PER_LAYER_LISTS in family.hooks


def per_layer_claims(family: _Family, config: dict | None, fact: str, layers: int) -> tuple[str, list[int | None]] | None:
    """(config key, the value it claims for each layer) of a per-layer list, or None when the
    config makes no per-layer claim for ``fact``. OpenELM's MLP widths are not listed but made
    from ``ffn_multipliers`` x ``model_dim``, rounded as its model code rounds them (to the
    nearest multiple of ``ffn_dim_divisor``, one more when that loses over a tenth).

    >>> from hubprune.archs.schema import load_family
    >>> per_layer_claims(load_family("openelm"), {"num_query_heads": [12, 16]}, "num_attention_heads", 2)
    ('num_query_heads', [12, 16])
    >>> config = {"ffn_multipliers": [0.5, 0.63], "model_dim": 2048, "ffn_dim_divisor": 256}
    >>> per_layer_claims(load_family("openelm"), config, "intermediate_size", 2)
    ('ffn_multipliers', [1024, 1280])
    """
    if Hook.PER_LAYER_LISTS not in family.hooks or not config:
        return None
    if fact == "intermediate_size":
        multipliers, width = config.get("ffn_multipliers"), as_int(family.config_value(config, "hidden_size"))
        divisor = as_int(config.get("ffn_dim_divisor")) or 1
        if not isinstance(multipliers, list) or len(multipliers) != layers or width is None:
            return None
        if not all(isinstance(m, (int, float)) and not isinstance(m, bool) and m > 0 for m in multipliers):
            return None
        return "ffn_multipliers", [_divisible(m * width, divisor) for m in multipliers]
    key = family.config_key(config, fact)
    value = config.get(key) if key is not None else None
    if not isinstance(value, list) or len(value) != layers:
        return None
    return key, [as_int(v) for v in value]


def _divisible(value: float, divisor: int) -> int:
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def latent_attention(family: _Family, config: dict | None) -> bool:
    """Whether this config's attention is multi-head latent attention."""
    return Hook.LATENT_ATTENTION in family.hooks and bool(as_int(family.config_value(config, "kv_lora_rank")))


def uniform_attention(family: _Family, config: dict | None) -> bool:
    """Whether ``heads x head_dim`` from the config describes every layer's attention weights."""
    return not (per_block_config(family, config) or latent_attention(family, config))


def removed_heads(family: _Family, config: dict | None) -> dict[int, int]:
    """Layer -> how many attention heads ``config.pruned_heads`` removes (for families whose model
    classes apply it)."""
    return pruned_heads(config) if Hook.PRUNED_HEADS in family.hooks else {}


def pruned_heads(config: dict | None) -> dict[int, int]:
    """Layer -> how many attention heads ``config.pruned_heads`` removes.

    >>> pruned_heads({"pruned_heads": {"0": [0, 1, 2, 3], "2": [5, 5], "x": [1]}})
    {0: 4, 2: 1}
    """
    raw = (config or {}).get("pruned_heads")
    if not isinstance(raw, dict):
        return {}
    counts: dict[int, int] = {}
    for key, heads in raw.items():
        try:
            layer = int(key)
        except (TypeError, ValueError):
            continue
        if isinstance(heads, list):
            removed = {head for head in heads if as_int(head) is not None and head >= 0}
            if removed:
                counts[layer] = len(removed)
    return counts
