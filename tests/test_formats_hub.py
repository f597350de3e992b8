"""PyTorch and GGUF repos over the fake Hub: the same numbers as locally, in bounded range reads."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubprune.cli import app

from .conftest import FIXTURES, use_hub
from .hubserver import FakeHub, Repo

PYTORCH = FIXTURES / "pytorch"
GGUF = FIXTURES / "gguf"
PADDING = 20 * 1024 * 1024  # tensor data the reader must not fetch


def padded_zip(source: Path) -> bytes:
    """``source`` with one more 20 MB storage record, so its directory sits far from data.pkl."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as out:
        prefix = original.namelist()[0].split("/")[0]
        for info in original.infolist():
            out.writestr(info, original.read(info.filename))
        out.writestr(f"{prefix}/data/padding", bytes(PADDING))
    return buffer.getvalue()


@pytest.fixture
def hub(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    tmp = tmp_path_factory.mktemp("format-repos")
    gguf_only = tmp / "gguf"
    gguf_only.mkdir()
    shutil.copy(GGUF / "tiny-llama-q4_0.gguf", gguf_only)
    big_gguf = (GGUF / "tiny-llama-f16.gguf").read_bytes() + bytes(PADDING)
    empty = tmp / "empty"
    empty.mkdir()
    config = (PYTORCH / "tiny-llama/config.json").read_bytes()
    repos = [
        Repo("fmt/bin", PYTORCH / "tiny-llama"),
        Repo("fmt/legacy", PYTORCH / "tiny-llama-legacy"),
        Repo("fmt/sharded", PYTORCH / "tiny-llama-sharded"),
        Repo("fmt/pruner", PYTORCH / "llm-pruner"),
        Repo("fmt/gguf", gguf_only),
        Repo("fmt/split", GGUF / "tiny-llama-split"),
        Repo("fmt/big-bin", empty, extra_files={"pytorch_model.bin": padded_zip(PYTORCH / "tiny-llama/pytorch_model.bin"), "config.json": config}),
        Repo("fmt/big-gguf", empty, extra_files={"model-f16.gguf": big_gguf}),
    ]
    with FakeHub(repos) as server:
        use_hub(server.endpoint, monkeypatch, tmp_path, max_tries=4)
        yield server


def layers(source: str) -> list[tuple]:
    result = CliRunner().invoke(app, ["inspect", source, "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    return [(l["q_heads"], l["kv_heads"], l["head_dim"], l["intermediate_size"], l["params"]) for l in report["layers"]]


@pytest.mark.parametrize(
    ("repo", "local"),
    [
        ("fmt/bin", PYTORCH / "tiny-llama"),
        ("fmt/legacy", PYTORCH / "tiny-llama-legacy"),
        ("fmt/sharded", PYTORCH / "tiny-llama-sharded"),
        ("fmt/pruner", PYTORCH / "llm-pruner"),
        ("fmt/gguf", GGUF / "tiny-llama-q4_0.gguf"),
        ("fmt/split", GGUF / "tiny-llama-split"),
        ("fmt/big-bin", PYTORCH / "tiny-llama"),
        ("fmt/big-gguf", GGUF / "tiny-llama-f16.gguf"),
    ],
)
def test_hub_read_equals_local_read(hub: FakeHub, repo: str, local: Path) -> None:
    assert layers(repo) == layers(str(local))


@pytest.mark.parametrize("repo", ["fmt/big-bin", "fmt/big-gguf"])
def test_a_large_file_costs_its_metadata_only(hub: FakeHub, repo: str) -> None:
    hub.reset_log()
    layers(repo)
    hub.wait_idle()
    # 20 MB of tensor data behind a few KB of metadata: the head (and a zip's tail) only.
    assert hub.bytes_sent < 400_000, hub.bytes_sent
    weight_requests = [entry for entry in hub.log if ".bin" in entry.path or ".gguf" in entry.path]
    assert len(weight_requests) <= 2 * 2  # each read may be a redirect and its answer
