"""Row builders shared by the text and Markdown renderers: numbers formatted once, here."""

from __future__ import annotations

from ..locales import finding_text, t
from ..model import Comparison, FamilyList, Finding, LayerComparison, ModelShape, TensorListing


def num(value: int | None) -> str:
    """``8030261248`` -> ``"8,030,261,248"``; unknown -> ``"?"``."""
    return "?" if value is None else f"{value:,}"


def plain(value: int | None) -> str:
    return "?" if value is None else str(value)


def percent(value: float) -> str:
    return f"{value:.2f}%"


def change(pruned_pct: float) -> str:
    """A reduction reads ``-12.50%``, growth ``+3.00%`` (the reference report's style)."""
    return f"-{pruned_pct:.2f}%" if pruned_pct >= 0 else f"+{-pruned_pct:.2f}%"


def status_text(status: list[str], lang: str) -> str:
    return " ".join(t(f"status.{s}", lang) for s in status)


def totals_headers(lang: str) -> list[str]:
    return [t(f"label.{k}", lang) for k in ("item", "base", "pruned", "removed", "pruned_ratio")]


def totals_rows(comparison: Comparison, lang: str) -> list[list[str]]:
    totals = comparison.totals
    return [
        [
            t("label.total_params", lang),
            num(totals.base_params),
            num(totals.pruned_params),
            num(totals.removed_params),
            percent(totals.pruned_pct),
        ],
        [
            t("label.decoder_layers", lang),
            num(totals.base_decoder_params),
            num(totals.pruned_decoder_params),
            num(totals.removed_decoder_params),
            percent(totals.decoder_pruned_pct),
        ],
    ]


def layer_headers(lang: str) -> list[str]:
    keys = ("layer", "layer_params_base", "layer_params_pruned", "kept_pct", "pruned_pct", "attn_pruned_pct", "mlp_pruned_pct", "status")
    return [t(f"label.{k}", lang) for k in keys]


def layer_rows(comparison: Comparison, lang: str) -> list[list[str]]:
    return [
        [
            str(layer.index),
            num(layer.base_params),
            num(layer.pruned_params),
            percent(layer.kept_pct),
            percent(layer.pruned_pct),
            percent(layer.attn_pruned_pct),
            percent(layer.mlp_pruned_pct),
            status_text(layer.status, lang),
        ]
        for layer in comparison.layers
    ]


def layer_details(layer: LayerComparison, lang: str) -> list[tuple[str, list[str]]]:
    """``[(section, [line, ...]), ...]`` for one layer: attention then MLP."""
    arrow = "\u2192"
    attention = [
        f"{t('label.params', lang)}: {num(layer.base_attn_params)} {arrow} {num(layer.pruned_attn_params)} ({change(layer.attn_pruned_pct)})",
        f"{t('label.q_heads', lang)}: {plain(layer.base_q_heads)} {arrow} {plain(layer.pruned_q_heads)}",
        f"{t('label.kv_heads', lang)}: {plain(layer.base_kv_heads)} {arrow} {plain(layer.pruned_kv_heads)}",
    ]
    mlp = [
        f"{t('label.params', lang)}: {num(layer.base_mlp_params)} {arrow} {num(layer.pruned_mlp_params)} ({change(layer.mlp_pruned_pct)})",
        f"{t('label.intermediate', lang)}: {plain(layer.base_intermediate_size)} {arrow} {plain(layer.pruned_intermediate_size)}",
    ]
    # Only for MoE layers and layer-mapped rows, so dense reports keep their reference layout.
    if layer.base_experts is not None or layer.pruned_experts is not None:
        mlp.append(f"{t('label.experts', lang)}: {plain(layer.base_experts)} {arrow} {plain(layer.pruned_experts)}")
    if layer.pruned_index is not None and layer.pruned_index != layer.index:
        attention.insert(0, f"{t('label.pruned_layer_index', lang)}: {layer.pruned_index}")
    return [(t("label.attention", lang), attention), (t("label.mlp", lang), mlp)]


