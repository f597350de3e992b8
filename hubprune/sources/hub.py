"""repo@revision -> ``Snapshot`` over HTTP range reads, in two sequential round trips.

The request plan (huggingface_hub gives us the session, URLs, auth headers and typed errors;
which requests are made and when is decided here):

* level 1, concurrently: ``config.json``, ``model.safetensors.index.json`` and a speculative
  range read of ``model.safetensors`` (one of the last two usually 404s; both are cheap);
* level 2, in parallel (bounded): every shard's header, each in one range read sized from the
  index's tensor count for that shard, a second read only when the header is longer.

Every read after the first is pinned to the commit the first response names (``X-Repo-Commit``)
so all shards come from one snapshot. Every body is streamed and cut at the bytes asked for, so a
server that ignores ``Range`` and answers 200 with a 5 GB shard costs no more than a 206 would.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace

import httpx2
from huggingface_hub import constants, hf_hub_url
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import get_session, hf_raise_for_status

from .._version import __version__
from ..errors import (
    ConfigError,
    GatedRepo,
    HeaderError,
    NetworkError,
    NoSafetensorsError,
    OfflineCacheMiss,
    RemoteError,
    RemoteFileNotFound,
    RepoNotFound,
    RevisionNotFound,
    ShardIndexError,
)
from ..model import HeaderFile, Snapshot, pickle_files
from ..safetensors_header import PREFIX_LEN, header_length, parse_header
from .cache import HeaderCache
from .local import INDEX_NAME, SINGLE_NAME, json_object, shard_names_from_index
from .refs import parse_repo_ref

# One speculative read of model.safetensors: headers of single-file models (up to a few hundred
# tensors) fit in it, so they need no second read.
SPECULATIVE_BYTES = 100_000
# Header bytes per tensor entry when sizing a shard read from the index: real Llama shards use
# ~96, long MoE names ~130; the slack keeps second reads rare at a few KB of extra bytes.
BYTES_PER_TENSOR = 160
HEADER_SLACK = 4_096
MAX_CONFIG_BYTES = 10_000_000
MAX_INDEX_BYTES = 100_000_000
MAX_LISTING_BYTES = 20_000_000  # a model-info answer listing ~100,000 files
ERROR_BODY_BYTES = 65_536
# The read timeout only catches a silent server; one that sends a byte now and then would hold a
# read for days. After a grace of one timeout, a body must keep up this average rate (bytes/s).
MIN_BODY_RATE = 8_192
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
COMMIT_RE = re.compile(r"[0-9a-f]{40}")


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ[name])
    except (KeyError, ValueError):
        return default


@dataclass(frozen=True)
class HubOptions:
    """Knobs of the request plan; defaults honour the huggingface_hub environment variables."""

    endpoint: str = field(default_factory=lambda: (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/"))
    timeout: float = field(default_factory=lambda: _env_number("HF_HUB_DOWNLOAD_TIMEOUT", 10.0))
    max_tries: int = field(default_factory=lambda: int(_env_number("HUBPRUNE_MAX_TRIES", 5)))
    backoff: float = 0.5  # seconds before the second try; doubles each time, with jitter
    max_backoff: float = 20.0  # also the most we wait for a Retry-After
    concurrency: int = 16
    offline: bool = field(default_factory=lambda: _env_flag("HF_HUB_OFFLINE") or _env_flag("TRANSFORMERS_OFFLINE"))


class _TooSlow(Exception):
    """A body that trickles in below MIN_BODY_RATE."""


@dataclass
class Reply:
    """A bounded read of one file: the bytes we asked for and what the server said about the file."""

    body: bytes
    commit: str | None
    total_size: int | None


def _retry_after(headers: httpx2.Headers) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # rare (an HTTP date), and ~9 ms to import on every run

    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # neither seconds nor an HTTP date: fall back to our own backoff
    return max(0.0, parsed.timestamp() - time.time())


def _content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """``bytes 0-99/1000`` -> (0, 99, 1000); ``*`` total -> None."""
    match = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", value or "")
    if not match:
        return None
    total = None if match[3] == "*" else int(match[3])
    return int(match[1]), int(match[2]), total


def request_headers(token: str | bool | None) -> dict[str, str]:
    """User agent and, when there is one, the token: --token, else HF_TOKEN, else the saved login.

    huggingface_hub finds the token (``get_token``, which also honours
    HF_HUB_DISABLE_IMPLICIT_TOKEN). Its ``build_hf_headers`` is not used: to compose its user agent
    it fetches ``/api/agent-harnesses`` from the endpoint once a day, synchronously, which would
    put a third sequential round trip in front of our two (about 60 ms per run measured on
    loopback). The dict is passed per request: httpx drops Authorization when a redirect leaves
    the origin, so LFS hosts never see it.
    """
    import platform

    from huggingface_hub import __version__ as hf_hub_version
    from huggingface_hub import get_token

    headers = {
        "user-agent": f"hubprune/{__version__}; hf_hub/{hf_hub_version}; python/{platform.python_version()}",
    }
    if isinstance(token, str) and token:
        secret: str | None = token
    elif token is False or (token is None and constants.HF_HUB_DISABLE_IMPLICIT_TOKEN):
        secret = None
    else:
        secret = get_token()
    if secret:
        headers["authorization"] = f"Bearer {secret}"
    return headers


class HubReader:
    """Reads files of one repo with bounded, retried, streamed range requests."""

    def __init__(self, repo_id: str, token: str | bool | None, options: HubOptions) -> None:
        self.repo_id = repo_id
        self.options = options
        self.session = get_session()
        self.headers = request_headers(token)
        self.headers["Accept-Encoding"] = "identity"
        self.has_token = "authorization" in {k.lower() for k in self.headers}
        self.requests = 0
        self._lock = threading.Lock()

    # -- one request, retried -------------------------------------------------------------
    def get(
        self,
        filename: str,
        revision: str,
        *,
        start: int = 0,
        length: int | None = None,
        limit: int = MAX_CONFIG_BYTES,
        missing_ok: bool = False,
    ) -> Reply | None:
        """GET ``filename`` (bytes ``start``..``start+length-1`` when ``length``), at most ``limit`` bytes.

        Returns None for a missing file when ``missing_ok``; raises hubprune errors otherwise.
        """
        url = hf_hub_url(self.repo_id, filename, revision=revision, endpoint=self.options.endpoint)
        headers = dict(self.headers)
        want = limit if length is None else length
        if length is not None:
            headers["Range"] = f"bytes={start}-{start + length - 1}"
        return self._request(url, headers, filename, revision, start, want, ranged=length is not None, missing_ok=missing_ok)

    def _request(
        self,
        url: str,
        headers: dict[str, str],
        filename: str,
        revision: str,
        start: int,
        want: int,
        *,
        ranged: bool,
        missing_ok: bool,
    ) -> Reply | None:
        """The retry loop of ``get`` (and of the file listing): at most ``want`` body bytes kept."""
        last_problem = ""
        last_retry_after: float | None = None
        for attempt in range(self.options.max_tries):
            if attempt:
                time.sleep(self._delay(attempt, last_retry_after))
            last_retry_after = None
            with self._lock:
                self.requests += 1
            try:
                with self.session.stream("GET", url, headers=headers, timeout=self.options.timeout) as response:
                    if response.status_code in RETRY_STATUSES:
                        last_retry_after = _retry_after(response.headers)
                        last_problem = f"the server answered {response.status_code}"
                        continue
                    if response.status_code >= 400:
                        return self._fail(response, filename, revision, missing_ok)
                    return self._read_body(response, filename, start, want, ranged=ranged)
            except OfflineModeIsEnabled:
                raise OfflineCacheMiss(
                    f"{self.repo_id} is not in the header cache and HF_HUB_OFFLINE is set",
                    hint="run once online, or unset HF_HUB_OFFLINE",
                    repo=self.repo_id,
                ) from None
            except httpx2.TimeoutException:
                last_problem = f"no answer within {self.options.timeout:g} s"
            except httpx2.TooManyRedirects:
                raise NetworkError(
                    f"reading {filename} of {self.repo_id} went into a redirect loop",
                    hint="check HF_ENDPOINT or the mirror's configuration",
                    repo=self.repo_id,
                ) from None
            except _TooSlow:
                last_problem = f"the answer trickled in at under {MIN_BODY_RATE:,} bytes/s"
            except httpx2.DecodingError:
                # A body labelled gzip (or deflate, ...) that does not decode: a broken proxy.
                encoding = response.headers.get("Content-Encoding")
                last_problem = f"its body could not be decoded (Content-Encoding: {encoding})"
            except (httpx2.TransportError, httpx2.StreamError) as exc:
                last_problem = f"connection failed ({type(exc).__name__})"
        raise NetworkError(
            f"could not read {filename} of {self.repo_id} from {self.options.endpoint}: {last_problem} "
            f"after {self.options.max_tries} tries",
            hint="check your connection or HF_ENDPOINT and try again later",
            repo=self.repo_id,
            revision=revision,
        )

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.options.max_backoff)
        base = min(self.options.backoff * 2 ** (attempt - 1), self.options.max_backoff)
        return base * random.uniform(0.5, 1.0)  # jitter keeps parallel shard reads from retrying in step

    def _read_body(self, response: httpx2.Response, filename: str, start: int, want: int, *, ranged: bool) -> Reply:
        commit = _valid_commit(response.headers.get("X-Repo-Commit"))
        skip = 0
        total: int | None = None
        if response.status_code == 206:
            span = _content_range(response.headers.get("Content-Range"))
            if span is None or span[0] != start:
                raise NetworkError(
                    f"the server sent bytes {response.headers.get('Content-Range')!r} of {filename} "
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
                    f"{filename} of {self.repo_id} is {total:,} bytes, more than the {want:,} hubprune reads",
                    hint="this file is not a normal config or index",
                    repo=self.repo_id,
                )
        chunks: list[bytes] = []
        have = 0
        started = time.monotonic()
        for chunk in response.iter_bytes():
            if time.monotonic() - started > self.options.timeout + have / MIN_BODY_RATE:
                raise _TooSlow
            if skip:
                dropped = min(skip, len(chunk))
                chunk, skip = chunk[dropped:], skip - dropped
            chunks.append(chunk)
            have += len(chunk)
            if have >= want:
                break  # leaving the with-block closes the stream: the rest is never read
        body = b"".join(chunks)[:want]
        return Reply(body, commit, total)

    def _fail(self, response: httpx2.Response, filename: str, revision: str, missing_ok: bool) -> None:
        # Read a bounded error body so hf_raise_for_status can quote the server's message.
        body = b""
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) >= ERROR_BODY_BYTES:
                break
        complete = httpx2.Response(
            response.status_code, headers=response.headers, content=body[:ERROR_BODY_BYTES], request=response.request
        )
        endpoint = self.options.endpoint
        try:
            hf_raise_for_status(complete)
        except GatedRepoError:
            hint = (
                "your token has no access yet: accept the licence on the model page, then retry"
                if self.has_token
                else "accept its licence on the Hub and set HF_TOKEN (or pass --token)"
            )
            raise GatedRepo(f"{self.repo_id} is gated", hint=hint, repo=self.repo_id) from None
        except RevisionNotFoundError:
            raise RevisionNotFound(
                f"revision {revision!r} of {self.repo_id} does not exist",
                hint="check the branch, tag or commit hash (--revision or org/name@revision)",
                repo=self.repo_id,
                revision=revision,
            ) from None
        except EntryNotFoundError:
            if missing_ok:
                return None
            raise RemoteFileNotFound(
                f"{filename} is not in {self.repo_id} at {revision}",
                hint="the repo is incomplete or its index names a file that was never uploaded",
                repo=self.repo_id,
                revision=revision,
            ) from None
        except RepositoryNotFoundError:
            hint = (
                "check the repo id; your token cannot see it"
                if self.has_token
                else "check the repo id; if it is private, set HF_TOKEN (or pass --token)"
            )
            raise RepoNotFound(f"{self.repo_id} was not found on {endpoint}", hint=hint, repo=self.repo_id) from None
        except HfHubHTTPError:
            pass
        raise RemoteError(
            f"{endpoint} answered {response.status_code} for {filename} of {self.repo_id}",
            hint="check the repo id, revision and token",
            repo=self.repo_id,
            revision=revision,
        )

    # -- revision resolution and listing --------------------------------------------------
    def resolve(self, revision: str) -> str | None:
        """The commit a branch or tag points at: one small request."""
        reply = self.get("config.json", revision, start=0, length=1, missing_ok=True)
        if reply is not None and reply.commit:
            return reply.commit
        return self.list_files(revision)[0]

    def list_files(self, revision: str) -> tuple[str | None, list[str]]:
        """(commit, file names) of the repo at ``revision``, from the model-info API."""
        from urllib.parse import quote

        url = f"{self.options.endpoint}/api/models/{self.repo_id}/revision/{quote(revision, safe='')}"
        # Same bounded, streamed, retried read as a file: an endless or huge answer costs no more.
        reply = self._request(url, dict(self.headers), "the file list", revision, 0, MAX_LISTING_BYTES, ranged=False, missing_ok=False)
        assert reply is not None
        try:
            info = json.loads(reply.body.decode("utf-8"))
            names = [str(s["rfilename"]) for s in info.get("siblings") or []]
        except (UnicodeDecodeError, ValueError, AttributeError, TypeError, KeyError):
            raise RemoteError(
                f"the file list of {self.repo_id} from {self.options.endpoint} is not the Hub's model-info JSON",
                hint="check HF_ENDPOINT or the mirror's configuration",
                repo=self.repo_id,
                revision=revision,
            ) from None
        return _valid_commit(info.get("sha")), names


def _valid_commit(value: object) -> str | None:
    """A commit sha as the server named it, or None for anything else: the commit names cache files
    and pinned urls, so a value such as ``../../x`` from a hostile server must never be used."""
    return value if isinstance(value, str) and COMMIT_RE.fullmatch(value) else None


def _shard_guess(tensor_count: int) -> int:
    return PREFIX_LEN + tensor_count * BYTES_PER_TENSOR + HEADER_SLACK



@dataclass
class _Read:
    """Result of a header read: the parsed header and its raw JSON (for the cache)."""

    header: HeaderFile
    raw: bytes


def read_header_remote(reader: HubReader, name: str, revision: str, first: Reply | None = None, guess: int = SPECULATIVE_BYTES) -> _Read:
    """One shard's header: one range read of ``guess`` bytes, a second only if the header is longer."""
    reply = first or reader.get(name, revision, start=0, length=guess)
    assert reply is not None
    length = header_length(reply.body[:PREFIX_LEN], file=name, file_size=reply.total_size)
    need = PREFIX_LEN + length
    body = reply.body
    if len(body) < need:
        if reply.total_size is not None and len(body) >= reply.total_size:
            raise HeaderError(name, f"header length {length:,} is larger than the file ({reply.total_size:,} bytes)")
        more = reader.get(name, revision, start=len(body), length=need - len(body))
        assert more is not None
        body += more.body
        if len(body) < need:
            raise HeaderError(name, f"the server sent {len(body):,} bytes of a {need:,}-byte header")
    raw = body[PREFIX_LEN:need]
    return _Read(parse_header(raw, file=name, file_size=reply.total_size), raw)


