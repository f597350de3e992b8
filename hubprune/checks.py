"""Pure checks: findings about a checkpoint from its headers, config and index. No I/O.

Pruned configs lie (LLM-Pruner and FLAP keep the dense num_attention_heads / intermediate_size):
that is a finding, never an error that stops the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from .archs.schema import ATTN_ROLES, MLP_ROLES, Family
from .archs.templates import split_layer
from .model import Finding, HeaderSet, LayerShape, ModelShape, TensorInfo
from .errors import HeaderError
from .safetensors_header import DTYPE_BITS, header_length, parse_header


def compress_ranges(indices: Iterable[int]) -> str:
    """``[0, 1, 2, 5, 7, 8]`` -> ``"0-2, 5, 7-8"``.

    >>> compress_ranges([0, 1, 2, 5, 7, 8])
    '0-2, 5, 7-8'
    """
    parts: list[str] = []
    run: list[int] = []
    for i in sorted(indices):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [i]
    if run:
        parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(parts)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# (config fact, layer attribute, what it is called in a message)
_PER_LAYER_FACTS: list[tuple[str, Callable[[LayerShape], int | None], str]] = [
    ("num_attention_heads", lambda layer: layer.q_heads, "query heads"),
    ("num_key_value_heads", lambda layer: layer.kv_heads, "KV heads"),
    ("intermediate_size", lambda layer: layer.intermediate_size, "MLP intermediate size"),
]


def config_findings(shape: ModelShape, family: Family, config: dict | None) -> list[Finding]:
    """Where the config's uniform claims and the tensors disagree, layer by layer."""
    if config is None:
        return [Finding(severity="warning", code="no_config", message="no config.json: every fact comes from shapes")]
    findings: list[Finding] = []
    # Nemotron-NAS / DeciLM configs declare every block in block_configs (no_op, linear, own head
    # group and FFN size); their top-level uniform keys describe no layer and loaders ignore them.
    per_layer_facts = [] if isinstance(config.get("block_configs"), list) else _PER_LAYER_FACTS
    for fact, value_of, label in per_layer_facts:
        claimed = _int(family.config_value(config, fact))
        if claimed is None:
            continue
        differing = [layer for layer in shape.layers if value_of(layer) is not None and value_of(layer) != claimed]
        if not differing:
            continue
        example = differing[0]
        findings.append(
            Finding(
                severity="warning",
                code=f"config_{fact}",
                message=(
                    f"config says {fact}={claimed} but {len(differing)} of {shape.num_layers} layers differ "
                    f"(layers {compress_ranges(layer.index for layer in differing)}; "
                    f"layer {example.index}: {label} {value_of(example)}): shapes win, stock loaders will fail"
                ),
            )
        )
    claimed_layers = _int(family.config_value(config, "num_hidden_layers"))
    if claimed_layers is not None and claimed_layers != shape.num_layers:
        findings.append(
            Finding(
                severity="warning",
                code="config_num_hidden_layers",
                message=f"config says num_hidden_layers={claimed_layers} but the tensors hold {shape.num_layers} layers",
            )
        )
    claimed_hidden = _int(family.config_value(config, "hidden_size"))
    if claimed_hidden is not None and shape.hidden_size is not None and claimed_hidden != shape.hidden_size:
        findings.append(
            Finding(
                severity="warning",
                code="config_hidden_size",
                message=f"config says hidden_size={claimed_hidden} but the embedding is {shape.hidden_size} wide",
            )
        )
    return findings


def file_findings(headers: HeaderSet) -> list[Finding]:
    """Truncated downloads, unknown dtypes, holes in the data region.

    Skeletons (files that end right after their header) are fine and not a finding.
    """
    findings: list[Finding] = []
    for header in headers.files:
        if header.is_truncated:
            findings.append(
                Finding(
                    severity="error",
                    code="file_truncated",
                    message=(
                        f"{header.name} is {header.file_size:,} bytes but its header describes {header.full_size:,}: "
                        "an incomplete download; fetch it again"
                    ),
                )
            )
        for dtype in header.unknown_dtypes:
            findings.append(
                Finding(
                    severity="warning",
                    code="unknown_dtype",
                    message=f"{header.name} uses dtype {dtype}, which the safetensors format does not define",
                )
            )
        if header.gaps:
            findings.append(_gap_finding(header.name, header.gaps))
    return findings


