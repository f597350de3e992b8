"""Findings about a checkpoint from its headers, config, index and file listing. No I/O.

Each module holds the checks of one concern; the tuples below say which command runs which.
``inspect`` attaches ``INSPECT_CHECKS`` to every report; ``check`` (before you download) runs
``CHECK_CHECKS``, which contains them. Every check takes ``(shape, family, headers)``.
"""

from __future__ import annotations

from ..archs.schema import Family
from ..model import Finding, Snapshot, ModelShape
from ._ranges import compress_ranges
from .config import config_findings, config_value_findings, expert_findings, pruned_heads
from .content import content_findings, format_findings, pickle_only_finding
from .files import file_findings, header_findings, problem_findings, scan_findings, unreadable_header_finding
from .index import index_findings, stray_weight_findings
from .load import load_findings
from .registry import CODES, by_severity, finding

INSPECT_CHECKS = (
    file_findings, config_value_findings, config_findings, expert_findings, stray_weight_findings, format_findings,
)
CHECK_CHECKS = (*INSPECT_CHECKS, header_findings, index_findings, load_findings, content_findings)


def inspect_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """The findings every report carries."""
    return [found for check in INSPECT_CHECKS for found in check(shape, family, headers)]


def check_findings(shape: ModelShape, family: Family, headers: Snapshot) -> list[Finding]:
    """The full pre-download check: headers, index, loadability and content besides the above."""
    return [found for check in CHECK_CHECKS for found in check(shape, family, headers)]


__all__ = [
    "CHECK_CHECKS",
    "CODES",
    "INSPECT_CHECKS",
    "by_severity",
    "check_findings",
    "compress_ranges",
    "finding",
    "inspect_findings",
    "pickle_only_finding",
    "problem_findings",
    "pruned_heads",
    "scan_findings",
    "unreadable_header_finding",
]
