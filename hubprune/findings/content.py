"""What else the repo holds: pickled weights, mixed dtypes, a config dtype the weights lack."""

from __future__ import annotations

from ..archs.schema import Family
from ..model import Finding, Snapshot, ModelShape, pickle_files
from ._ranges import first_names
from .registry import finding

# config.torch_dtype spellings -> the safetensors dtype they mean.
TORCH_DTYPES = {"bfloat16": "BF16", "float16": "F16", "half": "F16", "float32": "F32", "float": "F32"}
FLOAT_DTYPES = frozenset({"F64", "F32", "F16", "BF16", "F8_E5M2", "F8_E4M3", "F8_E4M3FNUZ", "F8_E5M2FNUZ"})


def _share(part: int, whole: int) -> str:
    """``"99.9%"``, or ``"<0.1%"`` for a sliver (a few fp32 norms beside billions of bf16 weights)."""
    pct = part / whole * 100
    return f"{pct:.1f}%" if pct >= 0.1 or pct == 0 else "<0.1%"


def content_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """Pickles beside the safetensors, mixed dtypes, a config dtype the weights do not have."""
    findings: list[Finding] = []
    pickles = pickle_files(headers.other_files)
    if pickles:
        findings.append(finding("pickle_weights", **first_names(pickles)))
    floats = {dtype: n for dtype, n in shape.params_by_dtype.items() if dtype in FLOAT_DTYPES and n}
    if len(floats) > 1:
        total = sum(floats.values())
        parts = ", ".join(
            f"{dtype} {_share(n, total)}" for dtype, n in sorted(floats.items(), key=lambda kv: -kv[1])
        )
        # Beside quantized storage, float norms and embeddings are the expected layout.
        quantized = any(dtype not in FLOAT_DTYPES for dtype in shape.params_by_dtype)
        findings.append(finding("mixed_dtypes", severity="info" if quantized else None, parts=parts))
    torch_dtype = (headers.config or {}).get("torch_dtype")
    stored = TORCH_DTYPES.get(torch_dtype) if isinstance(torch_dtype, str) else None
    if stored and floats and stored not in floats:
        findings.append(finding("config_dtype", torch_dtype=torch_dtype, stored=", ".join(sorted(floats))))
    return findings


def pickle_only_finding(where: str, pickles: list[str]) -> Finding:
    """The finding for a model that ships only pickled weights (nothing for hubprune to read)."""
    return finding("pickle_only", where=where, **first_names(pickles))
