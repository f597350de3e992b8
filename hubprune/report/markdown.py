"""``--format markdown``: the same rows as the text report, as GitHub tables."""

from __future__ import annotations

import tabulate as _tabulate

from ..model import Comparison, ModelShape
from . import rows
from .strings import label


def _table(headers: list[str], body: list[list[str]]) -> str:
    align = ["left"] + ["right"] * (len(headers) - 1)
    return _tabulate.tabulate(body, headers=headers, tablefmt="github", colalign=align, disable_numparse=True)


def _findings(findings, lang: str) -> list[str]:
    if not findings:
        return []
    return [f"## {label('findings', lang)}", "", *(f"- {line}" for line in rows.finding_lines(findings, lang)), ""]


def render_compare(comparison: Comparison, lang: str) -> str:
    base, pruned = comparison.base, comparison.pruned
    out = [
        f"# {label('compare_title', lang)}",
        "",
        f"- **{label('base_model', lang)}**: `{base.name}`" + (f" @ `{base.commit}`" if base.commit else ""),
        f"- **{label('pruned_model', lang)}**: `{pruned.name}`" + (f" @ `{pruned.commit}`" if pruned.commit else ""),
        "",
        f"## {label('overall', lang)}",
        "",
        _table(rows.totals_headers(lang), rows.totals_rows(comparison, lang)),
        "",
        f"## {label('per_layer', lang)}",
        "",
    ]
    if comparison.aligned:
        out += [_table(rows.layer_headers(lang), rows.layer_rows(comparison, lang)), "", f"## {label('details', lang)}", ""]
    else:
        out += [rows.not_aligned_note(comparison, lang), ""]
    for layer in comparison.layers:
        out += [f"### {label('layer', lang)} {layer.index}", ""]
        for section, lines in rows.layer_details(layer, lang):
            out.append(f"- **{section}**")
            out += [f"  - {line}" for line in lines]
        out.append("")
    out += _findings([*comparison.findings, *pruned.findings], lang)
    return "\n".join(out).rstrip("\n") + "\n"


def render_inspect(shape: ModelShape, lang: str) -> str:
    out = [
        f"# {label('inspect_title', lang)}: `{shape.name}`",
        "",
        _table([label("item", lang), ""], rows.summary_rows(shape, lang)),
        "",
        f"## {label('by_dtype', lang)}",
        "",
        _table(rows.dtype_headers(lang), rows.dtype_rows(shape)),
        "",
        f"## {label('layer_table', lang)}",
        "",
        _table(rows.shape_layer_headers(lang), rows.shape_layer_rows(shape)),
        "",
    ]
    out += _findings(shape.findings, lang)
    return "\n".join(out).rstrip("\n") + "\n"
