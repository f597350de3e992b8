"""Pure checks: findings about a checkpoint from its headers, config and index. No I/O.

Pruned configs lie (LLM-Pruner and FLAP keep the dense num_attention_heads / intermediate_size):
that is a finding, never an error that stops the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from .archs.quant import split_param
from .archs.schema import ATTN_ROLES, MLP_ROLES, Family
from .archs.templates import layer_template, split_layer
from .model import Finding, Snapshot, LayerShape, ModelShape, TensorInfo, as_int, pickle_files
from .errors import HeaderError
from .messages import finding
from .safetensors_header import DTYPE_BITS, header_length, parse_header


def compress_ranges(indices: Iterable[int]) -> str:
    """``[0, 1, 2, 5, 7, 8]`` -> ``"0-2, 5, 7-8"``.

    >>> compress_ranges([0, 1, 2, 5, 7, 8])
    '0-2, 5, 7-8'
    """
    return _format_runs(_runs(indices))


def _runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted indices as (first, last) runs of consecutive values."""
    runs: list[tuple[int, int]] = []
    for i in sorted(indices):
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        elif not runs or i != runs[-1][1]:
            runs.append((i, i))
    return runs


def _format_runs(runs: list[tuple[int, int]]) -> str:
    return ", ".join(f"{first}-{last}" if last > first else str(first) for first, last in runs)


def _gaps(present: Iterable[int], stop: int) -> list[tuple[int, int]]:
    """The runs of ``range(stop)`` missing from ``present``, found without walking the range:
    a config may claim 10**12 layers.

    >>> _gaps({0, 1, 4}, 10**12)
    [(2, 3), (5, 999999999999)]
    """
    runs: list[tuple[int, int]] = []
    cursor = 0
    for i in sorted(i for i in set(present) if 0 <= i < stop):
        if i > cursor:
            runs.append((cursor, i - 1))
        cursor = i + 1
    if cursor < stop:
        runs.append((cursor, stop - 1))
    return runs


