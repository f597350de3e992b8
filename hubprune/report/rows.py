"""Every row builder and number format of the reports: the renderers lay these out, nothing more.

Numbers, percentages, byte sizes and the unknown mark (``?``) are formatted here once, so the
text, Markdown and HTML reports show the same figures; the few derived values a report shows
(the share kept of a base layer, a saving in percent, counts of findings) are worked out here too.
"""

from __future__ import annotations

from ..locales import finding_text, strings, t
from ..model import CheckReport, Comparison, Estimates, FamilyList, Finding, LayerComparison, ModelShape, TensorListing, pct
from .style import Style

UNKNOWN = "?"
SEVERITIES = ("error", "warning", "info")


# --- numbers -------------------------------------------------------------------------------------


def num(value: int | None) -> str:
    """``8030261248`` -> ``"8,030,261,248"``; unknown -> ``"?"``."""
    return UNKNOWN if value is None else f"{value:,}"


def plain(value: int | None) -> str:
    return UNKNOWN if value is None else str(value)


def mixer_name(mixer: str | None, lang: str) -> str:
    """A layer's token mixer(s) in the report's language; "-" for a block without one."""
    if mixer is None:
        return "-"
    known = strings("en")  # English has every key; a mixer without one is shown as named
    return "+".join(t(f"mixer.{part}", lang) if f"mixer.{part}" in known else part for part in mixer.split("+"))


def percent(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:.2f}%"


def change(pruned_pct: float) -> str:
    """A reduction reads ``-12.50%``, growth ``+3.00%``, no change ``0.00%`` (without a sign, which the
    reference report's ``-0.00%`` had: nothing was removed).

    >>> change(12.5), change(-3.0), change(0.0), change(0.001)
    ('-12.50%', '+3.00%', '0.00%', '0.00%')
    """
    text = f"{abs(pruned_pct):.2f}%"
    if text == "0.00%":
        return text
    return f"-{text}" if pruned_pct > 0 else f"+{text}"


def _scaled(n: int | None, step: int, units: tuple[str, ...]) -> str:
    """``n`` in the largest unit below ``step`` (two decimals); the smallest unit without decimals."""
    if n is None:
        return UNKNOWN
    if abs(n) < step:
        return f"{n} {units[0]}".rstrip()
    value = float(n)
    for unit in units[1:]:
        value /= step
        if abs(value) < step or unit == units[-1]:
            return f"{value:.2f} {unit}"
    raise AssertionError("unreachable")


def human_bytes(n: int | None) -> str:
    """``16060522496`` -> ``"14.96 GiB"``; binary units, as memory is counted.

    >>> human_bytes(16060522496), human_bytes(512), human_bytes(None)
    ('14.96 GiB', '512 B', '?')
    """
    return _scaled(n, 1024, ("B", "KiB", "MiB", "GiB", "TiB", "PiB"))


def human_flops(n: int | None) -> str:
    """``16060522496`` -> ``"16.06 GFLOPs"`` (decimal prefixes, as FLOPs are counted).

    >>> human_flops(16060522496), human_flops(950), human_flops(None)
    ('16.06 GFLOPs', '950 FLOPs', '?')
    """
    return _scaled(n, 1000, ("FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs"))


def _from_to(base: str, pruned: str, style: Style) -> str:
    return f"{base} {style.glyph('arrow')} {pruned}"


# --- compare ---------------------------------------------------------------------------------------


def status_text(status: list[str], lang: str) -> str:
    return " ".join(t(f"status.{s}", lang) for s in status)


def totals_headers(style: Style) -> list[str]:
    return [t(f"label.{k}", style.lang) for k in ("item", "base", "pruned", "removed", "pruned_ratio")]


def totals_rows(comparison: Comparison, style: Style) -> list[list[str]]:
    totals = comparison.totals
    return [
        [
            t("label.total_params", style.lang),
            num(totals.base_params),
            num(totals.pruned_params),
            num(totals.removed_params),
            percent(totals.pruned_pct),
        ],
        [
            # The reference report's own words for this row, in every language.
            t("label.decoder_layers", style.lang),
            num(totals.base_decoder_params),
            num(totals.pruned_decoder_params),
            num(totals.removed_decoder_params),
            percent(totals.decoder_pruned_pct),
        ],
    ]


