"""Pure comparison: (ModelShape, ModelShape) -> Comparison, layer by layer.

Layers are paired by their stored index (DeciLM-style gaps keep the original indices, so they
align as they are). Depth pruning (ShortGPT, mergekit, Minitron-Depth) renumbers layers 0..N-1 and
records nothing about which ones survived: with different layer counts layers are paired only
through an explicit layer map; without one the caller gets ``CannotAlign`` (or, on request, a
totals-only report that says how many layers went).
"""

from __future__ import annotations

import re

from .errors import CannotAlign, UsageError
from .estimates import compare_estimates
from .findings import finding
from .locales import said
from .model import Finding, InspectReport, LayerShape, ModelShape, pct
from .results import Comparison, LayerComparison, Totals

# Status flags are ids; the language files (hubprune/locales) turn them into words.
ATTN_REMOVED = "attn_removed"
MLP_REMOVED = "mlp_removed"
LAYER_REMOVED = "layer_removed"
ATTN_LINEAR = "attn_linear"
MLP_LINEAR = "mlp_linear"
EXPERTS_PRUNED = "experts_pruned"
INPUT_DIM_CHANGED = "input_dim_changed"
STATUSES = (ATTN_REMOVED, MLP_REMOVED, LAYER_REMOVED, ATTN_LINEAR, MLP_LINEAR, EXPERTS_PRUNED, INPUT_DIM_CHANGED)


# The option, named the caller's way when the error is shown (``errors.spell_options``).
_MAP = "the layer map ({option.layer_map})"
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


# Far more than any model has (Llama-3.1-405B: 126); keeps a typo like 0-3000000000 from eating memory.
MAX_MAPPED_LAYERS = 10_000


def parse_layer_map(text: str) -> list[int]:
    """``"0-20,29-31"`` -> the base index of each pruned layer, in the pruned model's order.

    >>> parse_layer_map("0-2, 5")
    [0, 1, 2, 5]
    """
    indices: list[int] = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if match is None:
            raise UsageError(f"{_MAP}: cannot read {part.strip()!r}", hint="write base layer ranges like 0-20,29-31")
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) is not None else start
        if end < start:
            raise UsageError(f"{_MAP}: range {start}-{end} runs backwards", hint="write ranges low-high, e.g. 0-20")
        if len(indices) + end - start >= MAX_MAPPED_LAYERS:
            raise UsageError(
                f"{_MAP} names more than {MAX_MAPPED_LAYERS:,} layers", hint="give the base layer of each pruned layer"
            )
        indices.extend(range(start, end + 1))
    return indices


def _empty(index: int) -> LayerShape:
    return LayerShape(
        index=index, params=0, attn_params=0, mlp_params=0, norm_params=0, q_heads=0, kv_heads=0,
        head_dim=None, intermediate_size=0, attn_kind="none", mlp_kind="none",
    )  # fmt: skip


# A part the pruned layer shows none of is gone only when that is known: a part left in modules
# no family role explains reads as unknown (heads / width None), and an unknown is not a removal.


def _attention_unread(base: LayerShape, pruned: LayerShape) -> bool:
    """The base layer's attention is not read in the pruned one, and may still be there."""
    return bool(base.attn_params) and not pruned.attn_params and pruned.q_heads is None


def _mlp_unread(base: LayerShape, pruned: LayerShape) -> bool:
    """The base layer's MLP is not read in the pruned one, and may still be there."""
    return bool(base.mlp_params) and not pruned.mlp_params and pruned.intermediate_size is None


