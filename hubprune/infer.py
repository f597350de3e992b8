"""Pure inference: (HeaderSet, Family) -> ModelShape. Speaks only in roles, never in tensor names.

Shapes win over the config: a pruned checkpoint whose config still claims 32 heads has the heads
its tensors show. head_dim is the one fact shapes cannot give (q rows = heads x head_dim), so it
comes from the config (pruning removes whole heads and keeps head_dim), else from q/k norm
lengths; without any of these the head counts are reported as unknown rather than guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .archs.schema import ATTN_ROLES, MLP_ROLES, Family
from .archs.templates import split_layer
from .model import Finding, HeaderSet, LayerShape, ModelShape, TensorInfo


@dataclass
class _Layer:
    """Tensors of one layer grouped by role while we walk the header."""

    by_role: dict[str, list[TensorInfo]] = field(default_factory=lambda: defaultdict(list))
    other: list[TensorInfo] = field(default_factory=list)


def _role_tables(family: Family) -> tuple[dict[str, str], dict[str, str]]:
    layer = {p.pattern: role for role, patterns in family.layer_roles.items() for p in patterns}
    glob = {p.pattern: role for role, patterns in family.global_roles.items() for p in patterns}
    return layer, glob


def _weight(tensors: list[TensorInfo]) -> TensorInfo | None:
    for tensor in tensors:
        if tensor.name.endswith(".weight"):
            return tensor
    return None


def _rows(tensors: list[TensorInfo]) -> int | None:
    weight = _weight(tensors)
    return weight.shape[0] if weight is not None and weight.shape else None


def _cols(tensors: list[TensorInfo]) -> int | None:
    weight = _weight(tensors)
    return weight.shape[1] if weight is not None and len(weight.shape) >= 2 else None


def _params(tensors: list[TensorInfo]) -> int:
    return sum(t.numel for t in tensors)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def resolve_head_dim(family: Family, config: dict | None, layers: dict[int, _Layer]) -> tuple[int | None, str]:
    """head_dim and where it came from: config.head_dim, hidden/heads of the config, q_norm length."""
    explicit = _int(family.config_value(config, "head_dim"))
    if explicit:
        return explicit, "config.head_dim"
    hidden = _int(family.config_value(config, "hidden_size"))
    heads = _int(family.config_value(config, "num_attention_heads"))
    if hidden and heads and hidden % heads == 0:
        return hidden // heads, "config hidden_size / num_attention_heads"
    for layer in layers.values():
        for role in ("attn_q_norm", "attn_k_norm"):
            weight = _weight(layer.by_role.get(role, []))
            if weight is not None and len(weight.shape) == 1:
                return weight.shape[0], f"{role} length"
    return None, "unknown"


def infer_shape(headers: HeaderSet, family: Family) -> ModelShape:
    """Infer per-layer heads, KV heads, widths and parameter counts from header shapes.

    >>> from hubprune.sources.local import read_local
    >>> from hubprune.archs.schema import load_family
    >>> shape = infer_shape(read_local("fixtures/taylor_only_5000"), load_family("llama"))
    >>> shape.total_params, shape.layers[2].q_heads, shape.layers[23].q_heads
    (4015140864, 28, 0)
    """
    layer_roles, global_roles = _role_tables(family)
    suffixes = set(family.param_suffixes)
    layers: dict[int, _Layer] = defaultdict(_Layer)
    globals_: dict[str, list[TensorInfo]] = defaultdict(list)
    unknown: list[TensorInfo] = []
    params_by_dtype: dict[str, int] = defaultdict(int)
    bytes_by_dtype: dict[str, int] = defaultdict(int)
    buffers = 0

    for tensor in headers.tensors.values():
        module, _, param = tensor.name.rpartition(".")
        template, index = split_layer(module)
        role = layer_roles.get(template) if index is not None else global_roles.get(template)
        if role == "buffer" or (role is not None and param not in suffixes):
            buffers += 1  # rotary inv_freq and friends are not parameters
            continue
        params_by_dtype[tensor.dtype] += tensor.numel
        bytes_by_dtype[tensor.dtype] += tensor.nbytes
        if role is None:
            if index is not None:
                layers[index].other.append(tensor)
            else:
                unknown.append(tensor)
        elif index is not None:
            layers[index].by_role[role].append(tensor)
        else:
            globals_[role].append(tensor)

    findings: list[Finding] = []
    config = headers.config
    head_dim, head_dim_source = resolve_head_dim(family, config, layers)
    if head_dim is None and layers:
        findings.append(
            Finding(
                severity="warning",
                code="head_dim_unknown",
                message="head_dim is not in the config and no q/k norm shows it: head counts are left unknown",
            )
        )

    # Depth gaps: an index below the highest one with no tensors is a block removed whole.
    indices = sorted(layers)
    all_indices = range(indices[-1] + 1) if indices else range(0)
    layer_shapes = [
        _layer_shape(i, layers.get(i, _Layer()), head_dim, findings) for i in all_indices
    ]

    other_layer = [t for i in indices for t in layers[i].other]
    if other_layer or unknown:
        names = [t.name for t in (other_layer + unknown)]
        findings.append(
            Finding(
                severity="warning",
                code="unrecognized_tensors",
                message=(
                    f"{len(names)} tensor(s) play no role {family.name} knows, counted as other parameters "
                    f"(first: {', '.join(names[:3])})"
                ),
            )
        )

    embed = _weight(globals_.get("embed", []))
    lm_head_params = _params(globals_.get("lm_head", []))
    config_tied = family.config_value(config, "tie_word_embeddings")
    tied = lm_head_params == 0 and embed is not None
    if tied and config_tied is False:
        findings.append(
            Finding(
                severity="error",
                code="lm_head_missing",
                message="lm_head.weight is absent but the config says tie_word_embeddings=false",
            )
        )
    hidden = embed.shape[1] if embed is not None and len(embed.shape) == 2 else _int(family.config_value(config, "hidden_size"))
    vocab = embed.shape[0] if embed is not None and embed.shape else _int(family.config_value(config, "vocab_size"))
    decoder = sum(layer.params for layer in layer_shapes)
    embed_params = _params(globals_.get("embed", []))
    total = sum(params_by_dtype.values())
    return ModelShape(
        name=headers.display_name,
        source=headers.source,
        commit=headers.commit,
        family=family.name,
        total_params=total,
        params_by_dtype=dict(sorted(params_by_dtype.items())),
        bytes_by_dtype=dict(sorted(bytes_by_dtype.items())),
        embed_params=embed_params,
        lm_head_params=lm_head_params,
        tied_embeddings=tied,
        decoder_params=decoder,
        other_params=total - decoder - embed_params - lm_head_params,
        num_layers=len(layer_shapes),
        hidden_size=hidden,
        head_dim=head_dim,
        vocab_size=vocab,
        files=len(headers.files),
        skeleton_files=sum(header.is_skeleton for header in headers.files),
        layers=layer_shapes,
        findings=findings,
    )


def _heads(rows: int, head_dim: int | None, what: str, index: int, findings: list[Finding]) -> int | None:
    if rows == 0:
        return 0
    if head_dim is None:
        return None
    if rows % head_dim:
        findings.append(
            Finding(
                severity="warning",
                code="heads_not_whole",
                message=f"{what} has {rows} rows, not a multiple of head_dim {head_dim}",
                layer=index,
            )
        )
        return None
    return rows // head_dim


def _layer_shape(index: int, layer: _Layer, head_dim: int | None, findings: list[Finding]) -> LayerShape:
    roles = layer.by_role
    attn_params = sum(_params(ts) for role, ts in roles.items() if role in ATTN_ROLES)
    mlp_params = sum(_params(ts) for role, ts in roles.items() if role in MLP_ROLES)
    norm_params = _params(roles.get("norm", []))
    other_params = _params(layer.other)

    q_rows = _rows(roles.get("attn_q", [])) or 0
    k_rows = _rows(roles.get("attn_k", [])) or 0
    o_cols = _cols(roles.get("attn_o", []))
    if o_cols is not None and o_cols != q_rows:
        findings.append(
            Finding(
                severity="warning",
                code="attn_dims_disagree",
                message=f"o_proj takes {o_cols} inputs but q_proj gives {q_rows} rows",
                layer=index,
            )
        )
    if attn_params == 0:
        q_heads, kv_heads, attn_kind = 0, 0, "none"
    else:
        q_heads = _heads(q_rows, head_dim, "q_proj", index, findings)
        kv_heads = _heads(k_rows, head_dim, "k_proj", index, findings)
        attn_kind = "full"

    widths = {
        "up_proj rows": _rows(roles.get("mlp_up", [])),
        "gate_proj rows": _rows(roles.get("mlp_gate", [])),
        "down_proj columns": _cols(roles.get("mlp_down", [])),
    }
    fused = _rows(roles.get("mlp_gate_up_fused", []))
    if fused is not None:
        widths["gate_up_proj rows / 2"] = fused // 2
    seen = {name: width for name, width in widths.items() if width is not None}
    if len(set(seen.values())) > 1:
        findings.append(
            Finding(
                severity="warning",
                code="mlp_dims_disagree",
                message="MLP widths disagree: " + ", ".join(f"{k} {v}" for k, v in seen.items()),
                layer=index,
            )
        )
    intermediate = next(iter(seen.values()), 0) if mlp_params else 0
    mlp_kind = "gated" if mlp_params and ("mlp_gate" in roles or fused is not None) else ("plain" if mlp_params else "none")
    return LayerShape(
        index=index,
        params=attn_params + mlp_params + norm_params + other_params,
        attn_params=attn_params,
        mlp_params=mlp_params,
        norm_params=norm_params,
        other_params=other_params,
        q_heads=q_heads,
        kv_heads=kv_heads,
        head_dim=head_dim if attn_params else None,
        intermediate_size=intermediate,
        attn_kind=attn_kind,
        mlp_kind=mlp_kind,
    )
