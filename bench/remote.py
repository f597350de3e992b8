"""Remote benchmark: reading both fixture repos from a loopback Hub that answers as huggingface.co.

    python bench/remote.py [--latency 0.05] [--connect-cost 0.03] [--runs 7]

Serves ``fixtures/`` with ``tests/hubserver.FakeHub`` in its default, realistic mode: two origins
(the Hub, whose ``/resolve`` answers 307 to the commit cache for small files and 302 to the CDN
origin for LFS files, and the CDN), ``--latency`` seconds slept in every request (a WAN round
trip) and ``--connect-cost`` seconds once per new connection (a TLS handshake). It times, end to
end as subprocesses (interpreter start-up included, as a user would pay it), alternating runs:

* ``hubprune compare BASE PRUNED --format json --no-cache`` (cold: no header cache);
* ``hubprune compare BASE PRUNED --format json`` with a warm header cache (one request per repo);
* huggingface_hub ``get_safetensors_metadata`` for both repos (what a user of the Hub client would
  write), through ``HF_ENDPOINT``;
* hf-mem's reading path (``hf_mem.run.run``) for both repos, when hf-mem is installed: its
  endpoint is hard-coded, so its HTTP client gets a transport that sends huggingface.co requests
  to the loopback server instead;
* the floor: the interpreter starting and exiting (``python -c pass``).

Prints a table of median wall time, CPU time (user + system of the process: what stays comparable
on a loaded machine), requests, bytes and sequential levels per tool, and ratios.

hubprune's own modules are byte-compiled first, as ``pip install`` does for an installed package
(and as it did for huggingface_hub and hf-mem): an editable checkout run with
``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module from source on every run.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hubserver import FakeHub, fixture_repos  # noqa: E402

BASE = "meta-llama/Meta-Llama-3-8B-Instruct"
PRUNED = "prune-lab/taylor_only_5000"

HF_HUB_JOB = f"""
from huggingface_hub import get_safetensors_metadata
for repo in ({BASE!r}, {PRUNED!r}):
    meta = get_safetensors_metadata(repo)
    assert sum(meta.parameter_count.values()) > 0
"""

# hf-mem builds its own httpx2.AsyncClient for https://huggingface.co; route that host to us.
HF_MEM_JOB = f"""
import os, sys, httpx2, hf_mem
run = sys.modules["hf_mem.run"]  # the package re-exports a function named run over its module
target = httpx2.URL(os.environ["HF_ENDPOINT"])
class ToLoopback(httpx2.AsyncHTTPTransport):
    async def handle_async_request(self, request):
        if request.url.host == "huggingface.co":
            request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
            request.headers["host"] = f"{{target.host}}:{{target.port}}"
        return await super().handle_async_request(request)
original = httpx2.AsyncClient
def client(*args, **kwargs):
    kwargs.pop("http2", None)
    kwargs["transport"] = ToLoopback()
    return original(*args, **kwargs)
run.httpx2.AsyncClient = client
for repo in ({BASE!r}, {PRUNED!r}):
    result = run.run(repo)
"""


def have_hf_mem() -> bool:
    try:
        import hf_mem  # noqa: F401
    except ImportError:
        return False
    return True


def jobs(cache_home: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    python = sys.executable
    cold = tempfile.mkdtemp(prefix="hf-home-")
    tools = {
        "floor (python -c pass)": ([python, "-c", "pass"], {}),
        "hubprune compare (cold)": (
            [python, "-m", "hubprune", "compare", BASE, PRUNED, "-f", "json", "--no-cache"],
            {"HF_HOME": cold},
        ),
        "hubprune compare (warm cache)": ([python, "-m", "hubprune", "compare", BASE, PRUNED, "-f", "json"], {"HF_HOME": cache_home}),
        "huggingface_hub get_safetensors_metadata": ([python, "-c", HF_HUB_JOB], {"HF_HOME": cold}),
    }
    if have_hf_mem():
        tools["hf-mem run"] = ([python, "-c", HF_MEM_JOB], {"HF_HOME": cold})
    return tools


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every request")
    parser.add_argument("--connect-cost", type=float, default=0.03, help="seconds added to every new connection")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    compileall.compile_dir(ROOT / "hubprune", quiet=1)
    cache_home = tempfile.mkdtemp(prefix="hf-home-warm-")
    results: dict[str, dict[str, list[float]]] = {}
    with FakeHub(fixture_repos(ROOT / "fixtures"), latency=args.latency, connect_cost=args.connect_cost) as hub:
        env = {**os.environ, "HF_ENDPOINT": hub.endpoint, "HF_HUB_DISABLE_TELEMETRY": "1", "LANG": "C.UTF-8"}
        env.pop("HF_TOKEN", None)
        tools = jobs(cache_home)
        # Warm the cache once, outside the measurements.
        subprocess.run(tools["hubprune compare (warm cache)"][0], env={**env, **tools["hubprune compare (warm cache)"][1]},
                       check=True, capture_output=True)
        for _ in range(args.runs):
            for name, (command, extra) in tools.items():  # alternate tools within each round
                hub.reset_log()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                done = subprocess.run(command, env={**env, **extra}, capture_output=True, text=True)
                wall = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                if done.returncode != 0:
                    print(f"{name} failed:\n{done.stderr}", file=sys.stderr)
                    return 1
                hub.wait_idle()
                row = results.setdefault(name, {"wall": [], "cpu": [], "requests": [], "bytes": [], "levels": []})
                row["wall"].append(wall)
                row["cpu"].append(cpu)
                row["requests"].append(len(hub.log))
                row["bytes"].append(hub.bytes_sent)
                row["levels"].append(hub.levels())

    ours = statistics.median(results["hubprune compare (cold)"]["wall"])
    floor = statistics.median(results["floor (python -c pass)"]["wall"])
    print(f"load average {os.getloadavg()[0]:.1f}; both fixture repos (4 + 2 shards), realistic loopback Hub (two origins), {args.latency * 1000:.0f} ms "
          f"per request, {args.connect_cost * 1000:.0f} ms per new connection, median of {args.runs} alternating runs, "
          f"{time.strftime('%Y-%m-%d')}")
    print()
    # CPU seconds of the process: on a loaded machine the wall time stretches with them.
    header = (
        f"| {'tool':<42} | {'wall (s)':>8} | {'vs hubprune cold':>16} | {'CPU (s)':>7} | {'requests':>8} "
        f"| {'levels':>6} | {'body bytes':>10} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for name, row in results.items():
        wall = statistics.median(row["wall"])
        print(
            f"| {name:<42} | {wall:8.3f} | {wall / ours:15.2f}x | {statistics.median(row['cpu']):7.3f} "
            f"| {statistics.median(row['requests']):8.0f} | "
            f"{statistics.median(row['levels']):6.0f} | {statistics.median(row['bytes']):10,.0f} |"
        )
    print()
    hf_hub = statistics.median(results["huggingface_hub get_safetensors_metadata"]["wall"])
    cpu_ours = statistics.median(results["hubprune compare (cold)"]["cpu"])
    cpu_hf_hub = statistics.median(results["huggingface_hub get_safetensors_metadata"]["cpu"])
    print(f"hubprune cold / huggingface_hub: {ours / hf_hub:.2f}x the wall time, {cpu_ours / cpu_hf_hub:.2f}x the CPU time; "
          f"hubprune cold minus the interpreter floor: {ours - floor:.3f} s "
          f"(two levels of {args.latency * 1000:.0f} ms plus connection set-up: {2 * args.latency + args.connect_cost:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
