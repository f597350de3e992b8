"""hubprune: what a pruned LLM checkpoint really contains, from safetensors headers alone.

Library API (the CLI is a thin layer over these)::

    >>> import hubprune
    >>> shape = hubprune.inspect("fixtures/taylor_only_5000")
    >>> shape.total_params, shape.layers[2].q_heads, shape.layers[2].intermediate_size
    (4015140864, 28, 10349)
    >>> report = hubprune.compare("fixtures/Llama-3-8B-Instruct", "fixtures/taylor_only_5000")
    >>> round(report.totals.decoder_pruned_pct, 2)
    57.53

A reference is a local path when it exists, else a Hub repo id ``org/name[@revision]``.
"""

from __future__ import annotations

from pathlib import Path

# The submodule hubprune.compare shares its name with the API function compare() below. Importing
# it first means the function definition is the binding that stays: a later
# "from .compare import ..." finds the module in sys.modules and does not rebind the attribute.
from . import compare as _compare_module  # noqa: F401
from .model import Comparison, HeaderSet, ModelShape

__version__ = "0.1.0"
__all__ = ["__version__", "compare", "inspect", "read_headers", "Comparison", "ModelShape", "HeaderSet"]


def read_headers(ref: str, *, revision: str | None = None, token: str | None = None, use_cache: bool = True) -> HeaderSet:
    """Read the headers, config and index of a local path or a Hub repo (header bytes only)."""
    if Path(ref).exists() or _looks_local(ref):
        from .sources.local import read_local

        return read_local(ref)
    from .sources.hub import read_hub

    return read_hub(ref, revision=revision, token=token, use_cache=use_cache)


def _looks_local(ref: str) -> bool:
    # "org/name" (one slash, no dots-only parts) is a repo id; anything else that does not exist
    # is a missing local path, so the user gets "does not exist" rather than a Hub 404.
    from .sources.refs import is_repo_id

    return not is_repo_id(ref)


def inspect(ref: str, *, revision: str | None = None, token: str | None = None, use_cache: bool = True) -> ModelShape:
    """Per-layer heads, KV heads, widths and parameter counts of one model, with findings."""
    from .archs.detect import detect_family
    from .checks import all_findings
    from .infer import infer_shape

    headers = read_headers(ref, revision=revision, token=token, use_cache=use_cache)
    family, detect_notes = detect_family(headers.config, headers.tensors)
    shape = infer_shape(headers, family)
    findings = [*detect_notes, *shape.findings, *all_findings(shape, family, headers)]
    return shape.model_copy(update={"findings": findings})


def compare(
    base: str,
    pruned: str,
    *,
    revision: str | None = None,
    pruned_revision: str | None = None,
    token: str | None = None,
    use_cache: bool = True,
) -> Comparison:
    """The pruning report of ``pruned`` against ``base``."""
    return _compare_module.compare_shapes(
        inspect(base, revision=revision, token=token, use_cache=use_cache),
        inspect(pruned, revision=pruned_revision, token=token, use_cache=use_cache),
    )