def read_hub(
    ref: str,
    *,
    revision: str | None = None,
    token: str | bool | None = None,
    use_cache: bool = True,
    options: HubOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    stats: dict[str, int] | None = None,
    list_files: bool = False,
) -> Snapshot:
    """Read the headers, config and index of a Hub repo with header-only range requests.

    ``ref`` is ``org/name`` or ``org/name@revision``; ``revision`` wins over ``@revision``.
    ``progress(done, total)`` is called as shard headers arrive; ``stats`` (when given) receives
    the number of requests made. ``list_files`` also lists the repo's files (one more request,
    in the first level) so that ``check`` can see pickles and stray weights beside the shards.
    """
    options = options or HubOptions()
    repo = parse_repo_ref(ref, revision)
    wanted = repo.revision or "main"
    cache = HeaderCache(options.endpoint, repo.repo_id) if use_cache else None
    reader = HubReader(repo.repo_id, token, options)
    try:
        return _read(ref, repo.repo_id, wanted, reader, cache, options, progress, list_files)
    finally:
        if stats is not None:
            stats["requests"] = reader.requests


def _read(
    ref: str,
    repo_id: str,
    wanted: str,
    reader: HubReader,
    cache: HeaderCache | None,
    options: HubOptions,
    progress: Callable[[int, int], None] | None,
    list_files: bool = False,
) -> Snapshot:
    pinned: str | None = None
    if cache is not None:
        known = wanted if COMMIT_RE.fullmatch(wanted) else cache.commit_for(wanted)
        hit = cache.load(known, ref, repo_id) if known else None
        if hit is not None and not options.offline and list_files and not hit.other_files:
            # Cached by a run that did not list the files: list them now, once, at that commit.
            _, files = reader.list_files(known)
            hit = replace(hit, other_files=tuple(sorted(files)))
            cache.add_file_list(known, hit.other_files)
        if hit is not None and (options.offline or known == wanted):
            return hit
        if hit is not None:
            current = reader.resolve(wanted)  # one request: does the branch still point there?
            if current == known:
                return hit
            pinned = current
    if options.offline:
        raise OfflineCacheMiss(
            f"{repo_id}@{wanted} is not in the header cache and HF_HUB_OFFLINE is set",
            hint="run once online (without --no-cache), or unset HF_HUB_OFFLINE",
            repo=repo_id,
            revision=wanted,
        )
    headers, raws = _read_online(ref, repo_id, pinned or wanted, reader, options, progress, list_files)
    if cache is not None and headers.commit:
        cache.store(headers, raws)
        cache.remember_ref(wanted, headers.commit)
    return headers


