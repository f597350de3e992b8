"""Pure checks: findings about a checkpoint from its headers, config and index. No I/O.

Pruned configs lie (LLM-Pruner and FLAP keep the dense num_attention_heads / intermediate_size):
that is a finding, never an error that stops the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .archs.schema import Family
from .model import Finding, HeaderSet, LayerShape, ModelShape


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
    for fact, value_of, label in _PER_LAYER_FACTS:
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
            findings.append(
                Finding(
                    severity="warning",
                    code="data_gaps",
                    message=f"{header.name} has {header.gaps:,} bytes of data that no tensor covers",
                )
            )
    return findings


def all_findings(shape: ModelShape, family: Family, headers: HeaderSet) -> list[Finding]:
    return [*file_findings(headers), *config_findings(shape, family, headers.config)]