def _gap_finding(file: str, gaps: int) -> Finding:
    # The safetensors library sorts tensors by offset and requires each to start where the last
    # one ended (Metadata::validate, InvalidOffset): a hole makes the whole file unloadable.
    return Finding(
        severity="error",
        code="data_gaps",
        message=f"{file} has {gaps:,} bytes of data that no tensor covers: the safetensors library refuses such files",
    )


def all_findings(shape: ModelShape, family: Family, headers: HeaderSet) -> list[Finding]:
    return [*file_findings(headers), *config_findings(shape, family, headers.config)]


# --- The pre-download check (``hubprune check``) -------------------------------------------------
#
# Everything below works on what the headers, index, config and file listing say; none of it
# needs tensor data. ``check_findings`` is the full set; ``all_findings`` above stays the lighter
# set that ``inspect`` attaches to every report.

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
# config.torch_dtype spellings -> the safetensors dtype they mean.
_TORCH_DTYPES = {"bfloat16": "BF16", "float16": "F16", "half": "F16", "float32": "F32", "float": "F32"}
_FLOAT_DTYPES = frozenset({"F64", "F32", "F16", "BF16", "F8_E5M2", "F8_E4M3", "F8_E4M3FNUZ", "F8_E5M2FNUZ"})


def reaches(finding: Finding, fail_on: str) -> bool:
    """Whether ``finding`` is at least as severe as ``fail_on`` (``error`` or ``warning``)."""
    return SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[fail_on]


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; the order within a severity is kept."""
    return sorted(findings, key=lambda finding: -SEVERITY_RANK[finding.severity])


def _first(names: Iterable[str], limit: int = 3) -> str:
    names = list(names)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


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
            Finding(
                severity="error",
                code="offsets_reversed",
                message=(
                    f"{file}: {len(reversed_)} tensor(s) end before they begin (first: {t.name} "
                    f"[{t.begin}, {t.end}]): the file is corrupt; download or export it again"
                ),
            )
        )
    wrong_size = []
    for t in tensors:
        bits = DTYPE_BITS.get(t.dtype)
        if bits is not None and t.begin <= t.end and t.numel * bits != (t.end - t.begin) * 8:
            wrong_size.append(t)
    if wrong_size:
        t = wrong_size[0]
        findings.append(
            Finding(
                severity="error",
                code="tensor_size_mismatch",
                message=(
                    f"{file}: {len(wrong_size)} tensor(s) span a byte range that does not match shape x dtype "
                    f"(first: {t.name}, {t.dtype} {list(t.shape)} needs {t.numel * DTYPE_BITS[t.dtype] / 8:,.{0 if t.numel * DTYPE_BITS[t.dtype] % 8 == 0 else 1}f} bytes, "
                    f"offsets span {t.end - t.begin}): the header is corrupt"
                ),
            )
        )
    unknown = sorted({t.dtype for t in tensors if t.dtype not in DTYPE_BITS})
    for dtype in unknown:
        findings.append(
            Finding(
                severity="warning",
                code="unknown_dtype",
                message=f"{file} uses dtype {dtype}, which the safetensors format does not define",
            )
        )
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
            Finding(
                severity="error",
                code="offsets_overlap",
                message=(
                    f"{file}: {len(overlaps)} tensor(s) share bytes with the tensor before them "
                    f"(first: {overlaps[0].name} at offset {overlaps[0].begin}): the header is corrupt"
                ),
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
        Finding(
            severity="info",
            code="misaligned",
            message=(
                f"{file}: {len(misaligned)} tensor(s) start at a byte offset that is not a multiple of their element "
                f"size (first: {t.name}, {t.dtype} at byte {data_start + t.begin}): no zero-copy loading, "
                "re-save with the safetensors library"
            ),
        )
    ]


def size_findings(file: str, data_start: int, data_end: int, file_size: int | None) -> list[Finding]:
    """A local file shorter than its header says (truncated) or longer (trailing bytes)."""
    if file_size is None or file_size == data_start:  # unknown size, or a header-only skeleton
        return []
    full = data_start + data_end
    if file_size < full:
        return [
            Finding(
                severity="error",
                code="file_truncated",
                message=f"{file} is {file_size:,} bytes but its header describes {full:,}: an incomplete download; fetch it again",
            )
        ]
    if file_size > full:
        # safetensors requires the data to end exactly at the end of the file (MetadataIncompleteBuffer).
        return [
            Finding(
                severity="error",
                code="file_trailing_bytes",
                message=(
                    f"{file} is {file_size:,} bytes but its header describes {full:,}: the safetensors library "
                    "refuses files with bytes after the data"
                ),
            )
        ]
    return []


def header_findings(headers: HeaderSet) -> list[Finding]:
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


def index_findings(headers: HeaderSet) -> list[Finding]:
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
            Finding(
                severity="error",
                code="tensor_duplicated",
                message=(
                    f"{len(duplicated)} tensor(s) are stored in more than one shard (first: {name} in {', '.join(files)}): "
                    "which copy loads depends on the loader; remove the stray copies"
                ),
            )
        )
    index = headers.index
    if index is None:
        if len(headers.files) > 1:
            findings.append(
                Finding(
                    severity="warning",
                    code="no_index",
                    message=(
                        f"{len(headers.files)} safetensors files but no model.safetensors.index.json: "
                        "transformers only loads model.safetensors or the shards an index names"
                    ),
                )
            )
        return findings
    weight_map = index.get("weight_map") or {}
    missing = sorted(name for name, file in weight_map.items() if file not in holders.get(name, []))
    if missing:
        name = missing[0]
        where = f"the index puts it in {weight_map[name]}" + (
            f" but it is in {', '.join(holders[name])}" if name in holders else ", which does not hold it"
        )
        findings.append(
            Finding(
                severity="error",
                code="index_tensor_missing",
                message=(
                    f"{len(missing)} tensor(s) in the index are not where it says (first: {name}; {where}): "
                    "loading will fail or leave weights uninitialised; download the shards again"
                ),
            )
        )
    unlisted = sorted(name for name in holders if name not in weight_map)
    if unlisted:
        findings.append(
            Finding(
                severity="warning",
                code="index_tensor_unlisted",
                message=(
                    f"{len(unlisted)} tensor(s) in the shards are not in the index (first: {_first(unlisted)}): "
                    "loaders that go through the index never see them"
                ),
            )
        )
    total = _int((index.get("metadata") or {}).get("total_size"))
    stored = sum(t.nbytes for header in headers.files for t in header.tensors)
    if total is not None and total != stored:
        findings.append(
            Finding(
                severity="warning",
                code="index_total_size",
                message=(
                    f"the index says total_size={total:,} but the shards hold {stored:,} bytes of tensors: "
                    "the index was not written for these shards"
                ),
            )
        )
    named = set(weight_map.values())
    # Only top-level files: transformers looks for weights at the top of the repo.
    stray = sorted(
        name for name in headers.other_files if name.endswith(".safetensors") and "/" not in name and name not in named
    )
    if stray:
        # transformers checks for model.safetensors before the index, so that stray file wins.
        wins = " (transformers loads model.safetensors instead of the shards)" if "model.safetensors" in stray else ""
        findings.append(
            Finding(
                severity="warning",
                code="shard_unindexed",
                message=(
                    f"{len(stray)} safetensors file(s) beside the shards are not in the index ({_first(stray)}){wins}: "
                    "remove or rename them"
                ),
            )
        )
    return findings


# --- config vs tensors: could stock transformers load it? -------------------------------------


def _expected_shapes(family: Family, config: dict) -> dict[str, tuple[int, ...]]:
    """Role -> the weight shape a stock model built from ``config`` would allocate."""
    def fact(name: str) -> int | None:
        return _int(family.config_value(config, name))

    hidden, heads, kv = fact("hidden_size"), fact("num_attention_heads"), fact("num_key_value_heads")
    inter, vocab = fact("intermediate_size"), fact("vocab_size")
    head_dim = fact("head_dim") or (hidden // heads if hidden and heads and hidden % heads == 0 else None)
    # No fallback from KV heads to query heads here: the family's aliases say when that holds
    # (Llama's do); Falcon-7B's multi-query attention has neither key and one KV head.
    shapes: dict[str, tuple[int, ...]] = {}
    if hidden:
        shapes["norm"] = shapes["final_norm"] = (hidden,)
        if vocab:
            shapes["embed"] = shapes["lm_head"] = (vocab, hidden)
        if heads and head_dim:
            shapes["attn_q"] = (heads * head_dim, hidden)
            shapes["attn_o"] = (hidden, heads * head_dim)
            if kv:
                shapes["attn_k"] = shapes["attn_v"] = (kv * head_dim, hidden)
                shapes["attn_qkv_fused"] = ((heads + 2 * kv) * head_dim, hidden)
        if inter:
            shapes["mlp_gate"] = shapes["mlp_up"] = (inter, hidden)
            shapes["mlp_down"] = (hidden, inter)
            shapes["mlp_gate_up_fused"] = (2 * inter, hidden)
    if head_dim:
        shapes["attn_q_norm"] = shapes["attn_k_norm"] = (head_dim,)
    return shapes


def _roles_of(family: Family) -> tuple[dict[str, str], dict[str, str]]:
    layer = {p.pattern: role for role, patterns in family.layer_roles.items() for p in patterns}
    glob = {p.pattern: role for role, patterns in family.global_roles.items() for p in patterns}
    return layer, glob


def _config_names(family: Family, config: dict) -> bool:
    """Whether the config itself names this family (else the family was guessed from tensor names,
    and what a stock class built from this config would expect is unknown)."""
    architectures = config.get("architectures") or []
    return any(a in family.architectures for a in architectures) or config.get("model_type") in family.model_types


def load_findings(shape: ModelShape, family: Family, headers: HeaderSet) -> list[Finding]:
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
            Finding(
                severity="warning",
                code="trust_remote_code",
                message=(
                    f"config has auto_map ({classes}): loading needs trust_remote_code=True, which runs Python from "
                    "the repo; read that code first"
                ),
            )
        )
    expected = _expected_shapes(family, config) if _config_names(family, config) else {}
    if config.get("kv_lora_rank") or config.get("block_configs"):
        # Latent attention (head_dim = nope + rope dims) and per-layer NAS configs: the uniform
        # formulas above do not describe these attention weights.
        expected = {role: want for role, want in expected.items() if role not in ATTN_ROLES}
    layer_roles, global_roles = _roles_of(family)
    mismatched: list[tuple[TensorInfo, tuple[int, ...]]] = []
    present: dict[str, set[int]] = {}
    for tensor in headers.tensors.values():
        module, _, param = tensor.name.rpartition(".")
        template, index = split_layer(module)
        role = layer_roles.get(template) if index is not None else global_roles.get(template)
        if role is None:
            continue
        if index is not None:
            present.setdefault(role, set()).add(index)
        want = expected.get(role)
        if param != "weight" or want is None or tensor.dtype not in _FLOAT_DTYPES:
            continue
        if sorted(tensor.shape) != sorted(want):
            mismatched.append((tensor, want))
    if mismatched:
        def order(item: tuple[TensorInfo, tuple[int, ...]]) -> tuple[int, str]:
            _, index = split_layer(item[0].name.rpartition(".")[0])
            return (-1 if index is None else index, item[0].name)

        tensor, want = min(mismatched, key=order)
        findings.append(
            Finding(
                severity="warning",
                code="config_shape_mismatch",
                message=(
                    f"stock transformers cannot load this with its config: {tensor.name} is {list(tensor.shape)} but the "
                    f"config implies {list(want)} ({len(mismatched)} tensor(s) differ); load it with the pruning "
                    "tool's code or a per-layer config"
                ),
            )
        )
    claimed_layers = _int(family.config_value(config, "num_hidden_layers"))
    per_layer_config = "block_configs" in config  # Nemotron-NAS: the config itself says which blocks are no-ops
    if claimed_layers and not per_layer_config:
        # Whole blocks, not single roles: MoE layers hold experts instead of a dense MLP, and
        # some layers legitimately use another spelling; a block with no tensors at all is absent.
        absent: list[tuple[int, str]] = []
        for block, roles in (("attention", ATTN_ROLES), ("MLP", MLP_ROLES)):
            holding = set().union(*(indices for role, indices in present.items() if role in roles))
            if holding:
                absent += [(index, block) for index in range(claimed_layers) if index not in holding]
        absent.sort()
        if absent:
            layers = sorted({index for index, _ in absent})
            findings.append(
                Finding(
                    severity="warning",
                    code="config_tensors_missing",
                    message=(
                        f"{len(absent)} attention/MLP block(s) the config implies have no tensors (layers "
                        f"{compress_ranges(layers)}; first: layer {absent[0][0]} {absent[0][1]}): stock transformers "
                        "would fill them with random values"
                    ),
                    layer=layers[0] if len(layers) == 1 else None,
                )
            )
    if claimed_layers:
        past = sorted(index for indices in present.values() for index in indices if index >= claimed_layers)
        if past:
            findings.append(
                Finding(
                    severity="warning",
                    code="layers_past_config",
                    message=(
                        f"tensors for layers {compress_ranges(set(past))} lie past num_hidden_layers={claimed_layers}: "
                        "stock transformers ignores them (extra prediction layers, or a config that is out of date)"
                    ),
                )
            )
    return findings


# --- repo content ------------------------------------------------------------------------------


def pickle_files(names: Iterable[str]) -> list[str]:
    """File names that hold pickled weights (loading them can run arbitrary code).

    >>> pickle_files(["model.safetensors", "pytorch_model.bin", "original/consolidated.00.pth"])
    ['original/consolidated.00.pth', 'pytorch_model.bin']
    """
    return sorted(name for name in names if name.lower().endswith(PICKLE_SUFFIXES))


def _share(part: int, whole: int) -> str:
    """``"99.9%"``, or ``"<0.1%"`` for a sliver (a few fp32 norms beside billions of bf16 weights)."""
    pct = part / whole * 100
    return f"{pct:.1f}%" if pct >= 0.1 or pct == 0 else "<0.1%"


def content_findings(shape: ModelShape, headers: HeaderSet) -> list[Finding]:
    """Pickles beside the safetensors, mixed dtypes, a config dtype the weights do not have."""
    findings: list[Finding] = []
    pickles = pickle_files(headers.other_files)
    if pickles:
        findings.append(
            Finding(
                severity="warning",
                code="pickle_weights",
                message=(
                    f"pickle files beside the safetensors ({_first(pickles)}): unpickling runs arbitrary code; "
                    "download with --include '*.safetensors' and never load them"
                ),
            )
        )
    floats = {dtype: n for dtype, n in shape.params_by_dtype.items() if dtype in _FLOAT_DTYPES and n}
    if len(floats) > 1:
        total = sum(floats.values())
        parts = ", ".join(
            f"{dtype} {_share(n, total)}" for dtype, n in sorted(floats.items(), key=lambda kv: -kv[1])
        )
        quantized = any(dtype not in _FLOAT_DTYPES for dtype in shape.params_by_dtype)
        findings.append(
            Finding(
                severity="info" if quantized else "warning",
                code="mixed_dtypes",
                message=f"weights mix floating dtypes ({parts}): loaders cast them all to one torch_dtype",
            )
        )
    torch_dtype = (headers.config or {}).get("torch_dtype")
    stored = _TORCH_DTYPES.get(torch_dtype) if isinstance(torch_dtype, str) else None
    if stored and floats and stored not in floats:
        findings.append(
            Finding(
                severity="info",
                code="config_dtype",
                message=f"config says torch_dtype={torch_dtype} but the weights are {', '.join(sorted(floats))}",
            )
        )
    return findings


def check_findings(shape: ModelShape, family: Family, headers: HeaderSet) -> list[Finding]:
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
    return Finding(
        severity="error",
        code="pickle_only",
        message=(
            f"{where} has no safetensors, only pickle weights ({_first(pickles)}): loading them runs arbitrary code; "
            "ask for or convert to safetensors"
        ),
    )


def unreadable_header_finding(file: str, problem: str) -> Finding:
    """A header that could not be parsed at all (not JSON, wrong length, ...)."""
    return Finding(
        severity="error",
        code="header_invalid",
        message=f"{file}: {problem}: the file is not a valid safetensors file; download or export it again",
    )


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
        dims_ok = isinstance(shape, list) and all(_int(d) is not None and d >= 0 for d in shape)
        offsets_ok = isinstance(offsets, list) and len(offsets) == 2 and all(_int(o) is not None and o >= 0 for o in offsets)
        if not (isinstance(dtype, str) and dims_ok and offsets_ok):
            malformed.append(name)
            continue
        tensors.append(TensorInfo(name, dtype, tuple(shape), offsets[0], offsets[1], file))
    findings = []
    if malformed:
        findings.append(unreadable_header_finding(file, f"{len(malformed)} entries lack a dtype, shape or offsets (first: {malformed[0]})"))
    data_start = 8 + len(raw)
    return findings + layout_findings(file, tensors, data_start, file_size)
