"""head_dim and the latent-attention dims: the one module that derives them.

Shapes give ``heads x head_dim`` and never head_dim alone, so head_dim comes from the config, a
norm's length, the base model or the rotary buffer (``resolve_head_dim``); the checks use the
config's own reading (``config_head_dim``), and multi-head latent attention has its own dims
(``latent_dims``: q heads ``nope + rope`` wide, KV heads ``nope + v``, one cached vector of
``kv_lora_rank + rope`` per token).
"""

from __future__ import annotations


from .archs.schema import Role
from .model import as_int
from .values import Value

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .archs.schema import Family
    from .classify import LayerModules


def positive(value: object) -> int | None:
    number = as_int(value)
    return number if number is not None and number > 0 else None


def query_rows(layers: "dict[int, LayerModules]") -> list[int]:
    """Rows of every q projection of plain attention (latent attention's q rows are not heads x head_dim)."""
    return [
        module.shape[0]
        for layer in layers.values()
        if Role.ATTN_KV_A not in layer.by_role
        for module in layer.by_role.get(Role.ATTN_Q, [])
        if module.shape and module.shape[0] > 0
    ]


def resolve_head_dim(
    family: "Family",
    config: dict | None,
    layers: "dict[int, LayerModules]",
    rotary_dim: int | None = None,
    base_head_dim: int | None = None,
) -> tuple[int | None, str]:
    """head_dim, and how sure we are (shapes give heads x head_dim, never head_dim alone).

    In order: ``config.head_dim``; the length of a q/k norm; the base model's head_dim when
    comparing (pruning removes whole heads and keeps head_dim); ``hidden_size /
    num_attention_heads`` of the config when some layer still has that many query rows (LLM-Pruner
    and FLAP leave the dense config); the rotary ``inv_freq`` length when it divides every layer's
    query rows. Past that the config ratio is used but called ``ambiguous`` when every layer has
    the same query rows, because a pruner that rewrote ``num_attention_heads`` (Torch-Pruning's
    LLM example) makes ``q rows / num_attention_heads`` the right reading instead.

    >>> from hubprune.archs.schema import load_family
    >>> resolve_head_dim(load_family("llama"), {"hidden_size": 4096, "num_attention_heads": 32}, {})
    (128, 'config hidden_size / num_attention_heads')
    """
    explicit = positive(family.config_value(config, "head_dim"))
    if explicit:
        return explicit, "config.head_dim"
    for layer in layers.values():
        for role in (Role.ATTN_Q_NORM, Role.ATTN_K_NORM):
            for module in layer.by_role.get(role, []):
                if module.shape is not None and len(module.shape) == 1 and module.shape[0] > 0:
                    return module.shape[0], f"{role} length"
    q_rows = query_rows(layers)
    if base_head_dim and all(rows % base_head_dim == 0 for rows in q_rows):
        return base_head_dim, "the base model's head_dim"
    hidden = positive(family.config_value(config, "hidden_size"))
    heads = positive(family.config_value(config, "num_attention_heads"))
    ratio = hidden // heads if hidden and heads and hidden % heads == 0 else None
    if ratio and (not q_rows or heads * ratio in q_rows):
        return ratio, "config hidden_size / num_attention_heads"
    if rotary_dim and q_rows and all(rows % rotary_dim == 0 for rows in q_rows):
        return rotary_dim, "rotary inv_freq length x 2"
    if ratio and all(rows % ratio == 0 for rows in q_rows):
        uniform = len(set(q_rows)) == 1 and q_rows[0] % heads == 0 and q_rows[0] // heads != ratio
        return ratio, "ambiguous" if uniform else "assumed"
    return None, "unknown"


def config_head_dim(family: "Family", config: dict | None) -> int | None:
    """head_dim as a model built from the config alone would have it: ``head_dim``, else
    ``hidden_size / num_attention_heads`` when that divides.

    >>> from hubprune.archs.schema import load_family
    >>> config_head_dim(load_family("llama"), {"hidden_size": 4096, "num_attention_heads": 32}), config_head_dim(load_family("llama"), {"head_dim": 96})
    (128, 96)
    """
    explicit = positive(family.config_value(config, "head_dim"))
    if explicit:
        return explicit
    hidden = positive(family.config_value(config, "hidden_size"))
    heads = positive(family.config_value(config, "num_attention_heads"))
    return hidden // heads if hidden and heads and hidden % heads == 0 else None


class LatentDims(Value, positional=True):
    """Multi-head latent attention: the width of one q head (nope + rope), of one head's K/V rows
    in ``kv_b_proj`` (nope + v), and of the one vector a token caches (kv_lora_rank + rope)."""

    q_head_dim: int | None
    kv_head_dim: int | None
    cache_dim: int | None


def latent_dims(family: "Family | None", config: dict | None) -> LatentDims:
    """The latent-attention dims of a config, read through the family's aliases (any unknown: None).

    >>> latent_dims(None, {"kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128})
    LatentDims(q_head_dim=192, kv_head_dim=256, cache_dim=576)
    """

    def fact(name: str) -> int | None:
        value = family.config_value(config, name) if family is not None else (config or {}).get(name)
        return as_int(value)

    nope, rope, v, rank = fact("qk_nope_head_dim"), fact("qk_rope_head_dim"), fact("v_head_dim"), fact("kv_lora_rank")
    return LatentDims(
        nope + rope if nope is not None and rope is not None else None,
        nope + v if nope is not None and v is not None else None,
        rank + rope if rank is not None and rope is not None else None,
    )
