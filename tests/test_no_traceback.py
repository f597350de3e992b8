"""No traceback anywhere: every command, every weight format, hostile inputs and environments.

Each row of ``CASES`` is one ``python -m hubprune`` run, as a user's shell would start it, and
what it must give: the documented exit code (README "Exit codes") and, on stderr, exactly

* ``error``: one line ``hubprune: error: ...`` (and nothing else), or
* ``quiet``: nothing at all, or
* ``note``: one line ``hubprune: ...`` that is not an error and holds the row's ``needle``: the
  only such lines a run may print are a warning that the header cache is unusable (the run goes
  on without it) and ``skeleton``'s closing "wrote N file(s)" summary;

never ``Traceback`` on either stream, and never a temporary file left beside an output. The runs
go side by side in a few processes, so the whole table costs a few seconds of wall time.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hubprune.sources._layout import INDEX_NAME

from .conftest import FIXTURES, TAYLOR
from .hubserver import FakeHub, Repo

ROOT = Path(__file__).resolve().parent.parent
GGUF = FIXTURES / "gguf" / "tiny-llama-f16.gguf"
BIN = FIXTURES / "pytorch" / "tiny-llama"
SHARD1, SHARD2 = "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
HUB_REPO = "prune-lab/taylor_only_5000"
NON_UTF8 = os.fsdecode(b"caf\xe9-\xff")  # a folder name from a Latin-1 file system


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    code: int
    stderr: str = "error"  # error | quiet | note
    needle: str = ""  # words the stderr line must hold
    env: dict[str, str] = field(default_factory=dict)
    output: str | None = None  # an -o target that must exist afterwards (with no temporary beside it)


# --- the inputs --------------------------------------------------------------------------------


def _copy(src: Path, dst: Path) -> Path:
    if src.is_dir():
        shutil.copytree(src, dst, symlinks=True)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dst)
    return dst


def _taylor(root: Path, name: str) -> Path:
    return _copy(TAYLOR, root / name)


def _index_naming(root: Path, name: str, shard: str) -> Path:
    folder = _taylor(root, name)
    index = json.loads((folder / INDEX_NAME).read_text())
    index["weight_map"] = {k: (shard if v == SHARD2 else v) for k, v in index["weight_map"].items()}
    (folder / INDEX_NAME).write_text(json.dumps(index))
    return folder


def _shard_replaced(root: Path, name: str, make) -> Path:
    folder = _taylor(root, name)
    (folder / SHARD2).unlink()
    make(folder / SHARD2)
    return folder


def _config(root: Path, name: str, text: str) -> Path:
    folder = _taylor(root, name)
    config = json.loads((folder / "config.json").read_text())
    body = json.dumps(config)[:-1] + ", " + text + "}"
    (folder / "config.json").write_text(body)
    return folder


def build_inputs(root: Path) -> dict[str, Path]:
    """Every hostile model of the table, built once under ``root``."""
    models: dict[str, Path] = {
        "safetensors": _taylor(root, "good"),
        "bin": _copy(BIN, root / "bin"),
        "gguf": _copy(GGUF, root / "gguf" / GGUF.name),
    }
    header = (TAYLOR / SHARD2).read_bytes()
    models["not-json"] = _shard_replaced(root, "not-json", lambda p: p.write_bytes(struct.pack("<Q", 8) + b"not json"))
    models["cut-header"] = _shard_replaced(root, "cut-header", lambda p: p.write_bytes(header[: len(header) // 2]))
    models["huge-length"] = _shard_replaced(root, "huge-length", lambda p: p.write_bytes(struct.pack("<Q", 2**63) + b"{}"))
    models["index-dotdot"] = _index_naming(root, "index-dotdot", "../../../../etc/passwd")
    models["index-absolute"] = _index_naming(root, "index-absolute", "/etc/passwd")
    models["symlink-loop"] = _shard_replaced(root, "symlink-loop", lambda p: p.symlink_to(p.name))
    models["fifo-shard"] = _shard_replaced(root, "fifo-shard", lambda p: os.mkfifo(p))
    models["missing-shard"] = _shard_replaced(root, "missing-shard", lambda p: None)
    models["config-nan"] = _config(root, "config-nan", '"num_attention_heads": NaN')
    models["config-huge"] = _config(root, "config-huge", '"hidden_size": 1' + "0" * 400)
    models["config-negative"] = _config(root, "config-negative", '"num_key_value_heads": -8')
    big = _taylor(root, "config-300mb")
    with (big / "config.json").open("r+b") as handle:  # sparse: 300 MB on paper, nothing on disk
        handle.truncate(300_000_000)
    models["config-300mb"] = big
    gguf = (GGUF).read_bytes()
    models["gguf-cut"] = root / "gguf-cut" / "model.gguf"
    models["gguf-cut"].parent.mkdir()
    models["gguf-cut"].write_bytes(gguf[:200])
    models["bin-garbage"] = root / "bin-garbage"
    models["bin-garbage"].mkdir()
    (models["bin-garbage"] / "pytorch_model.bin").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 20)
    models["non-utf8-folder"] = _taylor(root, NON_UTF8)
    odd = root / "non-utf8-shard"
    odd.mkdir()
    shutil.copy(FIXTURES / "Qwen2.5-0.5B" / "config.json", odd / "config.json")
    shutil.copy(FIXTURES / "Qwen2.5-0.5B" / "model.safetensors", odd / os.fsdecode(b"w\xff.safetensors"))
    models["non-utf8-shard"] = odd
    models["non-utf8-bin"] = _copy(BIN, root / os.fsdecode(b"bin-\xe9"))
    models["non-utf8-gguf"] = _copy(GGUF, root / os.fsdecode(b"gguf-\xe9") / GGUF.name)
    (root / "a-file").write_text("not a folder")
    return models


# --- the table ---------------------------------------------------------------------------------

FORMATS = ("safetensors", "bin", "gguf")
# A model that cannot be read: what each command answers (check reports a header it cannot parse
# as an error finding, exit 1; anything else it cannot read is exit 3 like every command).
BROKEN = {
    "not-json": 1,
    "cut-header": 1,
    "huge-length": 1,
    "symlink-loop": 1,
    "fifo-shard": 1,
    "index-dotdot": 3,
    "index-absolute": 3,
    "missing-shard": 3,
    "config-300mb": 3,
    "gguf-cut": 3,
    "bin-garbage": 1,  # check: only pickle weights, and unreadable ones (pickle_only)
}


def commands(model: str, root: Path, tag: str) -> list[tuple[str, tuple[str, ...]]]:
    """(name, argv) of every command that reads ``model``; outputs go under ``root``."""
    return [
        ("inspect", ("inspect", model)),
        ("tensors", ("tensors", model)),
        ("compare", ("compare", model, model)),
        ("check", ("check", model)),
        ("skeleton", ("skeleton", model, "-o", str(root / "out" / f"skeleton-{tag}"))),
    ]


def _success(command: str) -> tuple[str, str]:
    """What a successful run prints on stderr: nothing, or skeleton's one summary line."""
    return ("note", "wrote") if command == "skeleton" else ("quiet", "")


