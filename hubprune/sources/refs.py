"""Parse what the user typed: ``org/name``, ``org/name@revision``, or a local path."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The Hub's repo-name rules: letters, digits, "-", "_", "."; no "--" or ".." ; at most 96 chars.
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][\w.-]{0,95}/)?[A-Za-z0-9][\w.-]{0,95}$")


@dataclass(frozen=True)
class RepoRef:
    repo_id: str
    revision: str | None


def is_repo_id(ref: str) -> bool:
    """``org/name`` or ``org/name@rev`` with exactly one slash.

    >>> is_repo_id("meta-llama/Meta-Llama-3-8B-Instruct@main"), is_repo_id("./model"), is_repo_id("a/b/c")
    (True, False, False)
    """
    repo = ref.split("@", 1)[0]
    if repo.count("/") != 1 or ".." in repo or "--" in repo:
        return False
    return bool(_REPO_ID.match(repo))


def parse_repo_ref(ref: str, revision: str | None = None) -> RepoRef:
    """Split ``org/name@rev``; an explicit ``revision`` argument wins over ``@rev``.

    >>> parse_repo_ref("org/name@v1.0")
    RepoRef(repo_id='org/name', revision='v1.0')
    """
    repo, _, at_rev = ref.partition("@")
    return RepoRef(repo, revision or at_rev or None)
