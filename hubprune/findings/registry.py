"""Every finding code: its default severity and which command raises it.

A finding's severity is a property of what it says, so it is written here once, not at each call
site; the few findings whose weight depends on the case (``mixed_dtypes`` is only a note beside
quantized storage) pass ``severity=`` explicitly.

Scopes: ``inspect`` codes come with every report (``inspect`` and ``check``), ``check`` codes only
with the pre-download check, ``compare`` codes only with a comparison.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..locales import finding_key, t
from ..model import Finding, Severity
from ..values import Value

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    Scope = Literal["inspect", "check", "compare"]  # SCOPES

# Which command raises a code (``Scope`` for type checkers, above).
SCOPES = ("inspect", "check", "compare")


class Code(Value, positional=True):
    """A finding code's default severity and the command that raises it."""

    severity: Severity
    scope: Scope


CODES: dict[str, Code] = {
    # config vs tensors, every layer (config.py)
    "no_config": Code("warning", "inspect"),
    "config_value_invalid": Code("warning", "inspect"),
    "config_num_attention_heads": Code("warning", "inspect"),
    "config_num_key_value_heads": Code("warning", "inspect"),
    "config_intermediate_size": Code("warning", "inspect"),
    "config_num_hidden_layers": Code("warning", "inspect"),
    "config_hidden_size": Code("warning", "inspect"),
    "config_num_experts": Code("warning", "inspect"),
    # files and headers (files.py)
    "file_truncated": Code("error", "inspect"),
    "file_trailing_bytes": Code("error", "check"),
    "unknown_dtype": Code("warning", "inspect"),
    "data_gaps": Code("error", "inspect"),
    "offsets_reversed": Code("error", "check"),
    "tensor_size_mismatch": Code("error", "check"),
    "offsets_overlap": Code("error", "check"),
    "misaligned": Code("info", "check"),
    "header_invalid": Code("error", "check"),
    # index vs shards (index.py)
    "tensor_duplicated": Code("error", "check"),
    "no_index": Code("warning", "check"),
    "index_tensor_missing": Code("error", "check"),
    "index_tensor_unlisted": Code("warning", "check"),
    "index_total_size": Code("warning", "check"),
    "shard_unindexed": Code("warning", "inspect"),
    # could stock transformers load it? (load.py)
    "trust_remote_code": Code("warning", "check"),
    "config_shape_mismatch": Code("warning", "check"),
    "config_tensors_missing": Code("warning", "check"),
    "layers_past_config": Code("warning", "check"),
    # repo content (content.py)
    "pickle_weights": Code("warning", "check"),
    "pickle_only": Code("error", "check"),
    "pickle_imports": Code("warning", "inspect"),
    "other_weights": Code("info", "inspect"),
    "mixed_dtypes": Code("warning", "check"),
    "config_dtype": Code("info", "check"),
    # reading the shape (infer, family detection)
    "layer_indices_sparse": Code("warning", "inspect"),
    "head_dim_assumed": Code("info", "inspect"),
    "head_dim_ambiguous": Code("warning", "inspect"),
    "head_dim_unknown": Code("warning", "inspect"),
    "unrecognized_tensors": Code("warning", "inspect"),
    "lm_head_missing": Code("error", "inspect"),
    "embed_missing": Code("error", "inspect"),
    "extra_layer": Code("info", "inspect"),
    "heads_not_whole": Code("warning", "inspect"),
    "fused_qkv_ambiguous": Code("warning", "inspect"),
    "attn_dims_disagree": Code("warning", "inspect"),
    "mlp_dims_disagree": Code("warning", "inspect"),
    "expert_width_unknown": Code("warning", "inspect"),
    "mlp_width_unknown": Code("warning", "inspect"),
    "attn_heads_unknown": Code("warning", "inspect"),
    "family_unknown": Code("warning", "inspect"),
    "family_guessed": Code("warning", "inspect"),
    # base vs pruned (compare)
    "depth_pruned": Code("info", "compare"),
    "no_structural_change": Code("info", "compare"),
    "hidden_size_changed": Code("info", "compare"),
    "input_dim_changed": Code("info", "compare"),
    "vocab_changed": Code("info", "compare"),
    "quantization_differs": Code("info", "compare"),
}

def finding(code: str, *, severity: Severity | None = None, layer: int | None = None, **args: Any) -> Finding:
    """A ``Finding`` of a registered ``code`` whose English ``message`` is its template filled with
    ``args`` (kept on it, as JSON values, so a report can word it in its own language).

    >>> f = finding("config_hidden_size", claimed=4096, hidden=3072)
    >>> f.severity.value, f.message, f.args
    ('warning', 'config says hidden_size=4096 but the embedding is 3072 wide', {'claimed': 4096, 'hidden': 3072})
    """
    if args.get("variant") is None:
        args.pop("variant", None)
    message = t(finding_key(code, args), "en", **args)
    return Finding(severity=severity or CODES[code].severity, code=code, message=message, layer=layer, args=args)


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; the order within a severity is kept."""
    return sorted(findings, key=lambda finding: finding.severity, reverse=True)  # sorting stays stable
