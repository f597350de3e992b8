"""One bounded, retried, streamed read from the Hub, and the Hub's errors as hubprune's.

Redirects are followed here rather than by httpx, because what matters is on them: the Hub
answers a small file with ``307`` to a commit-addressed cache (the ``Location`` names the commit)
and an LFS file with ``302`` to a CDN, with ``X-Repo-Commit`` and ``X-Linked-Size`` on the 302
only. The token goes to Hub hosts only (the endpoint's origin and huggingface.co's): a CDN, a
mirror's other host or any other origin never sees it, and a mirror that moved to huggingface.co
(``308``) keeps it, as huggingface_hub does.

Every body is streamed and cut at the bytes asked for, so a server that ignores ``Range`` and
answers 200 with a 5 GB shard costs no more than a 206 would. 429s are waited out as the Hub says
(``RateLimit: "resolvers";r=0;t=55``, or ``Retry-After``), within a bounded budget, and lower the
parallelism of the reads that follow.
"""

from __future__ import annotations

import logging
import math
import os
import random
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx2


def _import_constants():
    """``huggingface_hub.constants``, imported without the variables it cannot parse.

    It reads these as whole numbers when imported, and ``nan`` or ``0.5`` stops that import with
    a bare ValueError. hubprune reads them itself (``_env_timeout``: a clear usage error for a
    bad value, fractions allowed), so huggingface_hub gets its defaults for them instead.
    """
    hidden: dict[str, str] = {}
    for name in ("HF_HUB_DOWNLOAD_TIMEOUT", "HF_HUB_ETAG_TIMEOUT"):
        value = os.environ.get(name)
        if value is not None and not re.fullmatch(r"\s*[-+]?\d+\s*", value):
            hidden[name] = os.environ.pop(name)
    try:
        from huggingface_hub import constants
    finally:
        os.environ.update(hidden)
    return constants


constants = _import_constants()

from huggingface_hub.errors import (  # noqa: E402
    DisabledRepoError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from .._version import __version__
from ..errors import (
    AccessDenied,
    GatedRepo,
    InvalidToken,
    NetworkError,
    OfflineCacheMiss,
    RateLimited,
    RemoteError,
    RemoteFileNotFound,
    RepoDisabled,
    RepoNotFound,
    RevisionNotFound,
    UsageError,
)
from .refs import COMMIT_RE

logger = logging.getLogger("hubprune")

ERROR_BODY_BYTES = 65_536
# The read timeout only catches a silent server; one that sends a byte now and then would hold a
# read for days. After a grace of one timeout, a body must keep up this average rate (bytes/s).
MIN_BODY_RATE = 8_192
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
# Hosts that are the Hub itself (not its CDN, whose hosts are other names under hf.co).
HUB_HOSTS = ("huggingface.co", "hf.co")
# /api/resolve-cache/models/{repo}/{commit}/{file}: where the Hub sends small files.
_CACHE_PATH = re.compile(r"/api/resolve-cache/models/(?:[^/]+/)?[^/]+/([0-9a-f]{40})/")


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value.strip() if value is not None and value.strip() else None


def _env_timeout() -> float:
    value = _env("HF_HUB_DOWNLOAD_TIMEOUT")
    if value is None:
        return float(constants.DEFAULT_DOWNLOAD_TIMEOUT)
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(
            f"HF_HUB_DOWNLOAD_TIMEOUT={value!r} is not a number of seconds",
            hint="set it to a positive number such as 10, or unset it",
        )
    return seconds


def _env_tries() -> int:
    value = _env("HUBPRUNE_MAX_TRIES")
    if value is None:
        return 5
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"HUBPRUNE_MAX_TRIES={value!r} is not a number of tries", hint="set it to 1 or more, or unset it")
    return int(value)


def _env_endpoint() -> str:
    return (_env("HF_ENDPOINT") or constants._HF_DEFAULT_ENDPOINT).rstrip("/")


