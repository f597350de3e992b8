"""``--format html``: one self-contained page with the report's tables and inline SVG charts.

No external assets and no JavaScript: styles are inline, charts are SVG drawn here, and hover
details come from SVG ``<title>`` elements, which browsers show natively. The markup is kept
well-formed XML (every element closed, only XML's own entities) so that it can be checked with
any parser. Tables reuse the text report's row builders, so every number matches it.
"""

from __future__ import annotations

import math
from html import escape
from xml.sax.saxutils import quoteattr

from wcwidth import wcswidth

from ..locales import t
from ..model import CheckReport, Comparison, Finding, InspectReport, TensorListing
from . import rows
from .style import Style

ATTN_COLOR = "#4c78a8"
MLP_COLOR = "#f58518"
BASE_COLOR = "#c9c3bf"
KV_COLOR = "#54a24b"

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans","PingFang SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222;background:#fff}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}td.text{text-align:left;white-space:normal}
.scroll{overflow-x:auto}figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
svg{max-width:100%;height:auto}svg text{font-size:10px;fill:#444}
.error{color:#b00020}.warning{color:#9a6700}.info{color:#555}.meta{color:#666}
footer{margin-top:2rem;color:#888;font-size:12px}
"""


def _t(text: object) -> str:
    return escape(str(text), quote=False)


def _table(headers: list[str], body: list[list[str]], left: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{_t(h)}</th>" for h in headers)
    lines = []
    for row in body:
        cells = "".join(
            f'<td class="text">{_t(cell)}</td>' if i in left else f"<td>{_t(cell)}</td>" for i, cell in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table></div>'


def _nice_max(value: float) -> float:
    """The smallest top of axis at or above ``value`` whose quarter is 1, 2, 2.5 or 5 x 10^k.

    Ticks sit at quarters of the axis, so they read as round numbers (0, 10, 20, 30, 40 heads).

    >>> _nice_max(32), _nice_max(14336), _nice_max(100), _nice_max(0)
    (40, 20000, 100, 4)
    """
    if value <= 0:
        return 4
    quarter = value / 4
    scale = 10 ** math.floor(math.log10(quarter)) if quarter >= 1 else 1
    # 2.5 only where it still gives whole ticks (25, 250, ...): head counts must read as integers.
    for factor in (1, 2, 2.5, 5, 10) if scale >= 10 else (1, 2, 5, 10):
        if 4 * factor * scale >= value:
            return int(4 * factor * scale)
    return 40 * scale


def bar_chart(
    title: str,
    categories: list[int],
    series: list[tuple[str, list[float | None], str]],
    *,
    y_max: float | None = None,
    unit: str = "",
    category_label: str = "",
    overlay: bool = False,
) -> str:
    """A grouped vertical bar chart as inline SVG: one group per layer, one bar per series.

    ``series`` is ``[(name, values, colour), ...]``; ``None`` values draw nothing. Each bar has a
    ``<title>`` naming the layer, the series and the exact value. With ``overlay`` the series come
    in (base, pruned) pairs and each pruned bar is drawn inside its base bar, so what was cut
    shows as the pale part above it.
    """
    slots = [series[i : i + 2] for i in range(0, len(series), 2)] if overlay else [[one] for one in series]
    n_series = max(len(slots), 1)
    bar_w = (8 if n_series > 1 else 10) + (2 if overlay else 0)
    group_w = bar_w * n_series + 5
    left, right, top, bottom, height = 56, 12, 34, 30, 200
    width = left + right + group_w * max(len(categories), 1)
    peak = max((v for _, values, _ in series for v in values if v is not None), default=0.0)
    top_value = y_max if y_max is not None else _nice_max(peak)
    scale = height / top_value if top_value else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {top + height + bottom}" '
        f'width="{width}" height="{top + height + bottom}">',
        f"<title>{_t(title)}</title>",
    ]
    for k in range(5):  # gridlines and y ticks at 0, 25, 50, 75, 100 % of the axis
        value = top_value * k / 4
        y = top + height - value * scale
        tick = (f"{value:,.0f}" if value == int(value) else f"{value:g}") + unit
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{_t(tick)}</text>')
    x_legend = left
    for name, _, colour in series:
        parts.append(f'<rect x="{x_legend}" y="8" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x_legend + 14}" y="17">{_t(name)}</text>')
        x_legend += 26 + 7 * max(wcswidth(name), len(name))
    every = 1 if len(categories) <= 48 else 4
    for position, category in enumerate(categories):
        x0 = left + position * group_w + 2
        for slot, members in enumerate(slots):
            for depth, (name, values, colour) in enumerate(members):
                value = values[position] if position < len(values) else None
                if value is None:
                    continue
                h = max(value, 0.0) * scale
                inset = 2 * depth  # the pruned bar of an overlay pair sits inside its base bar
                shown = f"{value:.2f}{unit}" if unit else f"{value:,.0f}"
                parts.append(
                    f'<rect x="{x0 + slot * bar_w + inset}" y="{top + height - h:.1f}" width="{bar_w - 1 - 2 * inset}" '
                    f'height="{h:.1f}" fill="{colour}"><title>{_t(f"{category_label} {category}: {name} {shown}")}</title></rect>'
                )
        if position % every == 0:
            cx = x0 + (bar_w * n_series) / 2
            parts.append(f'<text x="{cx:.1f}" y="{top + height + 13}" text-anchor="middle">{category}</text>')
    parts.append(
        f'<line x1="{left}" y1="{top + height}" x2="{width - right}" y2="{top + height}" stroke="#999"/>'
        f'<text x="{left}" y="{top + height + 27}">{_t(category_label)}</text></svg>'
    )
    return f"<figure><figcaption>{_t(title)}</figcaption><div class=\"scroll\">{''.join(parts)}</div></figure>"


def _page(title: str, lang: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{t("meta.html_lang", lang)}" xmlns="http://www.w3.org/1999/xhtml"><head><meta charset="utf-8"/>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        f"<title>{_t(title)}</title><style>{_STYLE}</style></head><body>"
        + "\n".join(body)
        + f"<footer>{_t(t('label.generated_by', lang))}</footer></body></html>\n"
    )


def _findings(findings: list[Finding], style: Style) -> list[str]:
    heading = f"<h2>{_t(t('label.findings', style.lang))}</h2>"
    if not findings:
        return [heading, f"<p>{_t(t('label.no_findings', style.lang))}</p>"]
    items = "".join(
        f"<li class={quoteattr(f.severity)}>{_t(line)}</li>" for f, line in zip(findings, rows.finding_lines(findings, style))
    )
    return [heading, f"<ul>{items}</ul>"]


def _estimates(headers: list[str], body: list[list[str]], style: Style) -> list[str]:
    return [f"<h2>{_t(t('label.estimates', style.lang))}</h2>", _table(headers, body)] if body else []


def render_compare(comparison: Comparison, style: Style) -> str:
    """The pruning report as a page: totals, estimates, charts, per-layer table and details, findings."""
    lang = style.lang
    base, pruned = comparison.base.shape, comparison.pruned.shape
    layers = comparison.layers
    indices = [layer.index for layer in layers]
    layer_word = t("label.layer", lang)
    title = t("label.compare_title", lang)
    body = [
        f"<h1>{_t(title)}</h1>",
        f'<p class="meta">{_t(t("label.base_model", lang))}: <b>{_t(base.name)}</b> {_t(style.glyph("arrow"))} '
        f'{_t(t("label.pruned_model", lang))}: <b>{_t(pruned.name)}</b></p>',
        f"<h2>{_t(t('label.overall', lang))}</h2>",
        _table(rows.totals_headers(style), rows.totals_rows(comparison, style)),
    ]
    body += _estimates(rows.compare_estimate_headers(style), rows.compare_estimate_rows(comparison, style), style)
    shares = rows.kept_shares(comparison)
    kept = f"{t('label.chart_kept_attn', lang)} / {t('label.chart_kept_mlp', lang)}"
    base_word, pruned_word = t("label.base", lang), t("label.pruned", lang)
    q_word, kv_word, width_word = t("label.q_heads", lang), t("label.kv_heads", lang), t("label.intermediate", lang)
    charts = [
        f"<h2>{_t(t('label.chart_compare', lang))}</h2>",
        bar_chart(
            kept,
            indices,
            [
                (t("label.attention", lang), [attn for _, attn, _ in shares], ATTN_COLOR),
                (t("label.mlp", lang), [mlp for _, _, mlp in shares], MLP_COLOR),
            ],
            y_max=100.0,
            unit="%",
            category_label=layer_word,
        ),
        bar_chart(
            f"{q_word}: {base_word} / {pruned_word}",
            indices,
            [
                (f"{q_word} ({base_word})", [l.base_q_heads for l in layers], BASE_COLOR),
                (f"{q_word} ({pruned_word})", [l.pruned_q_heads for l in layers], ATTN_COLOR),
                (f"{kv_word} ({base_word})", [l.base_kv_heads for l in layers], "#d5e8cf"),
                (f"{kv_word} ({pruned_word})", [l.pruned_kv_heads for l in layers], KV_COLOR),
            ],
            category_label=layer_word,
            overlay=True,
        ),
        bar_chart(
            f"{width_word}: {base_word} / {pruned_word}",
            indices,
            [
                (base_word, [l.base_intermediate_size for l in layers], BASE_COLOR),
                (pruned_word, [l.pruned_intermediate_size for l in layers], MLP_COLOR),
            ],
            category_label=layer_word,
            overlay=True,
        ),
    ]
    # No layers when layer counts differ and no layer map pairs them: totals only, no charts.
    if layers:
        body += charts
        body += [
            f"<h2>{_t(t('label.per_layer', lang))}</h2>",
            _table(rows.layer_headers(style), rows.layer_rows(comparison, style), left=(7,)),
            f"<h2>{_t(t('label.details', lang))}</h2>",
            _table(*rows.heads_rows(comparison, style)),
        ]
    else:
        body += [f"<h2>{_t(t('label.per_layer', lang))}</h2>", f"<p>{_t(rows.not_aligned_note(comparison, style))}</p>"]
    body += _findings(rows.comparison_findings(comparison), style)
    return _page(f"{title}: {base.name} / {pruned.name}", lang, body)


def render_inspect(report: InspectReport, style: Style) -> str:
    """One model as a page: summary, estimates, charts, per-layer table, findings."""
    lang = style.lang
    shape = report.shape
    layers = shape.layers
    indices = [layer.index for layer in layers]
    layer_word = t("label.layer", lang)
    title = f"{t('label.inspect_title', lang)}: {shape.name}"
    body = [
        f"<h1>{_t(title)}</h1>",
        _table([t("label.item", lang), ""], rows.summary_rows(shape, style)),
        f"<h2>{_t(t('label.by_dtype', lang))}</h2>",
        _table(rows.dtype_headers(style), rows.dtype_rows(shape, style)),
    ]
    if report.estimates is not None:
        body += _estimates(rows.estimate_headers(style), rows.estimate_rows(report.estimates, style), style)
    body += [
        f"<h2>{_t(t('label.chart_inspect', lang))}</h2>",
        bar_chart(
            t("label.chart_params", lang),
            indices,
            [
                (t("label.attn_params", lang), [l.attn_params for l in layers], ATTN_COLOR),
                (t("label.mlp_params", lang), [l.mlp_params for l in layers], MLP_COLOR),
            ],
            category_label=layer_word,
        ),
        bar_chart(
            t("label.chart_heads", lang),
            indices,
            [
                (t("label.q_heads", lang), [l.q_heads for l in layers], ATTN_COLOR),
                (t("label.kv_heads", lang), [l.kv_heads for l in layers], KV_COLOR),
            ],
            category_label=layer_word,
        ),
        bar_chart(
            t("label.chart_intermediate", lang),
            indices,
            [(t("label.intermediate", lang), [l.intermediate_size for l in layers], MLP_COLOR)],
            category_label=layer_word,
        ),
        f"<h2>{_t(t('label.layer_table', lang))}</h2>",
        _table(rows.shape_layer_headers(style), rows.shape_layer_rows(shape, style)),
        *_findings(report.findings, style),
    ]
    return _page(title, lang, body)


def render_tensors(listing: TensorListing, style: Style) -> str:
    """The ``tensors`` listing as a page."""
    title = f"{t('label.tensors', style.lang)} ({len(listing.tensors)}): {listing.name}"
    headers, body_rows = rows.tensor_table(listing, style)
    return _page(title, style.lang, [f"<h1>{_t(title)}</h1>", _table(headers, body_rows, left=(0, 1, 2, 3))])


def render_check(report: CheckReport, style: Style) -> str:
    """The pre-download check as a page: verdict, findings table, estimates."""
    lang = style.lang
    title = f"{t('label.check_title', lang)}: {report.name}"
    body = [f"<h1>{_t(title)}</h1>", f'<p class="meta">{_t(rows.check_summary(report, style))}</p>']
    if report.findings:
        body += [f"<h2>{_t(t('label.findings', lang))}</h2>", _table(*rows.finding_table(report.findings, style), left=(0, 1, 3))]
    else:
        body.append(f"<p>{_t(t('label.no_findings', lang))}</p>")
    if report.estimates is not None:
        body += _estimates(rows.estimate_headers(style), rows.estimate_rows(report.estimates, style), style)
    return _page(title, lang, body)
