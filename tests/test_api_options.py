"""``ReadOptions``: one value for how every API function reads a model, or its fields as keywords."""

from __future__ import annotations

from hubprune import values as value_types
from pathlib import Path

import pytest

import hubprune
from hubprune import ReadOptions
from hubprune.errors import RevisionNotFound

from .conftest import FIXTURES, use_hub
from .hubserver import DEFAULT_TOKEN, FakeHub, fixture_repos

BASE = "meta-llama/Meta-Llama-3-8B-Instruct"
PRUNED = "prune-lab/taylor_only_5000"
TAYLOR = str(FIXTURES / "taylor_only_5000")


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    with FakeHub(fixture_repos(FIXTURES)) as server:
        use_hub(server.endpoint, monkeypatch, tmp_path)
        yield server


def test_options_and_keywords_read_the_same() -> None:
    by_value = hubprune.inspect(TAYLOR, ReadOptions(use_cache=False), context=4096)
    by_keyword = hubprune.inspect(TAYLOR, use_cache=False, context=4096)
    assert by_value.to_dict() == by_keyword.to_dict()
    assert hubprune.check(TAYLOR, ReadOptions()).to_dict() == hubprune.check(TAYLOR).to_dict()
    assert hubprune.tensors(TAYLOR, "*.23.*", ReadOptions()).to_dict() == hubprune.tensors(TAYLOR, "*.23.*").to_dict()


def test_a_misspelt_keyword_is_a_type_error_naming_it() -> None:
    for call in (
        lambda: hubprune.inspect(TAYLOR, revison="main"),
        lambda: hubprune.check(TAYLOR, revison="main"),
        lambda: hubprune.compare(TAYLOR, TAYLOR, revison="main"),
        lambda: hubprune.read_snapshot(TAYLOR, revison="main"),
    ):
        with pytest.raises(TypeError, match="revison"):
            call()


def test_options_are_frozen_and_never_show_the_token() -> None:
    options = ReadOptions(token="hf_" + "s3cret" * 4)
    with pytest.raises(value_types.FrozenInstanceError):
        options.token = None  # type: ignore[misc]
    assert "s3cret" not in repr(options) and "s3cret" not in str(options)


def test_keywords_override_the_options_they_are_given_with(hub: FakeHub) -> None:
    stale = ReadOptions(revision="v9", token=DEFAULT_TOKEN)
    with pytest.raises(RevisionNotFound) as caught:
        hubprune.inspect(PRUNED, stale)
    assert caught.value.revision == "v9"
    assert hubprune.inspect(PRUNED, stale, revision="main").shape.total_params == 4_015_140_864


def test_compare_reads_both_models_with_the_options_but_the_revision_of_each_its_own(hub: FakeHub) -> None:
    options = ReadOptions(revision="main", use_cache=False)
    with pytest.raises(RevisionNotFound) as caught:
        hubprune.compare(BASE, PRUNED, options, pruned_revision="v9")
    assert (caught.value.repo, caught.value.revision) == (PRUNED, "v9")
    with pytest.raises(RevisionNotFound) as caught:
        hubprune.compare(BASE, PRUNED, options, revision="v8")
    assert (caught.value.repo, caught.value.revision) == (BASE, "v8")
    comparison = hubprune.compare(BASE, PRUNED, options, pruned_revision="main")
    assert round(comparison.totals.decoder_pruned_pct, 2) == 57.53


def test_progress_in_the_options_hears_of_every_shard(hub: FakeHub) -> None:
    seen: list[tuple[str, int, int]] = []
    hubprune.inspect(BASE, ReadOptions(use_cache=False, progress=lambda model, done, total: seen.append((model, done, total))))
    assert seen and seen[-1] == (BASE, 4, 4) and all(model == BASE for model, _, _ in seen)
