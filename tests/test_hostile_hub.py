"""Reading from a Hub that breaks the protocol: lying lengths, endless bodies, loops, wrong ranges.

Each case runs against the loopback ``FakeHub`` with one hostile knob turned on. hubprune must either
give the right answer (the same headers as reading the fixture from disk) or raise a typed
``hubprune.errors`` error that the CLI turns into one line and exit code 3; it must return within a
few seconds; and the server's log must show that no request moved more bytes than hubprune asked for
(give or take what socket buffers absorb after a hang-up, when the server pushes more than asked).
"""

from __future__ import annotations

import shutil
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import httpx2
import pytest
from typer.testing import CliRunner

from hubprune.cli import app
from hubprune.errors import ConfigError, HeaderError, HubpruneError, NetworkError, RemoteError
from hubprune.model import Snapshot
from hubprune.sources.hub import MAX_CONFIG_BYTES, MAX_LISTING_BYTES, HubOptions, read_hub
from hubprune.sources.local import read_local

from .conftest import FIXTURES, TAYLOR, use_hub
from .hubserver import DEFAULT_TOKEN, FakeHub, LoggedRequest, Repo, claimed_header_file, fixture_repos

PRUNED = "prune-lab/taylor_only_5000"  # two shards + index: both request levels
SINGLE = "qwen/single"  # model.safetensors only: the speculative read is the header read
SINGLE_DIR = FIXTURES / "Qwen2.5-0.5B"
HUGE_SINGLE = "hostile/huge-single"
HUGE_SHARD = "hostile/huge-shard"
HUGE_SHARD_MAX = "hostile/huge-shard-u64max"
LISTED = "hostile/listed"  # no index, no model.safetensors: the file list comes from the API
BAD_COMMIT = "hostile/bad-commit"
LOCAL = {PRUNED: TAYLOR, SINGLE: SINGLE_DIR, LISTED: None, BAD_COMMIT: TAYLOR}

# What a server can push into loopback socket buffers before it notices the client hung up. The
# files it pretends to serve are ~5 GB (and endless bodies have no end), so this is "far below".
SOCKET_SLACK = 32_000_000
# Every call must come back within this, whatever the server does.
CALL_LIMIT = 5.0

T = TypeVar("T")


@pytest.fixture
def hub(tmp_path: Path):
    """A fresh hub per test: a hostile knob, or a hub closed to end a stuck call, never leaks."""
    huge_shard = tmp_path / "huge-shard"
    huge_shard.mkdir()
    for name in ("config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors"):
        shutil.copy(TAYLOR / name, huge_shard / name)
    config_only = tmp_path / "config-only"
    config_only.mkdir()
    shutil.copy(SINGLE_DIR / "config.json", config_only / "config.json")
    listed = tmp_path / "listed"
    listed.mkdir()
    shutil.copy(SINGLE_DIR / "config.json", listed / "config.json")
    shutil.copy(SINGLE_DIR / "model.safetensors", listed / "weights.safetensors")
    second = "model-00002-of-00002.safetensors"
    repos = [
        *fixture_repos(FIXTURES),
        Repo(SINGLE, SINGLE_DIR),
        Repo(HUGE_SINGLE, config_only, extra_files={"model.safetensors": claimed_header_file(2**63)}),
        Repo(HUGE_SHARD, huge_shard, extra_files={second: claimed_header_file(2**63)}),
        Repo(HUGE_SHARD_MAX, huge_shard, extra_files={second: claimed_header_file(2**64 - 1)}),
        Repo(LISTED, listed),
        # X-Repo-Commit is whatever the server says: here a path that climbs out of the cache.
        Repo(BAD_COMMIT, TAYLOR, commit="../../../../../escaped"),
    ]
    # Protocol breakage is served on /resolve itself (the direct mode), shard by shard: the
    # one-request metadata answer would skip the shard reads these cases break.
    with FakeHub(repos, direct=True) as server:
        server.safetensors_metadata_endpoint = False
        yield server