def layer_headers(style: Style) -> list[str]:
    keys = ("layer", "layer_params_base", "layer_params_pruned", "kept_pct", "pruned_pct", "attn_pruned_pct", "mlp_pruned_pct", "status")
    return [t(f"label.{k}", style.lang) for k in keys]


def layer_rows(comparison: Comparison, style: Style) -> list[list[str]]:
    return [
        [
            str(layer.index),
            num(layer.base_params),
            num(layer.pruned_params),
            percent(layer.kept_pct),
            percent(layer.pruned_pct),
            percent(layer.attn_pruned_pct),
            percent(layer.mlp_pruned_pct),
            status_text(layer.status, style.lang),
        ]
        for layer in comparison.layers
    ]


def _params_line(base: int | None, pruned: int | None, pruned_pct: float | None, style: Style) -> str:
    if pruned_pct is None:  # the pruned part is not read: its size is unknown, not 0
        return f"{t('label.params', style.lang)}: {_from_to(num(base), UNKNOWN, style)} ({UNKNOWN})"
    line = f"{t('label.params', style.lang)}: {_from_to(num(base), num(pruned), style)}"
    # A part the base layer does not have (0 -> 0) has no share to show.
    return line if not base else f"{line} ({change(pruned_pct)})"


def layer_details(layer: LayerComparison, style: Style) -> list[tuple[str, list[str]]]:
    """``[(section, [line, ...]), ...]`` for one layer: attention then MLP."""
    lang = style.lang
    attention = [
        _params_line(layer.base_attn_params, layer.pruned_attn_params, layer.attn_pruned_pct, style),
        f"{t('label.q_heads', lang)}: {_from_to(plain(layer.base_q_heads), plain(layer.pruned_q_heads), style)}",
        f"{t('label.kv_heads', lang)}: {_from_to(plain(layer.base_kv_heads), plain(layer.pruned_kv_heads), style)}",
    ]
    mlp = [
        _params_line(layer.base_mlp_params, layer.pruned_mlp_params, layer.mlp_pruned_pct, style),
        f"{t('label.intermediate', lang)}: "
        + _from_to(plain(layer.base_intermediate_size), plain(layer.pruned_intermediate_size), style),
    ]
    # Only for MoE layers and layer-mapped rows, so dense reports keep their reference layout.
    if layer.base_experts is not None or layer.pruned_experts is not None:
        mlp.append(f"{t('label.experts', lang)}: {_from_to(plain(layer.base_experts), plain(layer.pruned_experts), style)}")
    if layer.pruned_index is not None and layer.pruned_index != layer.index:
        attention.insert(0, f"{t('label.pruned_layer_index', lang)}: {layer.pruned_index}")
    return [(t("label.attention", lang), attention), (t("label.mlp", lang), mlp)]


def heads_rows(comparison: Comparison, style: Style) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the per-layer heads and widths, base -> pruned (the HTML details table)."""
    lang = style.lang
    headers = [t(f"label.{k}", lang) for k in ("layer", "q_heads", "kv_heads", "intermediate")]
    body = [
        [
            str(layer.index),
            _from_to(plain(layer.base_q_heads), plain(layer.pruned_q_heads), style),
            _from_to(plain(layer.base_kv_heads), plain(layer.pruned_kv_heads), style),
            _from_to(plain(layer.base_intermediate_size), plain(layer.pruned_intermediate_size), style),
        ]
        for layer in comparison.layers
    ]
    return headers, body


def kept_shares(comparison: Comparison) -> list[tuple[int, float | None, float | None]]:
    """Per layer: ``(index, attention kept %, MLP kept %)`` of the base layer; None where the base has
    none, or where the pruned layer's part is not read."""
    return [
        (
            layer.index,
            None if not layer.base_attn_params or layer.attn_pruned_pct is None else 100 - layer.attn_pruned_pct,
            None if not layer.base_mlp_params or layer.mlp_pruned_pct is None else 100 - layer.mlp_pruned_pct,
        )
        for layer in comparison.layers
    ]


