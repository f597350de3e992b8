"""Local benchmark: a library inspect and ``hubprune inspect DIR --format json``, against the stdlib floor.

Run: ``python bench/local.py`` (``--runs N``, ``--quick`` for the small models only).

Skeletons (header-only safetensors, see DESIGN.md section 3) are generated into a temporary folder
and deleted afterwards:

* ``Llama-3.1-405B``: the published config (hidden 16384, 126 layers, 128 heads, 8 KV heads,
  intermediate 53248, vocab 128256), 1,137 BF16 tensors in 191 shards as the Hub repo has them;
* ``synthetic-*``: Llama-shaped models with tiny dimensions and 1,000 shards, at three tensor
  counts up to 200,000, to show how the cost grows with the number of tensors.

Three commands run with this interpreter, each in a fresh process every time, alternating, and the
median of the runs is reported: the library call ``hubprune.inspect(DIR)`` (what a Python caller
pays: the targets are stated for it), the command line with its JSON output (typer's start-up
and the JSON writing on top), and the floor. Wall time is measured around the process, CPU time (user + system) is the
process's own from ``os.wait4``, which a busy machine disturbs less; peak memory is that process's
own maximum resident set size. The floor is a minimal stdlib script that reads every
header with ``struct`` + ``json`` and nothing else: interpreter start-up plus the unavoidable I/O
and JSON parse.

Run it with an interpreter where hubprune is installed the way users install it (``pip install .``,
not ``pip install -e .``): an editable install puts an import hook into every process this
interpreter starts, the floor's included (about 20 ms here), which flatters every ratio. The
benchmark says which kind of install it measured.

hubprune's own modules are byte-compiled first, as ``pip install`` does for an installed package:
an editable checkout run with ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module
from source on every run (tens of milliseconds of CPU, more than the whole floor of the 405B
skeleton).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from hubprune.safetensors_header import encode_header
from hubprune.sources._layout import SKELETON_MARKER, skeleton_marker

ROOT = Path(__file__).resolve().parent.parent
# Wall-time ratios to the floor that a library inspect should stay within.
TARGET_405B = 2.5  # the Llama-3.1-405B skeleton
TARGET_LARGEST = 4.0  # the largest synthetic model (1,000 shards, 200,000 tensors)

FLOOR_SCRIPT = """\
import json, os, struct, sys
folder = sys.argv[1]
count = 0
for name in sorted(os.listdir(folder)):
    if name.endswith(".safetensors"):
        with open(os.path.join(folder, name), "rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(length))
        count += len(header) - ("__metadata__" in header)
print(count)
"""

# The library call, in a fresh interpreter like the floor: import, read every header, infer.
LIBRARY_SCRIPT = """\
import sys
import hubprune
report = hubprune.inspect(sys.argv[1])
print(report.shape.num_layers, len(report.shape.layers), report.shape.files)
"""


def _load_build():
    """``fixtures/build.py`` (not a package): its Llama tensor list and shard helpers."""
    spec = importlib.util.spec_from_file_location("fixtures_build", ROOT / "fixtures" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()

# config.json of meta-llama/Llama-3.1-405B as published.
LLAMA31_405B_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 128000,
    "eos_token_id": 128001,
    "hidden_act": "silu",
    "hidden_size": 16384,
    "initializer_range": 0.02,
    "intermediate_size": 53248,
    "max_position_embeddings": 131072,
    "mlp_bias": False,
    "model_type": "llama",
    "num_attention_heads": 128,
    "num_hidden_layers": 126,
    "num_key_value_heads": 8,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-05,
    "rope_scaling": {
        "factor": 8.0,
        "high_freq_factor": 4.0,
        "low_freq_factor": 1.0,
        "original_max_position_embeddings": 8192,
        "rope_type": "llama3",
    },
    "rope_theta": 500000.0,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.43.0.dev0",
    "use_cache": True,
    "vocab_size": 128256,
}


@dataclass(frozen=True)
class Model:
    name: str
    folder: Path
    shards: int
    tensors: int
    layers: int


def write_model(folder: Path, config: dict, tensors: list, shards: int, *, by_bytes: bool) -> None:
    """Write ``tensors`` in module order into exactly ``shards`` skeleton shards, plus index and config.

    ``by_bytes``: cut where the running byte total crosses each 1/shards of the total (how a
    fixed shard size splits a real checkpoint); else cut by tensor count (synthetic models).
    """
    folder.mkdir(parents=True)
    sizes = [build.nbytes(t) for t in tensors]
    total, start = sum(sizes), 0
    groups: list[list] = [[] for _ in range(shards)]
    for position, (tensor, size) in enumerate(zip(tensors, sizes)):
        share = start / total if by_bytes else position / len(tensors)
        groups[min(shards - 1, int(share * shards))].append(tensor)
        start += size
    assert all(groups), "a shard would be empty"
    weight_map = {}
    for number, group in enumerate(groups, start=1):
        name = f"model-{number:05d}-of-{shards:05d}.safetensors"
        # The safetensors library lays tensors out sorted by name.
        (folder / name).write_bytes(encode_header(sorted(group), {"format": "pt"}))
        weight_map.update({tensor[0]: name for tensor in group})
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    # Marked as header-only, as ``hubprune skeleton`` marks its copies: the shards read as a
    # sound checkpoint, not as a thousand downloads cut short (an error finding each).
    (folder / SKELETON_MARKER).write_text(skeleton_marker(sorted(set(weight_map.values()))), encoding="utf-8")


def llama_405b(root: Path) -> Model:
    c = LLAMA31_405B_CONFIG
    layers, head_dim = c["num_hidden_layers"], c["hidden_size"] // c["num_attention_heads"]
    groups = c["num_attention_heads"] // c["num_key_value_heads"]
    tensors = build.llama_tensors(
        c["hidden_size"], c["vocab_size"], head_dim, groups, [c["num_key_value_heads"]] * layers, [c["intermediate_size"]] * layers
    )
    folder = root / "Llama-3.1-405B"
    write_model(folder, c, tensors, 191, by_bytes=True)
    return Model("Llama-3.1-405B", folder, 191, len(tensors), layers)


def synthetic(root: Path, target_tensors: int, shards: int = 1_000) -> Model:
    """A Llama-shaped model with tiny dimensions and about ``target_tensors`` tensors."""
    hidden, heads, kv_heads, intermediate, vocab = 64, 4, 2, 128, 256
    layers = (target_tensors - 3) // 9  # 9 tensors per layer + embed, final norm, lm_head
    config = {
        **build.LLAMA3_8B_CONFIG,
        "hidden_size": hidden,
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "intermediate_size": intermediate,
        "num_hidden_layers": layers,
        "vocab_size": vocab,
    }
    tensors = build.llama_tensors(hidden, vocab, hidden // heads, heads // kv_heads, [kv_heads] * layers, [intermediate] * layers)
    name = f"synthetic-{round(len(tensors), -3) // 1000}k"
    folder = root / name
    write_model(folder, config, tensors, shards, by_bytes=False)
    return Model(name, folder, shards, len(tensors), layers)


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    peak_mb: float  # maximum resident set size of the process
    cpu: float  # user + system seconds of the process


# Peak RSS is read through GNU time, not from this process's rusage: Linux folds the memory of the
# process that forks into the child's maxrss (and RUSAGE_CHILDREN keeps the maximum over every child
# so far), so a child spawned from this benchmark would report this benchmark's own size.
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")


def run(command: list[str]) -> Run:
    """Run ``command`` once: its wall time and its own peak resident set size."""
    with tempfile.NamedTemporaryFile("r") as report, tempfile.TemporaryFile() as errors:
        launcher = [GNU_TIME, "-f", "%M", "-o", report.name] if GNU_TIME else []
        started = time.perf_counter()
        process = subprocess.Popen([*launcher, *command], stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} exited {process.returncode}:\n{errors.read().decode()[-2000:]}")
        peak_kib = int(report.read().split()[-1]) if GNU_TIME else usage.ru_maxrss
    return Run(wall, peak_kib / 1024, usage.ru_utime + usage.ru_stime)


def validate(model: Model, library_cmd: list[str], cli_cmd: list[str], floor_cmd: list[str]) -> None:
    """Every command reads the whole model: same tensor count, hubprune sees every layer."""
    report = json.loads(subprocess.run(cli_cmd, capture_output=True, text=True, check=True).stdout)
    library = subprocess.run(library_cmd, capture_output=True, text=True, check=True).stdout.split()
    floor_count = int(subprocess.run(floor_cmd, capture_output=True, text=True, check=True).stdout)
    assert floor_count == model.tensors, (floor_count, model.tensors)
    assert report["num_layers"] == model.layers and len(report["layers"]) == model.layers, report["num_layers"]
    assert report["files"] == model.shards, report["files"]
    errors = [f["code"] for f in report["findings"] if f["severity"] == "error"]
    assert not errors, errors  # a sound checkpoint, read as one
    assert library == [str(model.layers), str(model.layers), str(model.shards)], library


@dataclass(frozen=True)
class Result:
    model: Model
    library: Run
    cli: Run
    floor: Run

    def ratio(self, run: Run) -> float:
        return run.wall / self.floor.wall

    def cpu_ratio(self, run: Run) -> float:
        return run.cpu / self.floor.cpu


def measure(model: Model, runs: int, floor_script: Path) -> Result:
    library_cmd = [sys.executable, "-c", LIBRARY_SCRIPT, str(model.folder)]
    cli_cmd = [sys.executable, "-m", "hubprune", "inspect", str(model.folder), "--format", "json"]
    floor_cmd = [sys.executable, str(floor_script), str(model.folder)]
    validate(model, library_cmd, cli_cmd, floor_cmd)  # also warms the page cache and .pyc files
    library, cli, floor = [], [], []
    for _ in range(runs):  # alternating, so drift in machine load hits all alike
        library.append(run(library_cmd))
        cli.append(run(cli_cmd))
        floor.append(run(floor_cmd))

    def median(samples: list[Run]) -> Run:
        return Run(
            statistics.median(r.wall for r in samples),
            statistics.median(r.peak_mb for r in samples),
            statistics.median(r.cpu for r in samples),
        )

    return Result(model, median(library), median(cli), median(floor))


def table(results: list[Result]) -> str:
    header = (
        "| model | shards | tensors | floor | library inspect | ratio | CPU ratio | CLI `--format json` | ratio "
        "| CPU ratio | CLI peak RSS | floor peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    )
    rows = [
        f"| {r.model.name} | {r.model.shards:,} | {r.model.tensors:,} | {r.floor.wall * 1000:,.0f} ms "
        f"| {r.library.wall * 1000:,.0f} ms | {r.ratio(r.library):.2f}x | {r.cpu_ratio(r.library):.2f}x "
        f"| {r.cli.wall * 1000:,.0f} ms | {r.ratio(r.cli):.2f}x | {r.cpu_ratio(r.cli):.2f}x "
        f"| {r.cli.peak_mb:,.0f} MB | {r.floor.peak_mb:,.0f} MB |"
        for r in results
    ]
    return "\n".join([*header, *rows])


def growth(results: list[Result]) -> str:
    """Marginal cost per tensor between consecutive sizes (the library call): constant means linear growth."""
    lines = ["", "Growth with tensor count (1,000-shard models): marginal cost per 1,000 tensors"]
    slopes = []
    for small, large in zip(results, results[1:]):
        added = (large.model.tensors - small.model.tensors) / 1000
        ours = (large.library.wall - small.library.wall) / added * 1000
        floor = (large.floor.wall - small.floor.wall) / added * 1000
        memory = (large.library.peak_mb - small.library.peak_mb) / added
        slopes.append(ours)
        lines.append(
            f"  {small.model.tensors:>7,} -> {large.model.tensors:>7,} tensors: hubprune {ours:6.2f} ms, "
            f"floor {floor:6.2f} ms, hubprune memory {memory:5.2f} MB per 1,000 tensors"
        )
    if len(slopes) >= 2 and slopes[0] > 0:
        verdict = "linear" if slopes[-1] <= 1.5 * slopes[0] else "SUPERLINEAR"
        lines.append(f"  last/first marginal cost: {slopes[-1] / slopes[0]:.2f} ({verdict}: linear means about 1)")
    return "\n".join(lines)


def install_kind() -> str:
    """Where a fresh process of this interpreter imports hubprune from, and whether through an
    editable install's import hook."""
    probe = "import hubprune, sys; print(hubprune.__file__); print(any('__editable__' in m for m in sys.modules))"
    where, hooked = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split("\n")[:2]
    kind = "EDITABLE install (its import hook runs in every process, the floor's too: ratios read low)" if hooked == "True" else "no import hook"
    return f"hubprune from {Path(where).parent}: {kind}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command and model (median reported)")
    parser.add_argument("--quick", action="store_true", help="405B and the smallest synthetic model only")
    args = parser.parse_args()
    sizes = [20_000] if args.quick else [20_000, 100_000, 200_000]
    compileall.compile_dir(ROOT / "hubprune", quiet=1)
    with tempfile.TemporaryDirectory(prefix="hubprune-bench-") as temp:
        root = Path(temp)
        floor_script = root / "floor.py"
        floor_script.write_text(FLOOR_SCRIPT)
        print(f"python {sys.version.split()[0]} at {sys.executable}; {args.runs} runs each, median", file=sys.stderr)
        kind = install_kind()
        print(kind, file=sys.stderr)
        if not GNU_TIME:
            print("/usr/bin/time not found: peak RSS includes this benchmark's own memory", file=sys.stderr)
        started = time.perf_counter()
        models = [llama_405b(root), *(synthetic(root, n) for n in sizes)]
        print(f"generated {len(models)} skeleton models in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        results = []
        for model in models:
            print(f"measuring {model.name} ...", file=sys.stderr)
            results.append(measure(model, args.runs, floor_script))
    print(kind)
    print(table(results))
    print(growth(results[1:]))
    met = True
    for result, target in ((results[0], TARGET_405B), (results[-1], TARGET_LARGEST)):
        ratio = result.ratio(result.library)
        verdict = "met" if ratio <= target else "NOT met"
        met = met and ratio <= target
        print(
            f"Target: {result.model.name} library inspect within {target:g}x the floor: {ratio:.2f}x wall, "
            f"{result.cpu_ratio(result.library):.2f}x CPU, {verdict} "
            f"(the CLI with JSON output: {result.ratio(result.cli):.2f}x wall, no target)"
        )
    load = os.getloadavg()
    print(f"Load average while measuring (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    return 0 if met else 1

if __name__ == "__main__":
    sys.exit(main())
