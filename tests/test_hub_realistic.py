"""The Hub as huggingface.co really answers: redirects, rate limits, mirrors, renamed repos, tokens.

The first part checks that the test Hub answers as the Hub does (against huggingface_hub's own
client where it has one); the rest checks hubprune against it. What is asserted is what went over
the wire (the server's log: requests, origins, levels) and what came out; no timing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import HfApi
from typer.testing import CliRunner

import hubprune
from hubprune.cli import app
from hubprune.errors import RateLimited, UnsafeFileName
from hubprune.sources.hub import HubOptions, read_hub

from .conftest import FIXTURES, LLAMA, TAYLOR, use_hub
from .hubserver import DEFAULT_TOKEN, FakeHub, LoggedRequest, Repo, fixture_repos

BASE = "meta-llama/Meta-Llama-3-8B-Instruct"
PRUNED = "prune-lab/taylor_only_5000"
OTHER_TOKEN = "hf_valid_but_not_granted"


@pytest.fixture
def hub(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("repos")
    single = tmp / "single"
    single.mkdir()
    shutil.copy(LLAMA / "model-00004-of-00004.safetensors", single / "model.safetensors")
    climbing = tmp / "climbing"
    shutil.copytree(TAYLOR, climbing)
    index = json.loads((climbing / "model.safetensors.index.json").read_text())
    # One tensor mapped to a file of another repo, the way a hostile index would name it.
    name = next(iter(index["weight_map"]))
    index["weight_map"][name] = "../../../../secret-org/private/resolve/main/model-00002-of-00002.safetensors"
    (climbing / "model.safetensors.index.json").write_text(json.dumps(index))
    repos = [
        *fixture_repos(FIXTURES),
        Repo("gpt2", single),
        Repo("gated-org/gated", LLAMA, gated=True, granted=frozenset({DEFAULT_TOKEN})),
        Repo("secret-org/private", TAYLOR, private=True),
        Repo("gone-org/disabled", TAYLOR, disabled=True),
        Repo("evil/climbing", climbing),
    ]
    with FakeHub(repos, tokens={DEFAULT_TOKEN, OTHER_TOKEN}, renames={"old-org/taylor": PRUNED}) as server:
        yield server


@pytest.fixture
def env(hub: FakeHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeHub:
    use_hub(hub.endpoint, monkeypatch, tmp_path, max_tries=3)
    hub.reset_log()
    return hub


def _run(*args: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr.strip().splitlines(), result.stdout


# -- the test Hub answers like huggingface.co ----------------------------------------------------


def test_small_files_redirect_to_the_commit_cache_with_a_relative_location(env: FakeHub) -> None:
    with httpx2.Client() as client:
        first = client.get(f"{env.endpoint}/{PRUNED}/resolve/main/config.json")
        commit = env._repos[PRUNED].repo.commit
        assert first.status_code == 307 and "X-Repo-Commit" not in first.headers
        assert first.headers["Location"].startswith(f"/api/resolve-cache/models/{PRUNED}/{commit}/config.json?")
        final = client.get(f"{env.endpoint}{first.headers['Location']}")
        assert final.status_code == 200 and final.headers["X-Repo-Commit"] == commit
        assert json.loads(final.content) == json.loads((TAYLOR / "config.json").read_bytes())


def test_lfs_files_redirect_to_a_cdn_that_refuses_tokens_and_serves_ranges(env: FakeHub) -> None:
    shard = "model-00001-of-00002.safetensors"
    with httpx2.Client() as client:
        redirect = client.get(f"{env.endpoint}/{PRUNED}/resolve/main/{shard}")
        assert redirect.status_code == 302
        assert redirect.headers["X-Linked-Size"] == str(env.file_size(PRUNED, shard))
        assert redirect.headers["X-Repo-Commit"] and redirect.headers["X-Linked-Etag"]
        location = redirect.headers["Location"]
        assert location.startswith(env.cdn_endpoint) and env.cdn_endpoint != env.endpoint
        part = client.get(location, headers={"Range": "bytes=0-7"})
        assert part.status_code == 206 and len(part.content) == 8
        assert "X-Repo-Commit" not in part.headers and "X-Linked-Size" not in part.headers
        refused = client.get(location, headers={"Range": "bytes=0-7", "Authorization": f"Bearer {DEFAULT_TOKEN}"})
        assert refused.status_code == 400


def test_auth_answers_are_the_hubs(env: FakeHub) -> None:
    with httpx2.Client() as client:
        wrong = client.get(f"{env.endpoint}/{PRUNED}/resolve/main/config.json", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "X-Error-Code" not in wrong.headers
        assert wrong.headers["X-Error-Message"] == "Invalid credentials in Authorization header"
        denied = client.get(
            f"{env.endpoint}/gated-org/gated/resolve/main/config.json", headers={"Authorization": f"Bearer {OTHER_TOKEN}"}
        )
        assert denied.status_code == 403 and denied.headers["X-Error-Code"] == "GatedRepo"
        missing = client.get(f"{env.endpoint}/nobody/nothing/resolve/main/config.json")
        assert missing.status_code == 401 and missing.headers["X-Error-Code"] == "RepoNotFound"
        disabled = client.get(f"{env.endpoint}/gone-org/disabled/resolve/main/config.json")
        assert disabled.status_code == 403 and "X-Error-Code" not in disabled.headers
        assert disabled.headers["X-Error-Message"] == "Access to this resource is disabled."


def test_renames_mirror_and_rate_limits_answer_as_the_hub(env: FakeHub) -> None:
    with httpx2.Client() as client:
        moved = client.get(f"{env.endpoint}/old-org/taylor/resolve/main/config.json")
        assert moved.status_code == 307 and moved.headers["Location"] == f"/{PRUNED}/resolve/main/config.json"
        api = client.get(f"{env.endpoint}/api/models/old-org/taylor")
        assert api.status_code == 307 and api.headers["Location"] == f"/api/models/{PRUNED}"
        mirror = client.get(f"{env.mirror_endpoint}/{PRUNED}/resolve/main/config.json")
        assert mirror.status_code == 308 and mirror.headers["Location"] == f"{env.endpoint}/{PRUNED}/resolve/main/config.json"
        env.rate_limit_next, env.rate_limit_reset = 1, 55
        limited = client.get(f"{env.endpoint}/{PRUNED}/resolve/main/config.json")
        assert limited.status_code == 429 and "Retry-After" not in limited.headers
        assert limited.headers["RateLimit"] == '"resolvers";r=0;t=55'
        assert "q=3000;w=300" in limited.headers["RateLimit-Policy"]


def test_the_one_request_metadata_endpoint_is_what_huggingface_hub_reads(env: FakeHub) -> None:
    api = HfApi(endpoint=env.endpoint, token=False)
    one = api.get_sharded_safetensors_metadata(BASE)
    env.reset_log()
    every = api.get_safetensors_metadata(BASE)
    assert one.files_metadata == every.files_metadata and one.weight_map == every.weight_map
    assert len(env.log) > 5  # the shard-by-shard way; the endpoint took one request


def test_closing_the_hub_joins_its_handler_threads(hub: FakeHub) -> None:
    hub.latency = 0.5
    with httpx2.Client() as client:
        threads = [
            threading.Thread(target=lambda: _ignore(client.get, f"{hub.endpoint}/{PRUNED}/resolve/main/config.json"))
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        while len(hub._handler_threads) < 3:
            threading.Event().wait(0.01)
        hub.close()
        assert not any(thread.is_alive() for thread in hub._handler_threads)
        for thread in threads:
            thread.join(5)


def _ignore(call, *args) -> None:
    try:
        call(*args)
    except httpx2.HTTPError:
        pass


# -- hubprune against it --------------------------------------------------------------------------


def test_cold_compare_takes_two_levels_and_a_warm_one_a_request_per_repo(env: FakeHub) -> None:
    # A round trip long enough that a loaded machine cannot blur parallel requests into sequential
    # ones; the connection cost stands for TLS.
    env.latency = 0.3
    env.connect_cost = 0.05
    comparison = hubprune.compare(BASE, PRUNED)
    assert comparison.pruned.shape.total_params == 4_015_140_864
    env.wait_idle()
    assert env.levels() <= 2
    for repo, shards in ((BASE, 4), (PRUNED, 2)):
        assert len([r for r in env.log if repo in r.path]) <= shards + 3
    assert env.bytes_sent < 100_000
    env.reset_log()
    again = hubprune.compare(BASE, PRUNED)
    assert again.pruned.shape.total_params == comparison.pruned.shape.total_params
    env.wait_idle()
    assert len(env.log) == 2 and env.levels() == 1


def test_a_rate_limit_without_retry_after_is_waited_out_and_said_once(env: FakeHub) -> None:
    env.rate_limit_next, env.rate_limit_reset = 3, 1
    notices: list[str] = []
    options = HubOptions(endpoint=env.endpoint, max_tries=1, notice=notices.append)
    headers = read_hub(PRUNED, use_cache=False, options=options)
    assert len(headers.files) == 2
    assert notices and all(n == "rate limited by the Hub, waiting 1 s" for n in notices)
    assert len(notices) <= 3
    env.wait_idle()
    limited = [r for r in env.log if r.status == 429]
    assert len(limited) == 3


def test_the_command_line_says_the_rate_limit_wait_on_stderr(env: FakeHub) -> None:
    env.rate_limit_next, env.rate_limit_reset = 1, 1
    code, lines, stdout = _run("inspect", PRUNED, "--no-cache", "-f", "json")
    assert code == 0 and json.loads(stdout)["total_params"] == 4_015_140_864
    assert lines == ["hubprune: rate limited by the Hub, waiting 1 s"]


def test_a_rate_limit_beyond_the_budget_says_so_and_what_helps(env: FakeHub) -> None:
    env.rate_limit_next, env.rate_limit_reset = 100, 300
    with pytest.raises(RateLimited) as excinfo:
        read_hub(PRUNED, use_cache=False)
    message = str(excinfo.value)
    assert "rate limited" in message and "a token" in message
    assert "resolvers limit of 3,000 requests per 300 s" in message  # from RateLimit-Policy
    env.rate_limit_next = 100
    code, lines, _ = _run("inspect", PRUNED, "--no-cache")
    assert code == 3 and len(lines) == 1 and "rate limited" in lines[0] and "token" in lines[0]


def test_a_mirror_that_moved_to_the_hub_keeps_the_token_for_hub_hosts_only(env: FakeHub) -> None:
    # The mirror answers 308 to the Hub; the Hub's origin is trusted with the token, so the
    # gated repo opens through it.
    trusted = HubOptions(endpoint=env.mirror_endpoint, hub_origins=frozenset({env.endpoint}))
    headers = read_hub("gated-org/gated", token=DEFAULT_TOKEN, use_cache=False, options=trusted)
    assert len(headers.files) == 4
    env.wait_idle()
    assert any(r.origin == "mirror" for r in env.log)
    assert all(r.authorization for r in env.log if r.origin in ("hub", "mirror"))
    assert not any(r.authorization for r in env.log if r.origin == "cdn")


def test_a_redirect_to_another_host_never_carries_the_token(env: FakeHub) -> None:
    # Through the mirror, without the Hub's origin among the trusted ones: the token stays behind.
    untrusted = HubOptions(endpoint=env.mirror_endpoint)
    headers = read_hub(PRUNED, token=DEFAULT_TOKEN, use_cache=False, options=untrusted)
    assert len(headers.files) == 2
    env.wait_idle()
    assert all(r.authorization for r in env.log if r.origin == "mirror")
    assert not any(r.authorization for r in env.log if r.origin in ("hub", "cdn"))


def test_cdn_reads_never_carry_the_token(env: FakeHub) -> None:
    env.safetensors_metadata_endpoint = False
    headers = read_hub("gated-org/gated", token=DEFAULT_TOKEN, use_cache=False)
    assert len(headers.files) == 4
    env.wait_idle()
    cdn = [r for r in env.log if r.origin == "cdn"]
    assert len(cdn) == 4 and not any(r.authorization for r in cdn)
    assert all(r.authorization for r in env.log if r.origin == "hub")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["inspect", PRUNED, "--token", "hf_wrong"], "refused the token"),
        (["inspect", "gated-org/gated", "--token", OTHER_TOKEN], "your token has no access yet"),
        (["inspect", "gone-org/disabled"], "gone-org/disabled is disabled"),
        (["inspect", "evil/climbing"], "climbs out of the model"),
    ],
)
def test_each_refusal_is_one_line_and_exit_3(env: FakeHub, args: list[str], needle: str) -> None:
    code, lines, stdout = _run(*args, "--no-cache")
    assert code == 3 and stdout == ""
    assert len(lines) == 1 and lines[0].startswith("hubprune: error: ") and needle in lines[0]


def test_an_index_naming_a_file_outside_the_repo_makes_no_request_for_it(env: FakeHub) -> None:
    env.safetensors_metadata_endpoint = False
    with pytest.raises(UnsafeFileName):
        read_hub("evil/climbing", token=DEFAULT_TOKEN, use_cache=False)
    env.wait_idle()
    assert not any("secret-org" in r.path for r in env.log)


def test_a_renamed_repo_is_read_under_its_new_name_and_said_so(env: FakeHub) -> None:
    code, lines, stdout = _run("inspect", "old-org/taylor", "--no-cache", "-f", "json")
    assert code == 0, lines
    assert json.loads(stdout)["total_params"] == 4_015_140_864
    assert lines == [f"hubprune: old-org/taylor was renamed to {PRUNED}; reading {PRUNED}"]


def test_repo_ids_without_a_namespace_are_read_from_the_hub(env: FakeHub) -> None:
    shape = hubprune.inspect("gpt2", use_cache=False).shape
    assert shape.commit == env._repos["gpt2"].repo.commit
    assert any(r.path.startswith("/gpt2/resolve/") for r in env.log)


def test_explicit_local_and_hub_references(env: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, lines, _ = _run("inspect", f"./{PRUNED}")  # a path, even though no such folder exists
    assert code == 3 and "does not exist" in lines[0]
    assert env.log == []
    shadow = tmp_path / PRUNED
    shutil.copytree(TAYLOR, shadow)
    code, lines, _ = _run("inspect", PRUNED, "-f", "json")
    assert code == 0 and any("read the local folder" in line and f"hf://{PRUNED}" in line for line in lines)
    assert env.log == []
    code, lines, _ = _run("inspect", f"hf://{PRUNED}", "--no-cache", "-f", "json")
    assert code == 0 and env.log
    code, lines, _ = _run("inspect", PRUNED, "--revision", "main")
    assert code == 2 and len(lines) == 1 and "--revision" in lines[0]


def test_when_one_side_of_compare_fails_the_other_is_abandoned(env: FakeHub) -> None:
    env.latency = 0.3
    env.safetensors_metadata_endpoint = False  # the slow side would read index, then shards
    before = {t.ident for t in threading.enumerate()}
    with pytest.raises(hubprune.errors.RepoNotFound):
        hubprune.compare(BASE, "nobody/nothing", use_cache=False)
    # Nothing keeps reading after the call: no thread of it is left, and no shard was asked for.
    server_side = {t.ident for t in env._handler_threads}
    assert {t.ident for t in threading.enumerate() if t.is_alive()} - server_side <= before
    env.wait_idle()
    assert not any("-of-" in r.path for r in env.log)


@pytest.mark.parametrize(
    ("name", "value"),
    [("HF_HUB_DOWNLOAD_TIMEOUT", "-1"), ("HF_HUB_DOWNLOAD_TIMEOUT", "nan"), ("HUBPRUNE_MAX_TRIES", "0")],
)
def test_bad_environment_values_are_usage_errors(env: FakeHub, monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    code, lines, _ = _run("inspect", PRUNED, "--no-cache")
    assert code == 2 and len(lines) == 1 and name in lines[0]
    assert env.log == []


def test_an_unusable_hf_home_is_one_warning_and_the_run_goes_on(env: FakeHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("HF_HOME", str(blocker / "hf"))  # under a regular file: nothing can be made there
    code, lines, stdout = _run("inspect", PRUNED, "-f", "json")
    assert code == 0 and json.loads(stdout)["total_params"] == 4_015_140_864
    assert len(lines) == 1 and "header cache" in lines[0] and "going on without it" in lines[0]


@pytest.mark.parametrize("where", ["saved login", "HF_TOKEN", "none"])
def test_the_token_comes_from_the_environment_or_the_saved_login(env: FakeHub, tmp_path: Path, where: str) -> None:
    # A fresh process: huggingface_hub fixes the login file's path when it is first imported.
    home = tmp_path / "home"
    home.mkdir()
    child = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH")}
    child["HF_HOME"] = str(home)
    if where == "saved login":
        (home / "token").write_text(f"{DEFAULT_TOKEN}\n")
    elif where == "HF_TOKEN":
        child["HF_TOKEN"] = f" {DEFAULT_TOKEN}\n"
    result = subprocess.run(
        [sys.executable, "-m", "hubprune", "inspect", "gated-org/gated", "--no-cache", "-f", "json"],
        capture_output=True, text=True, env=child, timeout=120,
    )
    env.wait_idle()
    if where == "none":
        assert result.returncode == 3 and "gated" in result.stderr
        assert not any(r.authorization for r in env.log)
    else:
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["total_params"] > 0
        assert all(r.authorization for r in env.log if r.origin == "hub")


def _together(a: LoggedRequest, b: LoggedRequest) -> bool:
    """Both were in flight at once: each started before the other was answered."""
    return a.t_start < (b.t_answer or b.t_end) and b.t_start < (a.t_answer or a.t_end)


def test_after_a_429_one_request_runs_at_a_time_until_one_is_answered(env: FakeHub) -> None:
    env.rate_limit_next, env.rate_limit_reset = 6, 1
    notices: list[str] = []
    headers = read_hub(PRUNED, use_cache=False, options=HubOptions(endpoint=env.endpoint, notice=notices.append))
    assert len(headers.files) == 2 and notices
    log = sorted(env.log, key=lambda e: e.t_start)
    limited = [e for e in log if e.status == 429]
    assert len(limited) == 6
    # The first level's four requests went out together, before any answer; every later one is
    # a retry or a next step, sent after a 429 had been seen.
    firsts: dict[tuple[str, str | None], LoggedRequest] = {}
    for entry in log:
        firsts.setdefault((entry.path, entry.range), entry)
    first_level = [
        e for e in firsts.values()
        if e.path.endswith(("/resolve/main/config.json", "/resolve/main/model.safetensors", "/resolve/main/pytorch_model.bin")) or "/safetensors-metadata/" in e.path
    ]
    assert len(first_level) == 4
    last = limited[-1]
    recovered = next(e for e in log if e.t_start > (last.t_answer or last.t_end) and e.status != 429)
    window = [e for e in log if e.t_start <= recovered.t_start]
    later = [e for e in window if e not in first_level]
    assert len(later) >= 3  # two retries answered 429, then the one that got through
    for i, a in enumerate(window):
        for b in window[i + 1 :]:
            assert not _together(a, b) or (a in first_level and b in first_level), (a, b)
    # And nothing started before the wait each of those 429s asked for was over.
    for entry in limited:
        if entry not in first_level:
            after = [e for e in log if e.t_start > (entry.t_answer or entry.t_end)]
            assert after and after[0].t_start - (entry.t_answer or entry.t_end) >= env.rate_limit_reset


def test_once_a_request_gets_through_the_reads_run_side_by_side_again(env: FakeHub) -> None:
    commit = read_hub(BASE, use_cache=False).commit
    assert commit
    env.reset_log()
    env.latency = 0.3  # longer than a loaded machine takes to send requests that go together
    env.rate_limit_next, env.rate_limit_reset = 3, 1  # all of the first level
    headers = read_hub(f"{BASE}@{commit}", use_cache=False, options=HubOptions(endpoint=env.endpoint, notice=lambda _: None))
    assert len(headers.files) == 4
    log = env.log
    assert len([e for e in log if e.status == 429]) == 3
    shards = [e for e in log if e.origin == "hub" and "/model-0000" in e.path and e.status != 429]
    assert len(shards) == 4
    assert any(_together(a, b) for i, a in enumerate(shards) for b in shards[i + 1 :])


def _commit_of(repo: str) -> str:
    commit = read_hub(repo, use_cache=False).commit
    assert commit
    return commit


@pytest.mark.parametrize("case", ["main, no one-request endpoint", "at a commit"])
def test_small_files_at_a_known_commit_skip_the_redirect(env: FakeHub, case: str) -> None:
    commit = _commit_of(PRUNED)
    env.reset_log()
    env.latency = 0.3
    ref = PRUNED
    if case == "at a commit":
        ref = f"{PRUNED}@{commit}"
    else:
        env.safetensors_metadata_endpoint = False
    headers = read_hub(ref, use_cache=False, options=HubOptions(endpoint=env.endpoint))
    assert headers.commit == commit and len(headers.files) == 2 and headers.config
    log = env.log
    index_reads = [e for e in log if e.path.endswith("/model.safetensors.index.json") and "/safetensors-metadata/" not in e.path]
    assert [e.path for e in index_reads] == [f"/api/resolve-cache/models/{PRUNED}/{commit}/model.safetensors.index.json"]
    assert all(e.status in (200, 206) for e in index_reads)
    if case == "at a commit":
        # config and index straight from the commit cache; the shards' 302s to the CDN remain.
        assert not [e for e in log if e.status == 307]
        assert env.levels() == 3 and len(log) == 8
    else:
        # config.json's redirect names the commit; the index (and the file list, in case the repo
        # holds other weights) is read as soon as the endpoint and the single-file read have said
        # there is nothing there, beside config.json's second hop; so are the speculative reads
        # for repos without safetensors (pytorch_model.bin in level 1, its shards' index here).
        assert env.levels() == 4 and len(log) == 12


def test_a_hub_that_serves_its_commit_cache_only_where_it_redirects_is_read_through_resolve(env: FakeHub) -> None:
    commit = _commit_of(PRUNED)
    env.reset_log()
    env.commit_cache_by_redirect_only = True
    headers = read_hub(f"{PRUNED}@{commit}", use_cache=False, options=HubOptions(endpoint=env.endpoint))
    assert headers.commit == commit and len(headers.files) == 2 and headers.config
    log = env.log
    refused = [e for e in log if e.path.startswith("/api/resolve-cache/") and e.status == 404]
    # Tried once per small file at most (the two go out together), then /resolve and its redirect.
    assert 1 <= len(refused) <= 2 and len({e.path for e in refused}) == len(refused)
    assert len([e for e in log if e.status == 307]) == 2
