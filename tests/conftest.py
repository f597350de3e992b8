"""Shared test fixtures: paths of the bundled skeletons and the reference report."""

from __future__ import annotations

from pathlib import Path

import pytest

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
