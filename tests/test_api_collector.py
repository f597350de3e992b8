"""The library's entry points run with the cyclic garbage collector paused, as the command line
does, and leave it as they found it: running, or paused by the caller, also when they raise."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import hubprune
from hubprune.errors import HubpruneError

from .conftest import FIXTURES, use_hub
from .hubserver import FakeHub, fixture_repos

TAYLOR = str(FIXTURES / "taylor_only_5000")
LLAMA = str(FIXTURES / "Llama-3-8B-Instruct")

CALLS: dict[str, Callable[[str], object]] = {
    "inspect": hubprune.inspect,
    "check": hubprune.check,
    "tensors": hubprune.tensors,
    "read_snapshot": hubprune.read_snapshot,
    "compare": lambda ref: hubprune.compare(LLAMA, ref),
}


@pytest.fixture
def collector_state() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("enabled", [True, False], ids=["running", "paused-by-caller"])
def test_the_collector_is_left_as_it_was_found(name: str, enabled: bool, collector_state: None) -> None:
    gc.enable() if enabled else gc.disable()
    assert CALLS[name](TAYLOR) is not None
    assert gc.isenabled() is enabled


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("enabled", [True, False], ids=["running", "paused-by-caller"])
def test_the_collector_is_left_as_it_was_found_when_the_call_raises(
    name: str, enabled: bool, collector_state: None, tmp_path: Path
) -> None:
    gc.enable() if enabled else gc.disable()
    with pytest.raises(HubpruneError):
        CALLS[name](str(tmp_path / "no-such-model"))
    assert gc.isenabled() is enabled


def test_the_collector_is_paused_while_a_model_is_read(
    collector_state: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The progress callback runs inside the read, as shard headers arrive: it sees the collector's state then.
    seen: list[bool] = []
    with FakeHub(fixture_repos(FIXTURES)) as server:
        use_hub(server.endpoint, monkeypatch, tmp_path)
        gc.enable()
        report = hubprune.inspect(
            "prune-lab/taylor_only_5000", use_cache=False, progress=lambda model, done, total: seen.append(gc.isenabled())
        )
    assert report.shape.num_layers == 32
    assert seen and not any(seen)
    assert gc.isenabled()