def not_aligned_note(comparison: Comparison, style: Style) -> str:
    """Why a depth-pruned comparison without a layer map has no per-layer sections."""
    return t("label.not_aligned", style.lang, spell=style.spell, base=comparison.base.shape.num_layers, pruned=comparison.pruned.shape.num_layers)


def comparison_findings(comparison: Comparison) -> list[Finding]:
    """The findings a compare report lists: the comparison's own, then the pruned model's."""
    return [*comparison.findings, *comparison.pruned.findings]


# --- findings ----------------------------------------------------------------------------------------


def finding_lines(findings: list[Finding], style: Style) -> list[str]:
    lines = []
    for finding in findings:
        where = f" [{t('label.layer', style.lang)} {finding.layer}]" if finding.layer is not None else ""
        severity = t("severity." + finding.severity, style.lang)
        lines.append(f"{severity}: {finding_text(finding, style.lang, style.spell)} ({finding.code}){where}")
    return lines


def finding_table(findings: list[Finding], style: Style) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a findings table: severity, code, layer, message."""
    headers = [t(f"label.{k}", style.lang) for k in ("severity", "code", "layer", "message")]
    body = [
        [t("severity." + f.severity, style.lang), f.code, "" if f.layer is None else str(f.layer), finding_text(f, style.lang, style.spell)]
        for f in findings
    ]
    return headers, body


def severity_counts(findings: list[Finding]) -> dict[str, int]:
    return {severity: sum(f.severity == severity for f in findings) for severity in SEVERITIES}


def check_summary(report: CheckReport, style: Style) -> str:
    return t("label.check_summary", style.lang, **severity_counts(report.findings))


# --- inspect -----------------------------------------------------------------------------------------


def summary_rows(shape: ModelShape, style: Style) -> list[list[str]]:
    lang = style.lang
    lm_head = t("label.tied", lang) if shape.tied_embeddings else num(shape.lm_head_params)
    rows = [
        [t("label.family", lang), shape.family],
        [t("label.total_params", lang), num(shape.total_params)],
        [t("label.embeddings", lang), num(shape.embed_params)],
        [t("label.lm_head", lang), lm_head],
        [t("label.decoder_params", lang), num(shape.decoder_params)],
        [t("label.other_params", lang), num(shape.other_params)],
        [t("label.buffer_params", lang), num(shape.buffer_params)],
        [t("label.num_layers", lang), str(shape.num_layers)],
        [t("label.hidden_size", lang), plain(shape.hidden_size)],
        [t("label.head_dim", lang), plain(shape.head_dim)],
        [t("label.vocab_size", lang), plain(shape.vocab_size)],
        [t("label.files", lang), str(shape.files)],
    ]
    if shape.commit:
        rows.insert(0, [t("label.commit", lang), shape.commit])
    return rows


def dtype_headers(style: Style) -> list[str]:
    return [t("label.dtype", style.lang), t("label.params", style.lang), t("label.bytes", style.lang)]


def dtype_rows(shape: ModelShape, style: Style) -> list[list[str]]:
    return [[dtype, num(count), num(shape.bytes_by_dtype.get(dtype))] for dtype, count in shape.params_by_dtype.items()]


def shape_layer_headers(style: Style) -> list[str]:
    keys = ("layer", "params", "mixer", "attn_params", "mlp_params", "q_heads", "kv_heads", "intermediate")
    return [t(f"label.{k}", style.lang) for k in keys]


def shape_layer_rows(shape: ModelShape, style: Style) -> list[list[str]]:
    return [
        [
            str(layer.index),
            num(layer.params),
            mixer_name(layer.mixer, style.lang),
            num(layer.attn_params),
            num(layer.mlp_params),
            plain(layer.q_heads),
            plain(layer.kv_heads),
            plain(layer.intermediate_size),
        ]
        for layer in shape.layers
    ]


def size_shares(shape: ModelShape) -> list[tuple[int, float, float]]:
    """Per layer: ``(index, attention, MLP)`` parameters as a fraction (0..1) of the largest layer's."""
    # An unknown part (None) draws no bar.
    attn = [layer.attn_params or 0 for layer in shape.layers]
    mlp = [layer.mlp_params or 0 for layer in shape.layers]
    max_attn, max_mlp = max(attn, default=0), max(mlp, default=0)
    return [
        (layer.index, a / max_attn if max_attn else 0.0, m / max_mlp if max_mlp else 0.0)
        for layer, a, m in zip(shape.layers, attn, mlp)
    ]


