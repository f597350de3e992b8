"""Per-layer bar charts for the terminal: 32 layers at a glance instead of 32 rows to read.

Unicode block elements give eighth-of-a-cell resolution; where the terminal cannot encode them
(``unicode=False``) the same chart is drawn with ``#`` and ``.``. Every line fits in 80 columns
(CJK labels are measured with wcwidth). Pure: data in, lines out.
"""

from __future__ import annotations

from wcwidth import wcswidth

from ..locales import t
from ..model import Comparison, ModelShape

MAX_WIDTH = 80
BAR = 24
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


def compare_bars(comparison: Comparison, lang: str, *, unicode: bool = True) -> list[str]:
    """Per layer: the share of the base layer's attention and MLP parameters that was kept.

    A layer whose base has no attention (or MLP) shows ``-`` for that part.
    """
    filled, rest = ("\u2588", "\u2591") if unicode else ("#", ".")
    title = f"{t('label.chart_compare', lang)} ({filled} {t('label.chart_legend_compare', lang)}, {rest} {t('label.chart_legend_removed', lang)})"
    head = "  ".join([_pad(t("label.layer", lang), 5), _pad(t("label.attention", lang), BAR + 5), t("label.mlp", lang)])
    lines = [title, head]
    for layer in comparison.layers:
        attn = None if not layer.base_attn_params else layer.pruned_attn_params / layer.base_attn_params
        mlp = None if not layer.base_mlp_params else layer.pruned_mlp_params / layer.base_mlp_params
        lines.append(
            f"{layer.index:>5}  "
            f"{bar(attn or 0.0, unicode=unicode)} {_pct(None if attn is None else attn * 100)}  "
            f"{bar(mlp or 0.0, unicode=unicode)} {_pct(None if mlp is None else mlp * 100)}"
        )
    return lines


def inspect_bars(shape: ModelShape, lang: str, *, unicode: bool = True) -> list[str]:
    """Per layer: attention and MLP parameters against the largest layer, with heads and width.

    For a dense unpruned model every bar is full; a pruned model shows where it was cut.
    """
    max_attn = max((layer.attn_params for layer in shape.layers), default=0)
    max_mlp = max((layer.mlp_params for layer in shape.layers), default=0)
    bar_width = 20
    title = t("label.chart_inspect", lang)
    head = "  ".join(
        [
            _pad(t("label.layer", lang), 5),
            _pad(f"{t('label.attention', lang)} ({t('label.heads_q_kv', lang)})", bar_width + 8),
            f"{t('label.mlp', lang)} ({t('label.intermediate', lang)})",
        ]
    )
    lines = [title, head]
    for layer in shape.layers:
        q = "?" if layer.q_heads is None else str(layer.q_heads)
        kv = "?" if layer.kv_heads is None else str(layer.kv_heads)
        width = "?" if layer.intermediate_size is None else str(layer.intermediate_size)
        attn = layer.attn_params / max_attn if max_attn else 0.0
        mlp = layer.mlp_params / max_mlp if max_mlp else 0.0
        lines.append(
            f"{layer.index:>5}  {bar(attn, bar_width, unicode=unicode)} {q + '/' + kv:>7}  "
            f"{bar(mlp, bar_width, unicode=unicode)} {width:>7}"
        )
    return lines
