"""Shared test fixtures: paths of the bundled skeletons and the reference report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: a bounded run in the normal suite; HYPOTHESIS_PROFILE=long for a manual soak.
settings.register_profile("default-bounded", max_examples=100, deadline=None)
settings.register_profile("long", max_examples=5_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default-bounded"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
LLAMA = FIXTURES / "Llama-3-8B-Instruct"
TAYLOR = FIXTURES / "taylor_only_5000"


@pytest.fixture
def llama_dir() -> Path:
    return LLAMA


@pytest.fixture
def taylor_dir() -> Path:
    return TAYLOR


def use_hub(endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, max_tries: int = 4) -> None:
    """Point hubprune at a loopback hub: HF_ENDPOINT, an empty HF home, no token, bounded tries."""
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HUBPRUNE_MAX_TRIES", str(max_tries))
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
