"""Parse what the user typed: ``org/name``, ``name``, ``org/name@revision``, or a local path.

``org/name/file.gguf`` (also ``.bin``, ``.pt``, ``.pth``, ``.safetensors``; ``@revision`` after
the repo or at the end) names one weight file of a Hub repo: that file is read, nothing else is
looked for. The file part obeys the same rule as every name a checkpoint gives (a plain relative
path inside the repo), checked before any request.

A reference is read from the Hub when it is written ``hf://...``, or when it is a repo id and no
such path exists. It is local when it exists, or when it is written as a path (``./org/name``,
``../x``, ``/abs``, ``~/x``). A folder that shadows a repo id is read, and the caller is told so.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple

from ..errors import UnsafeFileName, UsageError
from ._layout import checked_file_name

# The Hub's repo-name rules: letters, digits, "-", "_", "."; no "--" or ".." ; at most 96 chars.
# Ids without a namespace ("gpt2", "bert-base-uncased") are older repos the Hub still serves.
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][\w.-]{0,95}/)?[A-Za-z0-9][\w.-]{0,95}$")
HUB_PREFIX = "hf://"
# A name ending like a file hubprune reads is a missing file, not a namespace-less repo id.
_FILE_SUFFIXES = (".safetensors", ".json", ".bin", ".gguf", ".pt", ".pth", ".ckpt")
# The weight files a reference may name inside a repo, and the format each suffix gives, as the
# readers choose by it.
_FORMAT_OF_SUFFIX = {".safetensors": "safetensors", ".bin": "bin", ".gguf": "gguf", ".pt": "bin", ".pth": "bin"}
_WEIGHT_SUFFIXES = tuple(_FORMAT_OF_SUFFIX)
_PATH_PREFIXES = ("./", "../", "/", "~", ".\\", "..\\")


def file_format(name: str) -> str:
    """The weights format of a file named ``name`` (``safetensors`` for any other suffix, as the
    local reader reads it).

    >>> file_format("model-Q4_0.GGUF"), file_format("pytorch_model.bin"), file_format("model.safetensors")
    ('gguf', 'bin', 'safetensors')
    """
    lower = name.lower()
    return next((kind for suffix, kind in _FORMAT_OF_SUFFIX.items() if lower.endswith(suffix)), "safetensors")

# A full commit sha: the only revision string that may name a cache file or a pinned url.
COMMIT_RE = re.compile(r"[0-9a-f]{40}")


# Two small answers, built once per run: named tuples cost a tenth of a dataclass to define.
RepoRef = namedtuple("RepoRef", "repo_id revision")
RepoRef.__doc__ = "A Hub repo id and the revision asked for (None: the default branch)."

Where = namedtuple("Where", "hub ref shadows file", defaults=(False, None))
Where.__doc__ = """Where a reference is read from: ``ref`` is the path or the Hub reference (without hf://).

``shadows``: a local path that is also a valid repo id; ``file``: one weight file of the Hub
repo, named in the reference."""


def split_file(ref: str) -> tuple[str, str] | None:
    """``org/name[@rev]/file.gguf[@rev]`` -> (``org/name[@rev]``, ``file.gguf``); None when
    ``ref`` names no weight file inside a repo. The file part is checked like any name a
    checkpoint gives (``UnsafeFileName``), before anything is requested.

    >>> split_file("org/name/model-Q4_0.gguf"), split_file("org/name@v1/sub/x.bin"), split_file("org/name")
    (('org/name', 'model-Q4_0.gguf'), ('org/name@v1', 'sub/x.bin'), None)
    """
    parts = ref.split("/", 2)
    if len(parts) < 3 or not parts[2]:
        return None
    file, at, tail_rev = parts[2].rpartition("@") if "@" in parts[2] else (parts[2], "", "")
    if not file.lower().endswith(_WEIGHT_SUFFIXES):
        return None
    repo = "/".join(parts[:2])
    if at:
        if "@" in repo:
            raise UsageError(f"{ref} names two revisions", hint="write org/name@revision/file or org/name/file@revision")
        repo = f"{repo}@{tail_rev}"
    if not is_repo_id(repo):
        return None
    try:
        return repo, checked_file_name(file, source="the reference")
    except UnsafeFileName as error:
        raise UsageError(f"{ref} names {error.name}, which {error.problem}", hint="name a file inside the repo, like org/name/model.gguf") from None


def is_repo_id(ref: str) -> bool:
    """``org/name``, ``name`` or either with ``@rev``.

    >>> is_repo_id("meta-llama/Meta-Llama-3-8B-Instruct@main"), is_repo_id("gpt2"), is_repo_id("./model"), is_repo_id("a/b/c")
    (True, True, False, False)
    """
    repo = ref.split("@", 1)[0]
    if repo.count("/") > 1 or ".." in repo or "--" in repo:
        return False
    if "/" not in repo and repo.lower().endswith(_FILE_SUFFIXES):
        return False
    return bool(_REPO_ID.match(repo))


def locate(ref: str, revision: str | None = None) -> Where:
    """Decide between the Hub and a local path; ``--revision`` with a local path is a usage error.

    >>> locate("hf://org/name"), locate("./org/name").hub, locate("gpt2").hub
    (Where(hub=True, ref='org/name', shadows=False, file=None), False, True)
    """
    if ref.startswith(HUB_PREFIX):
        repo = ref[len(HUB_PREFIX) :]
        named = split_file(repo)
        if named is not None:
            return Where(True, named[0], file=named[1])
        if not is_repo_id(repo):
            raise UsageError(f"{ref} is not a Hub repo id", hint="write hf://org/name or hf://org/name@revision")
        return Where(True, repo)
    exists = os.path.exists(ref or ".")  # an empty path is the current folder, as for pathlib
    if not exists and not ref.startswith(_PATH_PREFIXES):
        named = split_file(ref)
        if named is not None:
            return Where(True, named[0], file=named[1])
        if is_repo_id(ref):
            return Where(True, ref)
    if revision is not None:
        raise UsageError(
            f"{{option.revision}} applies to Hub repos, and {ref} is read as a local path",
            hint=f"drop {{option.revision}}, or write hf://{ref} for the Hub repo" if is_repo_id(ref) else "drop {option.revision}",
        )
    return Where(False, ref, shadows=exists and is_repo_id(ref) and not ref.startswith(_PATH_PREFIXES))


def parse_repo_ref(ref: str, revision: str | None = None) -> RepoRef:
    """Split ``org/name@rev``; an explicit ``revision`` argument wins over ``@rev``.

    >>> parse_repo_ref("org/name@v1.0")
    RepoRef(repo_id='org/name', revision='v1.0')
    """
    if ref.startswith(HUB_PREFIX):
        ref = ref[len(HUB_PREFIX) :]
    repo, _, at_rev = ref.partition("@")
    return RepoRef(repo, revision or at_rev or None)