def finding_lines(findings: list[Finding], lang: str) -> list[str]:
    lines = []
    for finding in findings:
        where = f" [{t('label.layer', lang)} {finding.layer}]" if finding.layer is not None else ""
        lines.append(f"{t('severity.' + finding.severity, lang)}: {finding_text(finding, lang)} ({finding.code}){where}")
    return lines


def summary_rows(shape: ModelShape, lang: str) -> list[list[str]]:
    lm_head = t("label.tied", lang) if shape.tied_embeddings else num(shape.lm_head_params)
    rows = [
        [t("label.family", lang), shape.family],
        [t("label.total_params", lang), num(shape.total_params)],
        [t("label.embeddings", lang), num(shape.embed_params)],
        [t("label.lm_head", lang), lm_head],
        [t("label.decoder_layers", lang), num(shape.decoder_params)],
        [t("label.other_params", lang), num(shape.other_params)],
        [t("label.num_layers", lang), str(shape.num_layers)],
        [t("label.hidden_size", lang), plain(shape.hidden_size)],
        [t("label.head_dim", lang), plain(shape.head_dim)],
        [t("label.vocab_size", lang), plain(shape.vocab_size)],
        [t("label.files", lang), str(shape.files)],
    ]
    if shape.commit:
        rows.insert(0, [t("label.commit", lang), shape.commit])
    return rows


def dtype_headers(lang: str) -> list[str]:
    return [t("label.dtype", lang), t("label.params", lang), t("label.bytes", lang)]


def dtype_rows(shape: ModelShape) -> list[list[str]]:
    return [[dtype, num(count), num(shape.bytes_by_dtype.get(dtype, 0))] for dtype, count in shape.params_by_dtype.items()]


def shape_layer_headers(lang: str) -> list[str]:
    keys = ("layer", "params", "attn_params", "mlp_params", "q_heads", "kv_heads", "intermediate")
    return [t(f"label.{k}", lang) for k in keys]


def shape_layer_rows(shape: ModelShape) -> list[list[str]]:
    return [
        [
            str(layer.index),
            num(layer.params),
            num(layer.attn_params),
            num(layer.mlp_params),
            plain(layer.q_heads),
            plain(layer.kv_heads),
            plain(layer.intermediate_size),
        ]
        for layer in shape.layers
    ]


def family_lines(families: FamilyList, lang: str) -> list[str]:
    """``hubprune families``: one block per family (recognised by, config keys read, examples)."""
    lines: list[str] = []
    for family in families.families:
        name = family.name + (f" ({t('label.family_fallback', lang)})" if family.heuristic else "")
        lines += [name, f"  {family.description}"]
        if family.architectures or family.model_types:
            names = ", ".join([*family.architectures, *(f"model_type={t}" for t in family.model_types)])
            lines.append(f"  {t('label.family_detected_by', lang)}: {names}")
        keys = "; ".join(f"{fact} <- {' | '.join(keys) if keys else '-'}" for fact, keys in family.config_keys.items())
        if keys:
            lines.append(f"  {t('label.family_config_keys', lang)}: {keys}")
        if family.examples:
            lines.append(f"  {t('label.family_examples', lang)}: {', '.join(family.examples)}")
        lines.append("")
    return lines[:-1] if lines else lines


def tensor_table(listing: TensorListing, lang: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the ``tensors`` listing: name, dtype, shape, file."""
    headers = [t(f"label.{k}", lang) for k in ("tensor_name", "dtype", "shape", "file")]
    body = [[t.name, t.dtype, "[" + ", ".join(str(d) for d in t.shape) + "]", t.file] for t in listing.tensors]
    return headers, body


def not_aligned_note(comparison: Comparison, lang: str) -> str:
    """Why a depth-pruned comparison without a layer map has no per-layer sections."""
    return t("label.not_aligned", lang, base=comparison.base.shape.num_layers, pruned=comparison.pruned.shape.num_layers)