def build_cases(root: Path, models: dict[str, Path], endpoint: str) -> list[Case]:
    cases: list[Case] = []
    out = root / "out"
    for fmt in FORMATS:
        model = str(models[fmt])
        for name, args in commands(model, root, fmt):
            if fmt == "gguf" and name == "skeleton":  # refused: a GGUF has no faithful safetensors form
                cases.append(Case(f"{fmt}-{name}", args, 2, "error"))
            else:
                cases.append(Case(f"{fmt}-{name}", args, 0, *_success(name)))
            if name != "skeleton":
                cases.append(Case(f"{fmt}-{name}-dev-full", (*args, "-o", "/dev/full"), 2, needle="/dev/full"))
                cases.append(Case(f"{fmt}-{name}-under-a-file", (*args, "-o", str(root / "a-file" / "r.txt")), 2))
                cases.append(Case(f"{fmt}-{name}-read-only-dir", (*args, "-o", "/proc/hubprune-report.txt"), 2))
        cases.append(Case(f"{fmt}-skeleton-under-a-file", ("skeleton", model, "-o", str(root / "a-file" / "s")), 2))
        cases.append(Case(f"{fmt}-skeleton-read-only-dir", ("skeleton", model, "-o", "/proc/hubprune-skeleton"), 2))
        for kind in ("json", "markdown", "html", "csv", "text"):
            target = out / f"utf8-{fmt}-{kind}.out"
            source = str(models[f"non-utf8-{'folder' if fmt == 'safetensors' else fmt}"])
            cases.append(Case(f"{fmt}-non-utf8-name-{kind}", ("inspect", source, "-f", kind, "-o", str(target)), 0, "quiet", output=str(target)))
    target = out / "utf8-shard-tensors.json"
    cases.append(Case("non-utf8-shard-tensors", ("tensors", str(models["non-utf8-shard"]), "-f", "json", "-o", str(target)), 0, "quiet", output=str(target)))
    cases.append(Case("families", ("families",), 0, "quiet"))
    cases.append(Case("families-dev-full", ("families", "-o", "/dev/full"), 2))
    for bad, check_code in BROKEN.items():
        for name, args in commands(str(models[bad]), root, bad):
            answered = name == "check" and check_code == 1  # the answer is the report, on stdout
            cases.append(Case(f"{bad}-{name}", args, check_code if name == "check" else 3, "quiet" if answered else "error"))
    for bad in ("config-nan", "config-huge", "config-negative"):
        for name, args in commands(str(models[bad]), root, bad):
            cases.append(Case(f"{bad}-{name}", args, 0, *_success(name)))
    # The environment: a Hub read (the loopback Hub) and a local one, for each bad value.
    hub_env = {"HF_ENDPOINT": endpoint}
    bad_env = {
        "timeout-negative": ({"HF_HUB_DOWNLOAD_TIMEOUT": "-1"}, 2, "error", "HF_HUB_DOWNLOAD_TIMEOUT"),
        "timeout-nan": ({"HF_HUB_DOWNLOAD_TIMEOUT": "nan"}, 2, "error", "HF_HUB_DOWNLOAD_TIMEOUT"),
        "tries-zero": ({"HUBPRUNE_MAX_TRIES": "0"}, 2, "error", "HUBPRUNE_MAX_TRIES"),
        "timeout-fraction": ({"HF_HUB_DOWNLOAD_TIMEOUT": "7.5"}, 0, "quiet", ""),
        "hf-home-unwritable": ({"HF_HOME": "/proc/hubprune-hf"}, 0, "note", "header cache"),
        "hf-home-under-a-file": ({"HF_HOME": str(root / "a-file" / "hf")}, 0, "note", "header cache"),
    }
    for label, (env, code, kind, needle) in bad_env.items():
        for name, args in (("inspect", ("inspect", HUB_REPO)), ("check", ("check", HUB_REPO)), ("tensors", ("tensors", HUB_REPO))):
            cases.append(Case(f"hub-{label}-{name}", args, code, kind, needle, {**hub_env, **env}))
        cases.append(Case(f"local-{label}", ("inspect", str(models["safetensors"])), 0, "quiet", env={**hub_env, **env}))
    return cases


