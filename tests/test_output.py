"""``--output``: a regular file is replaced atomically, anything else is written as a shell would.

Every failure to write is one line and exit code 2; nothing is left behind beside the target.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubprune.cli import app

from .conftest import LLAMA, TAYLOR

runner = CliRunner()
FORMATS = ["text", "markdown", "json", "html", "csv"]


def one_line_error(result, code: int, *needles: str) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hubprune: error: "), lines
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def hubprune(*args: str, unprivileged: bool = False, **kwargs) -> subprocess.CompletedProcess:
    # Root writes anywhere: "unprivileged" drops every capability, so file modes apply to it too.
    prefix = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"] if unprivileged and os.geteuid() == 0 else []
    command = [*prefix, sys.executable, "-m", "hubprune", *args]
    return subprocess.run(command, capture_output=True, timeout=120, **kwargs)


def test_a_new_report_file_is_complete_and_alone(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert runner.invoke(app, ["inspect", str(TAYLOR), "-f", "json", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text())["total_params"] == 4_015_140_864
    assert os.listdir(tmp_path) == ["report.json"]  # no temporary file left beside it


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    # Before: an existing 0600 report came back 0644.
    out = tmp_path / "report.txt"
    out.write_text("old")
    out.chmod(0o600)
    assert runner.invoke(app, ["inspect", str(TAYLOR), "-o", str(out)]).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and "taylor_only_5000" in out.read_text()


def test_a_symlink_is_written_through_to_its_target(tmp_path: Path) -> None:
    # Before: the link was replaced by a regular file and its target kept the old report.
    target = tmp_path / "reports" / "latest.txt"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert runner.invoke(app, ["inspect", str(TAYLOR), "-o", str(link)]).exit_code == 0
    assert link.is_symlink() and "taylor_only_5000" in target.read_text()
    assert sorted(os.listdir(target.parent)) == ["latest.txt"]


def device_copy(tmp_path: Path, name: str) -> Path:
    """A node of the same device as /dev/NAME, in tmp_path: a regression replaces this one, not the
    machine's own /dev/null."""
    real = os.stat(f"/dev/{name}")
    node = tmp_path / name
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, real.st_rdev)
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return node


@pytest.mark.parametrize("device", ["null", "zero"])
def test_a_device_is_written_not_replaced(tmp_path: Path, device: str) -> None:
    # Before, as root: exit 0 and the device node turned into a regular file.
    node = device_copy(tmp_path, device)
    before = os.stat(node)
    assert runner.invoke(app, ["inspect", str(TAYLOR), "-o", str(node)]).exit_code == 0
    after = os.stat(node)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and os.listdir(tmp_path) == [device]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_device_is_one_line_and_exit_2(tmp_path: Path) -> None:
    node = device_copy(tmp_path, "full")
    one_line_error(runner.invoke(app, ["inspect", str(TAYLOR), "-o", str(node)]), 2, str(node), "no space left")
    assert stat.S_ISCHR(os.stat(node).st_mode) and os.listdir(tmp_path) == ["full"]


def test_dev_stdout_writes_into_the_shells_file(tmp_path: Path) -> None:
    # `hubprune inspect M -o /dev/stdout > out.txt`: the shell's open file gets the report, and
    # that file is neither renamed over nor left with a temporary beside it.
    # /dev/stdout is a link to /proc/self/fd/1; a link of our own stands in for it, so that a
    # regression renames over a file in tmp_path and not over the machine's /dev/stdout.
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    out = tmp_path / "out.txt"
    with out.open("wb") as handle:
        inode = os.fstat(handle.fileno()).st_ino
        done = subprocess.run(
            [sys.executable, "-m", "hubprune", "inspect", str(TAYLOR), "-f", "json", "-o", str(stdout)],
            stdout=handle, stderr=subprocess.PIPE, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.stat().st_ino == inode and json.loads(out.read_text())["total_params"] == 4_015_140_864
    assert sorted(os.listdir(tmp_path)) == ["out.txt", "stdout"] and stdout.is_symlink()


def test_a_fifo_is_written_to_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    # The reader runs beside the test, so that a regression (the FIFO renamed over) fails the
    # assertions below instead of leaving the test waiting for a writer that never comes.
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    writer = hubprune("inspect", str(TAYLOR), "-f", "json", "-o", str(fifo))
    assert writer.returncode == 0, writer.stderr
    reader.join(timeout=60)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and os.listdir(tmp_path) == ["pipe"]
    assert received and json.loads(received[0])["total_params"] == 4_015_140_864


def test_a_read_only_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    # Before: a PermissionError traceback and exit 1.
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "report.txt").write_text("old")
    folder.chmod(0o555)
    done = hubprune("inspect", str(TAYLOR), "-o", str(folder / "report.txt"), unprivileged=True)
    stderr = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines() == [f"hubprune: error: cannot write {folder / 'report.txt'}: permission denied: choose another output file"]
    assert os.listdir(folder) == ["report.txt"] and (folder / "report.txt").read_text() == "old"


def test_a_missing_output_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    one_line_error(runner.invoke(app, ["inspect", str(TAYLOR), "-o", str(tmp_path / "no" / "r.txt")]), 2, "does not exist")


def test_an_output_under_a_regular_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    one_line_error(runner.invoke(app, ["inspect", str(TAYLOR), "-o", str(tmp_path / "file" / "r.txt")]), 2, "cannot write")


@pytest.mark.parametrize("fmt", FORMATS)
def test_non_utf8_file_names_never_crash_a_format(tmp_path: Path, fmt: str) -> None:
    # Before: UnicodeEncodeError ... surrogates not allowed, for every format but csv.
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/mod\xe8le-\xff"))
    shutil.copytree(TAYLOR, folder)
    shard = folder / "model-00002-of-00002.safetensors"
    odd = Path(os.fsdecode(bytes(folder) + b"/shard-\xe9.safetensors"))
    shard.rename(odd)
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    (folder / "model.safetensors.index.json").unlink()  # every *.safetensors is then read
    assert index
    for command in (["inspect", str(folder)], ["check", str(folder)], ["compare", str(LLAMA), str(folder)]):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(app, [*command, "-f", fmt, "-o", str(out)])
        assert result.exit_code in (0, 1), (command, result.output)
        assert "Traceback" not in result.output and out.stat().st_size > 0
        out.read_bytes().decode("utf-8")  # the file itself is valid UTF-8
        if fmt == "json":
            json.loads(out.read_text())
        # and on stdout too
        result = runner.invoke(app, [*command, "-f", fmt])
        assert result.exit_code in (0, 1) and "Traceback" not in result.output


def test_skeleton_into_a_read_only_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    done = hubprune("skeleton", str(TAYLOR), "-o", str(folder / "sk"), unprivileged=True)
    stderr = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert os.listdir(folder) == []
