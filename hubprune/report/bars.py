"""Per-layer bar charts for the terminal: 32 layers at a glance instead of 32 rows to read.

Unicode block elements give eighth-of-a-cell resolution; where the output cannot encode them
(``style.ascii``) the same chart is drawn with ``#`` and ``.``. Bars shrink to fit ``style.width``
(CJK labels are measured with wcwidth). Pure: data in, lines out; the shares come from ``rows``.
"""

from __future__ import annotations

from wcwidth import wcswidth

from ..locales import t
from ..model import Comparison, ModelShape
from . import rows
from .style import Style

BAR = 24
MIN_BAR = 6
# Partial blocks, from one eighth of a cell to a full cell.
EIGHTHS = "\u258f\u258e\u258d\u258c\u258b\u258a\u2589\u2588"
FULL, REST = "\u2588", "\u2591"


def bar(fraction: float, width: int = BAR, *, unicode: bool = True) -> str:
    """A bar ``width`` cells wide, filled to ``fraction`` (clamped to 0..1), the rest shaded.

    >>> bar(0.5, 8), bar(0.5, 8, unicode=False)
    ('████░░░░', '####....')
    >>> bar(1 / 16, 4)
    '▎░░░'
    """
    fraction = min(max(fraction, 0.0), 1.0)
    if not unicode:
        filled = round(fraction * width)
        return "#" * filled + "." * (width - filled)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    cells = FULL * full + (EIGHTHS[part - 1] if part else "")
    return cells + REST * (width - full - (1 if part else 0))


def _pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal cells (wide CJK characters count twice)."""
    return text + " " * max(width - max(wcswidth(text), 0), 0)


def _pct(value: float | None) -> str:
    return "   -" if value is None else f"{value:3.0f}%"


def _bar_width(style: Style, fixed: int, widest: int) -> int:
    """The bar width that fits two bars and ``fixed`` other cells into ``style.width``, at most ``widest``."""
    return max(MIN_BAR, min(widest, (style.width - fixed) // 2))


def compare_bars(comparison: Comparison, style: Style) -> list[str]:
    """Per layer: the share of the base layer's attention and MLP parameters that was kept.

    A layer whose base has no attention (or MLP) shows ``-`` for that part.
    """
    lang, unicode = style.lang, not style.ascii
    width = _bar_width(style, 5 + 2 + 5 + 2 + 5, BAR)
    filled, rest = style.glyph("full"), style.glyph("rest")
    legend = f"{filled} {t('label.chart_legend_compare', lang)}, {rest} {t('label.chart_legend_removed', lang)}"
    title = f"{t('label.chart_compare', lang)} ({legend})"
    head = "  ".join([_pad(t("label.layer", lang), 5), _pad(t("label.attention", lang), width + 5), t("label.mlp", lang)])
    lines = [title, head]
    for index, attn, mlp in rows.kept_shares(comparison):
        lines.append(
            f"{index:>5}  "
            f"{bar((attn or 0.0) / 100, width, unicode=unicode)} {_pct(attn)}  "
            f"{bar((mlp or 0.0) / 100, width, unicode=unicode)} {_pct(mlp)}"
        )
    return lines


def inspect_bars(shape: ModelShape, style: Style) -> list[str]:
    """Per layer: attention and MLP parameters against the largest layer, with heads and width.

    For a dense unpruned model every bar is full; a pruned model shows where it was cut.
    """
    lang, unicode = style.lang, not style.ascii
    width = _bar_width(style, 5 + 2 + 8 + 2 + 8, 20)
    title = t("label.chart_inspect", lang)
    head = "  ".join(
        [
            _pad(t("label.layer", lang), 5),
            _pad(f"{t('label.attention', lang)} ({t('label.heads_q_kv', lang)})", width + 8),
            f"{t('label.mlp', lang)} ({t('label.intermediate', lang)})",
        ]
    )
    lines = [title, head]
    for layer, (index, attn, mlp) in zip(shape.layers, rows.size_shares(shape)):
        heads = f"{rows.plain(layer.q_heads)}/{rows.plain(layer.kv_heads)}"
        lines.append(
            f"{index:>5}  {bar(attn, width, unicode=unicode)} {heads:>7}  "
            f"{bar(mlp, width, unicode=unicode)} {rows.plain(layer.intermediate_size):>7}"
        )
    return lines