# --- running it --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def _run(case: Case, home: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING_FACE", "HUBPRUNE_"))}
    env.update({"HF_HOME": str(home), "HUBPRUNE_MAX_TRIES": "2", "HF_HUB_DOWNLOAD_TIMEOUT": "10", "COLUMNS": "100"})
    env.update(case.env)
    done = subprocess.run(
        [sys.executable, "-m", "hubprune", *case.args],
        capture_output=True, env=env, cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return Run(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("hostile")
    (root / "out").mkdir()
    models = build_inputs(root)
    with FakeHub([Repo(HUB_REPO, TAYLOR)]) as hub:
        cases = build_cases(root, models, hub.endpoint)
        with ThreadPoolExecutor(max_workers=4) as pool:
            runs = dict(zip((c.id for c in cases), pool.map(lambda c: _run(c, root / "hf" / c.id), cases)))
    return {c.id: c for c in cases}, runs, root


def _ids(tmp: Path = Path("/nonexistent")) -> list[str]:
    # The ids only (the endpoint and folders do not change them).
    models = {name: tmp / name for name in [*FORMATS, *BROKEN, "config-nan", "config-huge", "config-negative",
                                              "non-utf8-folder", "non-utf8-shard", "non-utf8-bin", "non-utf8-gguf"]}  # fmt: skip
    return [c.id for c in build_cases(tmp, models, "http://127.0.0.1:1")]


@pytest.mark.parametrize("case_id", _ids())
def test_one_line_a_documented_exit_and_no_traceback(table, case_id: str) -> None:
    cases, runs, root = table
    case, run = cases[case_id], runs[case_id]
    shown = f"exit {run.code}\nstderr: {run.stderr[-1500:]}\nstdout: {run.stdout[-500:]}"
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, shown
    assert run.code == case.code, shown
    lines = run.stderr.splitlines()
    if case.stderr == "quiet":
        assert lines == [], shown
    elif case.stderr == "error":
        assert len(lines) == 1 and lines[0].startswith("hubprune: error: "), shown
    else:
        assert len(lines) == 1 and lines[0].startswith("hubprune: ") and "error:" not in lines[0], shown
    assert case.needle in run.stderr, shown
    if case.output:
        target = Path(case.output)
        assert target.is_file() and target.stat().st_size > 0, shown
        assert sorted(p.name for p in target.parent.iterdir() if p.name.startswith(".")) == [], "a temporary was left behind"


# --- a reader that stops early ------------------------------------------------------------------


def _many_tensors(folder: Path) -> Path:
    """A model whose tensor listing is about a megabyte: far more than a pipe holds."""
    from hubprune.safetensors_header import encode_header

    folder.mkdir()
    tensors = [(f"model.layers.{i}.mlp.experts.{e}.up_proj.weight", "BF16", [8, 4]) for i in range(4) for e in range(3000)]
    (folder / "model.safetensors").write_bytes(encode_header(tensors))
    (folder / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}))
    return folder


