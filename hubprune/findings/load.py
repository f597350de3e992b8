"""Could stock transformers build a model from this config and load these tensors into it?"""

from __future__ import annotations

from ..archs.hooks import per_block_config, removed_heads, uniform_attention
from ..archs.schema import ATTN_ROLES, MLP_ROLES, Family, Role
from ..classify import Module, classify
from ..dims import config_head_dim
from ..model import Finding, Snapshot, ModelShape, TensorInfo, as_int
from ._ranges import compress_ranges, format_runs, gaps, union
from .content import FLOAT_DTYPES
from .registry import finding


def _expected_shapes(family: Family, config: dict, removed_heads: int = 0) -> dict[str, tuple[int, ...]]:
    """Role -> the weight shape a stock model built from ``config`` would allocate.

    ``removed_heads``: heads ``config.pruned_heads`` takes out of this layer (head_dim stays).
    """
    def fact(name: str) -> int | None:
        return as_int(family.config_value(config, name))

    hidden, heads, kv = fact("hidden_size"), fact("num_attention_heads"), fact("num_key_value_heads")
    inter, vocab, experts = fact("intermediate_size"), fact("vocab_size"), fact("num_experts")
    head_dim = config_head_dim(family, config)
    # No fallback from KV heads to query heads here: the family's aliases say when that holds
    # (Llama's do); Falcon-7B's multi-query attention has neither key and one KV head.
    shapes: dict[str, tuple[int, ...]] = {}
    if hidden:
        shapes[Role.NORM] = shapes[Role.FINAL_NORM] = (hidden,)
        if vocab:
            shapes[Role.EMBED] = shapes[Role.LM_HEAD] = (vocab, hidden)
        if heads and head_dim:
            # Head pruning takes out each removed head's query rows, and its key and value rows
            # when every head has its own (multi-head attention).
            q = max(0, heads - removed_heads)
            shapes[Role.ATTN_Q] = (q * head_dim, hidden)
            shapes[Role.ATTN_O] = (hidden, q * head_dim)
            if kv:
                kv = max(0, kv - removed_heads) if kv == heads else kv
                shapes[Role.ATTN_K] = shapes[Role.ATTN_V] = (kv * head_dim, hidden)
                shapes[Role.ATTN_QKV_FUSED] = ((q + 2 * kv) * head_dim, hidden)
        if inter:
            shapes[Role.MLP_GATE] = shapes[Role.MLP_UP] = (inter, hidden)
            shapes[Role.MLP_DOWN] = (hidden, inter)
            shapes[Role.MLP_GATE_UP_FUSED] = (2 * inter, hidden)
        if experts:
            shapes[Role.ROUTER] = (experts, hidden)
    if head_dim:
        shapes[Role.ATTN_Q_NORM] = shapes[Role.ATTN_K_NORM] = (head_dim,)
    return shapes


def _config_names(family: Family, config: dict) -> bool:
    """Whether the config itself names this family (else the family was guessed from tensor names,
    and what a stock class built from this config would expect is unknown)."""
    architectures = config.get("architectures") or []
    return any(a in family.architectures for a in architectures) or config.get("model_type") in family.model_types


def load_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """Whether a model built from the config alone could take these tensors, and remote-code needs.

    Shapes are compared as unordered dimensions: GPT-2 style ``Conv1D`` stores ``[in, out]``, and a
    transposed weight is a layout choice, not a contradiction. Integer-typed weights are packed
    quantized storage whose shape is not the logical one, so they are skipped.
    """
    config = headers.config
    if config is None:
        return []
    findings: list[Finding] = []
    auto_map = config.get("auto_map")
    if auto_map:
        classes = ", ".join(sorted(auto_map)) if isinstance(auto_map, dict) else str(auto_map)
        findings.append(
            finding("trust_remote_code", classes=classes)
        )
    stock = _config_names(family, config)
    # Latent attention (head_dim = nope + rope dims) and per-layer NAS configs: the uniform
    # formulas do not describe these attention weights.
    uniform = uniform_attention(family, config)

    def expected_shapes(removed_heads: int = 0) -> dict[str, tuple[int, ...]]:
        if not stock:
            return {}
        shapes = _expected_shapes(family, config, removed_heads)
        return shapes if uniform else {role: want for role, want in shapes.items() if role not in ATTN_ROLES}

    expected = expected_shapes()
    # transformers re-applies config.pruned_heads when it builds the model: those layers are smaller.
    expected_in = {index: expected_shapes(removed) for index, removed in removed_heads(family, config).items()}
    modules = classify(headers, family)
    mismatched: list[tuple[Module, TensorInfo, tuple[int, ...]]] = []
    present: dict[str, set[int]] = {}
    for module in (*modules.modules, *modules.buffers):
        role, index = module.role, module.layer
        if role is None:
            continue
        if index is not None:
            present.setdefault(role, set()).add(index)
        want = expected_in.get(index, expected).get(role) if index is not None else expected.get(role)
        weight = module.weight()
        if weight is None or want is None or weight.dtype not in FLOAT_DTYPES:
            continue
        if sorted(weight.shape) != sorted(want):
            mismatched.append((module, weight, want))
    if mismatched:
        _, tensor, want = min(mismatched, key=lambda item: (-1 if item[0].layer is None else item[0].layer, item[1].name))
        findings.append(
            finding(
                "config_shape_mismatch",
                tensor=tensor.name,
                shape=list(tensor.shape),
                expected=list(want),
                count=len(mismatched),
            )
        )
    claimed_layers = as_int(family.config_value(config, "num_hidden_layers"))
    per_layer_config = per_block_config(family, config)  # the config itself says which blocks are no-ops
    if claimed_layers and not per_layer_config:
        # Whole blocks, not single roles: MoE layers hold experts instead of a dense MLP, and
        # some layers legitimately use another spelling; a block with no tensors at all is absent.
        # Absent layers are kept as runs, never listed one by one: a config may claim any number.
        absent: list[tuple[int, int, str]] = []  # (first layer, last layer, block)
        for block, roles in (("attention", ATTN_ROLES), ("MLP", MLP_ROLES)):
            holding = set().union(*(indices for role, indices in present.items() if role in roles))
            if holding:
                absent += [(first, last, block) for first, last in gaps(holding, claimed_layers)]
        if absent:
            layers = union((first, last) for first, last, _ in absent)
            first, _, block = min(absent, key=lambda run: (run[0], run[2]))
            findings.append(
                finding(
                    "config_tensors_missing",
                    layer=first if layers == [(first, first)] else None,
                    variant="attention" if block == "attention" else "mlp",  # the first absent block
                    count=sum(last - first + 1 for first, last, _ in absent),
                    ranges=format_runs(layers),
                    first=first,
                )
            )
    if claimed_layers:
        past = sorted(index for indices in present.values() for index in indices if index >= claimed_layers)
        if past:
            findings.append(
                finding("layers_past_config", ranges=compress_ranges(set(past)), claimed=claimed_layers)
            )
    return findings
