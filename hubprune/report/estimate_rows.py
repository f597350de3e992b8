"""Row builders for the estimates (memory, KV cache, FLOPs), shared by the text and HTML renderers."""

from __future__ import annotations

from ..locales import t
from ..model import Comparison, Estimates


def _scaled(n: int | None, step: int, units: tuple[str, ...], whole: str) -> str:
    """``n`` in the largest unit below ``step``; ``whole`` formats the smallest unit (no decimals)."""
    if n is None:
        return "?"
    value = float(n)
    for unit in units[:-1]:
        if abs(value) < step:
            return whole.format(int(value)) if unit == units[0] else f"{value:.2f} {unit}"
        value /= step
    return f"{value:.2f} {units[-1]}"


def human_bytes(n: int | None) -> str:
    """``16060522496`` -> ``"14.96 GiB"``; binary units, as memory is counted.

    >>> human_bytes(16060522496), human_bytes(512), human_bytes(None)
    ('14.96 GiB', '512 B', '?')
    """
    return _scaled(n, 1024, ("B", "KiB", "MiB", "GiB", "TiB", "PiB"), "{} B")


def human_count(n: int | None) -> str:
    """``16060522496`` -> ``"16.06 G"`` (decimal, as FLOPs are counted).

    >>> human_count(16060522496), human_count(950), human_count(None)
    ('16.06 G', '950', '?')
    """
    return _scaled(n, 1000, ("", "K", "M", "G", "T", "P"), "{}")


def _kv_label(e: Estimates, lang: str) -> str:
    return t("label.kv_cache_at", lang, context=f"{e.context:,}", batch=e.batch)


def _items(e: Estimates, lang: str) -> list[tuple[str, str]]:
    items = [
        (t("label.download", lang), human_bytes(e.download_bytes)),
        (t("label.weights_stored", lang), human_bytes(e.weight_bytes)),
        (t("label.weights_bf16", lang), human_bytes(e.weight_bytes_bf16)),
        (t("label.weights_int8", lang), human_bytes(e.weight_bytes_int8)),
        (t("label.weights_int4", lang), human_bytes(e.weight_bytes_int4)),
        (t("label.kv_per_token", lang), human_bytes(e.kv_bytes_per_token)),
    ]
    if e.context is not None:
        items.append((_kv_label(e, lang), human_bytes(e.kv_cache_bytes)))
    items.append((t("label.flops_per_token", lang), human_count(e.flops_per_token)))
    return items


def estimate_rows(e: Estimates, lang: str) -> list[list[str]]:
    """``[[item, value], ...]`` for one model."""
    return [[name, value] for name, value in _items(e, lang)]


def _saved(base: int | None, pruned: int | None) -> str:
    if base is None or pruned is None:
        return "?"
    return f"{(base - pruned) / base * 100:.2f}%" if base else "0.00%"


def compare_estimate_rows(comparison: Comparison, lang: str) -> list[list[str]]:
    """``[[item, base, pruned, saved %], ...]``; empty when the shapes carry no estimates."""
    b, p = comparison.base.estimates, comparison.pruned.estimates
    if b is None or p is None:
        return []
    raw = [
        (b.download_bytes, p.download_bytes),
        (b.weight_bytes, p.weight_bytes),
        (b.weight_bytes_bf16, p.weight_bytes_bf16),
        (b.weight_bytes_int8, p.weight_bytes_int8),
        (b.weight_bytes_int4, p.weight_bytes_int4),
        (b.kv_bytes_per_token, p.kv_bytes_per_token),
    ]
    if b.context is not None and p.context is not None:
        raw.append((b.kv_cache_bytes, p.kv_cache_bytes))
    raw.append((b.flops_per_token, p.flops_per_token))
    rows = []
    for (name, base_text), (_, pruned_text), (base, pruned) in zip(_items(b, lang), _items(p, lang), raw):
        rows.append([name, base_text, pruned_text, _saved(base, pruned)])
    return rows


def estimate_headers(lang: str) -> list[str]:
    return [t("label.item", lang), t("label.value", lang)]


def compare_estimate_headers(lang: str) -> list[str]:
    return [t(f"label.{k}", lang) for k in ("item", "base", "pruned", "saved")]
