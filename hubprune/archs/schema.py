"""The schema of a family file, and the loader for ``data/*.json``.

A family file names *roles* (what a tensor does) and the module-name patterns that play them.
``infer.py`` speaks only in roles, so a new Llama-like family is a new JSON file, not new code.

Pattern syntax: a module path with ``{layer}`` standing for the layer index, without the final
parameter name (``weight``, ``bias``, ...), e.g. ``model.layers.{layer}.self_attn.q_proj``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Per-layer roles. Attention and MLP roles add up to attn_params / mlp_params.
LayerRole = Literal[
    "attn_q",
    "attn_k",
    "attn_v",
    "attn_o",
    "attn_qkv_fused",
    "attn_q_norm",
    "attn_k_norm",
    "mlp_gate",
    "mlp_up",
    "mlp_down",
    "mlp_gate_up_fused",
    "norm",
    "buffer",
]
# Whole-model roles.
GlobalRole = Literal["embed", "lm_head", "final_norm", "buffer"]

ATTN_ROLES = frozenset({"attn_q", "attn_k", "attn_v", "attn_o", "attn_qkv_fused", "attn_q_norm", "attn_k_norm"})
MLP_ROLES = frozenset({"mlp_gate", "mlp_up", "mlp_down", "mlp_gate_up_fused"})


class Pattern(BaseModel):
    """One spelling of a role, and where that spelling was seen."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    pattern: str
    seen_in: str = ""


class Family(BaseModel):
    """One model family: how to recognise it and which tensors play which role."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    description: str
    architectures: list[str] = Field(default_factory=list)
    model_types: list[str] = Field(default_factory=list)
    layer_roles: dict[LayerRole, list[Pattern]]
    global_roles: dict[GlobalRole, list[Pattern]] = Field(default_factory=dict)
    # Parameter names that hold weights; anything else under a role module is ignored as a buffer.
    param_suffixes: list[str] = Field(default_factory=lambda: ["weight", "bias"])
    # Config keys, first present wins (families spell the same fact differently).
    config_keys: dict[str, list[str]] = Field(default_factory=dict)
    tie_word_embeddings_default: bool = False

    def config_value(self, config: dict | None, fact: str) -> object | None:
        """Read one fact from a config through this family's aliases.

        >>> load_family("llama").config_value({"n_head": 8, "num_attention_heads": 32}, "num_attention_heads")
        32
        """
        if not config:
            return None
        for key in self.config_keys.get(fact, [fact]):
            if config.get(key) is not None:
                return config[key]
        return None


@cache
def load_family(name: str) -> Family:
    """Load ``data/{name}.json``."""
    text = resources.files("hubprune.archs").joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    return Family.model_validate(json.loads(text))


@cache
def all_families() -> tuple[Family, ...]:
    """Every family file shipped with hubprune, sorted by name."""
    folder = resources.files("hubprune.archs").joinpath("data")
    names = sorted(entry.name[: -len(".json")] for entry in folder.iterdir() if entry.name.endswith(".json"))
    return tuple(load_family(name) for name in names)
