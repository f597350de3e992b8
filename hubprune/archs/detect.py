"""Pick a model family: from ``config.architectures`` / ``model_type``, else from tensor names.

Order of evidence: an architecture name the config gives, then its ``model_type``, then the
family whose patterns cover most of the checkpoint's modules. When no family covers at least half
of the layer modules, the ``generic`` family (roles guessed from module-name suffixes) is used,
with a warning: a report from guessed roles is better than a crash, and it must say it guessed.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..classify import module_templates, template_roles
from ..findings import finding
from ..model import Finding
from .schema import Family, Role, all_families, load_family, named_family

FALLBACK = "generic"
# Share of a checkpoint's per-layer modules a family must name to be chosen from tensor names alone.
MIN_COVERAGE = 0.5


def _coverage(family: Family, modules: set[str]) -> int:
    return sum(role is not None for role in template_roles(family, modules).values())


def detect_family(config: dict | None, tensor_names: Iterable[str]) -> tuple[Family, list[Finding]]:
    """Return the family that fits, plus a finding when the choice was a guess.

    >>> detect_family({"architectures": ["LlamaForCausalLM"]}, [])[0].name
    'llama'
    >>> family, notes = detect_family({}, ["model.layers.0.self_attn.q_proj.weight", "model.layers.0.mlp.gate_proj.weight"])
    >>> family.name, notes[0].code
    ('llama', 'family_guessed')
    """
    config = config or {}
    model_type = config.get("model_type")
    # Most configs name their family: only that one is built.
    named = named_family(config.get("architectures") or [], model_type)
    if named is not None:
        return load_family(named), []
    # Heuristic families (the common spellings, plus what one model type stores differently, such
    # as its buffers) are chosen only by name from the config, never guessed from tensor names.
    families = [f for f in all_families() if not f.heuristic]

    modules = module_templates(tensor_names)
    layer_modules = {m for m in modules if "{layer}" in m}
    # Most modules named wins; among equals, the family with fewest patterns the checkpoint lacks
    # (plain Llama over DeciLM, whose linear_attn / linear_mlp spellings add nothing here).
    best, best_key = families[0], (-1, 0)
    for family in families:
        patterns = {p.pattern for role, ps in family.layer_roles.items() if role != Role.BUFFER for p in ps}
        key = (_coverage(family, modules), -len(patterns - modules))
        if key > best_key:
            best, best_key = family, key
    # What the config says, quoted in the message; a config that says nothing gets its own wording.
    said = config.get("architectures") or model_type
    quoted = str(said) if said else None
    layer_hits = _coverage(best, layer_modules)
    # A named family that covers fewer modules than the common spellings would misread the rest
    # (phi's fc1 under Nemotron, GLM-4-MoE's k_proj under DeepSeek's latent attention).
    fallback_hits = _coverage(load_family(FALLBACK), modules)
    if (layer_modules and layer_hits < MIN_COVERAGE * len(layer_modules)) or fallback_hits > best_key[0]:
        fallback = load_family(FALLBACK)
        return fallback, [
            finding("family_unknown", variant=None if said else "no_architecture", said=quoted)
        ]
    return best, [finding("family_guessed", variant=None if said else "no_architecture", said=quoted, family=best.name)]
