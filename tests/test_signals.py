"""SIGINT and SIGTERM: every temporary file or folder of the run goes, an existing target stays as
it was, stderr says ``hubprune: interrupted``, and the exit code is 128 + the signal number.

Each run is a real process stopped by a real signal at a known point: the process runs hubprune
with ``os.replace`` made to announce itself (a marker file) and then wait, so the signal always
arrives while the complete temporary file or folder exists and the target is not yet replaced.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import LLAMA, TAYLOR

# Runs the CLI as the console script does, with os.replace held at the moment before the rename.
HELD_AT_RENAME = """
import os, sys, time
marker = sys.argv[1]
def held_replace(src, dst, *args, **kwargs):
    open(marker, "w").close()
    while True:
        time.sleep(1)
os.replace = held_replace
sys.argv = ["hubprune", *sys.argv[2:]]
from hubprune.cli import main
main()
"""


def run_until_rename(tmp_path: Path, *args: str) -> subprocess.Popen:
    marker = tmp_path / "at-rename"
    process = subprocess.Popen(
        [sys.executable, "-c", HELD_AT_RENAME, str(marker), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    while not marker.exists():  # a wait for an event, not a timing assumption
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode())
        time.sleep(0.01)
    marker.unlink()
    return process


def stop(process: subprocess.Popen, signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr.decode()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_report_leaves_the_old_file_and_nothing_else(tmp_path: Path, signum: int, code: int) -> None:
    # Before: SIGTERM left .report.txt.XXXX (3 of 3 runs); SIGINT exited 130 with an empty stderr.
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "report.txt").write_text("the old report\n")
    process = run_until_rename(tmp_path, "compare", str(LLAMA), str(TAYLOR), "-o", str(out_dir / "report.txt"))
    assert len(os.listdir(out_dir)) == 2  # the complete temporary file is there, about to be renamed
    returncode, stderr = stop(process, signum)
    assert (returncode, stderr) == (code, "hubprune: interrupted\n")
    assert os.listdir(out_dir) == ["report.txt"] and (out_dir / "report.txt").read_text() == "the old report\n"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_skeleton_leaves_no_folder(tmp_path: Path, signum: int, code: int) -> None:
    # Before: SIGTERM during skeleton left a partial .skeleton-XXXX folder.
    process = run_until_rename(tmp_path, "skeleton", str(LLAMA), "-o", str(tmp_path / "out" / "skeleton"))
    assert len(os.listdir(tmp_path / "out")) == 1  # the staging folder
    returncode, stderr = stop(process, signum)
    assert (returncode, stderr) == (code, "hubprune: interrupted\n")
    assert os.listdir(tmp_path / "out") == []


def test_an_interrupted_skeleton_keeps_an_existing_empty_target(tmp_path: Path) -> None:
    target = tmp_path / "skeleton"
    target.mkdir()
    process = run_until_rename(tmp_path, "skeleton", str(TAYLOR), "-o", str(target))
    returncode, stderr = stop(process, signal.SIGTERM)
    assert (returncode, stderr) == (143, "hubprune: interrupted\n")
    assert sorted(os.listdir(tmp_path)) == ["skeleton"] and os.listdir(target) == []


# The same, held when the first shard is opened for reading.
HELD_READING = """
import os, sys, time
marker = sys.argv[1]
real_open = os.open
def held_open(path, *args, **kwargs):
    if str(path).endswith(".safetensors"):
        open(marker, "w").close()
        while True:
            time.sleep(1)
    return real_open(path, *args, **kwargs)
os.open = held_open
sys.argv = ["hubprune", *sys.argv[2:]]
from hubprune.cli import main
main()
"""


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupt_while_reading_is_one_line_and_no_output_file(tmp_path: Path, signum: int, code: int) -> None:
    # Before the output exists: no report appears, and stderr is the one line.
    marker = tmp_path / "reading"
    process = subprocess.Popen(
        [sys.executable, "-c", HELD_READING, str(marker), "inspect", str(TAYLOR), "-o", str(tmp_path / "r.txt")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    while not marker.exists():
        assert process.poll() is None, process.stderr.read().decode()
        time.sleep(0.01)
    returncode, stderr = stop(process, signum)
    assert (returncode, stderr) == (code, "hubprune: interrupted\n")
    assert sorted(os.listdir(tmp_path)) == ["reading"]
