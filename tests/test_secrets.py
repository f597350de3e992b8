"""A Hub token never leaves the request it authorises.

Every command runs with a token set (``--token`` and ``HF_TOKEN``), in text and JSON, on runs that
succeed and runs that fail, against the loopback ``FakeHub`` with LFS files on a second host (its
"CDN"). The token must appear nowhere: not on stdout or stderr, not in the header cache under
``HF_HOME``, not in ``-o`` outputs, not in the text of any exception the library raises. And it
is sent to the Hub only, never to the CDN host.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune.cli import app
from hubprune.errors import HubpruneError

from .conftest import FIXTURES, LLAMA, ROOT, TAYLOR, use_hub
from .hubserver import FakeHub, Repo, fixture_repos

# The token the hub accepts, and one it does not know (a token without access to the gated repo).
SECRET = "hf_SecretTokenThatMustNeverLeak0123456789"
NO_ACCESS = "hf_AnotherSecretWithoutAccess9876543210"
TOKENS = (SECRET, NO_ACCESS)

BASE = "meta-llama/Meta-Llama-3-8B-Instruct"
PRUNED = "prune-lab/taylor_only_5000"
GATED = "gated-org/gated"
PRIVATE = "secret-org/private"
MISSING = "nobody/nothing"

COMMANDS = ("inspect", "compare", "check", "skeleton")


@pytest.fixture(scope="module")
def hub():
    repos = [*fixture_repos(FIXTURES), Repo(GATED, LLAMA, gated=True), Repo(PRIVATE, TAYLOR, private=True)]
    with FakeHub(repos, tokens={SECRET}) as server:
        server.safetensors_metadata_endpoint = False  # shard by shard: LFS reads go to the CDN origin
        yield server


@pytest.fixture
def env(hub: FakeHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeHub:
    """HF_ENDPOINT at the hub, an empty HF home, no token in the environment yet, the log empty."""
    use_hub(hub.endpoint, monkeypatch, tmp_path, max_tries=2)
    hub.reset_log()
    return hub


def assert_nowhere(*texts: str | bytes) -> None:
    for text in texts:
        data = text.encode("utf-8", "replace") if isinstance(text, str) else text
        for token in TOKENS:
            assert token.encode() not in data


def assert_no_file_holds_it(*roots: Path) -> int:
    """No file under ``roots`` holds a token; returns how many files were looked at."""
    files = [path for root in roots if root.exists() for path in ([root] if root.is_file() else root.rglob("*"))]
    files = [path for path in files if path.is_file()]
    assert_nowhere(*(path.read_bytes() for path in files))
    return len(files)


def exception_texts(error: BaseException | None) -> list[str]:
    """Everything an exception could show: str, repr, args, fields, and the formatted chain."""
    if error is None:
        return []
    texts = [str(error), repr(error), *map(repr, error.args), repr(vars(error))]
    texts.append("".join(traceback.format_exception(error)))
    return texts


def assert_hub_saw_it_only_on_its_own_host(hub: FakeHub) -> None:
    hub.wait_idle()
    log = hub.log
    cdn = [entry for entry in log if entry.origin == "cdn"]
    assert not any(entry.authorization for entry in cdn)


# -- the command line --------------------------------------------------------------------------


def _args(command: str, ref: str, fmt: str, out: Path | None) -> list[str]:
    """One command line; ``compare`` puts ``ref`` second, against a public base."""
    if command == "skeleton":
        assert out is not None
        return ["skeleton", ref, "-o", str(out)]
    refs = [BASE, ref] if command == "compare" else [ref]
    extra = ["-v"] if command != "check" else []
    return [command, *refs, "-f", fmt, *extra, *(["-o", str(out)] if out else [])]


# (ref, token given, HF_HUB_OFFLINE, exit codes expected): a run that succeeds, or one that fails.
# A `check` that finds problems exits 1; it still read the model.
RUNS = [
    pytest.param(GATED, SECRET, False, {0, 1}, id="gated-with-access"),
    pytest.param(PRIVATE, SECRET, False, {0, 1}, id="private-with-access"),
    pytest.param(GATED, NO_ACCESS, False, {3}, id="gated-without-access"),
    pytest.param(PRIVATE, NO_ACCESS, False, {3}, id="private-without-access"),
    pytest.param(MISSING, SECRET, False, {3}, id="missing-repo"),
    pytest.param(f"{PRUNED}@no-such-branch", SECRET, False, {3}, id="wrong-revision"),
    pytest.param(PRUNED, SECRET, True, {3}, id="offline-cache-miss"),
]


@pytest.mark.parametrize("how", ["--token", "HF_TOKEN"])
@pytest.mark.parametrize(("ref", "token", "offline", "codes"), RUNS)
@pytest.mark.parametrize("command", COMMANDS)
def test_cli_never_shows_or_stores_the_token(
    env: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
    ref: str,
    token: str,
    offline: bool,
    codes: set[int],
    how: str,
) -> None:
    if offline:
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    if how == "HF_TOKEN":
        monkeypatch.setenv("HF_TOKEN", token)
    runner = CliRunner()
    formats = ["text"] if command == "skeleton" else ["text", "json"]
    outputs = []
    for fmt in formats:
        for to_file in (False, True):
            if command == "skeleton" and to_file:
                continue  # skeleton always writes a folder: once is enough
            out = None
            if command == "skeleton":
                out = tmp_path / "skeleton"
            elif to_file:
                out = tmp_path / f"report-{fmt}.{'json' if fmt == 'json' else 'txt'}"
            args = _args(command, ref, fmt, out)
            if how == "--token":
                args += ["--token", token]
            result = runner.invoke(app, args)
            assert result.exit_code in codes, (args, result.output, result.exception)
            if 3 in codes:
                assert result.stderr.startswith("hubprune: error: ")
            elif command != "skeleton" and out is None:
                assert result.stdout  # a report was printed: there was something to leak
            assert_nowhere(result.stdout, result.stderr, *exception_texts(result.exception))
            if out is not None:
                outputs.append(out)
    looked_at = assert_no_file_holds_it(Path(os.environ["HF_HOME"]), *outputs)
    if 3 not in codes:
        assert looked_at > 0  # the cache and the outputs were written, and searched
    assert_hub_saw_it_only_on_its_own_host(env)


def test_the_token_is_sent_to_the_hub_and_not_to_the_cdn(env: FakeHub) -> None:
    """The check above is only meaningful if the token did travel, and LFS reads did go elsewhere."""
    result = CliRunner().invoke(app, ["inspect", GATED, "--token", SECRET, "--no-cache"])
    assert result.exit_code == 0, result.output
    env.wait_idle()
    cdn = [entry for entry in env.log if entry.origin == "cdn"]
    hub_side = [entry for entry in env.log if entry.origin == "hub"]
    assert len(cdn) == 4 and not any(entry.authorization for entry in cdn)
    assert hub_side and all(entry.authorization for entry in hub_side)


@pytest.mark.parametrize(
    ("args", "token_env", "code"),
    [
        pytest.param(["inspect", GATED, "-f", "json", "-v", "--token", SECRET], None, 0, id="inspect-token-flag"),
        pytest.param(["compare", BASE, GATED, "-v"], NO_ACCESS, 3, id="compare-gated-without-access"),
    ],
)
def test_subprocess_output_holds_no_token(env: FakeHub, tmp_path: Path, args: list[str], token_env: str | None, code: int) -> None:
    """The real process: whatever logging or warnings libraries emit reaches these streams too."""
    environ = {**os.environ, "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}
    if token_env:
        environ["HF_TOKEN"] = token_env
    result = subprocess.run(
        [sys.executable, "-m", "hubprune", *args], capture_output=True, env=environ, timeout=60, cwd=tmp_path
    )
    assert result.returncode == code, result.stderr
    assert_nowhere(result.stdout, result.stderr)
    assert_no_file_holds_it(Path(os.environ["HF_HOME"]), tmp_path)


# -- the library ---------------------------------------------------------------------------------


def _calls(ref: str, token: str) -> list[tuple[str, Callable[[], Any]]]:
    return [
        ("inspect", lambda: hubprune.inspect(ref, token=token)),
        ("compare", lambda: hubprune.compare(BASE, ref, token=token)),
        ("check", lambda: hubprune.check(ref, token=token)),
        ("read_snapshot", lambda: hubprune.read_snapshot(ref, token=token)),
    ]


@pytest.mark.parametrize(("ref", "token", "offline", "codes"), RUNS)
def test_library_results_and_exceptions_hold_no_token(
    env: FakeHub, monkeypatch: pytest.MonkeyPatch, ref: str, token: str, offline: bool, codes: set[int]
) -> None:
    if offline:
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name, call in _calls(ref, token):
        try:
            value = call()
        except HubpruneError as error:
            assert 3 in codes, (name, error)
            assert_nowhere(*exception_texts(error))
        else:
            assert 3 not in codes, name
            assert_nowhere(repr(value))
            if hasattr(value, "to_json"):
                assert_nowhere(value.to_json())
    assert_no_file_holds_it(Path(os.environ["HF_HOME"]))
    assert_hub_saw_it_only_on_its_own_host(env)
