"""References that name one weight file inside a Hub repo."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubprune.errors import UsageError
from hubprune.sources.refs import Where, locate, parse_repo_ref


@pytest.mark.parametrize(
    ("ref", "where"),
    [
        ("org/name/model-Q4_0.gguf", Where(True, "org/name", file="model-Q4_0.gguf")),
        ("hf://org/name/model-Q4_0.gguf", Where(True, "org/name", file="model-Q4_0.gguf")),
        ("org/name@v1/sub/pytorch_model.bin", Where(True, "org/name@v1", file="sub/pytorch_model.bin")),
        ("org/name/model.safetensors@main", Where(True, "org/name@main", file="model.safetensors")),
        ("org/name", Where(True, "org/name")),
        ("org/name/config.json", Where(False, "org/name/config.json")),  # not a weight file: a local path
        ("./org/name/model.gguf", Where(False, "./org/name/model.gguf")),  # written as a path
    ],
)
def test_where_a_reference_is_read(ref: str, where: Where) -> None:
    assert locate(ref) == where


def test_the_revision_of_a_named_file_is_the_repos() -> None:
    where = locate("org/name/m.gguf@v2")
    assert parse_repo_ref(where.ref).revision == "v2"
    with pytest.raises(UsageError):
        locate("org/name@v1/m.gguf@v2")


@pytest.mark.parametrize(
    "ref",
    ["org/name/../x.gguf", "hf://org/name/../../x.bin", "org/name/a/%2e%2e/x.gguf", "org/name//x.gguf", "org/name/a\\b.gguf", "org/name/./x.gguf"],
)
def test_a_name_that_leaves_the_repo_is_a_usage_error(ref: str) -> None:
    with pytest.raises(UsageError, match="names"):
        locate(ref)


def test_an_existing_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "org" / "name").mkdir(parents=True)
    (tmp_path / "org" / "name" / "m.gguf").write_bytes(b"GGUF")
    monkeypatch.chdir(tmp_path)
    assert locate("org/name/m.gguf") == Where(False, "org/name/m.gguf")
