"""Where the config's uniform claims and the tensors disagree.

Pruned configs lie (LLM-Pruner and FLAP keep the dense num_attention_heads / intermediate_size):
that is a finding, never an error that stops the report.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import attrgetter

from ..archs.hooks import per_block_config, per_layer_claims, per_layer_lists, removed_heads
from ..archs.hooks import pruned_heads as pruned_heads  # the findings package exports it
from ..archs.schema import Family, Role
from ..classify import classify
from ..model import Finding, Snapshot, LayerShape, ModelShape, as_int
from ._ranges import compress_ranges
from .registry import finding


def config_key(family: Family, config: dict, fact: str) -> str | None:
    """The config key that ``family.config_value`` reads ``fact`` from (the first alias set)."""
    return family.config_key(config, fact)


# Facts the reports read as counts; a value that is not one is ignored, with a finding.
COUNT_FACTS = (
    "hidden_size", "num_attention_heads", "num_key_value_heads", "intermediate_size", "num_hidden_layers",
    "num_experts", "vocab_size", "head_dim",
)  # fmt: skip


def shown_value(value: object) -> str:
    """A config value short enough for a message: a 401-digit number is not printed in full.

    >>> shown_value(10**400), shown_value(float("nan")), shown_value("x" * 100)[-6:], shown_value(-4)
    ('100000... (401 digits)', 'NaN', 'xxx...', '-4')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        text = str(value)
        return text if len(text) <= 20 else f"{text[:6]}... ({len(text.lstrip('-'))} digits)"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return ("Infinity" if value > 0 else "-Infinity") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return "a list" if isinstance(value, list) else "an object"


def config_value_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """Count facts whose config value is not a count (NaN, a string, negative, absurdly large)."""
    config = headers.config
    if config is None:
        return []
    findings: list[Finding] = []
    for fact in COUNT_FACTS:
        key = config_key(family, config, fact)
        # Per-layer lists (OpenELM's num_query_heads) are a hook's to read, not invalid counts.
        value = config[key] if key is not None else None
        per_layer = isinstance(value, dict) or (isinstance(value, list) and per_layer_lists(family))
        if key is not None and not per_layer and as_int(value) is None:
            findings.append(finding("config_value_invalid", key=key, value=shown_value(config[key])))
    return findings


# (config fact, layer attribute, finding code; the message table words each code's message)
PER_LAYER_FACTS: list[tuple[str, Callable[[LayerShape], int | None], str]] = [
    ("num_attention_heads", attrgetter("q_heads"), "config_num_attention_heads"),
    ("num_key_value_heads", attrgetter("kv_heads"), "config_num_key_value_heads"),
    ("intermediate_size", attrgetter("intermediate_size"), "config_intermediate_size"),
]


def _per_layer_finding(
    shape: ModelShape, code: str, value_of: Callable[[LayerShape], int | None], key: str, claims: list[int | None]
) -> list[Finding]:
    """Where a config's per-layer list (OpenELM's ``num_query_heads``) and the layers disagree."""
    differing = [
        (layer, claims[position])
        for position, layer in enumerate(shape.layers)
        if position < len(claims) and claims[position] is not None and value_of(layer) is not None
        and value_of(layer) != claims[position]
    ]
    if not differing:
        return []
    example, claimed = differing[0]
    return [
        finding(
            code,
            variant="per_layer",
            key=key,
            claimed=claimed,
            count=len(differing),
            layers=shape.num_layers,
            ranges=compress_ranges(layer.index for layer, _ in differing),
            example=example.index,
            value=value_of(example),
        )
    ]


def config_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """Where the config's uniform claims and the tensors disagree, layer by layer."""
    config = headers.config
    if config is None:
        return [finding("no_config")]
    findings: list[Finding] = []
    # A config that describes each block itself (hooks.py) makes no uniform per-layer claim.
    per_layer_facts = [] if per_block_config(family, config) else PER_LAYER_FACTS
    removed = removed_heads(family, config)
    heads_key = config_key(family, config, "num_attention_heads")
    for fact, value_of, code in per_layer_facts:
        listed = per_layer_claims(family, config, fact, shape.num_layers)
        if listed is not None:
            findings += _per_layer_finding(shape, code, value_of, *listed)
            continue
        claimed = as_int(family.config_value(config, fact))
        if claimed is None:
            continue
        if fact == "num_key_value_heads" and config_key(family, config, fact) == heads_key:
            # The alias fell back to the query heads (BERT, GPT-2, a Llama config without the
            # key): the config states no KV head count, and the query-head finding covers it.
            continue
        # transformers re-applies config.pruned_heads on load: those layers are meant to have fewer.
        fewer = removed if fact == "num_attention_heads" else {}
        expected = max(0, claimed)
        differing = [
            layer
            for layer, value in zip(shape.layers, map(value_of, shape.layers))
            if value is not None
            and value != (max(0, claimed - fewer[layer.index]) if layer.index in fewer else expected)
        ]
        if not differing:
            continue
        example = differing[0]
        findings.append(
            finding(
                code,
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
        findings.append(finding("config_num_hidden_layers", claimed=claimed_layers, layers=shape.num_layers))
    claimed_hidden = as_int(family.config_value(config, "hidden_size"))
    if claimed_hidden is not None and shape.hidden_size is not None and claimed_hidden != shape.hidden_size:
        findings.append(finding("config_hidden_size", claimed=claimed_hidden, hidden=shape.hidden_size))
    return findings


def _router_rows(family: Family, headers: Snapshot) -> dict[int, int]:
    """Layer -> rows of its router weight (one row per routed expert the router can pick)."""
    rows: dict[int, int] = {}
    for index, layer in classify(headers, family).layers.items():
        for module in layer.same_as.by_role.get(Role.ROUTER, ()):  # shapes only: a repeat's are its model's
            weight = module.weight()
            if weight is not None and len(weight.shape) == 2:
                rows[index] = weight.shape[0]
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
            layer=example.index if len(differing) == 1 else None,
            key=config_key(family, config, "num_experts"),
            claimed=claimed,
            count=len(differing),
            layers=len(moe),
            ranges=compress_ranges(layer.index for layer in differing),
            example=example.index,
            experts=example.experts or 0,
            router=routers.get(example.index, "?"),
        )
    ]