def _env_offline() -> bool:
    # Read at call time (constants.HF_HUB_OFFLINE is frozen at import), with the library's own parser.
    return constants._is_true(os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE"))


@dataclass(frozen=True)
class HubOptions:
    """Knobs of the request plan; defaults honour the huggingface_hub environment variables.

    ``hub_origins`` adds origins (``https://hub.example``) trusted with the token besides the
    endpoint's and huggingface.co's. ``notice`` receives the one-line messages a run says on the
    way (rate-limit waits, renamed repos); by default they go to the ``hubprune`` logger.
    """

    endpoint: str = field(default_factory=_env_endpoint)
    timeout: float = field(default_factory=_env_timeout)
    max_tries: int = field(default_factory=_env_tries)
    backoff: float = 0.5  # seconds before the second try; doubles each time, with jitter
    max_backoff: float = 20.0  # longest wait between two tries that are not rate limited
    rate_limit_budget: float = 60.0  # most seconds one read waits for the Hub's rate limits, in all
    concurrency: int = 16
    offline: bool = field(default_factory=_env_offline)
    hub_origins: frozenset[str] = frozenset()
    notice: Callable[[str], None] | None = None


class Abandoned(Exception):
    """The caller gave up on this read (another read it depended on failed)."""


class _TooSlow(Exception):
    """A body that trickles in below MIN_BODY_RATE."""


@dataclass
class Reply:
    """A bounded read of one file: the bytes we asked for and what the Hub said about the file."""

    body: bytes
    commit: str | None
    total_size: int | None


def resolve_url(endpoint: str, repo_id: str, filename: str, revision: str) -> str:
    """``{endpoint}/{repo}/resolve/{revision}/{filename}``, encoded as huggingface_hub encodes it
    (its ``hf_hub_url`` lives in a module a header read otherwise never needs)."""
    return f"{endpoint}/{repo_id}/resolve/{quote(revision, safe='')}/{quote(filename)}"


def cache_url(endpoint: str, repo_id: str, commit: str, filename: str) -> str:
    """``{endpoint}/api/resolve-cache/models/{repo}/{commit}/{filename}``: where the Hub's ``/resolve``
    sends a small file, one request sooner."""
    return f"{endpoint}/api/resolve-cache/models/{repo_id}/{commit}/{quote(filename)}"


def valid_commit(value: object) -> str | None:
    """A commit sha as the server named it, or None for anything else: the commit names cache files
    and pinned urls, so a value such as ``../../x`` from a hostile server must never be used."""
    return value if isinstance(value, str) and COMMIT_RE.fullmatch(value) else None


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme, 0)


def _retry_after(headers: httpx2.Headers) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    except ValueError:
        pass
    import email.utils  # only for the rare Retry-After given as an HTTP date

    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # neither seconds nor an HTTP date: fall back to our own backoff
    return max(0.0, parsed.timestamp() - time.time())


def _rate_limit_wait(headers: httpx2.Headers) -> tuple[float | None, str]:
    """(seconds the Hub asks us to wait after a 429, which limit it is), from ``RateLimit`` and
    ``RateLimit-Policy`` (``"resolvers";r=0;t=55``, ``q=3000;w=300``), else ``Retry-After``."""
    from huggingface_hub.utils import parse_ratelimit_headers  # only ever needed after a 429

    try:
        info = parse_ratelimit_headers(headers)
    except (ValueError, TypeError):
        info = None
    if info is not None and info.remaining == 0:
        policy = f"its {info.resource_type} limit"
        if info.limit is not None and info.window_seconds is not None:
            policy += f" of {info.limit:,} requests per {info.window_seconds:,} s"
        return float(info.reset_in_seconds), policy
    return _retry_after(headers), "its rate limit"


def _content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """``bytes 0-99/1000`` -> (0, 99, 1000); ``*`` total -> None."""
    match = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", value or "")
    if not match:
        return None
    total = None if match[3] == "*" else int(match[3])
    return int(match[1]), int(match[2]), total


def find_token(token: str | bool | None) -> str | None:
    """--token, else HF_TOKEN, else the saved login; a lookup that fails is no token."""
    if isinstance(token, str) and token:
        return token
    if token is False or (token is None and constants._is_true(os.environ.get("HF_HUB_DISABLE_IMPLICIT_TOKEN"))):
        return None
    if not os.environ.get("HF_OIDC_RESOURCE"):
        # huggingface_hub's lookup imports modules a read does not need; where it can only find the
        # token in the environment, or nothing at all, the answer is the same without it.
        named = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
        cleaned = named.replace("\r", "").replace("\n", "").strip() if named else None
        if cleaned:
            return cleaned
        if "google.colab" not in sys.modules and not os.path.exists(constants.HF_TOKEN_PATH):
            return None
    from huggingface_hub import get_token

    try:
        return get_token()
    except (OSError, ValueError, UnicodeDecodeError):  # HF_HOME under a file, an unreadable token file
        return None


