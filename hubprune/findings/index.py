"""Where ``model.safetensors.index.json``, the shard headers and the file listing disagree."""

from __future__ import annotations

from ..archs.schema import Family
from ..model import Finding, Snapshot, ModelShape, as_int
from ._ranges import first_names
from .registry import finding


def index_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """Where ``model.safetensors.index.json`` and the shard headers disagree."""
    findings: list[Finding] = []
    holders: dict[str, list[str]] = {}
    for header in headers.files:
        for t in header.tensors:
            holders.setdefault(t.name, []).append(header.name)
    duplicated = {name: files for name, files in holders.items() if len(files) > 1}
    if duplicated:
        name, files = next(iter(sorted(duplicated.items())))
        findings.append(finding("tensor_duplicated", count=len(duplicated), first=name, files=", ".join(files)))
    index = headers.index
    if index is None:
        if len(headers.files) > 1:
            findings.append(finding("no_index", files=len(headers.files)))
        return findings
    weight_map = index.get("weight_map") or {}
    missing = sorted(name for name, file in weight_map.items() if file not in holders.get(name, []))
    if missing:
        name = missing[0]
        findings.append(
            finding(
                "index_tensor_missing",
                variant=None if name in holders else "absent",
                count=len(missing),
                first=name,
                index_file=weight_map[name],
                files=", ".join(holders.get(name, [])),
            )
        )
    unlisted = sorted(name for name in holders if name not in weight_map)
    if unlisted:
        findings.append(finding("index_tensor_unlisted", count=len(unlisted), **first_names(unlisted)))
    total = as_int((index.get("metadata") or {}).get("total_size"))
    stored = sum(t.nbytes for header in headers.files for t in header.tensors)
    if total is not None and total != stored:
        findings.append(finding("index_total_size", total=total, stored=stored))
    return findings


def stray_weight_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
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
    return [
        finding(
            "shard_unindexed", variant="model_safetensors" if wins else None, count=len(stray), **first_names(stray)
        )
    ]
