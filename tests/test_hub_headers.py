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

from .conftest import TAYLOR, use_hub
from .hubserver import FakeHub, Repo

SINGLE = "model.safetensors"
SHARD2 = "model-00002-of-00002.safetensors"
# First bytes of files that are not safetensors but make a length under the format's cap.
NOT_HEADERS = {
    "binary": struct.pack("<Q", 4242) + b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
    "prefix only": struct.pack("<Q", 4242),
    "no brace, long": struct.pack("<Q", 300_000) + b"secret text " * 20,
}


def _taylor_cut(tmp: Path, *, marked: bool) -> Path:
    """The pruned fixture as a repo of header-only files, with or without the skeleton marker."""
    folder = tmp / ("marked" if marked else "unmarked")
    shutil.copytree(TAYLOR, folder)
    marker = folder / SKELETON_MARKER
    if not marked:
        marker.unlink()
    return folder


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    marked, unmarked = _taylor_cut(tmp_path, marked=True), _taylor_cut(tmp_path, marked=False)
    # The fixture's header-only shards served verbatim (not padded to their full size, as the
    # fake Hub serves files from disk): what a repo uploaded by `hubprune skeleton` holds.
    shards = {n: (TAYLOR / n).read_bytes() for n in ("model-00001-of-00002.safetensors", SHARD2)}
    repos = [Repo(f"bad/{key.replace(' ', '-').replace(',', '')}", empty, extra_files={SINGLE: data}) for key, data in NOT_HEADERS.items()]
    repos += [
        Repo("skel/marked", marked, extra_files=dict(shards)),
        Repo("skel/unmarked", unmarked, extra_files=dict(shards)),
        Repo("skel/bad-marker", unmarked, extra_files={**shards, SKELETON_MARKER: b"\xff not json"}),
        Repo("skel/other-file-marked", unmarked, extra_files={**shards, SKELETON_MARKER: skeleton_marker(["x.safetensors"]).encode()}),
    ]
    with FakeHub(repos) as server:
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

