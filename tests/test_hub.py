"""Reading Hub repos over HTTP, against a real loopback server that speaks the Hub's protocol.

``HF_ENDPOINT`` points at ``tests/hubserver.FakeHub``, which serves the fixture skeletons as if
they were the full multi-GB files. Nothing of hubprune is patched: what is asserted is what went
over the wire (the server's request log) and what came out.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import os
from pathlib import Path
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune.cli import app
from hubprune.errors import NetworkError
from hubprune.sources.hub import HubOptions, read_hub

from .conftest import FIXTURES, LLAMA, TAYLOR, use_hub
from .hubserver import DEFAULT_TOKEN, FakeHub, Repo, fixture_repos

BASE = "meta-llama/Meta-Llama-3-8B-Instruct"
PRUNED = "prune-lab/taylor_only_5000"
TOKEN = DEFAULT_TOKEN


def _broken_copy(tmp: Path) -> Path:
    """The pruned fixture with one shard missing: its index names a file that was never uploaded."""
    folder = tmp / "broken"
    shutil.copytree(TAYLOR, folder)
    (folder / "model-00002-of-00002.safetensors").unlink()
    return folder


@pytest.fixture  # one server per test: no test sees the traffic of the one before
def hub(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("repos")
    single = tmp / "single"
    single.mkdir()
    # A single-file repo: the last shard of the Llama skeleton under the single-file name.
    shutil.copy(LLAMA / "model-00004-of-00004.safetensors", single / "model.safetensors")
    odd = tmp / "odd"
    odd.mkdir()
    shutil.copy(LLAMA / "model-00004-of-00004.safetensors", odd / "weights.safetensors")
    repos = [
        *fixture_repos(FIXTURES),
        Repo("gated-org/gated", LLAMA, gated=True),
        Repo("secret-org/private", TAYLOR, private=True),
        Repo("pickles/only-bin", tmp / "empty", extra_files={"pytorch_model.bin": b"\x80\x04.", "config.json": b"{}"}),
        Repo("prune-lab/broken", _broken_copy(tmp)),
        Repo("small/single", single),
        Repo("mixed/with-pickles", TAYLOR, extra_files={"pytorch_model.bin": b"\x80\x04."}),
        Repo("small/unnamed", odd),
    ]
    (tmp / "empty").mkdir()
    with FakeHub(repos) as server:
        yield server


@pytest.fixture
def env(hub: FakeHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeHub:
    """HF_ENDPOINT at the fake hub, an empty HF cache home, no token, all knobs reset."""
    use_hub(hub.endpoint, monkeypatch, tmp_path, max_tries=4)
    hub.reset_knobs()
    hub.reset_log()
    return hub


def _same(a: hubprune.InspectReport, b: hubprune.InspectReport) -> None:
    keep = {"source", "name", "commit", "skeleton_files"}  # the Hub serves full-size files
    assert {k: v for k, v in a.to_dict().items() if k not in keep} == {k: v for k, v in b.to_dict().items() if k not in keep}


@pytest.mark.parametrize(("repo", "local", "shards"), [(BASE, LLAMA, 4), (PRUNED, TAYLOR, 2)])
def test_hub_read_equals_local_read_in_two_levels(env: FakeHub, repo: str, local: Path, shards: int) -> None:
    env.latency = 0.2  # a round trip long enough that a busy machine cannot blur parallel into sequential
    shape = hubprune.inspect(repo, use_cache=False).shape
    _same(shape, hubprune.inspect(str(local)).shape)
    assert shape.commit == env._repos[repo].repo.commit
    env.wait_idle()
    assert len(env.log) <= shards + 3
    assert env.levels() <= 2  # config.json's 307 and its 200, beside the one-request metadata
    # Only header bytes travel: the data of these models is 16 GB and 8 GB.
    assert env.bytes_sent < 100_000


@pytest.mark.parametrize(("repo", "local", "shards"), [(BASE, LLAMA, 4), (PRUNED, TAYLOR, 2)])
def test_without_the_metadata_answer_every_shard_is_read_at_the_commit(
    env: FakeHub, repo: str, local: Path, shards: int
) -> None:
    env.safetensors_metadata_endpoint = False  # a mirror, or an older Hub
    shape = hubprune.inspect(repo, use_cache=False).shape
    _same(shape, hubprune.inspect(str(local)).shape)
    env.wait_idle()
    log = env.log
    assert env.bytes_sent < 100_000
    # Every shard read is a bounded range read pinned to the commit the first answers named;
    # its bytes come from the CDN origin, without the token.
    redirects = [r for r in log if r.origin == "hub" and "-of-" in r.path]
    cdn = [r for r in log if r.origin == "cdn"]
    assert len(redirects) == len(cdn) == shards
    for request in redirects + cdn:
        assert request.range and request.range.startswith("bytes=0-")
        assert f"/{shape.commit}/" in unquote(request.path)


def test_compare_over_the_hub_prints_the_local_report(env: FakeHub) -> None:
    runner = CliRunner()
    remote = runner.invoke(app, ["compare", BASE, PRUNED, "--lang", "zh", "--no-cache"])
    local = runner.invoke(app, ["compare", str(LLAMA), str(TAYLOR), "--lang", "zh"])
    assert remote.exit_code == 0, remote.output
    # Same report, except the names and the commit shown for the remote models.
    strip = lambda text: [l for l in text.splitlines() if not l.startswith(("原始模型", "剪枝模型"))]
    assert strip(remote.stdout) == strip(local.stdout)
    assert f"原始模型: {BASE}" in remote.stdout


def test_single_file_repo_without_config_is_pinned_in_two_levels(env: FakeHub) -> None:
    env.latency = 0.2
    headers = read_hub("small/single", use_cache=False)
    assert [f.name for f in headers.files] == ["model.safetensors"] and "lm_head.weight" in headers.tensors
    # No config.json to name the commit: the 302 of the speculative read names it.
    assert headers.commit == env._repos["small/single"].repo.commit
    assert headers.files[0].file_size == env.file_size("small/single", "model.safetensors")
    env.wait_idle()
    # The 302 and the CDN's 206, config.json's and the endpoint's 404s, pytorch_model.bin's 404.
    assert len(env.log) == 5 and env.levels() == 2


def test_listing_for_check_rides_in_the_first_level(env: FakeHub) -> None:
    # check wants the file list (pickles beside the shards): one more request, no more levels.
    env.latency = 0.2
    headers = read_hub(BASE, use_cache=False, list_files=True)
    assert "model-00004-of-00004.safetensors" in headers.other_files and "config.json" in headers.other_files
    env.wait_idle()
    assert len(env.log) == 5 + 1 and env.levels() == 2
    # A header cache entry written without the list gets it once, at the cached commit.
    read_hub(PRUNED)
    env.wait_idle()
    env.reset_log()
    listed = read_hub(PRUNED, list_files=True)
    env.wait_idle()
    assert "model-00001-of-00002.safetensors" in listed.other_files
    assert len(env.log) == 2 and env.log[0].path.startswith("/api/models/")  # the listing,
    assert "/resolve/main/" in env.log[1].path  # then "does main still point there?"
    env.reset_log()
    assert read_hub(PRUNED, list_files=True).other_files == listed.other_files
    env.wait_idle()
    assert len(env.log) == 1  # only "does main still point there?"


def test_check_over_the_hub_sees_pickles_beside_the_shards(env: FakeHub) -> None:
    result = CliRunner().invoke(app, ["check", "mixed/with-pickles", "--format", "json", "--no-cache"])
    assert result.exit_code in (0, 1), result.output
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert "pickle_weights" in codes


def test_repo_without_index_or_single_file_is_listed(env: FakeHub) -> None:
    headers = read_hub("small/unnamed", use_cache=False)
    assert [f.name for f in headers.files] == ["weights.safetensors"]
    assert "weights.safetensors" in headers.other_files


def test_long_header_takes_a_second_read(env: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    import hubprune.sources.hub as hub_module

    monkeypatch.setattr(hub_module, "BYTES_PER_TENSOR", 1)
    monkeypatch.setattr(hub_module, "HEADER_SLACK", 0)
    env.safetensors_metadata_endpoint = False
    headers = read_hub(PRUNED, use_cache=False)
    assert len(headers.tensors) == 287  # 291 less layer 23's four attention tensors
    env.wait_idle()
    shard_reads = [r for r in env.log if r.origin == "cdn"]
    assert len(shard_reads) == 4  # each shard: a short guess, then the rest of its header
    assert any(r.range and not r.range.startswith("bytes=0-") for r in shard_reads)


def test_server_ignoring_range_costs_only_the_requested_bytes(env: FakeHub) -> None:
    env.ignore_range = True
    env.safetensors_metadata_endpoint = False
    headers = read_hub(BASE, use_cache=False)
    assert len(headers.tensors) == 291
    env.wait_idle()
    shard_reads = [r for r in env.log if r.origin == "cdn"]
    assert {r.status for r in shard_reads} == {200}
    # Each shard is ~5 GB in full; the client stops after its header. What the server managed to
    # push into socket buffers before the client hung up is all that moved.
    for request in shard_reads:
        assert request.bytes_sent < 32_000_000
    assert headers.files[0].file_size == env.file_size(BASE, "model-00001-of-00004.safetensors")


@pytest.mark.parametrize(("status", "retry_after"), [(503, None), (429, 0.2), (502, None)])
def test_flaky_server_still_gives_the_right_answer(env: FakeHub, status: int, retry_after: float | None) -> None:
    env.fail_status, env.retry_after, env.fail_next = status, retry_after, 3
    shape = hubprune.inspect(PRUNED, use_cache=False).shape
    assert shape.total_params == 4_015_140_864
    env.wait_idle()
    assert sum(r.status == status for r in env.log) == 3


def test_connection_resets_are_retried(env: FakeHub) -> None:
    env.reset_next = 2
    assert hubprune.inspect(PRUNED, use_cache=False).shape.total_params == 4_015_140_864
    env.wait_idle()
    assert sum(r.status is None for r in env.log) == 2


def test_stalled_server_times_out_with_a_message(env: FakeHub) -> None:
    env.stall_seconds = 2.0
    options = HubOptions(endpoint=env.endpoint, timeout=0.3, max_tries=2, backoff=0.01)
    with pytest.raises(NetworkError) as excinfo:
        read_hub(PRUNED, use_cache=False, options=options)
    assert "no answer within 0.3 s" in str(excinfo.value) and "after 2 tries" in str(excinfo.value)


def test_persistent_failure_gives_up_after_bounded_tries(env: FakeHub) -> None:
    env.fail_next = 1_000
    options = HubOptions(endpoint=env.endpoint, max_tries=3, backoff=0.01)
    with pytest.raises(NetworkError, match="answered 503"):
        read_hub(PRUNED, use_cache=False, options=options)
    env.wait_idle()
    assert len(env.log) <= 4 * 3  # four level-1 reads, three tries each


def test_a_single_try_is_said_in_the_singular(env: FakeHub) -> None:
    env.fail_next = 1_000
    options = HubOptions(endpoint=env.endpoint, max_tries=1, backoff=0.01)
    with pytest.raises(NetworkError) as excinfo:
        read_hub(PRUNED, use_cache=False, options=options)
    assert "answered 503 after 1 try:" in str(excinfo.value)


# (arguments, words the one-line message must hold) -- each a way a Hub read fails.
FAILURES = [
    (["inspect", "gated-org/gated"], ["gated-org/gated is gated", "accept its licence", "HF_TOKEN"]),
    (["inspect", "secret-org/private"], ["secret-org/private was not found", "private", "HF_TOKEN"]),
    (["inspect", "nobody/nothing"], ["nobody/nothing was not found"]),
    (["inspect", f"{PRUNED}@no-such-branch"], ["revision 'no-such-branch'", "does not exist"]),
    (["inspect", PRUNED, "--revision", "v9"], ["revision 'v9'"]),
    (["inspect", "prune-lab/broken"], ["model-00002-of-00002.safetensors is not in prune-lab/broken"]),
    (["inspect", "pickles/only-bin"], ["has no safetensors files", "pytorch_model.bin", "never unpickles"]),
]


@pytest.mark.parametrize(("args", "needles"), FAILURES, ids=[" ".join(a) for a, _ in FAILURES])
def test_each_failure_gives_one_line_and_exit_3(env: FakeHub, args: list[str], needles: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--no-cache"])
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hubprune: error: ")
    for needle in needles:
        assert needle in lines[0]


def test_token_opens_gated_and_private_repos_and_never_leaks(env: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    env.safetensors_metadata_endpoint = False  # shard by shard, so that LFS reads go to the CDN
    runner = CliRunner()
    gated = runner.invoke(app, ["inspect", "gated-org/gated", "--token", TOKEN, "--no-cache", "-v"])
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    private = runner.invoke(app, ["inspect", "secret-org/private", "-f", "json", "-v"])
    assert gated.exit_code == 0 and private.exit_code == 0
    for result in (gated, private):
        assert TOKEN not in result.stdout and TOKEN not in result.stderr
    env.wait_idle()
    # LFS files come from another host: the token is sent to the Hub, never to that host.
    cdn = [r for r in env.log if r.origin == "cdn"]
    hub_side = [r for r in env.log if r.origin == "hub"]
    assert cdn and not any(r.authorization for r in cdn)
    assert any(r.authorization for r in hub_side)
    cache_files = list(Path(os.environ["HF_HOME"]).rglob("*"))
    assert cache_files and all(TOKEN not in p.read_text() for p in cache_files if p.is_file())


def test_wrong_token_says_the_hub_refused_it(env: FakeHub) -> None:
    # The Hub refuses an unknown token on any repo, public ones too (401, no X-Error-Code).
    for repo in ("gated-org/gated", PRUNED):
        result = CliRunner().invoke(app, ["inspect", repo, "--token", "hf_wrong", "--no-cache"])
        assert result.exit_code == 3, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "refused the token" in lines[0] and "hf_wrong" not in lines[0]


def test_cache_makes_a_repeat_cost_one_request_or_none(env: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    first = hubprune.inspect(PRUNED).shape
    env.wait_idle()
    env.reset_log()
    again = hubprune.inspect(PRUNED).shape  # branch "main": one request to see where it points now
    env.wait_idle()
    assert len(env.log) == 1 and again == first
    env.reset_log()
    pinned = hubprune.inspect(f"{PRUNED}@{first.commit}").shape  # a commit never moves: no request
    env.wait_idle()
    assert env.log == [] and pinned.total_params == first.total_params
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = hubprune.inspect(PRUNED).shape
    assert offline.total_params == first.total_params and env.log == []


def test_offline_without_cache_says_what_to_do(env: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = CliRunner().invoke(app, ["inspect", BASE])
    assert result.exit_code == 3
    assert "not in the header cache and HF_HUB_OFFLINE is set" in result.stderr


def test_no_cache_bypasses_the_cache(env: FakeHub) -> None:
    hubprune.inspect(PRUNED).shape
    env.wait_idle()
    env.reset_log()
    hubprune.inspect(PRUNED, use_cache=False).shape
    env.wait_idle()
    assert len(env.log) == 5


def test_subprocess_compare_against_the_hub(env: FakeHub, tmp_path: Path) -> None:
    # A fresh process with telemetry on: huggingface_hub's header builder would first fetch
    # /api/agent-harnesses (a third round trip); hubprune's plan is the only traffic.
    environ = {**os.environ, "LANG": "C.UTF-8"}
    environ.pop("HF_HUB_DISABLE_TELEMETRY", None)
    env.latency = 0.2
    result = subprocess.run(
        [sys.executable, "-m", "hubprune", "compare", BASE, PRUNED, "-f", "json"],
        capture_output=True, text=True, env=environ, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["totals"]["pruned_params"] == 4_015_140_864 and data["pruned"]["commit"]
    env.wait_idle()
    # Per repo: the metadata, config.json's 307 and 200, the 404s of model.safetensors and
    # pytorch_model.bin (the speculative reads for repos without shards).
    assert len(env.log) == 5 + 5
    assert not any("agent-harnesses" in r.path for r in env.log)
    assert env.levels() == 2  # both repos are read at once
