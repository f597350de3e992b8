"""``--format csv``: the per-layer table (or the check's findings) for spreadsheets and scripts.

Columns are the JSON field names, in every language, so that a script reading the CSV and one
reading ``--format json`` use the same words. Numbers are raw (no thousands separators);
percentages are 0-100 with four decimals.
"""

from __future__ import annotations

import csv
import io

from ..locales import finding_text, t
from ..model import CheckReport, Comparison, InspectReport, TensorListing

_COMPARE_FIELDS = [
    "index", "base_params", "pruned_params", "kept_pct", "pruned_pct",
    "base_attn_params", "pruned_attn_params", "attn_pruned_pct",
    "base_mlp_params", "pruned_mlp_params", "mlp_pruned_pct",
    "base_q_heads", "pruned_q_heads", "base_kv_heads", "pruned_kv_heads",
    "base_intermediate_size", "pruned_intermediate_size",
]  # fmt: skip
_INSPECT_FIELDS = [
    "index", "params", "attn_params", "mlp_params", "norm_params", "other_params",
    "q_heads", "kv_heads", "head_dim", "intermediate_size", "experts", "attn_kind", "mlp_kind",
]  # fmt: skip


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return value


def _write(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def _kv_by_index(report: InspectReport) -> dict[int, int | None]:
    """Layer index -> KV-cache bytes per token, from the report's estimates (empty without them)."""
    if report.estimates is None:
        return {}
    return {layer.index: kv for layer, kv in zip(report.shape.layers, report.estimates.kv_bytes_per_token_by_layer)}


def _pruned_index(comparison: Comparison, layer) -> int | None:
    # Under a layer map ``index`` is the base model's; the pruned layer has its own (None when
    # that base layer has no pruned counterpart, whose cache is then 0).
    return layer.index if comparison.layer_map is None else layer.pruned_index


def render_compare(comparison: Comparison, lang: str) -> str:
    """One row per layer: base vs pruned parameters, heads, widths, KV bytes per token, status ids."""
    header = [*_COMPARE_FIELDS, "base_kv_bytes_per_token", "pruned_kv_bytes_per_token", "status"]
    base_kv, pruned_kv = _kv_by_index(comparison.base), _kv_by_index(comparison.pruned)
    rows = []
    for layer in comparison.layers:
        data = layer.to_dict()
        rows.append(
            [
                *(data[field] for field in _COMPARE_FIELDS),
                base_kv.get(layer.index),
                pruned_kv.get(_pruned_index(comparison, layer), 0),
                ";".join(layer.status),
            ]
        )
    return _write(header, rows)


def render_inspect(report: InspectReport, lang: str) -> str:
    """One row per layer: parameters, heads, widths, KV bytes per token."""
    header = [*_INSPECT_FIELDS, "kv_bytes_per_token"]
    kv = _kv_by_index(report)
    rows = []
    for layer in report.shape.layers:
        data = layer.to_dict()
        rows.append([*(data[field] for field in _INSPECT_FIELDS), kv.get(layer.index)])
    return _write(header, rows)


def render_check(report: CheckReport, lang: str) -> str:
    """One row per finding: severity, code, layer, message (the message in ``lang``; scripts key on ``code``)."""
    return _write(
        ["severity", "code", "layer", "message"],
        [[f.severity.value, f.code, f.layer, finding_text(f, lang)] for f in report.findings],
    )


def render_tensors(listing: TensorListing, lang: str) -> str:
    """One row per tensor: name, dtype, shape (dimensions joined by ``x``), file."""
    return _write(
        ["name", "dtype", "shape", "file"],
        [[t.name, t.dtype, "x".join(str(d) for d in t.shape), t.file] for t in listing.tensors],
    )
