"""Pick a model family: from ``config.architectures`` / ``model_type``, else from tensor names."""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Finding
from .schema import Family, all_families
from .templates import layer_template


def detect_family(config: dict | None, tensor_names: Iterable[str]) -> tuple[Family, list[Finding]]:
    """Return the family that fits, plus a finding when the choice was a guess.

    >>> detect_family({"architectures": ["LlamaForCausalLM"]}, [])[0].name
    'llama'
    """
    families = all_families()
    config = config or {}
    for arch in config.get("architectures") or []:
        for family in families:
            if arch in family.architectures:
                return family, []
    model_type = config.get("model_type")
    for family in families:
        if model_type and model_type in family.model_types:
            return family, []

    # No config verdict: the family whose patterns cover most tensors wins.
    modules = [layer_template(name.rsplit(".", 1)[0]) for name in tensor_names]
    best, best_hits = families[0], -1
    for family in families:
        known = {p.pattern for patterns in family.layer_roles.values() for p in patterns}
        known |= {p.pattern for patterns in family.global_roles.values() for p in patterns}
        hits = sum(module in known for module in modules)
        if hits > best_hits:
            best, best_hits = family, hits
    said = config.get("architectures") or model_type or "no architecture in config"
    finding = Finding(
        severity="warning",
        code="family_guessed",
        message=f"config does not name a known family ({said}); tensor names match {best.name} best",
    )
    return best, [finding]
