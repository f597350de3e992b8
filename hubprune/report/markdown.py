"""``--format markdown``: the same rows as the text report, as GitHub tables."""

from __future__ import annotations

import tabulate as _tabulate

from ..locales import t
from ..model import CheckReport, Comparison, InspectReport, TensorListing
from . import estimate_rows, rows


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


def _findings(findings, lang: str) -> list[str]:
    if not findings:
        return []
    return [f"## {t('label.findings', lang)}", "", *(f"- {escape(line)}" for line in rows.finding_lines(findings, lang)), ""]


def _estimates(headers: list[str], body: list[list[str]], lang: str) -> list[str]:
    return [f"## {t('label.estimates', lang)}", "", _table(headers, body), ""] if body else []


def render_compare(comparison: Comparison, lang: str) -> str:
    base, pruned = comparison.base.shape, comparison.pruned.shape
    out = [
        f"# {t('label.compare_title', lang)}",
        "",
        f"- **{t('label.base_model', lang)}**: {escape(base.name)}" + (f" @ {escape(base.commit)}" if base.commit else ""),
        f"- **{t('label.pruned_model', lang)}**: {escape(pruned.name)}" + (f" @ {escape(pruned.commit)}" if pruned.commit else ""),
        "",
        f"## {t('label.overall', lang)}",
        "",
        _table(rows.totals_headers(lang), rows.totals_rows(comparison, lang)),
        "",
        f"## {t('label.per_layer', lang)}",
        "",
    ]
    if comparison.aligned:
        out += [_table(rows.layer_headers(lang), rows.layer_rows(comparison, lang)), "", f"## {t('label.details', lang)}", ""]
    else:
        out += [escape(rows.not_aligned_note(comparison, lang)), ""]
    for layer in comparison.layers:
        out += [f"### {t('label.layer', lang)} {layer.index}", ""]
        for section, lines in rows.layer_details(layer, lang):
            out.append(f"- **{escape(section)}**")
            out += [f"  - {escape(line)}" for line in lines]
        out.append("")
    out += _findings([*comparison.findings, *comparison.pruned.findings], lang)
    out += _estimates(
        estimate_rows.compare_estimate_headers(lang), estimate_rows.compare_estimate_rows(comparison, lang), lang
    )
    return "\n".join(out).rstrip("\n") + "\n"


def render_inspect(report: InspectReport, lang: str) -> str:
    shape = report.shape
    out = [
        f"# {t('label.inspect_title', lang)}: {escape(shape.name)}",
        "",
        _table([t("label.item", lang), ""], rows.summary_rows(shape, lang)),
        "",
        f"## {t('label.by_dtype', lang)}",
        "",
        _table(rows.dtype_headers(lang), rows.dtype_rows(shape)),
        "",
        f"## {t('label.layer_table', lang)}",
        "",
        _table(rows.shape_layer_headers(lang), rows.shape_layer_rows(shape)),
        "",
    ]
    out += _findings(report.findings, lang)
    if report.estimates is not None:
        out += _estimates(estimate_rows.estimate_headers(lang), estimate_rows.estimate_rows(report.estimates, lang), lang)
    return "\n".join(out).rstrip("\n") + "\n"


def render_tensors(listing: TensorListing, lang: str) -> str:
    headers, body = rows.tensor_table(listing, lang)
    title = f"# {t('label.tensors', lang)} ({len(listing.tensors)}): `{listing.name}`"
    return "\n".join([title, "", _table(headers, body)]) + "\n"


def render_check(report: CheckReport, lang: str) -> str:
    """The pre-download check: findings worst first, the estimates, and the verdict line."""
    title = f"# {t('label.check_title', lang)}: {escape(report.name)}"
    out = [title, ""]
    if report.family:
        out += [f"- **{t('label.family', lang)}**: {escape(report.family)}", f"- **{t('label.files', lang)}**: {report.files}", ""]
    out += _findings(report.findings, lang) or [t("label.no_findings", lang), ""]
    if report.estimates is not None:
        out += _estimates(estimate_rows.estimate_headers(lang), estimate_rows.estimate_rows(report.estimates, lang), lang)
    counts = {severity: sum(f.severity == severity for f in report.findings) for severity in ("error", "warning", "info")}
    out.append(f"**{t('label.check_summary', lang, **counts)}**")
    return "\n".join(out).rstrip("\n") + "\n"
