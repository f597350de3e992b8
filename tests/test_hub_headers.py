"""What a Hub read makes of a file's first bytes: only a safetensors header is ever quoted, and a
file cut at its header is a skeleton only when the repo's marker says so (the local rule).

Against the loopback ``tests/hubserver.FakeHub``; files given as ``extra_files`` are served byte
for byte at their own size, as a repo that really holds them would serve them.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune.cli import app
from hubprune.sources._layout import SKELETON_MARKER, skeleton_marker

from .conftest import FIXTURES, TAYLOR, use_hub
from .hubserver import FakeHub, Repo

SINGLE = "model.safetensors"
# First bytes of files that are not safetensors but make a length under the format's cap.
NOT_HEADERS = {
    "binary": struct.pack("<Q", 4242) + b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
    "prefix only": struct.pack("<Q", 4242),
    "no brace, long": struct.pack("<Q", 300_000) + b"secret text " * 20,
}


# A sharded repo (index, then a range read per shard) and a single-file one (the speculative read).
LAYOUTS = {"sharded": TAYLOR, "single": FIXTURES / "Qwen2.5-0.5B"}


def _without_marker(tmp: Path, source: Path) -> Path:
    folder = tmp / f"{source.name}-unmarked"
    shutil.copytree(source, folder)
    (folder / SKELETON_MARKER).unlink()
    return folder


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    repos = [Repo(f"bad/{key.replace(' ', '-').replace(',', '')}", empty, extra_files={SINGLE: data}) for key, data in NOT_HEADERS.items()]
    repos.append(Repo("sharded/full", TAYLOR))
    for layout, source in LAYOUTS.items():
        unmarked = _without_marker(tmp_path, source)
        # The header-only files served verbatim (the fake Hub pads files from disk to the size
        # their header implies): what a repo uploaded from `hubprune skeleton` output holds.
        cut = {p.name: p.read_bytes() for p in source.glob("*.safetensors")}
        repos += [
            Repo(f"{layout}/marked", source, extra_files=dict(cut)),
            Repo(f"{layout}/unmarked", unmarked, extra_files=dict(cut)),
            Repo(f"{layout}/bad-marker", unmarked, extra_files={**cut, SKELETON_MARKER: b"\xff not json"}),
            Repo(f"{layout}/other-file-marked", unmarked, extra_files={**cut, SKELETON_MARKER: skeleton_marker(["x.safetensors"]).encode()}),
        ]
    with FakeHub(repos) as server:
        # Shard by shard with their sizes: the one-request metadata answer carries no file sizes,
        # so through it neither a skeleton nor a cut download can be told.
        server.safetensors_metadata_endpoint = False
        use_hub(server.endpoint, monkeypatch, tmp_path, max_tries=2)
        yield server


@pytest.mark.parametrize("key", list(NOT_HEADERS))
def test_the_first_bytes_of_a_file_that_is_not_a_header_are_never_quoted(hub: FakeHub, key: str) -> None:
    repo = f"bad/{key.replace(' ', '-').replace(',', '')}"
    (length,) = struct.unpack("<Q", NOT_HEADERS[key][:8])
    inspected = CliRunner().invoke(app, ["inspect", repo, "--no-cache"])
    lines = inspected.stderr.strip().splitlines()
    assert inspected.exit_code == 3 and len(lines) == 1, inspected.output
    # check's answer is an error finding (exit 1) with the same words.
    checked = CliRunner().invoke(app, ["check", repo, "--no-cache"])
    assert checked.exit_code == 1, checked.output
    for output in (lines[0], checked.output):
        assert "does not start with a safetensors header" in output
        assert str(length) not in output and f"{length:,}" not in output



@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_marked_skeleton_repo_is_not_a_truncated_download(hub: FakeHub, layout: str) -> None:
    shards = len(list(LAYOUTS[layout].glob("*.safetensors")))
    report = hubprune.check(f"{layout}/marked", use_cache=False)
    assert "file_truncated" not in {f.code for f in report.findings}
    assert hubprune.inspect(f"{layout}/marked", use_cache=False).shape.skeleton_files == shards
    # The same from the header cache: the marking is not lost between runs.
    hubprune.inspect(f"{layout}/marked")
    hub.reset_log()
    assert hubprune.inspect(f"{layout}/marked").shape.skeleton_files == shards


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("marker", ["unmarked", "bad-marker", "other-file-marked"])
def test_a_download_cut_at_its_header_is_truncated_without_the_marker(hub: FakeHub, layout: str, marker: str) -> None:
    repo = f"{layout}/{marker}"
    shards = len(list(LAYOUTS[layout].glob("*.safetensors")))
    report = hubprune.check(repo, use_cache=False)
    truncated = [f for f in report.findings if f.code == "file_truncated"]
    assert len(truncated) == shards and all(f.severity == "error" for f in truncated)
    result = CliRunner().invoke(app, ["check", repo, "--no-cache"])
    assert result.exit_code == 1 and "Traceback" not in result.output and "file_truncated" in result.stdout


def test_a_full_size_repo_costs_no_request_for_the_marker(hub: FakeHub) -> None:
    # Files served at the size their headers imply end after their data: no marker is asked for.
    hub.reset_log()
    assert hubprune.inspect("sharded/full", use_cache=False).shape.skeleton_files == 0
    hub.wait_idle()
    assert hub.log and not [r for r in hub.log if SKELETON_MARKER in r.path]