def _read_online(
    ref: str,
    repo_id: str,
    revision: str,
    reader: HubReader,
    options: HubOptions,
    progress: Callable[[int, int], None] | None,
    list_files: bool = False,
) -> tuple[Snapshot, dict[str, bytes]]:
    with ThreadPoolExecutor(max_workers=max(4, options.concurrency)) as pool:
        # Level 1: three independent reads at once (four when the file list is wanted too).
        level1: dict[str, Future[Reply | None]] = {
            "config.json": pool.submit(reader.get, "config.json", revision, limit=MAX_CONFIG_BYTES, missing_ok=True),
            INDEX_NAME: pool.submit(reader.get, INDEX_NAME, revision, limit=MAX_INDEX_BYTES, missing_ok=True),
            SINGLE_NAME: pool.submit(reader.get, SINGLE_NAME, revision, length=SPECULATIVE_BYTES, missing_ok=True),
        }
        listing = pool.submit(reader.list_files, revision) if list_files else None
        commit = _first_commit(level1)
        replies = {name: future.result() for name, future in level1.items()}
        commit = commit or next((r.commit for r in replies.values() if r and r.commit), None)
        pin = commit or revision
        # A push between the three reads would mix snapshots: re-read what came from another commit.
        for name, reply in replies.items():
            if reply is not None and commit and reply.commit and reply.commit != commit:
                replies[name] = _reread(reader, name, pin)

        config_reply, index_reply, single_reply = replies["config.json"], replies[INDEX_NAME], replies[SINGLE_NAME]
        config = json_object(config_reply.body, "config.json", ConfigError) if config_reply else None
        index = json_object(index_reply.body, INDEX_NAME, ShardIndexError) if index_reply else None
        other_files: tuple[str, ...] = ()
        if listing is not None:
            other_files = tuple(sorted(listing.result()[1]))

        # Level 2: every shard header in parallel.
        if index is not None:
            names = shard_names_from_index(index)
            counts = Counter(index["weight_map"].values())
            jobs = {name: pool.submit(read_header_remote, reader, name, pin, None, _shard_guess(counts[name])) for name in names}
        elif single_reply is not None:
            names = [SINGLE_NAME]
            jobs = {SINGLE_NAME: pool.submit(read_header_remote, reader, SINGLE_NAME, pin, single_reply)}
        else:
            listed_commit, files = listing.result() if listing is not None else reader.list_files(pin)
            pin = commit or listed_commit or pin
            commit = commit or listed_commit
            other_files = tuple(sorted(files))
            names = sorted(f for f in files if f.endswith(".safetensors") and "/" not in f)
            if not names:
                pickles = pickle_files(files)
                raise NoSafetensorsError(f"{repo_id}@{revision}", pickles)
            jobs = {name: pool.submit(read_header_remote, reader, name, pin) for name in names}
        results = _collect(jobs, progress)

    files = [results[name].header for name in names]
    headers = Snapshot.build(ref, repo_id, files, config=config, index=index, commit=commit, other_files=other_files)
    return headers, {name: results[name].raw for name in names}


def _reread(reader: HubReader, name: str, commit: str) -> Reply | None:
    if name == SINGLE_NAME:
        return reader.get(name, commit, length=SPECULATIVE_BYTES, missing_ok=True)
    limit = MAX_INDEX_BYTES if name == INDEX_NAME else MAX_CONFIG_BYTES
    return reader.get(name, commit, limit=limit, missing_ok=True)


def _first_commit(futures: dict[str, Future[Reply | None]]) -> str | None:
    """The commit named by the first response to arrive (errors surface later, via result())."""
    pending = set(futures.values())
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            if future.exception() is None and future.result() is not None and future.result().commit:
                return future.result().commit
    return None


def _collect(jobs: dict[str, Future[_Read]], progress: Callable[[int, int], None] | None) -> dict[str, _Read]:
    results: dict[str, _Read] = {}
    pending = set(jobs.values())
    by_future = {future: name for name, future in jobs.items()}
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                results[by_future[future]] = future.result()  # re-raises the first failure
                if progress:
                    progress(len(results), len(jobs))
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    return results
