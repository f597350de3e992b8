"""Faults of the safetensors files themselves: truncation, dtypes, holes, overlaps, alignment."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..archs.schema import Family
from ..errors import HeaderError
from ..model import Finding, Snapshot, ModelShape, TensorInfo, as_int
from ..safetensors_header import DTYPE_BITS, header_length, parse_header
from .registry import finding


def file_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """Truncated downloads, unknown dtypes, holes in the data region.

    Skeletons (files that end right after their header) are fine and not a finding.
    """
    findings: list[Finding] = []
    for header in headers.files:
        if header.is_truncated:
            findings.append(finding("file_truncated", file=header.name, size=header.file_size, full=header.full_size))
        for dtype in header.unknown_dtypes:
            findings.append(finding("unknown_dtype", file=header.name, dtype=dtype))
        if header.gaps:
            findings.append(_gap_finding(header.name, header.gaps))
    return findings


def _gap_finding(file: str, gaps: int) -> Finding:
    # The safetensors library sorts tensors by offset and requires each to start where the last
    # one ended (Metadata::validate, InvalidOffset): a hole makes the whole file unloadable.
    return finding("data_gaps", file=file, gaps=gaps)


def header_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """Alignment and trailing bytes of files the strict parser accepted (the rest is in ``file_findings``)."""
    findings: list[Finding] = []
    for header in headers.files:
        findings += alignment_findings(header.name, header.tensors, header.data_start)
        findings += [
            f for f in size_findings(header.name, header.data_start, header.data_len, header.file_size)
            if f.code == "file_trailing_bytes"  # truncation is already reported by file_findings
        ]
    return findings


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
            finding("offsets_reversed", file=file, count=len(reversed_), first=t.name, begin=t.begin, end=t.end)
        )
    wrong_size = []
    for t in tensors:
        bits = DTYPE_BITS.get(t.dtype)
        if bits is not None and t.begin <= t.end and t.numel * bits != (t.end - t.begin) * 8:
            wrong_size.append(t)
    if wrong_size:
        t = wrong_size[0]
        findings.append(
            finding(
                "tensor_size_mismatch",
                file=file,
                count=len(wrong_size),
                first=t.name,
                dtype=t.dtype,
                shape=list(t.shape),
                needed=t.numel * DTYPE_BITS[t.dtype] / 8,
                decimals=0 if t.numel * DTYPE_BITS[t.dtype] % 8 == 0 else 1,
                span=t.end - t.begin,
            )
        )
    unknown = sorted({t.dtype for t in tensors if t.dtype not in DTYPE_BITS})
    for dtype in unknown:
        findings.append(finding("unknown_dtype", file=file, dtype=dtype))
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
            finding("offsets_overlap", file=file, count=len(overlaps), first=overlaps[0].name, offset=overlaps[0].begin)
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
    return [finding("misaligned", file=file, count=len(misaligned), first=t.name, dtype=t.dtype, at=data_start + t.begin)]


def size_findings(file: str, data_start: int, data_end: int, file_size: int | None) -> list[Finding]:
    """A local file shorter than its header says (truncated) or longer (trailing bytes)."""
    if file_size is None or file_size == data_start:  # unknown size, or a header-only skeleton
        return []
    full = data_start + data_end
    if file_size < full:
        return [finding("file_truncated", file=file, size=file_size, full=full)]
    if file_size > full:
        # safetensors requires the data to end exactly at the end of the file (MetadataIncompleteBuffer).
        return [finding("file_trailing_bytes", file=file, size=file_size, full=full)]
    return []


def unreadable_header_finding(file: str, problem: str) -> Finding:
    """A header that could not be parsed at all (not JSON, wrong length, ...)."""
    return finding("header_invalid", file=file, problem=problem)


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
        dims_ok = isinstance(shape, list) and all(as_int(d) is not None and d >= 0 for d in shape)
        offsets_ok = isinstance(offsets, list) and len(offsets) == 2 and all(as_int(o) is not None and o >= 0 for o in offsets)
        if not (isinstance(dtype, str) and dims_ok and offsets_ok):
            malformed.append(name)
            continue
        tensors.append(TensorInfo(name, dtype, tuple(shape), offsets[0], offsets[1], file))
    findings = []
    if malformed:
        findings.append(finding("header_invalid", variant="malformed", file=file, count=len(malformed), first=malformed[0]))
    data_start = 8 + len(raw)
    return findings + layout_findings(file, tensors, data_start, file_size)
