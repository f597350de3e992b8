"""Pure comparison: (ModelShape, ModelShape) -> Comparison, layer by layer."""

from __future__ import annotations

from .errors import CannotAlign
from .model import Comparison, Finding, LayerComparison, LayerShape, ModelShape, Totals

# Status flags are ids; report/strings.py turns them into words in each language.
ATTN_REMOVED = "attn_removed"
MLP_REMOVED = "mlp_removed"
LAYER_REMOVED = "layer_removed"
UNCHANGED = "unchanged"


def pct(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole``; 0 when there is nothing to take a share of.

    >>> pct(1, 8)
    12.5
    """
    return part / whole * 100 if whole else 0.0


def _layer_status(base: LayerShape, pruned: LayerShape) -> list[str]:
    if base.params and not pruned.params:
        return [LAYER_REMOVED]
    status = []
    if base.attn_params and not pruned.attn_params:
        status.append(ATTN_REMOVED)
    if base.mlp_params and not pruned.mlp_params:
        status.append(MLP_REMOVED)
    return status


def compare_layers(base: LayerShape, pruned: LayerShape) -> LayerComparison:
    return LayerComparison(
        index=pruned.index,
        base_params=base.params,
        pruned_params=pruned.params,
        kept_pct=pct(pruned.params, base.params),
        pruned_pct=pct(base.params - pruned.params, base.params),
        base_attn_params=base.attn_params,
        pruned_attn_params=pruned.attn_params,
        attn_pruned_pct=pct(base.attn_params - pruned.attn_params, base.attn_params),
        base_mlp_params=base.mlp_params,
        pruned_mlp_params=pruned.mlp_params,
        mlp_pruned_pct=pct(base.mlp_params - pruned.mlp_params, base.mlp_params),
        base_q_heads=base.q_heads,
        pruned_q_heads=pruned.q_heads,
        base_kv_heads=base.kv_heads,
        pruned_kv_heads=pruned.kv_heads,
        base_intermediate_size=base.intermediate_size,
        pruned_intermediate_size=pruned.intermediate_size,
        status=_layer_status(base, pruned),
    )


def compare_shapes(base: ModelShape, pruned: ModelShape) -> Comparison:
    """Compare a base model with its pruned version.

    Layers are paired by their stored index. Depth pruning renumbers layers and records nothing
    about which survived, so different layer counts raise ``CannotAlign`` instead of guessing.

    >>> from hubprune import inspect
    >>> c = compare_shapes(inspect("fixtures/Llama-3-8B-Instruct"), inspect("fixtures/taylor_only_5000"))
    >>> round(c.totals.pruned_pct, 2), c.layers[23].status
    (50.0, ['attn_removed'])
    """
    if base.num_layers != pruned.num_layers:
        raise CannotAlign(base.num_layers, pruned.num_layers)
    layers = [compare_layers(b, p) for b, p in zip(base.layers, pruned.layers)]
    totals = Totals(
        base_params=base.total_params,
        pruned_params=pruned.total_params,
        removed_params=base.total_params - pruned.total_params,
        pruned_pct=pct(base.total_params - pruned.total_params, base.total_params),
        base_decoder_params=base.decoder_params,
        pruned_decoder_params=pruned.decoder_params,
        removed_decoder_params=base.decoder_params - pruned.decoder_params,
        decoder_pruned_pct=pct(base.decoder_params - pruned.decoder_params, base.decoder_params),
    )
    findings: list[Finding] = []
    if all(b.params == p.params for b, p in zip(base.layers, pruned.layers)) and totals.removed_params == 0:
        findings.append(
            Finding(
                severity="info",
                code="no_structural_change",
                message="every tensor shape is the same: no structural pruning (unstructured sparsity is invisible in headers)",
            )
        )
    if base.hidden_size != pruned.hidden_size:
        findings.append(
            Finding(
                severity="info",
                code="hidden_size_changed",
                message=f"hidden size changed from {base.hidden_size} to {pruned.hidden_size} (width pruning)",
            )
        )
    if base.vocab_size != pruned.vocab_size:
        findings.append(
            Finding(
                severity="info",
                code="vocab_changed",
                message=f"vocabulary changed from {base.vocab_size} to {pruned.vocab_size} rows",
            )
        )
    return Comparison(base=base, pruned=pruned, totals=totals, layers=layers, findings=findings)