def user_agent() -> str:
    """Our own user agent: huggingface_hub's ``build_hf_headers`` fetches ``/api/agent-harnesses``
    once a day, synchronously, which would put a third sequential round trip in front of ours."""
    from huggingface_hub import __version__ as hf_hub_version

    python = ".".join(str(part) for part in sys.version_info[:3])
    return f"hubprune/{__version__}; hf_hub/{hf_hub_version}; python/{python}"


_CLIENT: httpx2.Client | None = None
_CLIENT_LOCK = threading.Lock()


def session() -> httpx2.Client:
    """The HTTP client every read shares, built once.

    A program that has loaded huggingface_hub's HTTP module may have configured its client (with
    ``set_client_factory``: proxies, certificates): that one is used. Otherwise a plain client of
    our own, the same as huggingface_hub's default one without its request hook (we check offline
    mode ourselves), which spares a command-line run importing that module.
    """
    global _CLIENT
    hf_http = sys.modules.get("huggingface_hub.utils._http")
    if hf_http is not None:
        return hf_http.get_session()
    with _CLIENT_LOCK:
        if _CLIENT is None:
            _CLIENT = httpx2.Client(follow_redirects=False, timeout=None)
        return _CLIENT


class _Stop:
    """Set by the read itself (one of its requests failed) or by its caller (``abandon``)."""

    def __init__(self, caller: threading.Event | None) -> None:
        self.own = threading.Event()
        self.caller = caller

    def set(self) -> None:
        self.own.set()

    def is_set(self) -> bool:
        return self.own.is_set() or (self.caller is not None and self.caller.is_set())

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True as soon as either side is set."""
        deadline = time.monotonic() + seconds
        while not self.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.own.wait(min(left, 0.05) if self.caller is not None else left)
        return True


class _Pacer:
    """Shared by the reads of one repo: how many requests may run at once, and the rate-limit wait.

    A 429 is recorded as its request gives back its slot, in one step, so that no other request
    slips out in between: from then on no request starts before the wait the Hub asked for is
    over, and only one runs at a time (the next starts once the one before has its answer) until
    a request sent after the last 429 gets another answer. Each such answer then doubles how many
    may run at once, back up to ``concurrency``.
    """

    def __init__(self, concurrency: int, budget: float, abandon: _Stop) -> None:
        self.capacity = max(1, concurrency)
        self.allowed = self.capacity
        self.active = 0
        self.budget = budget
        self.waited = 0.0
        self.until = 0.0  # monotonic time before which no request may start
        self.limits = 0  # 429s so far: a request remembers how many it started after
        self.abandon = abandon
        self.cond = threading.Condition()

    def enter(self) -> int:
        """Wait for a slot; returns the number of 429s seen when the request started."""
        with self.cond:
            while True:
                if self.abandon.is_set():
                    raise Abandoned
                delay = self.until - time.monotonic()
                if delay <= 0 and self.active < self.allowed:
                    self.active += 1
                    return self.limits
                self.cond.wait(min(0.05, delay) if delay > 0 else 0.05)

    def leave(self, started_after: int, *, answered: bool = False, limited_for: float | None = None) -> float | None:
        """Give the slot back. ``answered``: the Hub gave an answer other than a 429.
        ``limited_for``: it answered 429, asking for that many seconds; the wait to announce is
        returned (None: a wait for this window is already under way; -1.0: beyond the budget)."""
        with self.cond:
            self.active -= 1
            announce = None
            if limited_for is not None:
                self.limits += 1
                self.allowed = 1
                announce = self._wait_for(limited_for)
            elif answered and started_after == self.limits and self.allowed < self.capacity:
                self.allowed = min(self.capacity, self.allowed * 2)
            self.cond.notify_all()
            return announce

    def _wait_for(self, seconds: float) -> float | None:
        now = time.monotonic()
        if self.until > now and self.until >= now + seconds - 0.5:
            return None  # requests sent together got their 429s together: one wait for all
        if self.waited + seconds > self.budget:
            return -1.0
        self.waited += seconds
        self.until = now + seconds
        return seconds


class HubReader:
    """Reads files of one repo with bounded, retried, streamed range requests."""

    def __init__(
        self, repo_id: str, token: str | bool | None, options: HubOptions, abandon: threading.Event | None = None
    ) -> None:
        self.repo_id = repo_id
        self.options = options
        self.session = session()
        self.headers = {"user-agent": user_agent(), "Accept-Encoding": "identity"}
        self.token = find_token(token)
        self.has_token = self.token is not None
        trusted = {_origin(options.endpoint), *(_origin(f"https://{host}") for host in HUB_HOSTS)}
        self.trusted = trusted | {_origin(origin) for origin in options.hub_origins}
        self.abandon = _Stop(abandon)
        self.pacer = _Pacer(options.concurrency, options.rate_limit_budget, self.abandon)
        self.moved_to: str | None = None
        self.seen_commit: str | None = None  # the first commit any answer named, a 404's included
        self.commit_cache = True  # small files at a known commit: straight from the commit cache

    def notice(self, message: str) -> None:
        (self.options.notice or logger.warning)(message)

    def headers_for(self, url: str) -> dict[str, str]:
        headers = dict(self.headers)
        if self.token is not None and _origin(url) in self.trusted:
            headers["authorization"] = f"Bearer {self.token}"
        return headers

    # -- the reads ------------------------------------------------------------------------
    def get(
        self,
        filename: str,
        revision: str,
        *,
        start: int = 0,
        length: int | None = None,
        limit: int = 10_000_000,
        missing_ok: bool = False,
        small: bool = False,
        on_redirect: Callable[[str, int | None], bool] | None = None,
    ) -> Reply | None:
        """GET ``filename`` (bytes ``start``..``start+length-1`` when ``length``), at most ``limit`` bytes.

        Returns None for a missing file when ``missing_ok``; raises hubprune errors otherwise.
        ``small`` says the file is kept in git, not LFS (a config, an index): at a known commit it
        is read from the commit cache the Hub would redirect to, without the redirect.
        ``on_redirect(location, size)`` hears each redirect as it arrives (an LFS file's names its
        size): more reads of the file can start there at once; False drops this read (None).
        """
        want = limit if length is None else length
        extra = {"Range": f"bytes={start}-{start + length - 1}"} if length is not None else {}
        ranged = length is not None
        commit = valid_commit(revision)
        if small and commit and self.commit_cache:
            url = cache_url(self.options.endpoint, self.moved_to or self.repo_id, commit, filename)
            try:
                reply = self.request(url, filename, revision, start=start, want=want, ranged=ranged, missing_ok=missing_ok, extra=extra)
            except (RemoteFileNotFound, NetworkError, OfflineCacheMiss, RateLimited):
                raise  # answers about the file or the connection, not about the route
            except RemoteError:
                # This endpoint serves the cache only at the urls it hands out (or not at all):
                # ask /resolve, as huggingface_hub does, from now on.
                self.commit_cache = False
            else:
                if reply is not None:
                    reply.commit = reply.commit or commit
                return reply
        url = resolve_url(self.options.endpoint, self.repo_id, filename, revision)
        return self.request(
            url, filename, revision, start=start, want=want, ranged=ranged, missing_ok=missing_ok, extra=extra,
            on_redirect=on_redirect,
        )

    def commit_of(self, filename: str, revision: str) -> str | None:
        """The commit ``revision`` points at, from the first answer that names it (the redirect, usually)."""
        url = resolve_url(self.options.endpoint, self.repo_id, filename, revision)
        reply = self.request(url, filename, revision, start=0, want=1, ranged=True, missing_ok=True, probe=True, extra={"Range": "bytes=0-0"})
        return reply.commit if reply is not None else None

    def request(
        self,
        url: str,
        what: str,
        revision: str,
        *,
        start: int = 0,
        want: int,
        ranged: bool,
        missing_ok: bool,
        probe: bool = False,
        extra: dict[str, str] | None = None,
        on_redirect: Callable[[str, int | None], bool] | None = None,
    ) -> Reply | None:
        """One read, its redirects followed and each hop retried: at most ``want`` body bytes kept.

        ``probe`` stops at the first answer that names the commit (a redirect, a 200 or a 404).
        """
        commit: str | None = None
        linked_size: int | None = None
        last_problem = ""
        tries = hops = 0
        while True:
            if self.abandon.is_set():
                raise Abandoned
            headers = {**self.headers_for(url), **(extra or {})}
            outcome = self._attempt(url, headers, what, revision, start, want, ranged=ranged, missing_ok=missing_ok, probe=probe)
            kind, value = outcome
            named = commit or (value.commit if kind == "done" and value is not None else value if kind == "missing" else None)
            if named and self.seen_commit is None:
                self.seen_commit = named
            if kind == "done":
                reply = value
                if reply is not None:
                    reply.commit = commit or reply.commit
                    reply.total_size = reply.total_size if reply.total_size is not None else linked_size
                return reply
            if kind == "missing":
                return Reply(b"", commit or value, None) if probe and (commit or value) else None
            if kind == "redirect":
                response_headers, location = value
                commit = commit or valid_commit(response_headers.get("X-Repo-Commit")) or _commit_in(location)
                size = response_headers.get("X-Linked-Size")
                linked_size = linked_size if linked_size is not None else (int(size) if size and size.isdigit() else None)
                self._note_rename(url, location)
                if on_redirect is not None and not on_redirect(location, linked_size):
                    return None
                url = location
                hops += 1
                if hops > MAX_REDIRECTS:
                    raise NetworkError(
                        f"reading {what} of {self.repo_id} went into a redirect loop",
                        hint="check HF_ENDPOINT or the mirror's configuration",
                        repo=self.repo_id,
                    )
                if probe and commit:
                    return Reply(b"", commit, linked_size)
                continue
            if kind == "limited":
                # The pacer holds the next requests back for the wait; only the news is left here.
                policy, seconds, announced = value
                self._rate_limited(announced, seconds, policy, what, revision)
                continue
            # kind == "retry": value is (problem, seconds to wait or None)
            problem, wait_for = value
            last_problem = problem
            tries += 1
            if tries >= self.options.max_tries:
                break
            self._sleep(self._delay(tries, wait_for))
        raise NetworkError(
            f"could not read {what} of {self.repo_id} from {self.options.endpoint}: {last_problem} "
            f"after {self.options.max_tries} {'try' if self.options.max_tries == 1 else 'tries'}",
            hint="check your connection or HF_ENDPOINT and try again later",
            repo=self.repo_id,
            revision=revision,
        )

    def _attempt(self, url, headers, what, revision, start, want, *, ranged, missing_ok, probe):
        started_after = self.pacer.enter()
        try:
            kind, value = self._exchange(url, headers, what, revision, start, want, ranged=ranged, missing_ok=missing_ok, probe=probe)
        except BaseException as exc:
            # A hubprune error is the Hub's answer (404, 403, ...): it counts as one.
            self.pacer.leave(started_after, answered=isinstance(exc, RemoteError))
            raise
        if kind == "limited":
            policy, seconds = value
            return kind, (policy, seconds, self.pacer.leave(started_after, limited_for=seconds))
        self.pacer.leave(started_after, answered=kind != "retry")
        return kind, value

    def _exchange(self, url, headers, what, revision, start, want, *, ranged, missing_ok, probe):
        try:
            if self.options.offline:
                raise OfflineModeIsEnabled(url)
            with self.session.stream(
                "GET", url, headers=headers, timeout=self.options.timeout, follow_redirects=False
            ) as response:
                status = response.status_code
                if status == 429:
                    seconds, policy = _rate_limit_wait(response.headers)
                    return "limited", (policy, max(1.0, seconds if seconds is not None else self.options.backoff * 4))
                if status in RETRY_STATUSES:
                    return "retry", (f"the server answered {status}", _retry_after(response.headers))
                if status in REDIRECT_STATUSES and response.headers.get("Location"):
                    return "redirect", (response.headers, urljoin(url, response.headers["Location"]))
                if status >= 400:
                    commit = self._fail(response, what, revision, missing_ok)
                    return "missing", commit
                if probe:
                    return "done", Reply(b"", valid_commit(response.headers.get("X-Repo-Commit")), None)
                return "done", self._read_body(response, what, start, want, ranged=ranged)
        except OfflineModeIsEnabled:
            raise OfflineCacheMiss(
                f"{self.repo_id} is not in the header cache and HF_HUB_OFFLINE is set",
                hint="run once online, or unset HF_HUB_OFFLINE",
                repo=self.repo_id,
            ) from None
        except httpx2.TimeoutException:
            return "retry", (f"no answer within {self.options.timeout:g} s", None)
        except _TooSlow:
            return "retry", (f"the answer trickled in at under {MIN_BODY_RATE:,} bytes/s", None)
        except httpx2.DecodingError:
            # A body labelled gzip (or deflate, ...) that does not decode: a broken proxy.
            return "retry", ("its body could not be decoded (a proxy mislabels its Content-Encoding)", None)
        except (httpx2.TransportError, httpx2.StreamError) as exc:
            return "retry", (f"connection failed ({type(exc).__name__})", None)

    def _sleep(self, seconds: float) -> None:
        if self.abandon.wait(seconds):
            raise Abandoned

    def _rate_limited(self, announced: float | None, seconds: float, policy: str, what: str, revision: str) -> None:
        if announced is not None and announced < 0:
            helps = "a token (HF_TOKEN or {option.token}) raises the limit; " if not self.has_token else ""
            raise RateLimited(
                f"rate limited by {self.options.endpoint} while reading {what} of {self.repo_id}: "
                f"{policy} is used up for {seconds:.0f} s more",
                hint=f"{helps}try again in a few minutes",
                repo=self.repo_id,
                revision=revision,
            )
        if announced:
            self.notice(f"rate limited by the Hub, waiting {announced:.0f} s")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.options.max_backoff)
        base = min(self.options.backoff * 2 ** (attempt - 1), self.options.max_backoff)
        return base * random.uniform(0.5, 1.0)  # jitter keeps parallel shard reads from retrying in step

    def _note_rename(self, url: str, location: str) -> None:
        """A 307 from one repo id to another is a renamed repo: say so, once."""
        old, new = _repo_in(url), _repo_in(location)
        if old == self.repo_id and new and new != old and self.moved_to is None:
            self.moved_to = new
            self.notice(f"{self.repo_id} was renamed to {new}; reading {new}")

    def _read_body(self, response: httpx2.Response, what: str, start: int, want: int, *, ranged: bool) -> Reply:
        commit = valid_commit(response.headers.get("X-Repo-Commit"))
        skip = 0
        total: int | None = None
        if response.status_code == 206:
            span = _content_range(response.headers.get("Content-Range"))
            if span is None or span[0] != start:
                raise NetworkError(
                    f"the server sent bytes {response.headers.get('Content-Range')!r} of {what} "
                    f"for a request starting at {start}",
                    hint="the server or a proxy mishandles range requests; try again or another endpoint",
                    repo=self.repo_id,
                )
            total = span[2]
        else:
            # 200: the server ignored Range and sends the whole file. Read only what we asked for.
            skip = start if ranged else 0
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() and not response.headers.get("Content-Encoding") else None
            if not ranged and total is not None and total > want:
                raise RemoteError(
                    f"{what} of {self.repo_id} is {total:,} bytes, more than the {want:,} hubprune reads",
                    hint="this file is not a normal config or index",
                    repo=self.repo_id,
                )
        chunks: list[bytes] = []
        have = 0
        started = time.monotonic()
        for chunk in response.iter_bytes():
            if self.abandon.is_set():
                raise Abandoned
            if time.monotonic() - started > self.options.timeout + have / MIN_BODY_RATE:
                raise _TooSlow
            if skip:
                dropped = min(skip, len(chunk))
                chunk, skip = chunk[dropped:], skip - dropped
            chunks.append(chunk)
            have += len(chunk)
            if have >= want:
                break  # leaving the with-block closes the stream: the rest is never read
        return Reply(b"".join(chunks)[:want], commit, total)

    def _fail(self, response: httpx2.Response, what: str, revision: str, missing_ok: bool) -> str | None:
        """Raise the hubprune error for an error answer; for a missing file with ``missing_ok``,
        return the commit the answer names (or None)."""
        body = b""
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) >= ERROR_BODY_BYTES:
                break
        complete = httpx2.Response(
            response.status_code, headers=response.headers, content=body[:ERROR_BODY_BYTES], request=response.request
        )
        endpoint = self.options.endpoint
        message = response.headers.get("X-Error-Message") or ""
        if response.status_code == 401 and message == "Invalid credentials in Authorization header":
            raise InvalidToken(
                f"{endpoint} refused the token (invalid credentials)",
                hint="check or renew it ({option.token}, HF_TOKEN or `hf auth login`); public repos need none",
                repo=self.repo_id,
            )
        if missing_ok and response.status_code == 404 and response.headers.get("X-Error-Code") == "EntryNotFound":
            # The speculative reads' usual answer, as huggingface_hub reads it, without loading it.
            return valid_commit(response.headers.get("X-Repo-Commit"))
        from huggingface_hub.utils import hf_raise_for_status  # other error answers only

        try:
            hf_raise_for_status(complete)
        except GatedRepoError:
            if response.status_code == 403 or self.has_token:
                hint = "your token has no access yet: request access on the model page, then retry"
            else:
                hint = "accept its licence on the Hub and set HF_TOKEN (or pass {option.token})"
            raise GatedRepo(f"{self.repo_id} is gated", hint=hint, repo=self.repo_id) from None
        except RevisionNotFoundError:
            raise RevisionNotFound(
                f"revision {revision!r} of {self.repo_id} does not exist",
                hint="check the branch, tag or commit hash ({option.revision} or org/name@revision)",
                repo=self.repo_id,
                revision=revision,
            ) from None
        except EntryNotFoundError:
            if missing_ok:
                return valid_commit(response.headers.get("X-Repo-Commit"))
            raise RemoteFileNotFound(
                f"{what} is not in {self.repo_id} at {revision}",
                hint="the repo is incomplete or its index names a file that was never uploaded",
                repo=self.repo_id,
                revision=revision,
            ) from None
        except RepositoryNotFoundError:
            hint = (
                "check the repo id; your token cannot see it"
                if self.has_token
                else "check the repo id; if it is private, set HF_TOKEN (or pass {option.token})"
            )
            raise RepoNotFound(f"{self.repo_id} was not found on {endpoint}", hint=hint, repo=self.repo_id) from None
        except DisabledRepoError:
            raise RepoDisabled(
                f"{self.repo_id} is disabled on {endpoint}",
                hint="its owner or the Hub turned off access to it; nothing of it can be read",
                repo=self.repo_id,
            ) from None
        except HfHubHTTPError:
            pass
        if response.status_code == 403:
            raise AccessDenied(
                f"{endpoint} refused access to {what} of {self.repo_id} (403{': ' + message if message else ''})",
                hint="the token lacks the permission; a fine-grained token needs read access to this repo",
                repo=self.repo_id,
            )
        raise RemoteError(
            f"{endpoint} answered {response.status_code} for {what} of {self.repo_id}",
            hint="check the repo id, revision and token",
            repo=self.repo_id,
            revision=revision,
        )


def _commit_in(url: str) -> str | None:
    """The commit a resolve-cache url names."""
    match = _CACHE_PATH.search(urlsplit(url).path)
    return match[1] if match else None


def _repo_in(url: str) -> str | None:
    """The repo id of a ``/{repo}/resolve/...`` or ``/api/models/{repo}[/...]`` url."""
    path = unquote(urlsplit(url).path)
    if path.startswith("/api/models/"):
        parts = path[len("/api/models/") :].split("/")
        for n in (2, 1):
            if len(parts) == n or (len(parts) > n and parts[n] in {"revision", "tree", "safetensors-metadata"}):
                return "/".join(parts[:n])
        return None
    if path.startswith("/api/"):
        return None
    parts = path.lstrip("/").split("/")
    for n in (2, 1):
        if len(parts) > n and parts[n] == "resolve":
            return "/".join(parts[:n])
    return None