# --- estimates ---------------------------------------------------------------------------------------


def _estimate_items(e: Estimates, lang: str) -> list[tuple[str, int | None, str]]:
    """``(label, raw value, shown value)`` of each estimate."""
    items = [
        (t("label.download", lang), e.download_bytes, human_bytes(e.download_bytes)),
        (t("label.weights_stored", lang), e.weight_bytes, human_bytes(e.weight_bytes)),
        (t("label.weights_bf16", lang), e.weight_bytes_bf16, human_bytes(e.weight_bytes_bf16)),
        (t("label.weights_int8", lang), e.weight_bytes_int8, human_bytes(e.weight_bytes_int8)),
        (t("label.weights_int4", lang), e.weight_bytes_int4, human_bytes(e.weight_bytes_int4)),
        (t("label.kv_per_token", lang), e.kv_bytes_per_token, human_bytes(e.kv_bytes_per_token)),
    ]
    if e.context is not None:
        name = t("label.kv_cache_at", lang, context=f"{e.context:,}", batch=e.batch)
        items.append((name, e.kv_cache_bytes, human_bytes(e.kv_cache_bytes)))
    items.append((t("label.flops_per_token", lang), e.flops_per_token, human_flops(e.flops_per_token)))
    return items


def estimate_headers(style: Style) -> list[str]:
    return [t("label.item", style.lang), t("label.value", style.lang)]


def estimate_rows(e: Estimates, style: Style) -> list[list[str]]:
    """``[[item, value], ...]`` for one model."""
    return [[name, shown] for name, _raw, shown in _estimate_items(e, style.lang)]


def _saved(base: int | None, pruned: int | None) -> str:
    if base is None or pruned is None:
        return UNKNOWN
    return percent(pct(base - pruned, base))


def compare_estimate_headers(style: Style) -> list[str]:
    return [t(f"label.{k}", style.lang) for k in ("item", "base", "pruned", "saved")]


def compare_estimate_rows(comparison: Comparison, style: Style) -> list[list[str]]:
    """``[[item, base, pruned, saved %], ...]``; empty when the shapes carry no estimates."""
    b, p = comparison.base.estimates, comparison.pruned.estimates
    if b is None or p is None:
        return []
    base_items, pruned_items = _estimate_items(b, style.lang), _estimate_items(p, style.lang)
    if (b.context is None) != (p.context is None):
        return []
    return [
        [name, base_shown, pruned_shown, _saved(base_raw, pruned_raw)]
        for (name, base_raw, base_shown), (_, pruned_raw, pruned_shown) in zip(base_items, pruned_items)
    ]


# --- tensors, families -------------------------------------------------------------------------------


def tensor_table(listing: TensorListing, style: Style) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the ``tensors`` listing: name, dtype, shape, file."""
    headers = [t(f"label.{k}", style.lang) for k in ("tensor_name", "dtype", "shape", "file")]
    body = [[e.name, e.dtype, "[" + ", ".join(str(d) for d in e.shape) + "]", e.file] for e in listing.tensors]
    return headers, body


def family_lines(families: FamilyList, style: Style) -> list[str]:
    """``hubprune families``: one block per family (recognised by, config keys read, examples)."""
    lang = style.lang
    lines: list[str] = []
    for family in families.families:
        name = family.name + (f" ({t('label.family_fallback', lang)})" if family.heuristic else "")
        lines += [name, f"  {family.description}"]
        if family.architectures or family.model_types:
            names = ", ".join([*family.architectures, *(f"model_type={kind}" for kind in family.model_types)])
            lines.append(f"  {t('label.family_detected_by', lang)}: {names}")
        keys = "; ".join(f"{fact} <- {' | '.join(keys) if keys else '-'}" for fact, keys in family.config_keys.items())
        if keys:
            lines.append(f"  {t('label.family_config_keys', lang)}: {keys}")
        if family.examples:
            lines.append(f"  {t('label.family_examples', lang)}: {', '.join(family.examples)}")
        lines.append("")
    return lines[:-1] if lines else lines