def _union(runs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching runs merged into one.

    >>> _union([(5, 9), (0, 2), (3, 3), (8, 12)])
    [(0, 3), (5, 12)]
    """
    merged: list[tuple[int, int]] = []
    for first, last in sorted(runs):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _config_key(family: Family, config: dict, fact: str) -> str | None:
    """The config key that ``family.config_value`` reads ``fact`` from (the first alias set)."""
    return next((key for key in family.config_keys.get(fact, [fact]) if config.get(key) is not None), None)


def pruned_heads(config: dict | None) -> dict[int, int]:
    """Layer -> how many attention heads ``config.pruned_heads`` removes.

    transformers' own head pruning (BERT-style models; nn_pruning saves such checkpoints) records
    the removed heads in the config and prunes them again when the model is built, so the stored
    layers are expected to be that much smaller.

    >>> pruned_heads({"pruned_heads": {"0": [0, 1, 2, 3], "2": [5, 5], "x": [1]}})
    {0: 4, 2: 1}
    """
    raw = (config or {}).get("pruned_heads")
    if not isinstance(raw, dict):
        return {}
    counts: dict[int, int] = {}
    for key, heads in raw.items():
        try:
            layer = int(key)
        except (TypeError, ValueError):
            continue
        if isinstance(heads, list):
            removed = {head for head in heads if as_int(head) is not None and head >= 0}
            if removed:
                counts[layer] = len(removed)
    return counts


# (config fact, layer attribute, finding code; messages.py words each code's message)
_PER_LAYER_FACTS: list[tuple[str, Callable[[LayerShape], int | None], str]] = [
    ("num_attention_heads", lambda layer: layer.q_heads, "config_num_attention_heads"),
    ("num_key_value_heads", lambda layer: layer.kv_heads, "config_num_key_value_heads"),
    ("intermediate_size", lambda layer: layer.intermediate_size, "config_intermediate_size"),
]


def config_findings(shape: ModelShape, family: Family, config: dict | None) -> list[Finding]:
    """Where the config's uniform claims and the tensors disagree, layer by layer."""
    if config is None:
        return [finding("no_config", "warning")]
    findings: list[Finding] = []
    # Nemotron-NAS / DeciLM configs declare every block in block_configs (no_op, linear, own head
    # group and FFN size); their top-level uniform keys describe no layer and loaders ignore them.
    per_layer_facts = [] if isinstance(config.get("block_configs"), list) else _PER_LAYER_FACTS
    removed_heads = pruned_heads(config)
    heads_key = _config_key(family, config, "num_attention_heads")
    for fact, value_of, code in per_layer_facts:
        claimed = as_int(family.config_value(config, fact))
        if claimed is None:
            continue
        if fact == "num_key_value_heads" and _config_key(family, config, fact) == heads_key:
            # The alias fell back to the query heads (BERT, GPT-2, a Llama config without the
            # key): the config states no KV head count, and the query-head finding covers it.
            continue
        # transformers re-applies config.pruned_heads on load: those layers are meant to have fewer.
        removed = removed_heads if fact == "num_attention_heads" else {}
        differing = [
            layer
            for layer in shape.layers
            if value_of(layer) is not None and value_of(layer) != max(0, claimed - removed.get(layer.index, 0))
        ]
        if not differing:
            continue
        example = differing[0]
        findings.append(
            finding(
                code,
                "warning",
                claimed=claimed,
                count=len(differing),
                layers=shape.num_layers,
                ranges=compress_ranges(layer.index for layer in differing),
                example=example.index,
                value=value_of(example),
            )
        )
    claimed_layers = as_int(family.config_value(config, "num_hidden_layers"))
    if claimed_layers is not None and claimed_layers != shape.num_layers:
        findings.append(
            finding("config_num_hidden_layers", "warning", claimed=claimed_layers, layers=shape.num_layers)
        )
    claimed_hidden = as_int(family.config_value(config, "hidden_size"))
    if claimed_hidden is not None and shape.hidden_size is not None and claimed_hidden != shape.hidden_size:
        findings.append(
            finding("config_hidden_size", "warning", claimed=claimed_hidden, hidden=shape.hidden_size)
        )
    return findings


def file_findings(headers: Snapshot) -> list[Finding]:
    """Truncated downloads, unknown dtypes, holes in the data region.

    Skeletons (files that end right after their header) are fine and not a finding.
    """
    findings: list[Finding] = []
    for header in headers.files:
        if header.is_truncated:
            findings.append(
                finding("file_truncated", "error", file=header.name, size=header.file_size, full=header.full_size)
            )
        for dtype in header.unknown_dtypes:
            findings.append(finding("unknown_dtype", "warning", file=header.name, dtype=dtype))
        if header.gaps:
            findings.append(_gap_finding(header.name, header.gaps))
    return findings


def _gap_finding(file: str, gaps: int) -> Finding:
    # The safetensors library sorts tensors by offset and requires each to start where the last
    # one ended (Metadata::validate, InvalidOffset): a hole makes the whole file unloadable.
    return finding("data_gaps", "error", file=file, gaps=gaps)


def _router_rows(family: Family, headers: Snapshot) -> dict[int, int]:
    """Layer -> rows of its router weight (one row per routed expert the router can pick)."""
    table = family.roles()
    rows: dict[int, int] = {}
    for tensor in headers.tensors.values():
        module, param = split_param(tensor.name)
        if param != "weight" or len(tensor.shape) != 2:
            continue
        template, index = split_layer(module)
        if index is not None and (table.lookup(template, in_layer=True) or ("",))[0] == "router":
            rows[index] = tensor.shape[0]
    return rows


def expert_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """MoE layers whose routed experts or router rows differ from the config's expert count.

    Expert pruning often leaves the config alone: stock transformers then fails on the router's
    size, or (router kept whole) fills the missing experts with random weights and routes to them.
    """
    config = headers.config
    claimed = as_int(family.config_value(config, "num_experts"))
    if config is None or claimed is None:
        return []
    routers = _router_rows(family, headers)
    moe = [layer for layer in shape.layers if layer.experts is not None or layer.index in routers]
    differing = [
        layer for layer in moe if (layer.experts or 0) != claimed or routers.get(layer.index, claimed) != claimed
    ]
    if not differing:
        return []
    example = differing[0]
    return [
        finding(
            "config_num_experts",
            "warning",
            layer=example.index if len(differing) == 1 else None,
            key=_config_key(family, config, "num_experts"),
            claimed=claimed,
            count=len(differing),
            layers=len(moe),
            ranges=compress_ranges(layer.index for layer in differing),
            example=example.index,
            experts=example.experts or 0,
            router=routers.get(example.index, "?"),
        )
    ]


def all_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    return [
        *file_findings(headers),
        *config_findings(shape, family, headers.config),
        *expert_findings(shape, family, headers),
        *stray_weight_findings(headers),
    ]


# --- The pre-download check (``hubprune check``) -------------------------------------------------
#
# Everything below works on what the headers, index, config and file listing say; none of it
# needs tensor data. ``check_findings`` is the full set; ``all_findings`` above stays the lighter
# set that ``inspect`` attaches to every report.

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
# config.torch_dtype spellings -> the safetensors dtype they mean.
_TORCH_DTYPES = {"bfloat16": "BF16", "float16": "F16", "half": "F16", "float32": "F32", "float": "F32"}
_FLOAT_DTYPES = frozenset({"F64", "F32", "F16", "BF16", "F8_E5M2", "F8_E4M3", "F8_E4M3FNUZ", "F8_E5M2FNUZ"})


def reaches(finding: Finding, fail_on: str) -> bool:
    """Whether ``finding`` is at least as severe as ``fail_on`` (``error`` or ``warning``)."""
    return SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[fail_on]


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; the order within a severity is kept."""
    return sorted(findings, key=lambda finding: -SEVERITY_RANK[finding.severity])


def _first(names: Iterable[str], limit: int = 3) -> dict[str, str | int]:
    """Message args naming the first few of ``names``: ``first`` (joined) and ``and_more`` (how many more)."""
    names = list(names)
    return {"first": ", ".join(names[:limit]), "and_more": max(0, len(names) - limit)}


# --- headers ---------------------------------------------------------------------------------


def layout_findings(file: str, tensors: Iterable[TensorInfo], data_start: int, file_size: int | None) -> list[Finding]:
    """Every layout problem of one file's tensors, found in one pass rather than stopping at the first.

    The strict parser (``safetensors_header.parse_header``) rejects a file at its first fault;
    ``check`` calls this on the raw entries of such a file to name every fault it has.
    """
    tensors = list(tensors)
    findings: list[Finding] = []
    reversed_ = [t for t in tensors if t.begin > t.end]
    if reversed_:
        t = reversed_[0]
        findings.append(
            finding("offsets_reversed", "error", file=file, count=len(reversed_), first=t.name, begin=t.begin, end=t.end)
        )
    wrong_size = []
    for t in tensors:
        bits = DTYPE_BITS.get(t.dtype)
        if bits is not None and t.begin <= t.end and t.numel * bits != (t.end - t.begin) * 8:
            wrong_size.append(t)
    if wrong_size:
        t = wrong_size[0]
        findings.append(
            finding(
                "tensor_size_mismatch",
                "error",
                file=file,
                count=len(wrong_size),
                first=t.name,
                dtype=t.dtype,
                shape=list(t.shape),
                needed=t.numel * DTYPE_BITS[t.dtype] / 8,
                decimals=0 if t.numel * DTYPE_BITS[t.dtype] % 8 == 0 else 1,
                span=t.end - t.begin,
            )
        )
    unknown = sorted({t.dtype for t in tensors if t.dtype not in DTYPE_BITS})
    for dtype in unknown:
        findings.append(finding("unknown_dtype", "warning", file=file, dtype=dtype))
    ordered = sorted((t for t in tensors if t.begin <= t.end), key=lambda t: (t.begin, t.end))
    cursor, gaps, overlaps = 0, 0, []
    for t in ordered:
        if t.begin < cursor:
            overlaps.append(t)
        else:
            gaps += t.begin - cursor
        cursor = max(cursor, t.end)
    if overlaps:
        findings.append(
            finding(
                "offsets_overlap", "error", file=file, count=len(overlaps), first=overlaps[0].name, offset=overlaps[0].begin
            )
        )
    if gaps:
        findings.append(_gap_finding(file, gaps))
    findings += alignment_findings(file, ordered, data_start)
    findings += size_findings(file, data_start, cursor, file_size)
    return findings


def alignment_findings(file: str, tensors: Iterable[TensorInfo], data_start: int) -> list[Finding]:
    """Tensors whose absolute file offset is not a multiple of their element size.

    safetensors pads the header so that data starts on an 8-byte boundary and lays tensors out so
    each stays aligned; a misaligned tensor cannot be mapped in place, so loaders must copy it.
    Real checkpoints written by older tools have such tensors and load fine: a note, not a warning.
    """
    misaligned = []
    for t in tensors:
        bits = DTYPE_BITS.get(t.dtype)
        if bits and bits >= 8 and (data_start + t.begin) % (bits // 8):
            misaligned.append(t)
    if not misaligned:
        return []
    t = misaligned[0]
    return [
        finding(
            "misaligned", "info", file=file, count=len(misaligned), first=t.name, dtype=t.dtype, at=data_start + t.begin
        )
    ]


def size_findings(file: str, data_start: int, data_end: int, file_size: int | None) -> list[Finding]:
    """A local file shorter than its header says (truncated) or longer (trailing bytes)."""
    if file_size is None or file_size == data_start:  # unknown size, or a header-only skeleton
        return []
    full = data_start + data_end
    if file_size < full:
        return [
            finding("file_truncated", "error", file=file, size=file_size, full=full)
        ]
    if file_size > full:
        # safetensors requires the data to end exactly at the end of the file (MetadataIncompleteBuffer).
        return [
            finding("file_trailing_bytes", "error", file=file, size=file_size, full=full)
        ]
    return []


def header_findings(headers: Snapshot) -> list[Finding]:
    """Alignment and trailing bytes of files the strict parser accepted (the rest is in ``file_findings``)."""
    findings: list[Finding] = []
    for header in headers.files:
        findings += alignment_findings(header.name, header.tensors, header.data_start)
        findings += [
            f for f in size_findings(header.name, header.data_start, header.data_len, header.file_size)
            if f.code == "file_trailing_bytes"  # truncation is already reported by file_findings
        ]
    return findings


# --- index vs shards -------------------------------------------------------------------------


def index_findings(headers: Snapshot) -> list[Finding]:
    """Where ``model.safetensors.index.json`` and the shard headers disagree."""
    findings: list[Finding] = []
    holders: dict[str, list[str]] = {}
    for header in headers.files:
        for t in header.tensors:
            holders.setdefault(t.name, []).append(header.name)
    duplicated = {name: files for name, files in holders.items() if len(files) > 1}
    if duplicated:
        name, files = next(iter(sorted(duplicated.items())))
        findings.append(
            finding("tensor_duplicated", "error", count=len(duplicated), first=name, files=", ".join(files))
        )
    index = headers.index
    if index is None:
        if len(headers.files) > 1:
            findings.append(
                finding("no_index", "warning", files=len(headers.files))
            )
        return findings
    weight_map = index.get("weight_map") or {}
    missing = sorted(name for name, file in weight_map.items() if file not in holders.get(name, []))
    if missing:
        name = missing[0]
        findings.append(
            finding(
                "index_tensor_missing",
                "error",
                variant=None if name in holders else "absent",
                count=len(missing),
                first=name,
                index_file=weight_map[name],
                files=", ".join(holders.get(name, [])),
            )
        )
    unlisted = sorted(name for name in holders if name not in weight_map)
    if unlisted:
        findings.append(
            finding("index_tensor_unlisted", "warning", count=len(unlisted), **_first(unlisted))
        )
    total = as_int((index.get("metadata") or {}).get("total_size"))
    stored = sum(t.nbytes for header in headers.files for t in header.tensors)
    if total is not None and total != stored:
        findings.append(
            finding("index_total_size", "warning", total=total, stored=stored)
        )
    return findings


def stray_weight_findings(headers: Snapshot) -> list[Finding]:
    """Safetensors files beside the index that it does not name (``inspect`` shows these too:
    when the stray file is model.safetensors, transformers loads it instead of the shards)."""
    weight_map = (headers.index or {}).get("weight_map")
    if not isinstance(weight_map, dict):
        return []
    named = set(weight_map.values())
    # Only top-level files: transformers looks for weights at the top of the repo.
    stray = sorted(
        name for name in headers.other_files if name.endswith(".safetensors") and "/" not in name and name not in named
    )
    if not stray:
        return []
    # transformers checks for model.safetensors before the index, so that stray file wins.
    wins = "model.safetensors" in stray
    return [finding("shard_unindexed", "warning", variant="model_safetensors" if wins else None, count=len(stray), **_first(stray))]


# --- config vs tensors: could stock transformers load it? -------------------------------------


def _expected_shapes(family: Family, config: dict, removed_heads: int = 0) -> dict[str, tuple[int, ...]]:
    """Role -> the weight shape a stock model built from ``config`` would allocate.

    ``removed_heads``: heads ``config.pruned_heads`` takes out of this layer (head_dim stays).
    """
    def fact(name: str) -> int | None:
        return as_int(family.config_value(config, name))

    hidden, heads, kv = fact("hidden_size"), fact("num_attention_heads"), fact("num_key_value_heads")
    inter, vocab, experts = fact("intermediate_size"), fact("vocab_size"), fact("num_experts")
    head_dim = fact("head_dim") or (hidden // heads if hidden and heads and hidden % heads == 0 else None)
    # No fallback from KV heads to query heads here: the family's aliases say when that holds
    # (Llama's do); Falcon-7B's multi-query attention has neither key and one KV head.
    shapes: dict[str, tuple[int, ...]] = {}
    if hidden:
        shapes["norm"] = shapes["final_norm"] = (hidden,)
        if vocab:
            shapes["embed"] = shapes["lm_head"] = (vocab, hidden)
        if heads and head_dim:
            # Head pruning takes out each removed head's query rows, and its key and value rows
            # when every head has its own (multi-head attention).
            q = max(0, heads - removed_heads)
            shapes["attn_q"] = (q * head_dim, hidden)
            shapes["attn_o"] = (hidden, q * head_dim)
            if kv:
                kv = max(0, kv - removed_heads) if kv == heads else kv
                shapes["attn_k"] = shapes["attn_v"] = (kv * head_dim, hidden)
                shapes["attn_qkv_fused"] = ((q + 2 * kv) * head_dim, hidden)
        if inter:
            shapes["mlp_gate"] = shapes["mlp_up"] = (inter, hidden)
            shapes["mlp_down"] = (hidden, inter)
            shapes["mlp_gate_up_fused"] = (2 * inter, hidden)
        if experts:
            shapes["router"] = (experts, hidden)
    if head_dim:
        shapes["attn_q_norm"] = shapes["attn_k_norm"] = (head_dim,)
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
            finding("trust_remote_code", "warning", classes=classes)
        )
    stock = _config_names(family, config)
    # Latent attention (head_dim = nope + rope dims) and per-layer NAS configs: the uniform
    # formulas do not describe these attention weights.
    uniform_attention = not (config.get("kv_lora_rank") or config.get("block_configs"))

    def expected_shapes(removed_heads: int = 0) -> dict[str, tuple[int, ...]]:
        if not stock:
            return {}
        shapes = _expected_shapes(family, config, removed_heads)
        return shapes if uniform_attention else {role: want for role, want in shapes.items() if role not in ATTN_ROLES}

    expected = expected_shapes()
    # transformers re-applies config.pruned_heads when it builds the model: those layers are smaller.
    expected_in = {index: expected_shapes(removed) for index, removed in pruned_heads(config).items()}
    table = family.roles()
    mismatched: list[tuple[TensorInfo, tuple[int, ...]]] = []
    present: dict[str, set[int]] = {}
    for tensor in headers.tensors.values():
        module, param = split_param(tensor.name)
        index = split_layer(module)[1]
        role = (table.lookup(layer_template(module), in_layer=index is not None) or (None,))[0]
        if role is None:
            continue
        if index is not None:
            present.setdefault(role, set()).add(index)
        want = expected_in.get(index, expected).get(role) if index is not None else expected.get(role)
        if param != "weight" or want is None or tensor.dtype not in _FLOAT_DTYPES:
            continue
        if sorted(tensor.shape) != sorted(want):
            mismatched.append((tensor, want))
    if mismatched:
        def order(item: tuple[TensorInfo, tuple[int, ...]]) -> tuple[int, str]:
            _, index = split_layer(split_param(item[0].name)[0])
            return (-1 if index is None else index, item[0].name)

        tensor, want = min(mismatched, key=order)
        findings.append(
            finding(
                "config_shape_mismatch",
                "warning",
                tensor=tensor.name,
                shape=list(tensor.shape),
                expected=list(want),
                count=len(mismatched),
            )
        )
    claimed_layers = as_int(family.config_value(config, "num_hidden_layers"))
    per_layer_config = "block_configs" in config  # Nemotron-NAS: the config itself says which blocks are no-ops
    if claimed_layers and not per_layer_config:
        # Whole blocks, not single roles: MoE layers hold experts instead of a dense MLP, and
        # some layers legitimately use another spelling; a block with no tensors at all is absent.
        # Absent layers are kept as runs, never listed one by one: a config may claim any number.
        absent: list[tuple[int, int, str]] = []  # (first layer, last layer, block)
        for block, roles in (("attention", ATTN_ROLES), ("MLP", MLP_ROLES)):
            holding = set().union(*(indices for role, indices in present.items() if role in roles))
            if holding:
                absent += [(first, last, block) for first, last in _gaps(holding, claimed_layers)]
        if absent:
            layers = _union((first, last) for first, last, _ in absent)
            first, _, block = min(absent, key=lambda run: (run[0], run[2]))
            findings.append(
                finding(
                    "config_tensors_missing",
                    "warning",
                    layer=first if layers == [(first, first)] else None,
                    variant="attention" if block == "attention" else "mlp",  # the first absent block
                    count=sum(last - first + 1 for first, last, _ in absent),
                    ranges=_format_runs(layers),
                    first=first,
                )
            )
    if claimed_layers:
        past = sorted(index for indices in present.values() for index in indices if index >= claimed_layers)
        if past:
            findings.append(
                finding("layers_past_config", "warning", ranges=compress_ranges(set(past)), claimed=claimed_layers)
            )
    return findings


# --- repo content ------------------------------------------------------------------------------


def _share(part: int, whole: int) -> str:
    """``"99.9%"``, or ``"<0.1%"`` for a sliver (a few fp32 norms beside billions of bf16 weights)."""
    pct = part / whole * 100
    return f"{pct:.1f}%" if pct >= 0.1 or pct == 0 else "<0.1%"


def content_findings(shape: ModelShape, headers: Snapshot) -> list[Finding]:
    """Pickles beside the safetensors, mixed dtypes, a config dtype the weights do not have."""
    findings: list[Finding] = []
    pickles = pickle_files(headers.other_files)
    if pickles:
        findings.append(
            finding("pickle_weights", "warning", **_first(pickles))
        )
    floats = {dtype: n for dtype, n in shape.params_by_dtype.items() if dtype in _FLOAT_DTYPES and n}
    if len(floats) > 1:
        total = sum(floats.values())
        parts = ", ".join(
            f"{dtype} {_share(n, total)}" for dtype, n in sorted(floats.items(), key=lambda kv: -kv[1])
        )
        quantized = any(dtype not in _FLOAT_DTYPES for dtype in shape.params_by_dtype)
        findings.append(
            finding("mixed_dtypes", "info" if quantized else "warning", parts=parts)
        )
    torch_dtype = (headers.config or {}).get("torch_dtype")
    stored = _TORCH_DTYPES.get(torch_dtype) if isinstance(torch_dtype, str) else None
    if stored and floats and stored not in floats:
        findings.append(
            finding("config_dtype", "info", torch_dtype=torch_dtype, stored=", ".join(sorted(floats)))
        )
    return findings


def check_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """The full pre-download check: ``all_findings`` plus headers, index, loadability and content."""
    return [
        *all_findings(shape, family, headers),
        *header_findings(headers),
        *index_findings(headers),
        *load_findings(shape, family, headers),
        *content_findings(shape, headers),
    ]


def pickle_only_finding(where: str, pickles: list[str]) -> Finding:
    """The finding for a model that ships only pickled weights (nothing for hubprune to read)."""
    return finding("pickle_only", "error", where=where, **_first(pickles))


def unreadable_header_finding(file: str, problem: str) -> Finding:
    """A header that could not be parsed at all (not JSON, wrong length, ...)."""
    return finding("header_invalid", "error", file=file, problem=problem)


def raw_header_findings(file: str, prefix: bytes, raw: bytes, file_size: int | None) -> list[Finding]:
    """Every fault of one file whose header the strict parser rejected, from its raw bytes.

    ``prefix`` is the file's first 8 bytes, ``raw`` the header JSON that follows. Entries are read
    leniently so that one bad tensor does not hide the others.
    """
    try:
        header_length(prefix, file=file, file_size=file_size)
        header = parse_header(raw, file=file, file_size=file_size)
    except HeaderError as error:
        problem = error.problem
    else:
        return layout_findings(file, header.tensors, header.data_start, file_size)
    try:
        obj = json.loads(raw.decode("utf-8").rstrip(" "))
    except (UnicodeDecodeError, ValueError, RecursionError):
        obj = None
    if not isinstance(obj, dict) or len(prefix) < 8:
        return [unreadable_header_finding(file, problem)]
    obj.pop("__metadata__", None)
    tensors: list[TensorInfo] = []
    malformed: list[str] = []
    for name, entry in obj.items():
        entry = entry if isinstance(entry, dict) else {}
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        dims_ok = isinstance(shape, list) and all(as_int(d) is not None and d >= 0 for d in shape)
        offsets_ok = isinstance(offsets, list) and len(offsets) == 2 and all(as_int(o) is not None and o >= 0 for o in offsets)
        if not (isinstance(dtype, str) and dims_ok and offsets_ok):
            malformed.append(name)
            continue
        tensors.append(TensorInfo(name, dtype, tuple(shape), offsets[0], offsets[1], file))
    findings = []
    if malformed:
        findings.append(finding("header_invalid", "error", variant="malformed", file=file, count=len(malformed), first=malformed[0]))
    data_start = 8 + len(raw)
    return findings + layout_findings(file, tensors, data_start, file_size)
