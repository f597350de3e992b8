"""The results of compare, check, tensors and families: value types like those of ``model.py``.

A run that only inspects builds none of them, so they are defined apart and loaded on first use;
``model.py`` names them all the same (``hubprune.model.Comparison`` is this module's), and their
``to_dict()`` is the JSON contract of their command (DESIGN.md section 4).
"""

from __future__ import annotations

from typing import Any

from .model import SCHEMA_VERSION, Estimates, Finding, InspectReport
from .values import JsonValue


class EstimatesComparison(JsonValue):
    """What pruning saves in memory and compute (percentages of the base, 0 to 100)."""

    weight_bytes_saved: int
    weight_saved_pct: float
    kv_bytes_per_token_saved: int | None
    kv_saved_pct: float | None
    kv_cache_bytes_saved: int | None = None
    flops_per_token_saved: int | None
    flops_saved_pct: float | None


class TensorEntry(JsonValue):
    """One tensor of a ``tensors`` listing."""

    name: str
    dtype: str
    shape: list[int]
    file: str


class TensorListing(JsonValue):
    """The ``tensors`` JSON object: the tensors of one model whose names match a glob."""

    schema_version: int = SCHEMA_VERSION
    name: str
    source: str
    commit: str | None = None
    pattern: str
    tensors: list[TensorEntry]


class FamilyInfo(JsonValue):
    """One model family as ``hubprune families`` lists it."""

    name: str
    description: str
    architectures: list[str]
    model_types: list[str]
    examples: list[str]
    config_keys: dict[str, list[str]]
    heuristic: bool = False


class FamilyList(JsonValue):
    """The ``families`` result: every family hubprune knows, in the order detection tries them."""

    families: list[FamilyInfo]

    def to_dict(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return [family.to_dict() for family in self.families]


class LayerComparison(JsonValue):
    """One layer of a comparison: the base's and the pruned model's parameters, heads and widths."""

    index: int
    base_params: int
    pruned_params: int
    kept_pct: float
    pruned_pct: float
    base_attn_params: int | None
    pruned_attn_params: int | None
    attn_pruned_pct: float | None  # None: the pruned layer's attention is not read (see status)
    base_mlp_params: int | None
    pruned_mlp_params: int | None
    mlp_pruned_pct: float | None  # None: the pruned layer's MLP is not read
    base_q_heads: int | None
    pruned_q_heads: int | None
    base_kv_heads: int | None
    pruned_kv_heads: int | None
    base_intermediate_size: int | None
    pruned_intermediate_size: int | None
    status: list[str]
    base_experts: int | None = None
    pruned_experts: int | None = None
    # Set when layers were paired through a layer map: the pruned model's own index of this layer
    # (``index`` is then the base model's). None for a base layer that no pruned layer maps to.
    pruned_index: int | None = None


class Totals(JsonValue):
    """A comparison's whole-model and decoder-only parameter counts, and the share pruned."""

    base_params: int
    pruned_params: int
    removed_params: int
    pruned_pct: float
    base_decoder_params: int
    pruned_decoder_params: int
    removed_decoder_params: int
    decoder_pruned_pct: float


class Comparison(JsonValue):
    """The ``compare`` JSON object."""

    schema_version: int = SCHEMA_VERSION
    base: InspectReport
    pruned: InspectReport
    totals: Totals
    layers: list[LayerComparison]
    findings: list[Finding]
    estimates: EstimatesComparison | None = None
    # False when layer counts differ and no layer map says which base layers survived: totals
    # only, ``layers`` empty (depth pruning renumbers layers and records nothing about it).
    aligned: bool = True
    layer_map: list[int] | None = None


class CheckReport(JsonValue):
    """The ``check`` JSON object: findings before a download, and what the model will cost."""

    schema_version: int = SCHEMA_VERSION
    name: str
    source: str
    commit: str | None = None
    family: str | None = None
    files: int = 0
    findings: list[Finding]
    estimates: Estimates | None = None
