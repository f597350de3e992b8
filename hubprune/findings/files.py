"""Faults of the weight files themselves: truncation, dtypes, holes, overlaps, alignment.

Every fault is found by the header scanner (``safetensors_header``), once; this module only turns
its problems into findings. A file the strict reader accepted carries its (non-fatal) problems; a
file it refused is scanned again by ``check``, which reports every problem it has. The size rule
(``size_problems``) is asked of every file, of any format.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..archs.schema import Family
from ..model import Finding, HeaderProblem, ModelShape, Snapshot
from ..safetensors_header import FileScan, size_problems
from .registry import CODES, finding

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .registry import Scope


def problem_findings(file: str, problems: Iterable[HeaderProblem], *, skeleton: bool = False) -> list[Finding]:
    """One finding per problem. ``skeleton``: the file is a marked header-only copy, so that a file
    ending right after its header is what it should be, not a download cut short."""
    return [
        finding(problem.code, file=file, **problem.args)
        for problem in problems
        if not (skeleton and problem.code == "file_truncated")
    ]


def _scoped(headers: Snapshot, scope: Scope) -> list[Finding]:
    findings: list[Finding] = []
    for header in headers.files:
        problems = [*header.problems, *size_problems(header.file_size, header.data_start, header.data_len)]
        problems = [p for p in problems if CODES[p.code].scope == scope]
        # ``is_truncated`` is the one rule for a cut file: cut inside the data, or cut at its
        # header without the skeleton marker listing it.
        findings += problem_findings(header.name, problems, skeleton=not header.is_truncated)
    return findings


def file_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """Truncated downloads, unknown dtypes, holes in the data region (every report)."""
    return _scoped(headers, "inspect")


def header_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """Alignment and trailing bytes of files the strict reader accepted (``check`` only)."""
    return _scoped(headers, "check")


def scan_findings(scans: Iterable[FileScan]) -> list[Finding]:
    """Every problem of files scanned leniently (``sources.local.scan_local``), each file's own."""
    findings: list[Finding] = []
    for item in scans:
        # The rule of ``HeaderFile.is_truncated``: cut at its header and listed by the marker.
        skeleton = item.marked_skeleton and item.scan.header_only
        findings += problem_findings(item.name, item.scan.problems, skeleton=skeleton)
    return findings


def unreadable_header_finding(file: str, problem: str) -> Finding:
    """A header that could not be parsed at all (not JSON, wrong length, ...)."""
    return finding("header_invalid", file=file, problem=problem)
