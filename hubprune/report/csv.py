"""``--format csv``: one table of a report for spreadsheets and scripts, chosen with ``--section``.

Every section of a report has a CSV table: ``layers`` (the default), ``summary``, ``dtypes``,
``findings`` and ``estimates`` of ``inspect``; ``layers``, ``totals``, ``findings`` and
``estimates`` of ``compare``; ``findings`` (the default) and ``estimates`` of ``check``; the
``tensors`` listing. A CSV file holds one table, so a script reads it without splitting.

Columns are the JSON field names, in every language, so that a script reading the CSV and one
reading ``--format json`` use the same words. Numbers are raw (no thousands separators);
percentages are 0-100 with four decimals; a value that is not known is an empty cell, as in the
JSON's null. Only finding messages follow ``--lang``. ``--bom`` starts the file with a UTF-8
byte-order mark, without which spreadsheet programs read Chinese text as mojibake.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from ..errors import UsageError
from ..locales import finding_text
from ..model import CheckReport, Comparison, Estimates, Finding, InspectReport, ModelShape, TensorListing
from .style import Style

_COMPARE_FIELDS = [
    "index", "base_params", "pruned_params", "kept_pct", "pruned_pct",
    "base_attn_params", "pruned_attn_params", "attn_pruned_pct",
    "base_mlp_params", "pruned_mlp_params", "mlp_pruned_pct",
    "base_q_heads", "pruned_q_heads", "base_kv_heads", "pruned_kv_heads",
    "base_intermediate_size", "pruned_intermediate_size",
]  # fmt: skip
_INSPECT_FIELDS = [
    "index", "params", "attn_params", "mlp_params", "norm_params", "other_params", "residual_params",
    "q_heads", "kv_heads", "head_dim", "intermediate_size", "experts", "attn_kind", "mlp_kind",
]  # fmt: skip
_SUMMARY_FIELDS = [
    "name", "source", "commit", "family", "total_params", "embed_params", "lm_head_params", "tied_embeddings",
    "decoder_params", "other_params", "num_layers", "hidden_size", "head_dim", "vocab_size", "files", "quantization",
]  # fmt: skip
_ESTIMATE_FIELDS = [
    "download_bytes", "weight_bytes", "weight_bytes_bf16", "weight_bytes_int8", "weight_bytes_int4",
    "kv_bytes_per_token", "kv_cache_bytes", "flops_per_token",
]  # fmt: skip

Table = tuple[list[str], list[list[object]]]


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return value


def _write(table: Table, style: Style) -> str:
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return ("\ufeff" if style.bom else "") + buffer.getvalue()


def _pick(sections: dict[str, Callable[[], Table]], style: Style, default: str) -> str:
    name = style.section or default
    if name not in sections:
        raise UsageError(f"this report has no CSV section {name!r}", hint=f"choose one of {', '.join(sections)}")
    return _write(sections[name](), style)


def _kv_by_index(report: InspectReport) -> dict[int, int | None]:
    """Layer index -> KV-cache bytes per token, from the report's estimates (empty without them)."""
    if report.estimates is None:
        return {}
    return {layer.index: kv for layer, kv in zip(report.shape.layers, report.estimates.kv_bytes_per_token_by_layer)}


def _pruned_index(comparison: Comparison, layer) -> int | None:
    # Under a layer map ``index`` is the base model's; the pruned layer has its own (None when
    # that base layer has no pruned counterpart, whose cache is then 0).
    return layer.index if comparison.layer_map is None else layer.pruned_index


def _findings(findings: list[Finding], style: Style) -> Table:
    """One row per finding: severity, code, layer, message (the message in ``lang``; scripts key on ``code``)."""
    return ["severity", "code", "layer", "message"], [
        [f.severity.value, f.code, f.layer, finding_text(f, style.lang, style.spell)] for f in findings
    ]


def _estimates(e: Estimates | None) -> Table:
    data = e.to_dict() if e is not None else {}
    return ["field", "value"], [[field, data.get(field)] for field in _ESTIMATE_FIELDS] if data else []


def _summary(shape: ModelShape) -> Table:
    data = shape.to_dict()
    return ["field", "value"], [[field, data.get(field)] for field in _SUMMARY_FIELDS]


def _dtypes(shape: ModelShape) -> Table:
    return ["dtype", "params", "bytes"], [
        [dtype, count, shape.bytes_by_dtype.get(dtype)] for dtype, count in shape.params_by_dtype.items()
    ]


def render_compare(comparison: Comparison, style: Style) -> str:
    """Per layer (default): base vs pruned parameters, heads, widths, KV bytes per token, status ids."""

    def layers() -> Table:
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
        return header, rows

    def totals() -> Table:
        data = comparison.totals
        return ["item", "base_params", "pruned_params", "removed_params", "pruned_pct"], [
            ["total", data.base_params, data.pruned_params, data.removed_params, data.pruned_pct],
            ["decoder", data.base_decoder_params, data.pruned_decoder_params, data.removed_decoder_params, data.decoder_pruned_pct],
        ]

    def estimates() -> Table:
        base, pruned = comparison.base.estimates, comparison.pruned.estimates
        if base is None or pruned is None:
            return ["field", "base", "pruned"], []
        b, p = base.to_dict(), pruned.to_dict()
        return ["field", "base", "pruned"], [[field, b.get(field), p.get(field)] for field in _ESTIMATE_FIELDS]

    sections = {
        "layers": layers,
        "totals": totals,
        "findings": lambda: _findings([*comparison.findings, *comparison.pruned.findings], style),
        "estimates": estimates,
    }
    return _pick(sections, style, "layers")


def render_inspect(report: InspectReport, style: Style) -> str:
    """Per layer (default): parameters, heads, widths, KV bytes per token."""

    def layers() -> Table:
        kv = _kv_by_index(report)
        rows = []
        for layer in report.shape.layers:
            data = layer.to_dict()
            rows.append([*(data[field] for field in _INSPECT_FIELDS), kv.get(layer.index)])
        return [*_INSPECT_FIELDS, "kv_bytes_per_token"], rows

    sections = {
        "layers": layers,
        "summary": lambda: _summary(report.shape),
        "dtypes": lambda: _dtypes(report.shape),
        "findings": lambda: _findings(report.findings, style),
        "estimates": lambda: _estimates(report.estimates),
    }
    return _pick(sections, style, "layers")


def render_check(report: CheckReport, style: Style) -> str:
    """One row per finding (default), or the estimates."""
    sections = {"findings": lambda: _findings(report.findings, style), "estimates": lambda: _estimates(report.estimates)}
    return _pick(sections, style, "findings")


def render_tensors(listing: TensorListing, style: Style) -> str:
    """One row per tensor: name, dtype, shape (dimensions joined by ``x``), file."""
    table: Table = (
        ["name", "dtype", "shape", "file"],
        [[e.name, e.dtype, "x".join(str(d) for d in e.shape), e.file] for e in listing.tensors],
    )
    return _pick({"tensors": lambda: table}, style, "tensors")
