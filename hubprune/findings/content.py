"""What else the repo holds: pickled weights, mixed dtypes, a config dtype the weights lack; and
what the weights were read from when they are not safetensors (other formats beside them, the
globals a pickle would import)."""

from __future__ import annotations

from ..archs.schema import Family
from ..formats.to_headers import pickle_globals, weights_format
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
    read = _read_format(headers)
    if read == "bin":
        # The weights themselves are the pickles: their structure was read, never run.
        loaded = [h.name for h in headers.files]
        pickles = loaded + [name for name in pickles if name not in loaded]
    if pickles:
        named = first_names(pickles)
        findings.append(finding("pickle_weights", variant="read" if read == "bin" else "gguf" if read == "gguf" else None, **named))
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


# Modules a pickled model legitimately names: loading imports them, which runs their code, but they
# are the libraries that wrote the file. Anything else (os, subprocess, builtins.eval) is an attack.
ML_MODULES = ("torch.", "transformers.", "tokenizers.", "collections.", "numpy.", "peft.", "accelerate.", "_codecs.")

# Format names as the --weights option spells them, and the files each stands for.
WEIGHT_SUFFIXES = {"safetensors": (".safetensors",), "bin": (".bin", ".pt", ".pth"), "gguf": (".gguf",)}


def _read_format(headers: Snapshot) -> str | None:
    kinds = {weights_format(h) for h in headers.files}
    return kinds.pop() if len(kinds) == 1 else None


def format_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """Globals a pickle would import beyond tensor rebuilding (named, never imported), and the
    weight formats present beside the one that was read."""
    findings: list[Finding] = []
    files, names = [], []
    for header in headers.files:
        found = pickle_globals(header)
        if found:
            files.append(header.name)
            names += [name for name in found if name not in names]
    if names:
        foreign = [name for name in names if not name.startswith(ML_MODULES)]
        findings.append(
            finding(
                "pickle_imports",
                severity="error" if foreign else None,
                variant="foreign" if foreign else None,
                count=len(names),
                file=files[0],
                files=len(files),
                globals=names,
                **first_names(foreign or names, limit=5),
            )
        )
    read = _read_format(headers)
    if read is not None:
        others = _other_formats(headers, read)
        if others:
            findings.append(
                finding("other_weights", read=read, others=", ".join(others), option=others[0], **first_names(_format_files(headers, others)))
            )
    return findings


def _other_formats(headers: Snapshot, read: str) -> list[str]:
    top = [name for name in headers.other_files if "/" not in name and name != "training_args.bin"]
    return [
        kind for kind, suffixes in WEIGHT_SUFFIXES.items()
        if kind != read and any(name.lower().endswith(suffixes) for name in top)
    ]


def _format_files(headers: Snapshot, kinds: list[str]) -> list[str]:
    suffixes = tuple(s for kind in kinds for s in WEIGHT_SUFFIXES[kind])
    return sorted(name for name in headers.other_files if "/" not in name and name.lower().endswith(suffixes) and name != "training_args.bin")
