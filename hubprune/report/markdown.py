"""``--format markdown``: the same rows as the text report, as GitHub tables."""

from __future__ import annotations

import tabulate as _tabulate

from ..locales import t
from ..model import CheckReport, Comparison, Finding, InspectReport, TensorListing
from . import rows
from .style import Style


# Checkpoint strings (names, config values, finding messages) are data from whoever published the
# checkpoint: as Markdown they must read as text, never as markup or raw HTML ("<script>" in
# config.architectures), which most Markdown renderers pass through.
_MARKUP = str.maketrans({c: "\\" + c for c in "\\`*_[]|~#"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})
_LINE_BREAKS = str.maketrans({"\n": " ", "\r": " ", "\u2028": " ", "\u2029": " "})


def escape(text: object) -> str:
    """Plain Markdown text for any string: markup characters escaped, HTML as entities, one line.

    >>> escape("<script>alert(1)</script> *bold* a|b")
    '&lt;script&gt;alert(1)&lt;/script&gt; \\\\*bold\\\\* a\\\\|b'
    """
    return str(text).translate(_LINE_BREAKS).translate(_MARKUP)


def _table(headers: list[str], body: list[list[str]]) -> str:
    align = ["left"] + ["right"] * (len(headers) - 1)
    cells = [[escape(cell) for cell in row] for row in body]
    return _tabulate.tabulate(
        cells, headers=[escape(h) for h in headers], tablefmt="github", colalign=align, disable_numparse=True
    )


def _findings(findings: list[Finding], style: Style) -> list[str]:
    if not findings:
        return []
    lines = rows.finding_lines(findings, style)
    return [f"## {t('label.findings', style.lang)}", "", *(f"- {escape(line)}" for line in lines), ""]


def _estimates(headers: list[str], body: list[list[str]], style: Style) -> list[str]:
    return [f"## {t('label.estimates', style.lang)}", "", _table(headers, body), ""] if body else []


def _model_line(key: str, name: str, commit: str | None, lang: str) -> str:
    return f"- **{t(key, lang)}**: {escape(name)}" + (f" @ {escape(commit)}" if commit else "")


def render_compare(comparison: Comparison, style: Style) -> str:
    lang = style.lang
    base, pruned = comparison.base.shape, comparison.pruned.shape
    out = [
        f"# {t('label.compare_title', lang)}",
        "",
        _model_line("label.base_model", base.name, base.commit, lang),
        _model_line("label.pruned_model", pruned.name, pruned.commit, lang),
        "",
        f"## {t('label.overall', lang)}",
        "",
        _table(rows.totals_headers(style), rows.totals_rows(comparison, style)),
        "",
        f"## {t('label.per_layer', lang)}",
        "",
    ]
    if comparison.aligned:
        out += [_table(rows.layer_headers(style), rows.layer_rows(comparison, style)), "", f"## {t('label.details', lang)}", ""]
    else:
        out += [escape(rows.not_aligned_note(comparison, style)), ""]
    for layer in comparison.layers:
        out += [f"### {t('label.layer', lang)} {layer.index}", ""]
        for section, lines in rows.layer_details(layer, style):
            out.append(f"- **{escape(section)}**")
            out += [f"  - {escape(line)}" for line in lines]
        out.append("")
    out += _findings(rows.comparison_findings(comparison), style)
    out += _estimates(rows.compare_estimate_headers(style), rows.compare_estimate_rows(comparison, style), style)
    return "\n".join(out).rstrip("\n") + "\n"


def render_inspect(report: InspectReport, style: Style) -> str:
    lang = style.lang
    shape = report.shape
    out = [
        f"# {t('label.inspect_title', lang)}: {escape(shape.name)}",
        "",
        _table([t("label.item", lang), ""], rows.summary_rows(shape, style)),
        "",
        f"## {t('label.by_dtype', lang)}",
        "",
        _table(rows.dtype_headers(style), rows.dtype_rows(shape, style)),
        "",
        f"## {t('label.layer_table', lang)}",
        "",
        _table(rows.shape_layer_headers(style), rows.shape_layer_rows(shape, style)),
        "",
    ]
    out += _findings(report.findings, style)
    if report.estimates is not None:
        out += _estimates(rows.estimate_headers(style), rows.estimate_rows(report.estimates, style), style)
    return "\n".join(out).rstrip("\n") + "\n"


def render_tensors(listing: TensorListing, style: Style) -> str:
    headers, body = rows.tensor_table(listing, style)
    title = f"# {t('label.tensors', style.lang)} ({len(listing.tensors)}): `{listing.name}`"
    return "\n".join([title, "", _table(headers, body)]) + "\n"


def render_check(report: CheckReport, style: Style) -> str:
    """The pre-download check: findings worst first, the estimates, and the verdict line."""
    lang = style.lang
    title = f"# {t('label.check_title', lang)}: {escape(report.name)}"
    out = [title, ""]
    if report.family:
        out += [f"- **{t('label.family', lang)}**: {escape(report.family)}", f"- **{t('label.files', lang)}**: {report.files}", ""]
    out += _findings(report.findings, style) or [t("label.no_findings", lang), ""]
    if report.estimates is not None:
        out += _estimates(rows.estimate_headers(style), rows.estimate_rows(report.estimates, style), style)
    out.append(f"**{rows.check_summary(report, style)}**")
    return "\n".join(out).rstrip("\n") + "\n"