def _layer_status(base: LayerShape, pruned: LayerShape) -> list[str]:
    if base.params and not pruned.params:
        return [LAYER_REMOVED]
    status = []
    # Removed: no parameters left, or none of its heads (width): a pruner that keeps a bias for
    # the residual stream (FLAP's compensation bias on o_proj / down_proj) leaves a constant.
    if (base.attn_params and not pruned.attn_params and not _attention_unread(base, pruned)) or (
        base.q_heads and pruned.q_heads == 0 and pruned.attn_kind != "linear"
    ):
        status.append(ATTN_REMOVED)
    elif pruned.attn_kind == "linear" and base.attn_kind != "linear":
        status.append(ATTN_LINEAR)
    if (base.mlp_params and not pruned.mlp_params and not _mlp_unread(base, pruned)) or (
        base.intermediate_size and pruned.intermediate_size == 0 and pruned.mlp_kind != "linear"
    ):
        status.append(MLP_REMOVED)
    elif pruned.mlp_kind == "linear" and base.mlp_kind != "linear":
        status.append(MLP_LINEAR)
    if base.experts is not None and pruned.experts is not None and pruned.experts < base.experts:
        status.append(EXPERTS_PRUNED)
    if base.input_dim and pruned.input_dim and base.input_dim != pruned.input_dim:
        status.append(INPUT_DIM_CHANGED)
    return status


def compare_layers(base: LayerShape, pruned: LayerShape, *, index: int | None = None, pruned_index: int | None = None) -> LayerComparison:
    """One row of the per-layer comparison."""
    unread = pruned.other_params > base.other_params
    return LayerComparison(
        index=pruned.index if index is None else index,
        base_params=base.params,
        pruned_params=pruned.params,
        kept_pct=pct(pruned.params, base.params),
        pruned_pct=pct(base.params - pruned.params, base.params),
        base_attn_params=base.attn_params,
        pruned_attn_params=pruned.attn_params,
        # An unread part has no pruned share (null, shown ?): 100% would say it was removed. Nor
        # has either part when the pruned layer holds more unread modules than the base: they
        # may belong to either, and a share without them could report a third of an MLP pruned.
        attn_pruned_pct=None
        if unread or base.attn_params is None or pruned.attn_params is None or _attention_unread(base, pruned)
        else pct(base.attn_params - pruned.attn_params, base.attn_params),
        base_mlp_params=base.mlp_params,
        pruned_mlp_params=pruned.mlp_params,
        mlp_pruned_pct=None
        if unread or base.mlp_params is None or pruned.mlp_params is None or _mlp_unread(base, pruned)
        else pct(base.mlp_params - pruned.mlp_params, base.mlp_params),
        base_q_heads=base.q_heads,
        pruned_q_heads=pruned.q_heads,
        base_kv_heads=base.kv_heads,
        pruned_kv_heads=pruned.kv_heads,
        base_intermediate_size=base.intermediate_size,
        pruned_intermediate_size=pruned.intermediate_size,
        status=_layer_status(base, pruned),
        base_experts=base.experts,
        pruned_experts=pruned.experts,
        pruned_index=pruned_index,
    )


def _mapped_layers(base: ModelShape, pruned: ModelShape, layer_map: list[int]) -> list[LayerComparison]:
    if len(layer_map) != pruned.num_layers:
        raise UsageError(
            f"{_MAP} names {len(layer_map)} base layers but the pruned model has {pruned.num_layers}",
            hint="give one base layer per pruned layer, in order",
        )
    outside = [i for i in layer_map if i >= base.num_layers]
    if outside:
        raise UsageError(
            f"{_MAP} names base layer {outside[0]} but the base model has layers 0-{base.num_layers - 1}",
            hint="use indices of the base model",
        )
    sources: dict[int, list[int]] = {}
    for pruned_index, base_index in enumerate(layer_map):
        sources.setdefault(base_index, []).append(pruned_index)
    rows: list[LayerComparison] = []
    for b in base.layers:
        kept = sources.get(b.index)
        if not kept:
            rows.append(compare_layers(b, _empty(b.index), index=b.index))
            continue
        rows += [compare_layers(b, pruned.layers[p], index=b.index, pruned_index=p) for p in kept]
    return rows


def _totals(base: ModelShape, pruned: ModelShape) -> Totals:
    return Totals(
        base_params=base.total_params,
        pruned_params=pruned.total_params,
        removed_params=base.total_params - pruned.total_params,
        pruned_pct=pct(base.total_params - pruned.total_params, base.total_params),
        base_decoder_params=base.decoder_params,
        pruned_decoder_params=pruned.decoder_params,
        removed_decoder_params=base.decoder_params - pruned.decoder_params,
        decoder_pruned_pct=pct(base.decoder_params - pruned.decoder_params, base.decoder_params),
    )


