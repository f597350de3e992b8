"""File names a checkpoint names are confined to it; local files that are not files say what they are.

An index is data from whoever published the checkpoint: one ``weight_map`` line must not make
hubprune open a file outside the model, and no byte of a file that is not a safetensors header
may reach the user's screen.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubprune.cli import app
from hubprune.errors import UnsafeFileName
from hubprune.safetensors_header import encode_header
from hubprune.sources._layout import checked_file_name

from .conftest import LLAMA, TAYLOR

runner = CliRunner()
INDEX = "model.safetensors.index.json"
SHARD2 = "model-00002-of-00002.safetensors"
# What /etc/passwd starts with, and the number its first 8 bytes make as a header length.
PASSWD = b"root:x:0:0:root:/root:/bin/bash\n"
PASSWD_AS_LENGTH = struct.unpack("<Q", PASSWD[:8])[0]


def one_line_error(result, code: int, *needles: str) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hubprune: error: "), lines
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def taylor_with_shard2_named(tmp_path: Path, name: str) -> Path:
    """A copy of the Taylor fixture whose index names ``name`` instead of its second shard."""
    folder = tmp_path / "model"
    shutil.copytree(TAYLOR, folder)
    index = json.loads((folder / INDEX).read_text())
    index["weight_map"] = {k: (name if v == SHARD2 else v) for k, v in index["weight_map"].items()}
    (folder / INDEX).write_text(json.dumps(index))
    return folder


# (name from an index, words the error must hold, where such a name comes from)
UNSAFE_NAMES = [
    ("../../../../etc/passwd", "'..'"),  # the path traversal of a hostile repo
    ("/etc/passwd", "absolute path"),  # an index written by hand with full paths
    ("sub/../../x.safetensors", "'..'"),  # traversal hidden behind a folder
    ("..\\..\\x.safetensors", "backslash"),  # a Windows-written index
    ("%2e%2e/%2e%2e/x.safetensors", "percent-escape"),  # traversal that a URL layer would decode
    ("https://evil.example/x.safetensors", "URL"),  # a name that is a whole URL
    ("C:/models/x.safetensors", "drive"),  # a Windows absolute path
    ("x.safetensors\x00.txt", "control character"),  # NUL: truncates the name in C APIs
    ("x\u202e.safetensors", "control character"),  # right-to-left override: hides the real suffix
    ("x.safetensors?download=1", "query"),  # would change the Hub request
    ("./model.safetensors", "'.' segment"),
    ("a//b.safetensors", "empty"),
    ("", "empty"),
    ("\ud800.safetensors", "not valid Unicode"),  # a lone surrogate from a \\ud800 escape
]


@pytest.mark.parametrize(("name", "needle"), UNSAFE_NAMES)
def test_unsafe_names_are_refused_by_the_shared_rule(name: str, needle: str) -> None:
    with pytest.raises(UnsafeFileName) as error:
        checked_file_name(name)
    assert needle in error.value.problem or needle in str(error.value)


@pytest.mark.parametrize(
    "name",
    ["model-00001-of-00002.safetensors", "weights/model.safetensors", "model v2 (final).safetensors", "模型.safetensors"],
)
def test_plain_names_pass_unchanged(name: str) -> None:
    assert checked_file_name(name) == name


@pytest.mark.parametrize(("name", "needle"), UNSAFE_NAMES[:8])
def test_an_index_naming_an_unsafe_path_is_one_line_and_exit_3(tmp_path: Path, name: str, needle: str) -> None:
    folder = taylor_with_shard2_named(tmp_path, name)
    for command in ("inspect", "check"):
        one_line_error(runner.invoke(app, [command, str(folder)]), 3, INDEX, needle)


def test_an_absolute_path_to_a_real_safetensors_elsewhere_is_not_read(tmp_path: Path) -> None:
    # Before: read silently and reported as part of the model.
    elsewhere = tmp_path / "elsewhere" / SHARD2
    elsewhere.parent.mkdir()
    shutil.copy(TAYLOR / SHARD2, elsewhere)
    folder = taylor_with_shard2_named(tmp_path, str(elsewhere))
    one_line_error(runner.invoke(app, ["inspect", str(folder)]), 3, "absolute path")


def test_a_rejected_name_is_never_opened(tmp_path: Path) -> None:
    # Watched from inside the interpreter: no open() and no stat() of the named file happens.
    secret = tmp_path / "secret.txt"
    secret.write_bytes(PASSWD)
    folder = taylor_with_shard2_named(tmp_path, "../secret.txt")
    watcher = (
        "import sys, os\n"
        "seen = []\n"
        "sys.addaudithook(lambda event, args: seen.append(str(args[0])) if event in ('open', 'os.listdir') and args else None)\n"
        "from hubprune.cli import main\n"
        "sys.argv = ['hubprune', 'inspect', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "sys.stdout.write(repr([p for p in seen if 'secret.txt' in p]) + ' ' + str(code))\n"
    )
    done = subprocess.run([sys.executable, "-c", watcher, str(folder)], capture_output=True, text=True, timeout=120)
    assert done.stdout.endswith("[] 3"), (done.stdout[-500:], done.stderr[-500:])
    assert "Traceback" not in done.stderr


def test_bytes_of_a_file_that_is_not_safetensors_are_never_printed(tmp_path: Path) -> None:
    # The old message: "header length 3,475,222,254,926,655,346" is "root:x:0" read as a number.
    passwd = tmp_path / "passwd.safetensors"
    passwd.write_bytes(PASSWD)
    line = one_line_error(runner.invoke(app, ["inspect", str(passwd)]), 3, "does not start with a safetensors header")
    assert f"{PASSWD_AS_LENGTH:,}" not in line and str(PASSWD_AS_LENGTH) not in line
    # A small binary file whose first bytes make a plausible length: still not quoted.
    binary = tmp_path / "blob.safetensors"
    binary.write_bytes(struct.pack("<Q", 4242) + b"\x89PNG....")
    line = one_line_error(runner.invoke(app, ["inspect", str(binary)]), 3, "does not start with a safetensors header")
    assert "4,242" not in line and "4242" not in line


def test_a_header_longer_than_its_file_counts_the_prefix(tmp_path: Path) -> None:
    # Before: "header length 12 is larger than the file (18 bytes)" though 8 + 12 = 20 > 18.
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", 12) + b'{"a":{"dt"')
    one_line_error(runner.invoke(app, ["inspect", str(path)]), 3, "needs 20 bytes with its 8-byte prefix", "(18 bytes)")


def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.safetensors"
    shutil.copy(TAYLOR / SHARD2, outside)
    folder = tmp_path / "model"
    shutil.copytree(TAYLOR, folder)
    (folder / SHARD2).unlink()
    (folder / SHARD2).symlink_to(outside)
    one_line_error(runner.invoke(app, ["inspect", str(folder)]), 3, SHARD2, "leads outside the model folder")
    # The same for config.json, which is not a shard.
    (folder / SHARD2).unlink()
    shutil.copy(outside, folder / SHARD2)
    (folder / "config.json").rename(tmp_path / "config.json")
    (folder / "config.json").symlink_to(tmp_path / "config.json")
    one_line_error(runner.invoke(app, ["inspect", str(folder)]), 3, "config.json", "leads outside the model folder")


def test_links_within_the_folder_are_followed(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(TAYLOR, folder)
    (folder / "store").mkdir()
    (folder / SHARD2).rename(folder / "store" / "shard")
    (folder / SHARD2).symlink_to("store/shard")
    result = runner.invoke(app, ["inspect", str(folder), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["total_params"] == 4_015_140_864


def test_a_hub_cache_snapshot_may_link_into_its_blobs(tmp_path: Path) -> None:
    # The layout huggingface_hub writes: snapshots/<commit>/<file> -> ../../blobs/<sha>.
    repo = tmp_path / "models--prune-lab--taylor_only_5000"
    snapshot, blobs = repo / "snapshots" / ("a" * 40), repo / "blobs"
    snapshot.mkdir(parents=True)
    blobs.mkdir()
    for i, file in enumerate(sorted(TAYLOR.iterdir())):
        shutil.copy(file, blobs / f"blob{i}")
        (snapshot / file.name).symlink_to(Path("..", "..", "blobs", f"blob{i}"))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("a" * 40)
    result = runner.invoke(app, ["inspect", str(repo), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total_params"] == 4_015_140_864
    # But not past blobs/: a link to another repo's blob is refused.
    other = tmp_path / "models--other--repo" / "blobs"
    other.mkdir(parents=True)
    shutil.copy(TAYLOR / SHARD2, other / "x")
    (snapshot / SHARD2).unlink()
    (snapshot / SHARD2).symlink_to(other / "x")
    one_line_error(runner.invoke(app, ["inspect", str(repo)]), 3, "leads outside the model folder")


def test_a_link_loop_named_in_the_index_has_its_own_message(tmp_path: Path) -> None:
    # Before: "names 1 shard(s) that are not in <folder>".
    folder = tmp_path / "model"
    shutil.copytree(TAYLOR, folder)
    (folder / SHARD2).unlink()
    (folder / SHARD2).symlink_to(SHARD2)
    line = one_line_error(runner.invoke(app, ["inspect", str(folder)]), 3, SHARD2, "symlink loop")
    assert "not in" not in line


def test_a_fifo_named_in_the_index_has_its_own_message(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(TAYLOR, folder)
    (folder / SHARD2).unlink()
    os.mkfifo(folder / SHARD2)
    line = one_line_error(runner.invoke(app, ["inspect", str(folder)]), 3, SHARD2, "named pipe (FIFO)")
    assert "not in" not in line


def test_a_fifo_config_is_not_taken_for_no_config(tmp_path: Path) -> None:
    # Before: read as if there were no config.json at all.
    folder = tmp_path / "model"
    shutil.copytree(TAYLOR, folder)
    (folder / "config.json").unlink()
    os.mkfifo(folder / "config.json")
    one_line_error(runner.invoke(app, ["inspect", str(folder)]), 3, "config.json", "named pipe (FIFO)")


def test_a_device_is_not_told_to_download_again() -> None:
    # Before: "/dev/zero is not a regular file ... download it again or regenerate it".
    line = one_line_error(runner.invoke(app, ["inspect", "/dev/zero"]), 3, "character device")
    assert "download" not in line


def test_an_oversized_local_config_is_refused_without_reading_it(tmp_path: Path) -> None:
    # Before: a 300 MB config.json was read whole. A sparse file costs no disk here.
    folder = tmp_path / "model"
    shutil.copytree(TAYLOR, folder)
    with (folder / "config.json").open("r+b") as handle:
        handle.truncate(300_000_000)
    one_line_error(runner.invoke(app, ["inspect", str(folder)]), 3, "config.json", "larger than 10,000,000 bytes")


def test_an_oversized_local_index_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(LLAMA, folder)
    with (folder / INDEX).open("r+b") as handle:
        handle.truncate(100_000_001)
    one_line_error(runner.invoke(app, ["inspect", str(folder)]), 3, INDEX, "larger than 100,000,000 bytes")


def test_a_skeleton_header_written_by_the_encoder_still_reads(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(encode_header([("w", "F32", [4])]))
    assert runner.invoke(app, ["inspect", str(tmp_path)]).exit_code == 0


# ---------------------------------------------------------------------------------------------
# Skeletons are marked; a file cut at its header without the marker is a cut download.


def test_a_download_cut_at_its_header_is_a_check_error(tmp_path: Path) -> None:
    # Before: taken for a skeleton, check said nothing and exited 0 though the index's total_size
    # promises 16 GB. Same files as the bundled fixture, only the marker is gone.
    folder = tmp_path / "model"
    shutil.copytree(LLAMA, folder)
    (folder / "hubprune-skeleton.json").unlink()
    result = runner.invoke(app, ["check", str(folder), "--format", "json"])
    assert result.exit_code == 1, result.output
    truncated = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "file_truncated"]
    assert len(truncated) == 4 and all(f["severity"] == "error" for f in truncated)


def test_the_bundled_fixtures_are_marked_skeletons() -> None:
    result = runner.invoke(app, ["check", str(LLAMA), "--format", "json"])
    assert result.exit_code == 0 and "file_truncated" not in result.stdout


def test_skeleton_writes_the_marker_and_its_output_reads_as_a_skeleton(tmp_path: Path) -> None:
    out = tmp_path / "sk"
    assert runner.invoke(app, ["skeleton", str(TAYLOR), "-o", str(out)]).exit_code == 0
    marker = json.loads((out / "hubprune-skeleton.json").read_text())
    assert marker == {"hubprune_skeleton": 1, "header_only": sorted(p.name for p in out.glob("*.safetensors"))}
    result = runner.invoke(app, ["check", str(out), "--format", "json"])
    assert result.exit_code == 0 and "file_truncated" not in result.stdout
    # A marker that lists other files marks nothing here.
    (out / "hubprune-skeleton.json").write_text(json.dumps({"hubprune_skeleton": 1, "header_only": ["other.safetensors"]}))
    assert runner.invoke(app, ["check", str(out)]).exit_code == 1


# ---------------------------------------------------------------------------------------------
# Markdown: strings from the checkpoint are text, never markup.

HOSTILE = "<script>alert(1)</script>"


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


@pytest.mark.parametrize("command", ["inspect", "check", "compare"])
def test_markdown_escapes_every_checkpoint_string(tmp_path: Path, command: str) -> None:
    # Before: "architectures": ["<script>…"] survived into --format markdown.
    folder = tmp_path / "m`x|y*z<b>"
    shutil.copytree(TAYLOR, folder)
    config = json.loads((folder / "config.json").read_text())
    config |= {"architectures": [HOSTILE], "model_type": "<img src=x onerror=alert(1)>", "num_attention_heads": HOSTILE}
    (folder / "config.json").write_text(json.dumps(config))
    args = [command, str(folder)] if command != "compare" else [command, str(LLAMA), str(folder)]
    result = runner.invoke(app, [*args, "--format", "markdown", "--lang", "en"])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    text = result.stdout
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text  # shown, as text
    # The folder name is text too, and no "|" of it can split a table cell.
    assert "m\\`x\\|y\\*z&lt;b&gt;" in text
    for table in re.findall(r"(?:^\|.*\n)+", text, flags=re.M):
        counts = {_unescaped_pipes(line) for line in table.splitlines()}
        assert len(counts) == 1, table


# ---------------------------------------------------------------------------------------------
# Absurd config numbers: a finding naming the key, never printed in full, never written as NaN.

ABSURD = [
    ("hidden_size", 10**400, "100000... (401 digits)"),
    ("num_attention_heads", float("nan"), "NaN"),
    ("num_key_value_heads", "eight", "'eight'"),
    ("intermediate_size", -14336, "-14336"),
    ("num_hidden_layers", float("inf"), "Infinity"),
]


@pytest.mark.parametrize(("key", "value", "shown"), ABSURD)
@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html", "csv"])
def test_an_absurd_config_number_is_a_finding_naming_the_key(tmp_path: Path, key: str, value: object, shown: str, fmt: str) -> None:
    # Before: 10**400 printed in full; NaN or string head counts only gave head_dim_unknown.
    folder = tmp_path / "m"
    shutil.copytree(TAYLOR, folder)
    config = json.loads((folder / "config.json").read_text()) | {key: value}
    (folder / "config.json").write_text(json.dumps(config))  # Python's json writes NaN, Infinity
    for command in ("inspect", "check"):
        result = runner.invoke(app, [command, str(folder), "--format", fmt, "--lang", "en"])
        assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
        assert "0" * 30 not in result.stdout
    result = runner.invoke(app, ["check", str(folder), "--format", "json"])
    invalid = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "config_value_invalid"]
    assert len(invalid) == 1 and key in invalid[0]["message"] and shown in invalid[0]["message"]


def test_skeleton_never_writes_nan(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    shutil.copytree(TAYLOR, folder)
    config = json.loads((folder / "config.json").read_text()) | {"rope_theta": float("nan"), "x": [float("inf")]}
    (folder / "config.json").write_text(json.dumps(config))
    assert runner.invoke(app, ["skeleton", str(folder), "-o", str(tmp_path / "sk")]).exit_code == 0
    text = (tmp_path / "sk" / "config.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["rope_theta"] is None and json.loads(text)["x"] == [None]
