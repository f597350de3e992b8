"""``--format text``: the reference report's layout, columns aligned with wcwidth for CJK labels."""

from __future__ import annotations

import tabulate as _tabulate

from ..locales import t
from ..model import CheckReport, Comparison, FamilyList, InspectReport, TensorListing
from . import bars, estimate_rows, rows

WIDTH = 100
HEAVY = "=" * WIDTH
LIGHT = "-" * WIDTH

# Wide (CJK) characters take two terminal cells; tabulate measures them with wcwidth when told to.
_tabulate.WIDE_CHARS_MODE = True


def _table(headers: list[str], body: list[list[str]], last_left: bool = False) -> list[str]:
    align = ["left"] + ["right"] * (len(headers) - 1)
    if last_left:
        align[-1] = "left"
    text = _tabulate.tabulate(body, headers=headers, tablefmt="simple", colalign=align, disable_numparse=True)
    head, _rule, *lines = text.splitlines()
    return [head, LIGHT, *lines]


def _heading(title: str, rule: str) -> list[str]:
    return [rule, title, rule]


def render_compare(comparison: Comparison, lang: str, *, unicode: bool = True) -> str:
    """The pruning report: overall statistics, per-layer table, per-layer details, findings.

    After those (whose layout is the reference report's): estimates and a per-layer bar chart.
    """
    base, pruned = comparison.base.shape, comparison.pruned.shape
    out = [*_heading(t("label.compare_title", lang), HEAVY)]
    out.append(f"{t('label.base_model', lang)}: {base.name}" + (f" ({t('label.commit', lang)} {base.commit})" if base.commit else ""))
    out.append(f"{t('label.pruned_model', lang)}: {pruned.name}" + (f" ({t('label.commit', lang)} {pruned.commit})" if pruned.commit else ""))
    out += ["", *_heading(t("label.overall", lang), LIGHT)]
    out += _table(rows.totals_headers(lang), rows.totals_rows(comparison, lang))
    out += ["", *_heading(t("label.per_layer", lang), HEAVY), ""]
    if not comparison.aligned:
        out += [rows.not_aligned_note(comparison, lang)]
    else:
        out += _table(rows.layer_headers(lang), rows.layer_rows(comparison, lang), last_left=True)
        out += ["", *_heading(t("label.details", lang), HEAVY)]
    for layer in comparison.layers:
        out += ["", f"{t('label.layer', lang)} {layer.index}:"]
        for section, lines in rows.layer_details(layer, lang):
            out.append(f"  {section}:")
            out += [f"    {line}" for line in lines]
    out += ["", HEAVY]
    findings = [*comparison.findings, *comparison.pruned.findings]
    out += _findings(findings, lang)
    estimates = estimate_rows.compare_estimate_rows(comparison, lang)
    if estimates:
        out += ["", *_heading(t("label.estimates", lang), LIGHT)]
        out += _table(estimate_rows.compare_estimate_headers(lang), estimates)
    if comparison.layers:  # none when layer counts differ and no layer map pairs them
        chart = bars.compare_bars(comparison, lang, unicode=unicode)
        out += ["", *_heading(chart[0], LIGHT), *chart[1:]]
    return "\n".join(out) + "\n"


def _findings(findings, lang: str) -> list[str]:
    if not findings:
        return []
    return [t("label.findings", lang) + ":", *(f"  - {line}" for line in rows.finding_lines(findings, lang)), HEAVY]


def render_inspect(report: InspectReport, lang: str, *, unicode: bool = True) -> str:
    """One model: summary, parameters by dtype, per-layer structure, findings, estimates, bars."""
    shape = report.shape
    out = [*_heading(t("label.inspect_title", lang), HEAVY), f"{t('label.model', lang)}: {shape.name}", ""]
    summary = _tabulate.tabulate(rows.summary_rows(shape, lang), tablefmt="plain", colalign=("left", "right"), disable_numparse=True)
    out += summary.splitlines()
    out += ["", *_heading(t("label.by_dtype", lang), LIGHT)]
    out += _table(rows.dtype_headers(lang), rows.dtype_rows(shape))
    out += ["", *_heading(t("label.layer_table", lang), HEAVY), ""]
    out += _table(rows.shape_layer_headers(lang), rows.shape_layer_rows(shape))
    out += ["", HEAVY]
    out += _findings(report.findings, lang) or [t("label.no_findings", lang)]
    if report.estimates is not None:
        out += ["", *_heading(t("label.estimates", lang), LIGHT)]
        out += _table(estimate_rows.estimate_headers(lang), estimate_rows.estimate_rows(report.estimates, lang))
    chart = bars.inspect_bars(shape, lang, unicode=unicode)
    out += ["", *_heading(chart[0], LIGHT), *chart[1:]]
    return "\n".join(out) + "\n"


def render_tensors(listing: TensorListing, lang: str, *, unicode: bool = True) -> str:
    """The ``tensors`` listing: name, dtype, shape and file of every matching tensor."""
    out = [*_heading(f"{t('label.tensors', lang)} ({len(listing.tensors)}): {listing.name}", LIGHT)]
    out += _table(*rows.tensor_table(listing, lang))
    return "\n".join(out) + "\n"


def render_families(families: FamilyList, lang: str, *, unicode: bool = True) -> str:
    """``hubprune families``: one block per family."""
    return "\n".join(rows.family_lines(families, lang)) + "\n"


def render_check(report: CheckReport, lang: str, *, unicode: bool = True) -> str:
    """The pre-download check: one line per finding, worst first, then the estimates and a verdict."""
    title = f"{t('label.check_title', lang)}: {report.name}"
    if report.family:
        title += f" ({t('label.family', lang)}: {report.family}, {t('label.files', lang)}: {report.files})"
    out = [*_heading(title, HEAVY)]
    if report.findings:
        out += [f"  - {line}" for line in rows.finding_lines(report.findings, lang)]
    else:
        out.append(t("label.no_findings", lang))
    if report.estimates is not None:
        out += ["", *_heading(t("label.estimates", lang), LIGHT)]
        out += _table(estimate_rows.estimate_headers(lang), estimate_rows.estimate_rows(report.estimates, lang))
    counts = {severity: sum(f.severity == severity for f in report.findings) for severity in ("error", "warning", "info")}
    out += ["", HEAVY, t("label.check_summary", lang, **counts)]
    return "\n".join(out) + "\n"