@pytest.fixture
def env(hub: FakeHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeHub:
    """HF_ENDPOINT at the hub, an empty HF cache home, no token, few tries and short timeouts."""
    use_hub(hub.endpoint, monkeypatch, tmp_path, max_tries=2)
    monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", "2")
    return hub


def _bounded(hub: FakeHub, call: Callable[[], T], limit: float = CALL_LIMIT) -> T:
    """Run ``call``; if it has not returned within ``limit`` seconds, close the hub (which drops every
    connection, so the call can end) and fail: hanging is the one outcome never allowed."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        hub.close()
        thread.join(5)
        pytest.fail(f"the call did not return within {limit:g} s")
    outcome["seconds"] = time.monotonic() - started
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _requested(entry: LoggedRequest) -> tuple[int, int] | None:
    """(first, last) of the request's ``Range: bytes=first-last``, None without one."""
    if not entry.range:
        return None
    first, _, last = entry.range.removeprefix("bytes=").partition("-")
    return int(first), int(last)


def _file_name(entry: LoggedRequest) -> str:
    return unquote(entry.path.rsplit("/", 1)[-1])


def assert_no_more_than_asked(hub: FakeHub, repo: str, slack: int = 0) -> None:
    """Every answer moved at most the bytes hubprune asked for (+ ``slack`` for bodies the server
    forced on it), and hubprune never asked for a safetensors file without a bounded range."""
    hub.wait_idle()
    log = hub.log
    assert log, "no request reached the hub"
    for entry in log:
        name = _file_name(entry)
        span = _requested(entry)
        if name.endswith(".safetensors"):
            assert span is not None, f"{name} was requested without a Range"
            assert span[1] - span[0] < 1_000_000, f"{name}: {entry.range} is not a header-sized read"
        if entry.status == 206 and span is not None:
            asked = span[1] - span[0] + 1
        elif entry.status == 200 and span is not None:  # range ignored: everything up to its end
            asked = span[1] + 1
        elif entry.status == 200 and "/resolve/" in entry.path:
            asked = hub.file_size(repo, name)
        else:  # API answers, errors and redirects: small bodies the server chose
            asked = 100_000
        assert entry.bytes_sent <= asked + slack, (entry, asked, slack)


def assert_right_answer(headers: Snapshot, repo: str) -> None:
    """The same names, dtypes, shapes, offsets, config and index as reading the fixture from disk."""
    local = read_local(str(LOCAL[repo])) if LOCAL[repo] else read_local(str(SINGLE_DIR / "model.safetensors"))
    assert headers.tensors == local.tensors
    if LOCAL[repo]:
        assert headers.config == local.config and headers.index == local.index


@dataclass(frozen=True)
class Case:
    id: str
    knobs: dict[str, Any]
    repo: str = PRUNED
    error: type[HubpruneError] | None = None  # None: the right answer is expected
    needle: str = ""  # words the error message must hold
    slack: int = 0
    timeout: float = 2.0
    monkey: dict[str, Any] = field(default_factory=dict)  # hub module constants to patch
    # For a right answer: what in the log proves the knob was live (else the case proves nothing).
    shows: Callable[[list[LoggedRequest]], bool] | None = None


def _shards(log: list[LoggedRequest]) -> list[LoggedRequest]:
    return [entry for entry in log if entry.path.endswith(".safetensors") and entry.status in (200, 206)]


def _over_announced(log: list[LoggedRequest]) -> bool:
    return any(e.announced_length is not None and e.announced_length > e.bytes_sent for e in _shards(log))


def _under_announced(log: list[LoggedRequest]) -> bool:
    return any(e.announced_length is not None and e.announced_length < e.bytes_sent for e in _shards(log))


def _endless(log: list[LoggedRequest]) -> bool:
    return bool(_shards(log)) and all(e.announced_length in (None, 2**62) for e in _shards(log))


def _compressed(log: list[LoggedRequest]) -> bool:
    spans = [(e, _requested(e)) for e in _shards(log)]
    return any(span and e.status == 206 and e.bytes_sent < (span[1] - span[0] + 1) // 10 for e, span in spans)


def _range_ignored(log: list[LoggedRequest]) -> bool:
    return any(e.status == 200 and e.range for e in _shards(log))


def _retried(log: list[LoggedRequest]) -> bool:
    return sum(e.status in (429, 503) for e in log) == 2


def _via_cdn(log: list[LoggedRequest]) -> bool:
    return any(e.origin == "cdn" for e in _shards(log))


# Each line: one way a server breaks the protocol, and where it is seen.
CASES = [
    # A length prefix of 2^63 is what a corrupt or malicious upload carries; trusting it means an
    # 8 EB allocation or download. It must be refused before anything is allocated or requested.
    Case("header-2^63-single", {}, HUGE_SINGLE, HeaderError, "exceeds the format's limit"),
    Case("header-2^63-shard", {}, HUGE_SHARD, HeaderError, "exceeds the format's limit"),
    Case("header-2^64-1-shard", {}, HUGE_SHARD_MAX, HeaderError, "exceeds the format's limit"),
    # Content-Length above the bytes that come: a proxy that died mid-body, or a truncating CDN.
    # Shard reads stop at the bytes asked, before the lie matters; a whole config cut short fails.
    Case("length-lie-over-shards", {"content_length_lie": 1_000, "hostile_files": "*.safetensors"}, shows=_over_announced),
    Case("length-lie-over-single", {"content_length_lie": 1_000}, SINGLE, NetworkError, "config.json"),
    # Content-Length below the bytes that come: the surplus poisons the kept-alive connection.
    Case("length-lie-under-shards", {"content_length_lie": -1_000, "hostile_files": "*.safetensors"}, shows=_under_announced),
    Case("length-lie-under-config", {"content_length_lie": -10_000, "hostile_files": "config.json"},
         error=ConfigError, needle="config.json"),
    # A body that never ends (a misconfigured streaming proxy, or an attack on memory).
    Case("endless-shards", {"endless_body": True, "hostile_files": "*.safetensors"}, slack=SOCKET_SLACK, shows=_endless),
    Case("endless-shards-huge-length", {"endless_body": True, "endless_content_length": 2**62,
         "hostile_files": "*.safetensors"}, slack=SOCKET_SLACK, shows=_endless),
    Case("endless-single", {"endless_body": True, "hostile_files": "*.safetensors"}, SINGLE, slack=SOCKET_SLACK,
         shows=_endless),
    Case("endless-config-huge-length", {"endless_body": True, "endless_content_length": 2**62,
         "hostile_files": "config.json"}, error=RemoteError, needle="more than the", slack=SOCKET_SLACK),
    Case("endless-config", {"endless_body": True, "hostile_files": "config.json"}, error=ConfigError,
         needle="config.json", slack=MAX_CONFIG_BYTES + SOCKET_SLACK),
    Case("endless-file-list", {"endless_body": True, "hostile_files": "api/*"}, LISTED, RemoteError,
         needle="file list", slack=MAX_LISTING_BYTES + SOCKET_SLACK),
    Case("length-lie-file-list", {"content_length_lie": 500, "hostile_files": "api/*"}, LISTED, NetworkError,
         needle="file list"),
    # A Retry-After that is neither seconds nor an HTTP date (seen from misconfigured proxies).
    Case("retry-after-garbage", {"fail_next": 2, "retry_after": "soon"}, shows=_retried),
    Case("retry-after-bad-date", {"fail_next": 2, "fail_status": 429, "retry_after": "Wed, 99 Oct 2015 07:28:00 GMT"},
         shows=_retried),
    # A server that stops answering (overloaded origin), before the headers or in the middle of a body.
    Case("stall-before-answer", {"stall_seconds": 3.0}, error=NetworkError, needle="no answer within 0.3 s",
         timeout=0.3),
    Case("stall-mid-body", {"stall_seconds": 3.0, "stall_after_bytes": 100}, error=NetworkError,
         needle="no answer within 0.3 s", timeout=0.3),
    # A server that is never quite silent: one byte every 50 ms defeats a read timeout of 0.3 s.
    Case("trickle", {"trickle_seconds": 0.05}, error=NetworkError, needle="trickled in", timeout=0.3),
    # A mirror whose resolve route redirects to itself.
    Case("redirect-loop", {"redirect_loop": True}, error=NetworkError, needle="redirect loop"),
    # LFS files served from another host (the Hub's CDN): the answer must be the same.
    Case("redirect-to-cdn", {"lfs_redirect": True}, shows=_via_cdn),
    # gzip on a range: some proxies compress regardless of Accept-Encoding: identity.
    Case("gzip-range-shards", {"gzip_ranges": True}, shows=_compressed),
    Case("gzip-range-single", {"gzip_ranges": True}, SINGLE, shows=_compressed),
    Case("gzip-label-on-raw-bytes", {"gzip_label_only": True}, error=NetworkError, needle="could not be decoded"),
    # 200 with the whole file instead of 206 (servers and proxies without range support).
    Case("range-ignored", {"ignore_range": True}, slack=SOCKET_SLACK, shows=_range_ignored),
    Case("range-ignored-single", {"ignore_range": True}, SINGLE, slack=SOCKET_SLACK, shows=_range_ignored),
    Case("range-ignored-second-read", {"ignore_range": True}, slack=SOCKET_SLACK,
         monkey={"BYTES_PER_TENSOR": 1, "HEADER_SLACK": 0}, shows=_range_ignored),
    # 206 for other bytes than asked (a caching proxy serving a neighbouring slice).
    Case("wrong-content-range", {"wrong_content_range": 1}, error=NetworkError, needle="for a request starting at 0"),
    Case("wrong-content-range-second-read", {"wrong_content_range": 4_096, "hostile_files": "*.safetensors"},
         error=NetworkError, needle="for a request starting at", monkey={"BYTES_PER_TENSOR": 1, "HEADER_SLACK": 0}),
]
ERRORS = [case for case in CASES if case.error is not None]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_right_answer_or_typed_error_and_never_more_bytes(
    env: FakeHub, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hubprune.sources.hub as hub_module

    for name, value in case.monkey.items():
        monkeypatch.setattr(hub_module, name, value)
    for knob, value in case.knobs.items():
        setattr(env, knob, value)
    options = HubOptions(endpoint=env.endpoint, timeout=case.timeout, max_tries=2, backoff=0.01)
    started = time.monotonic()
    if case.error is None:
        assert_right_answer(_bounded(env, lambda: read_hub(case.repo, use_cache=False, options=options)), case.repo)
    else:
        with pytest.raises(case.error) as excinfo:
            _bounded(env, lambda: read_hub(case.repo, use_cache=False, options=options))
        assert case.needle in str(excinfo.value)
        assert "\n" not in str(excinfo.value)
    assert time.monotonic() - started < CALL_LIMIT
    if env.stall_seconds or env.trickle_seconds:
        env.close()  # wakes the handlers still sleeping, so that their requests are logged
    assert_no_more_than_asked(env, case.repo, case.slack)
    if case.error is None:
        assert case.shows is not None and case.shows(env.log), "the knob left no trace: the case tested nothing"
    assert env.errors == []  # the server itself stayed healthy


@pytest.mark.parametrize("case", ERRORS, ids=[case.id for case in ERRORS])
def test_cli_says_one_line_and_exits_3(env: FakeHub, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    import hubprune.sources.hub as hub_module

    for name, value in case.monkey.items():
        monkeypatch.setattr(hub_module, name, value)
    for knob, value in case.knobs.items():
        setattr(env, knob, value)
    monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", str(case.timeout))
    result = _bounded(env, lambda: CliRunner().invoke(app, ["inspect", case.repo, "--no-cache"]))
    assert result.exit_code == 3, (result.output, result.exception)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hubprune: error: ") and case.needle in lines[0]


def test_endless_body_is_cut_far_below_what_was_announced(env: FakeHub) -> None:
    """The announced size is 4 EB; what moved is the header plus what buffers held at the hang-up."""
    env.endless_body, env.endless_content_length, env.hostile_files = True, 2**62, "*.safetensors"
    headers = _bounded(env, lambda: read_hub(PRUNED, use_cache=False))
    assert_right_answer(headers, PRUNED)
    env.wait_idle()
    shard_reads = [entry for entry in env.log if "-of-" in entry.path]
    assert len(shard_reads) == 2 and all(entry.bytes_sent < SOCKET_SLACK for entry in shard_reads)


def test_token_is_not_sent_to_the_other_host(env: FakeHub) -> None:
    """A redirect that leaves the Hub's origin (LFS files on the CDN) drops the Authorization header."""
    env.lfs_redirect = True
    headers = _bounded(env, lambda: read_hub(PRUNED, token=DEFAULT_TOKEN, use_cache=False))
    assert_right_answer(headers, PRUNED)
    env.wait_idle()
    cdn = [entry for entry in env.log if entry.origin == "cdn"]
    hub_side = [entry for entry in env.log if entry.origin == "hub"]
    assert len(cdn) == 2 and not any(entry.authorization for entry in cdn)
    assert hub_side and all(entry.authorization for entry in hub_side)


def test_a_commit_that_is_not_a_commit_is_not_trusted(env: FakeHub, tmp_path: Path) -> None:
    """X-Repo-Commit names cache files and pinned urls: a value like ``../../x`` must not be used."""
    headers = _bounded(env, lambda: read_hub(BAD_COMMIT))
    assert_right_answer(headers, BAD_COMMIT)
    assert headers.commit is None
    # Five levels up from the repo's cache folder is tmp_path: nothing may land there or beyond.
    assert not list(tmp_path.parent.rglob("escaped*"))


def test_a_ref_file_that_names_no_commit_is_a_miss(tmp_path: Path) -> None:
    """The cache's own guard: a ref file edited to ``../../x`` never becomes a path to read or write."""
    from hubprune.sources.cache import HeaderCache

    cache = HeaderCache("http://mirror.example", "org/name", root=tmp_path / "cache")
    cache.remember_ref("main", "../../../escaped")
    assert not (cache.folder / "refs" / "main").exists()
    (cache.folder / "refs").mkdir(parents=True)
    (cache.folder / "refs" / "main").write_text("../../../escaped")
    (tmp_path / "escaped.json").write_text('{"files": []}')  # what a traversal would read
    assert cache.commit_for("main") is None
    assert cache.load("../../../escaped", "org/name", "org/name") is None


# -- the hostile knobs themselves, seen through a plain HTTP client -----------------------------------
# (the cases above are only as good as the knobs: each one must do what its docstring says)


@pytest.fixture
def client():
    with httpx2.Client(trust_env=False) as http:
        yield http


SHARD = "model-00001-of-00002.safetensors"


def _plain(hub: FakeHub, client: httpx2.Client, first: int, last: int) -> bytes:
    answer = client.get(hub.url(PRUNED, SHARD), headers={"Range": f"bytes={first}-{last}"})
    assert answer.status_code == 206
    return answer.content


def test_knob_content_length_lie(hub: FakeHub, client: httpx2.Client) -> None:
    expected = _plain(hub, client, 0, 99)
    hub.content_length_lie = -40
    assert client.get(hub.url(PRUNED, SHARD), headers={"Range": "bytes=0-99"}).content == expected[:60]
    hub.content_length_lie = 1_000
    with pytest.raises(httpx2.RemoteProtocolError):  # the server hangs up 1,000 bytes short
        client.get(hub.url(PRUNED, SHARD), headers={"Range": "bytes=0-99"})
    entries = hub.log[-2:]
    assert sorted((e.announced_length, e.bytes_sent) for e in entries) == [(60, 100), (1_100, 100)]


@pytest.mark.parametrize("announced", [None, 2**62])
def test_knob_endless_body(hub: FakeHub, client: httpx2.Client, announced: int | None) -> None:
    expected = _plain(hub, client, 0, 99)
    hub.endless_body, hub.endless_content_length = True, announced
    with client.stream("GET", hub.url(PRUNED, SHARD), headers={"Range": "bytes=0-99"}) as answer:
        assert answer.headers.get("Content-Length") == (None if announced is None else str(announced))
        received = bytearray()
        for chunk in answer.iter_bytes():
            received += chunk
            if len(received) > 3_000_000:
                break  # well past the end of any real body: hang up
    assert received[:100] == expected and not any(received[100:])
    hub.wait_idle()
    assert hub.log[-1].bytes_sent > 3_000_000 and hub.log[-1].announced_length == announced


def test_knob_endless_body_ends_when_the_hub_closes(hub: FakeHub) -> None:
    hub.endless_body = True
    with socket.create_connection(("127.0.0.1", int(hub.endpoint.rsplit(":", 1)[1]))) as raw:
        raw.sendall(f"GET /{PRUNED}/resolve/main/config.json HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        raw.recv(65_536)  # the answer has started; the client now reads no more
        started = time.monotonic()
        hub.close()
    assert time.monotonic() - started < 5


def test_knob_redirect_loop(hub: FakeHub) -> None:
    hub.redirect_loop = True
    with httpx2.Client(trust_env=False, follow_redirects=True, max_redirects=3) as http:
        with pytest.raises(httpx2.TooManyRedirects):
            http.get(hub.url(PRUNED, "config.json"))
    assert [(e.status, e.path) for e in hub.log] == [(302, f"/{PRUNED}/resolve/main/config.json")] * 4


def test_knob_gzip_ranges(hub: FakeHub, client: httpx2.Client) -> None:
    expected = _plain(hub, client, 0, 65_535)
    hub.gzip_ranges = True
    answer = client.get(hub.url(PRUNED, SHARD), headers={"Range": "bytes=0-65535"})
    assert answer.headers["Content-Encoding"] == "gzip" and answer.headers["Content-Range"].startswith("bytes 0-65535/")
    assert answer.content == expected and hub.log[-1].bytes_sent < len(expected)
    hub.gzip_ranges, hub.gzip_label_only = False, True
    with client.stream("GET", hub.url(PRUNED, SHARD), headers={"Range": "bytes=0-65535"}) as raw:
        assert raw.headers["Content-Encoding"] == "gzip" and b"".join(raw.iter_raw()) == expected


def test_knob_wrong_content_range(hub: FakeHub, client: httpx2.Client) -> None:
    expected = _plain(hub, client, 10, 109)
    hub.wrong_content_range = 10
    answer = client.get(hub.url(PRUNED, SHARD), headers={"Range": "bytes=0-99"})
    assert answer.status_code == 206 and answer.headers["Content-Range"].startswith("bytes 10-109/")
    assert answer.content == expected


def test_knob_stall_after_bytes(hub: FakeHub) -> None:
    hub.stall_seconds, hub.stall_after_bytes = 3.0, 100
    with httpx2.Client(trust_env=False, timeout=0.3) as http:
        with http.stream("GET", hub.url(PRUNED, SHARD), headers={"Range": "bytes=0-999"}) as answer:
            assert answer.status_code == 206  # headers came at once ...
            with pytest.raises(httpx2.ReadTimeout):  # ... then 100 bytes, then nothing
                answer.read()
    hub.close()
    assert hub.log[-1].bytes_sent == 100


def test_knob_trickle_seconds(hub: FakeHub) -> None:
    hub.trickle_seconds = 0.05
    with httpx2.Client(trust_env=False, timeout=0.3) as http:
        with http.stream("GET", hub.url(PRUNED, SHARD), headers={"Range": "bytes=0-999"}) as answer:
            started, pieces = time.monotonic(), []
            for piece in answer.iter_raw():
                pieces.append(piece)
                if len(pieces) == 6:
                    break
    assert all(len(piece) == 1 for piece in pieces)  # one byte at a time, never a read timeout ...
    assert time.monotonic() - started >= 0.2  # ... and 50 ms apart


def test_knobs_only_touch_hostile_files(hub: FakeHub, client: httpx2.Client) -> None:
    config = client.get(hub.url(PRUNED, "config.json")).content
    hub.hostile_files, hub.content_length_lie, hub.redirect_loop = "*.safetensors", 5, True
    assert client.get(hub.url(PRUNED, "config.json")).content == config
    assert client.get(hub.url(PRUNED, SHARD)).status_code == 302


def test_claimed_header_file_claims_what_it_says(hub: FakeHub, client: httpx2.Client) -> None:
    prefix = client.get(hub.url(HUGE_SHARD, "model-00002-of-00002.safetensors"), headers={"Range": "bytes=0-7"})
    assert struct.unpack("<Q", prefix.content) == (2**63,)
