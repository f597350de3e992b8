"""``--format text``: the reference report's layout, columns aligned with wcwidth for CJK labels."""

from __future__ import annotations

import tabulate as _tabulate

from ..locales import t
from ..model import CheckReport, Comparison, FamilyList, Finding, InspectReport, TensorListing
from . import bars, rows
from .style import Style


def _table(headers: list[str], body: list[list[str]], style: Style, last_left: bool = False) -> list[str]:
    align = ["left"] + ["right"] * (len(headers) - 1)
    if last_left:
        align[-1] = "left"
    # tabulate measures wide (CJK) characters with wcwidth, a dependency, so columns stay aligned.
    text = _tabulate.tabulate(body, headers=headers, tablefmt="simple", colalign=align, disable_numparse=True)
    head, _rule, *lines = text.splitlines()
    return [head, "-" * style.width, *lines]


def _rule(style: Style, heavy: bool = True) -> str:
    return ("=" if heavy else "-") * style.width


def _heading(title: str, style: Style, heavy: bool = True) -> list[str]:
    return [_rule(style, heavy), title, _rule(style, heavy)]


def _findings(findings: list[Finding], style: Style) -> list[str]:
    if not findings:
        return []
    lines = rows.finding_lines(findings, style)
    return [t("label.findings", style.lang) + ":", *(f"  - {line}" for line in lines), _rule(style)]


def _model_line(key: str, name: str, commit: str | None, lang: str) -> str:
    return f"{t(key, lang)}: {name}" + (f" ({t('label.at_commit', lang, commit=commit)})" if commit else "")


def render_compare(comparison: Comparison, style: Style) -> str:
    """The pruning report: overall statistics, per-layer table, per-layer details, findings.

    After those (whose layout is the reference report's): estimates and a per-layer bar chart.
    """
    lang = style.lang
    base, pruned = comparison.base.shape, comparison.pruned.shape
    out = [*_heading(t("label.compare_title", lang), style)]
    out.append(_model_line("label.base_model", base.name, base.commit, lang))
    out.append(_model_line("label.pruned_model", pruned.name, pruned.commit, lang))
    out += ["", *_heading(t("label.overall", lang), style, heavy=False)]
    out += _table(rows.totals_headers(style), rows.totals_rows(comparison, style), style)
    out += ["", *_heading(t("label.per_layer", lang), style), ""]
    if not comparison.aligned:
        out += [rows.not_aligned_note(comparison, style)]
    else:
        out += _table(rows.layer_headers(style), rows.layer_rows(comparison, style), style, last_left=True)
        out += ["", *_heading(t("label.details", lang), style)]
    for layer in comparison.layers:
        out += ["", f"{t('label.layer', lang)} {layer.index}:"]
        for section, lines in rows.layer_details(layer, style):
            out.append(f"  {section}:")
            out += [f"    {line}" for line in lines]
    out += ["", _rule(style)]
    out += _findings(rows.comparison_findings(comparison), style)
    estimates = rows.compare_estimate_rows(comparison, style)
    if estimates:
        out += ["", *_heading(t("label.estimates", lang), style, heavy=False)]
        out += _table(rows.compare_estimate_headers(style), estimates, style)
    if comparison.layers:  # none when layer counts differ and no layer map pairs them
        chart = bars.compare_bars(comparison, style)
        out += ["", *_heading(chart[0], style, heavy=False), *chart[1:]]
    return "\n".join(out) + "\n"


def render_inspect(report: InspectReport, style: Style) -> str:
    """One model: summary, parameters by dtype, per-layer structure, findings, estimates, bars."""
    lang = style.lang
    shape = report.shape
    out = [*_heading(t("label.inspect_title", lang), style), f"{t('label.model', lang)}: {shape.name}", ""]
    summary = _tabulate.tabulate(rows.summary_rows(shape, style), tablefmt="plain", colalign=("left", "right"), disable_numparse=True)
    out += summary.splitlines()
    out += ["", *_heading(t("label.by_dtype", lang), style, heavy=False)]
    out += _table(rows.dtype_headers(style), rows.dtype_rows(shape, style), style)
    out += ["", *_heading(t("label.layer_table", lang), style), ""]
    out += _table(rows.shape_layer_headers(style), rows.shape_layer_rows(shape, style), style)
    out += ["", _rule(style)]
    out += _findings(report.findings, style) or [t("label.no_findings", lang)]
    if report.estimates is not None:
        out += ["", *_heading(t("label.estimates", lang), style, heavy=False)]
        out += _table(rows.estimate_headers(style), rows.estimate_rows(report.estimates, style), style)
    chart = bars.inspect_bars(shape, style)
    out += ["", *_heading(chart[0], style, heavy=False), *chart[1:]]
    return "\n".join(out) + "\n"


def render_tensors(listing: TensorListing, style: Style) -> str:
    """The ``tensors`` listing: name, dtype, shape and file of every matching tensor."""
    out = [*_heading(f"{t('label.tensors', style.lang)} ({len(listing.tensors)}): {listing.name}", style, heavy=False)]
    out += _table(*rows.tensor_table(listing, style), style)
    return "\n".join(out) + "\n"


def render_families(families: FamilyList, style: Style) -> str:
    """``hubprune families``: one block per family."""
    return "\n".join(rows.family_lines(families, style)) + "\n"


def render_check(report: CheckReport, style: Style) -> str:
    """The pre-download check: one line per finding, worst first, then the estimates and a verdict."""
    lang = style.lang
    title = f"{t('label.check_title', lang)}: {report.name}"
    if report.family:
        title += f" ({t('label.family', lang)}: {report.family}, {t('label.files', lang)}: {report.files})"
    out = [*_heading(title, style)]
    if report.findings:
        out += [f"  - {line}" for line in rows.finding_lines(report.findings, style)]
    else:
        out.append(t("label.no_findings", lang))
    if report.estimates is not None:
        out += ["", *_heading(t("label.estimates", lang), style, heavy=False)]
        out += _table(rows.estimate_headers(style), rows.estimate_rows(report.estimates, style), style)
    out += ["", _rule(style), rows.check_summary(report, style)]
    return "\n".join(out) + "\n"