def _depth_finding(base: ModelShape, pruned: ModelShape, mapped: bool) -> Finding:
    gone = base.num_layers - pruned.num_layers
    counts = {"added": -gone} if gone < 0 else {"removed": gone}
    layers = {"base_layers": base.num_layers, "pruned_layers": pruned.num_layers}
    if mapped:
        return finding("depth_pruned", variant="added_mapped" if gone < 0 else "mapped", **counts, **layers)
    # Unmapped, the per-layer rows pair layers by index and may compare unrelated blocks.
    return finding(
        "depth_pruned", severity="warning", variant="added" if gone < 0 else None, **counts, **layers,
        last=pruned.num_layers - 1,
    )


def _model_findings(base: ModelShape, pruned: ModelShape, totals: Totals, layers: list[LayerComparison]) -> list[Finding]:
    findings: list[Finding] = []
    same_layers = base.num_layers == pruned.num_layers and all(b.params == p.params for b, p in zip(base.layers, pruned.layers))
    if same_layers and totals.removed_params == 0:
        findings.append(finding("no_structural_change"))
    if base.hidden_size != pruned.hidden_size:
        findings.append(finding("hidden_size_changed", base=base.hidden_size, pruned=pruned.hidden_size))
    elif any(INPUT_DIM_CHANGED in row.status for row in layers):
        findings.append(finding("input_dim_changed"))
    if base.vocab_size is not None and pruned.vocab_size is not None and base.vocab_size != pruned.vocab_size:
        rows = base.vocab_size - pruned.vocab_size
        findings.append(
            finding(
                "vocab_changed",
                variant=None if rows > 0 else "added",
                base=base.vocab_size,
                pruned=pruned.vocab_size,
                removed=max(rows, 0),
            )
        )
    if base.quantization != pruned.quantization:
        findings.append(
            finding(
                "quantization_differs",
                variant="base_dense" if not base.quantization else "pruned_dense" if not pruned.quantization else None,
                base=base.quantization,
                pruned=pruned.quantization,
            )
        )
    return findings


def compare_shapes(
    base_report: InspectReport,
    pruned_report: InspectReport,
    layer_map: list[int] | None = None,
    *,
    allow_unaligned: bool = False,
) -> Comparison:
    """Compare a base model's inspect report with its pruned version's.

    Layers are paired by their stored index, or through ``layer_map`` (the base index of each
    pruned layer). Different layer counts without a map raise ``CannotAlign`` (the CLI's exit 2
    with the advice to give a layer map); with ``allow_unaligned`` only totals are compared instead, and
    a ``depth_pruned`` finding says how many layers went and that their positions are unknown.

    >>> from hubprune import inspect
    >>> c = compare_shapes(inspect("fixtures/Llama-3-8B-Instruct"), inspect("fixtures/taylor_only_5000"))
    >>> round(c.totals.pruned_pct, 2), c.layers[23].status
    (50.0, ['attn_removed'])
    """
    base, pruned = base_report.shape, pruned_report.shape
    totals = _totals(base, pruned)
    findings: list[Finding] = []
    aligned = True
    if layer_map is not None:
        layers = _mapped_layers(base, pruned, layer_map)
        if base.num_layers != pruned.num_layers:
            findings.append(_depth_finding(base, pruned, mapped=True))
    elif base.num_layers != pruned.num_layers:
        if not allow_unaligned:
            raise CannotAlign(base.num_layers, pruned.num_layers, hint=said("advice.layer_map"))
        layers, aligned = [], False
        findings.append(_depth_finding(base, pruned, mapped=False))
    else:
        layers = [compare_layers(b, p) for b, p in zip(base.layers, pruned.layers)]
    findings += _model_findings(base, pruned, totals, layers)
    saved = None
    if base_report.estimates is not None and pruned_report.estimates is not None:
        saved = compare_estimates(base_report.estimates, pruned_report.estimates)
    return Comparison(
        base=base_report,
        pruned=pruned_report,
        totals=totals,
        layers=layers,
        findings=findings,
        estimates=saved,
        aligned=aligned,
        layer_map=layer_map,
    )