def _read_a_little(args: list[str]) -> tuple[int, str]:
    """Run hubprune into a pipe whose reader takes a few bytes and hangs up (``| head -c 10``)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "hubprune", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    return process.wait(timeout=120), stderr


@pytest.mark.parametrize(
    ("args", "own_code"),
    [(["tensors"], 0), (["tensors", "-f", "json"], 0), (["check", "-f", "json"], 1), (["inspect", "-f", "csv"], 0)],
    ids=["tensors", "tensors-json", "check-json", "inspect-csv"],
)
def test_a_reader_that_stops_early_ends_the_run_quietly_with_its_own_exit_code(
    tmp_path: Path, args: list[str], own_code: int
) -> None:
    # `hubprune tensors MODEL | head -1`: the rest of the report is dropped without a word, and
    # the exit code is the command's own (check's 1 for its findings), not a write failure.
    model = str(_many_tensors(tmp_path / "many"))
    assert subprocess.run([sys.executable, "-m", "hubprune", *args, model], capture_output=True, cwd=ROOT).returncode == own_code
    for _ in range(3):
        code, stderr = _read_a_little([*args, model])
        assert (code, stderr) == (own_code, "")


def test_output_into_a_pipe_that_closes_is_one_line_and_exit_2(tmp_path: Path) -> None:
    # `-o /dev/stdout` (or a FIFO) is written directly; a reader that hangs up makes it a file
    # that cannot be written: one line, exit 2, no traceback.
    model = str(_many_tensors(tmp_path / "many"))
    code, stderr = _read_a_little(["tensors", model, "-o", "/dev/stdout"])
    lines = stderr.splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("hubprune: error: cannot write /dev/stdout"), stderr


def test_every_test_the_readme_names_exists() -> None:
    # The README backs its promises with named tests: a renamed or deleted test breaks this.
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b(test_[a-z0-9_]+)\b", readme))
    defined = {m for path in (ROOT / "tests").glob("test_*.py") for m in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M)}
    files = {Path(p).stem for p in re.findall(r"tests/(test_\w+\.py)", readme)}
    assert len(named - files) >= 10 and named - files - defined == set()
    assert {f for f in files if not (ROOT / "tests" / f"{f}.py").exists()} == set()
