"""The local reader's path text helpers answer as ``pathlib`` does."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubprune.sources.paths import inside, name_of, parent_of, pure, stem_of

TEXTS = ["", ".", "..", "/", "a", "a/", "./a", "a/./b", "a//b", "/a/b/", "a/..", "../a", "/..", "x/.hidden", "m.tar.gz", "a/b."]

# Paths of a few components, each empty, a dot, two dots, or a short name with dots in it.
_COMPONENT = st.sampled_from(["", ".", "..", "a", "b.c", ".d", "e.", "model.safetensors"])
_PATHS = st.builds(lambda lead, parts: lead + "/".join(parts), st.sampled_from(["", "/"]), st.lists(_COMPONENT, max_size=5))


def _expected(text: str) -> tuple[str, str, str, str]:
    path = PurePosixPath(text)
    return str(path), path.name, str(path.parent), path.stem


@pytest.mark.parametrize("text", TEXTS)
def test_listed_paths_read_as_pathlib_reads_them(text: str) -> None:
    assert (pure(text), name_of(text), parent_of(text), stem_of(name_of(text))) == _expected(text)


@given(_PATHS)
def test_any_path_of_these_components_reads_as_pathlib_reads_it(text: str) -> None:
    if text.startswith("//") and not text.startswith("///"):
        return  # pathlib keeps exactly two leading slashes (a POSIX quirk); os.path.realpath does not
    assert (pure(text), name_of(text), parent_of(text), stem_of(name_of(text))) == _expected(text)


@pytest.mark.parametrize(
    ("real", "root", "answer"),
    [
        ("/m/a", "/m", True),
        ("/m", "/m", True),
        ("/models/a", "/m", False),  # a prefix of the name is not a parent
        ("/m/../x", "/m", True),  # both are resolved before they are compared: text only
        ("/x", "/", True),
        ("/", "/m", False),
    ],
)
def test_inside_is_is_relative_to_for_resolved_paths(real: str, root: str, answer: bool) -> None:
    assert inside(real, root) is answer is Path(real).is_relative_to(root)


def test_a_folder_given_with_a_trailing_slash_is_named_without_it(tmp_path: Path) -> None:
    from hubprune.sources.local import read_local

    from .conftest import FIXTURES

    folder = tmp_path / "model"
    os.symlink(FIXTURES / "taylor_only_5000", folder)
    assert read_local(str(folder) + "/").display_name == read_local(str(folder)).display_name == "model"
