"""repo@revision -> ``Snapshot``: which Hub requests are made, and when.

On ``main`` (the Hub's one-request endpoint serves no other revision), the first level is:

* ``GET /api/models/{repo}/safetensors-metadata/model.safetensors.index.json``: every shard
  header of a sharded repo in one answer;
* ``config.json``, whose redirect names the commit;
* a speculative range read of ``model.safetensors`` (single-file repos need nothing more).

When the endpoint has no such answer (404: an unsharded repo, a mirror) or another revision is
asked for, the index is read instead, then every shard's header in parallel (bounded), each in one
range read sized from the index's tensor count for that shard, a second read only when the header
is longer. Every read after the first is pinned to the commit the first answers name, so all
shards come from one snapshot. Small files at a known commit (``--revision`` a commit, the index
after a 404 from the endpoint) are read from the commit cache the Hub's ``/resolve`` would
redirect them to, one request sooner. How one read goes (redirects, retries, rate limits, tokens)
is ``_http``'s business.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import quote

from ..errors import ConfigError, HeaderError, NoSafetensorsError, OfflineCacheMiss, RemoteError, RemoteFileNotFound, ShardIndexError
from ..model import HeaderFile, Snapshot, pickle_files
from ..safetensors_header import NOT_A_HEADER, PREFIX_LEN, header_length, parse_header, starts_like_a_header
from ..values import replace
from ._http import Abandoned, HubOptions, HubReader, Reply, valid_commit
from ._layout import (
    INDEX_NAME,
    MAX_MARKER_BYTES,
    SINGLE_NAME,
    SKELETON_MARKER,
    checked_file_name,
    json_object,
    marked_skeletons,
    shard_names_from_index,
)
from .cache import HeaderCache
from .refs import COMMIT_RE, parse_repo_ref

__all__ = ["Abandoned", "HubOptions", "read_hub"]

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
MAX_METADATA_BYTES = 200_000_000  # every header of a repo: headers are capped at 100 MB each
# The speculative reads of a single .bin, sized as its reader's first reads (its pickle starts the
# file, the zip directory ends it). Any sizes would do: the reader asks for what they lack. Kept
# here so that a safetensors read loads none of the other formats' readers.
BIN_SINGLE_NAME = "pytorch_model.bin"
BIN_INDEX_NAME = "pytorch_model.bin.index.json"
PROBE_HEAD = 64 * 1024
PROBE_TAIL = 22 + 65_535  # the end-of-directory record and the longest zip comment


def resolve(reader: HubReader, revision: str) -> str | None:
    """The commit a branch or tag points at: one request, stopped at the answer that names it."""
    commit = reader.commit_of("config.json", revision)
    return commit or list_files(reader, revision)[0]


def list_files(reader: HubReader, revision: str, sizes: dict[str, int] | None = None) -> tuple[str | None, list[str]]:
    """(commit, file names) of the repo at ``revision``, from the model-info API; with ``sizes``
    (filled with each file's size) the listing asks for them, so that a file's tail can be read
    in the same round trip as its head."""
    url = f"{reader.options.endpoint}/api/models/{reader.repo_id}/revision/{quote(revision, safe='')}"
    url += "?blobs=true" if sizes is not None else ""
    # Same bounded, streamed, retried read as a file: an endless or huge answer costs no more.
    reply = reader.request(url, "the file list", revision, want=MAX_LISTING_BYTES, ranged=False, missing_ok=False)
    assert reply is not None
    try:
        info = json.loads(reply.body.decode("utf-8"))
        names = [str(s["rfilename"]) for s in info.get("siblings") or []]
        if sizes is not None:
            sizes.update({str(s["rfilename"]): s["size"] for s in info.get("siblings") or [] if type(s.get("size")) is int})
    except (UnicodeDecodeError, ValueError, AttributeError, TypeError, KeyError):
        raise RemoteError(
            f"the file list of {reader.repo_id} from {reader.options.endpoint} is not the Hub's model-info JSON",
            hint="check HF_ENDPOINT or the mirror's configuration",
            repo=reader.repo_id,
            revision=revision,
        ) from None
    return valid_commit(info.get("sha")) or reply.commit, names


def sharded_metadata(reader: HubReader) -> tuple[dict, dict[str, bytes]] | None:
    """(index without weight_map, shard -> header JSON) of ``main`` in one request, or None when
    the endpoint does not answer it (no index, a mirror, an older Hub)."""
    url = f"{reader.options.endpoint}/api/models/{reader.repo_id}/safetensors-metadata/{quote(INDEX_NAME)}"
    try:
        reply = reader.request(url, "the safetensors metadata", "main", want=MAX_METADATA_BYTES, ranged=False, missing_ok=True)
    except RemoteError as error:
        if type(error) is RemoteError:  # an answer other than the Hub's typed ones (400, 405): not served
            return None
        raise
    if reply is None:
        return None
    try:
        answer = json.loads(reply.body.decode("utf-8"))
        index, headers = answer["index"], answer["headers"]
        if not isinstance(index, dict) or not isinstance(headers, dict) or not headers:
            return None
        raws = {
            checked_file_name(name, source="the Hub's safetensors metadata"): _as_written(header)
            for name, header in headers.items()
            if isinstance(header, dict)
        }
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
        return None  # not the Hub's answer: read the files themselves
    return index, raws


def _as_written(header: dict) -> bytes:
    """A header as the safetensors writer lays it out: compact JSON in the order given, padded with
    spaces to a multiple of 8 bytes. The answer carries parsed headers, not their bytes; this
    gives back their length, which places the tensor data (and so the file size)."""
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    return raw + b" " * (-len(raw) % 8)


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
    # The byte after the prefix too: a length is quoted only in front of a JSON object.
    length = header_length(reply.body[: PREFIX_LEN + 1], file=name, file_size=reply.total_size)
    need = PREFIX_LEN + length
    body = reply.body
    if len(body) < need:
        if not starts_like_a_header(body):  # not a header: its "length" is anyone's bytes
            raise HeaderError(name, NOT_A_HEADER)
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
    list_files: bool = False,
    abandon: threading.Event | None = None,
    weights: str | None = None,
    file: str | None = None,
) -> Snapshot:
    """Read the headers, config and index of a Hub repo with header-only range requests.

    ``ref`` is ``org/name``, ``name`` or ``org/name@revision`` (``hf://`` in front is allowed);
    ``revision`` wins over ``@revision``. ``progress(done, total)`` is called as shard headers
    arrive. ``list_files`` also lists the repo's files (one more request, in the first level) so
    that ``check`` can see pickles and stray weights beside the shards. Setting ``abandon`` makes the read stop at its next step and
    raise ``Abandoned``: nothing keeps running after the call returns. ``weights`` (``safetensors``,
    ``bin`` or ``gguf``) reads that format instead of the one transformers would load; such a read
    bypasses the header cache, whose entries hold the default choice. ``file`` (a checked name)
    reads that one weight file of the repo (all parts of a split GGUF), beside config.json.
    """
    options = options or HubOptions()
    repo = parse_repo_ref(ref, revision)
    wanted = repo.revision or "main"
    reader = HubReader(repo.repo_id, token, options, abandon)
    if file is not None:
        if options.offline:
            raise OfflineCacheMiss(
                f"{repo.repo_id}/{file} is read from the Hub only and HF_HUB_OFFLINE is set",
                hint="unset HF_HUB_OFFLINE", repo=repo.repo_id, revision=wanted,
            )
        pool = ThreadPoolExecutor(max_workers=max(6, options.concurrency))
        try:
            return _plan_file(f"{ref}/{file}", repo.repo_id, wanted, reader, pool, file, list_files)
        except BaseException:
            reader.abandon.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=reader.abandon.is_set())
    cache = HeaderCache(options.endpoint, repo.repo_id, warn=reader.notice) if use_cache and not weights else None
    return _read(ref, repo.repo_id, wanted, reader, cache, options, progress, list_files, weights)


def _read(
    ref: str,
    repo_id: str,
    wanted: str,
    reader: HubReader,
    cache: HeaderCache | None,
    options: HubOptions,
    progress: Callable[[int, int], None] | None,
    want_files: bool = False,
    weights: str | None = None,
) -> Snapshot:
    pinned: str | None = None
    if cache is not None:
        known = wanted if COMMIT_RE.fullmatch(wanted) else cache.commit_for(wanted)
        hit = cache.load(known, ref, repo_id) if known else None
        if hit is not None and not options.offline and want_files and not hit.other_files:
            # Cached by a run that did not list the files: list them now, once, at that commit.
            _, files = list_files(reader, known)
            hit = replace(hit, other_files=tuple(sorted(files)))
            cache.add_file_list(known, hit.other_files)
        if hit is not None and (options.offline or known == wanted):
            return hit
        if hit is not None:
            current = resolve(reader, wanted)  # one request: does the branch still point there?
            if current == known:
                return hit
            pinned = current
    if options.offline:
        raise OfflineCacheMiss(
            f"{repo_id}@{wanted} is not in the header cache and HF_HUB_OFFLINE is set",
            hint="run once online (without {option.use_cache:False}), or unset HF_HUB_OFFLINE",
            repo=repo_id,
            revision=wanted,
        )
    headers, raws = _read_online(ref, repo_id, pinned or wanted, reader, options, progress, want_files, weights)
    if cache is not None and headers.commit and raws is not None:
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
    want_files: bool = False,
    weights: str | None = None,
) -> tuple[Snapshot, dict[str, bytes]]:
    pool = ThreadPoolExecutor(max_workers=max(6, options.concurrency))
    try:
        if weights in ("bin", "gguf"):
            return _plan_other(ref, repo_id, revision, reader, pool, weights)
        return _plan(ref, repo_id, revision, reader, pool, progress, want_files, weights)
    except BaseException:
        reader.abandon.set()  # the reads still running stop at their next step
        raise
    finally:
        # A read that succeeded still sends every request its plan queued (a speculative read
        # whose thread had not started yet): what a repo costs must not depend on how the
        # threads were scheduled. An abandoned read drops the ones not yet sent.
        pool.shutdown(wait=True, cancel_futures=reader.abandon.is_set())


def _plan(
    ref: str,
    repo_id: str,
    revision: str,
    reader: HubReader,
    pool: ThreadPoolExecutor,
    progress: Callable[[int, int], None] | None,
    want_files: bool,
    weights: str | None = None,
) -> tuple[Snapshot, dict[str, bytes] | None]:
    one_request = revision == "main"
    # Level 1: independent reads at once.
    level1: dict[str, Future] = {
        "config.json": pool.submit(reader.get, "config.json", revision, limit=MAX_CONFIG_BYTES, missing_ok=True, small=True),
        SINGLE_NAME: pool.submit(reader.get, SINGLE_NAME, revision, length=SPECULATIVE_BYTES, missing_ok=True),
    }
    if one_request:
        metadata_future = pool.submit(sharded_metadata, reader)
    else:
        level1[INDEX_NAME] = pool.submit(reader.get, INDEX_NAME, revision, limit=MAX_INDEX_BYTES, missing_ok=True, small=True)
    sizes: dict[str, int] = {}
    listing = pool.submit(list_files, reader, revision, sizes) if want_files else None
    bin_future: Future | None = None
    if weights is None:
        # Beside them, pytorch_model.bin's head (and, once its redirect names the size, its
        # tail): a repo without safetensors then needs no listing before its weights. On a
        # safetensors repo this is one 404, or a read dropped at its redirect.
        def wanted() -> bool:
            found = [level1[SINGLE_NAME]] + ([metadata_future] if one_request else [])
            return not any(f.done() and f.exception() is None and f.result() is not None for f in found)

        bin_future = pool.submit(probe_torch_single, reader, revision, pool, wanted)
    index_future: Future | None = None
    bin_index_future: Future | None = None
    if one_request and level1[SINGLE_NAME].result() is None and metadata_future.result() is None:
        # No safetensors in sight (an unsharded repo, a mirror): the index, if there is one, and
        # the listing, which says what the repo holds instead, while config.json is on its way.
        pin = reader.seen_commit or revision
        index_future = pool.submit(reader.get, INDEX_NAME, pin, limit=MAX_INDEX_BYTES, missing_ok=True, small=True)
        if listing is None:
            listing = pool.submit(list_files, reader, pin, sizes)
        if bin_future is not None and _probed(bin_future, None) is None:
            # Nor a single .bin: a sharded one's index, beside the listing (one 404 when absent).
            bin_index_future = pool.submit(reader.get, BIN_INDEX_NAME, pin, limit=MAX_INDEX_BYTES, missing_ok=True, small=True)
    commit = _first_commit(level1)
    replies: dict[str, Reply | None] = {name: future.result() for name, future in level1.items()}
    commit = commit or next((r.commit for r in replies.values() if r and r.commit), None) or reader.seen_commit
    pin = commit or revision
    # A push between the reads would mix snapshots: re-read what came from another commit.
    for name, reply in replies.items():
        if reply is not None and commit and reply.commit and reply.commit != commit:
            replies[name] = _reread(reader, name, pin)
    metadata = metadata_future.result() if one_request else None
    if index_future is not None:
        replies[INDEX_NAME] = index_future.result()

    config_reply, single_reply = replies["config.json"], replies[SINGLE_NAME]
    config = json_object(config_reply.body, "config.json", ConfigError) if config_reply else None
    other_files: tuple[str, ...] = ()
    if listing is not None:
        listed_commit, files = listing.result()
        commit = commit or listed_commit
        other_files = tuple(sorted(files))

    if metadata is not None:
        index_meta, raws = metadata
        names = sorted(raws)
        results = {name: _Read(parse_header(raws[name], file=name), raws[name]) for name in names}
        # The answer leaves out the weight_map, which the headers repeat: rebuilt from them.
        weight_map = {t.name: name for name in names for t in results[name].header.tensors}
        index: dict | None = {**index_meta, "weight_map": weight_map}
        if progress:
            progress(len(names), len(names))
    else:
        index_reply = replies.get(INDEX_NAME)
        index = json_object(index_reply.body, INDEX_NAME, ShardIndexError) if index_reply else None
        # Level 2: every shard header in parallel.
        if index is not None:
            names = [checked_file_name(name) for name in shard_names_from_index(index)]
            counts = Counter(index["weight_map"].values())
            jobs = {name: pool.submit(read_header_remote, reader, name, pin, None, _shard_guess(counts[name])) for name in names}
        elif single_reply is not None:
            names = [SINGLE_NAME]
            jobs = {SINGLE_NAME: pool.submit(read_header_remote, reader, SINGLE_NAME, pin, single_reply)}
        else:
            listed_commit, files = listing.result() if listing is not None else list_files(reader, pin, sizes)
            pin = commit or listed_commit or pin
            commit = commit or listed_commit
            other_files = tuple(sorted(files))
            names = sorted(
                checked_file_name(f, source="the file list") for f in files if f.endswith(".safetensors") and "/" not in f
            )
            if not names:
                # Only repos without safetensors need the .bin and GGUF readers.
                from ..formats.errors import FormatError
                from .other_formats import read_other_remote

                try:
                    probed = _probed(bin_future, commit)
                    index_reply = _probed_index(bin_index_future, commit)
                    other = None if weights == "safetensors" else read_other_remote(
                        reader, files, pin, pool, sizes, probed=probed, index_reply=index_reply
                    )
                except FormatError:
                    other = None  # an unreadable pickle: what is left to say is that it is one
                if other is None:
                    raise NoSafetensorsError(f"{repo_id}@{revision}", pickle_files(files))
                other_headers, other_index, weights_config, _ = other
                headers = Snapshot.build(
                    ref, repo_id, other_headers, config=config or weights_config, index=other_index,
                    commit=commit, other_files=other_files,
                )
                return headers, {}  # cached as the tensors themselves: no safetensors JSON to keep
            jobs = {name: pool.submit(read_header_remote, reader, name, pin) for name in names}
        results = _collect(jobs, progress)

    files = _mark_skeletons(reader, [results[name].header for name in names], pin)
    headers = Snapshot.build(ref, repo_id, files, config=config, index=index, commit=commit, other_files=other_files)
    return headers, {name: results[name].raw for name in names}


def _plan_other(
    ref: str, repo_id: str, revision: str, reader: HubReader, pool: ThreadPoolExecutor, weights: str
) -> tuple[Snapshot, dict[str, bytes]]:
    """The ``.bin`` or GGUF weights asked for by name: the listing (with sizes), config.json and
    (for ``.bin``) the speculative reads of ``pytorch_model.bin`` at once, then each other file's
    head (and a zip's tail)."""
    from .other_formats import NoWeightsError, read_other_remote

    sizes: dict[str, int] = {}
    config_future = pool.submit(reader.get, "config.json", revision, limit=MAX_CONFIG_BYTES, missing_ok=True, small=True)
    # A single .bin's first reads need no listing (see probe_torch_single).
    bin_future = pool.submit(probe_torch_single, reader, revision, pool) if weights == "bin" else None
    listed_commit, files = list_files(reader, revision, sizes)
    config_reply = config_future.result()
    commit = listed_commit or (config_reply.commit if config_reply else None)
    config = json_object(config_reply.body, "config.json", ConfigError) if config_reply else None
    probed = _probed(bin_future, commit)
    other = read_other_remote(reader, files, commit or revision, pool, sizes, weights, probed=probed)
    if other is None:
        raise NoWeightsError(f"{repo_id}@{revision}", weights, files)
    headers, index, weights_config, _ = other
    snapshot = Snapshot.build(
        ref, repo_id, headers, config=config or weights_config, index=index, commit=commit, other_files=tuple(sorted(files))
    )
    return snapshot, {}


def _plan_file(
    ref: str, repo_id: str, revision: str, reader: HubReader, pool: ThreadPoolExecutor, name: str, want_files: bool
) -> Snapshot:
    """One weight file named by the user: level 1 sends its first read (the Hub's 302 names its
    size, commit and CDN location), config.json and, for ``check``, the listing; level 2 is the
    CDN's answer (with a zip's tail, sent at the redirect). A split GGUF's parts follow from the
    name and are read side by side."""
    from ..formats.gguf import split_names
    from ..formats.to_headers import gguf_config, gguf_header, torch_header
    from .other_formats import GGUF_FIRST_REMOTE, TORCH_SUFFIXES, parse_remote

    lower = name.lower()
    kind = "gguf" if lower.endswith(".gguf") else "bin" if lower.endswith(TORCH_SUFFIXES) else "safetensors"
    names = (split_names(name) if kind == "gguf" else None) or [name]
    config_future = pool.submit(reader.get, "config.json", revision, limit=MAX_CONFIG_BYTES, missing_ok=True, small=True)
    listing = pool.submit(list_files, reader, revision) if want_files else None

    def first(part: str):
        if kind == "bin":
            reads = probe_torch_single(reader, revision, pool, name=part)
        else:
            length = GGUF_FIRST_REMOTE if kind == "gguf" else SPECULATIVE_BYTES
            head = reader.get(part, revision, start=0, length=length, missing_ok=True)
            reads = None if head is None else [(0, head)]
        if reads is None:
            raise RemoteFileNotFound(
                f"{part} is not in {repo_id} at {revision}", hint="check the file name against the repo's files",
                repo=repo_id, revision=revision,
            )
        return reads

    jobs = {part: pool.submit(first, part) for part in names}
    firsts = {part: job.result() for part, job in jobs.items()}
    commit = next((reads[0][1].commit for reads in firsts.values() if reads[0][1].commit), None) or reader.seen_commit
    pin = commit or revision
    config_reply = config_future.result()
    if config_reply is not None and commit and config_reply.commit and config_reply.commit != commit:
        config_reply = reader.get("config.json", pin, limit=MAX_CONFIG_BYTES, missing_ok=True, small=True)
    config = json_object(config_reply.body, "config.json", ConfigError) if config_reply else None
    other_files: tuple[str, ...] = tuple(sorted(listing.result()[1])) if listing is not None else ()
    if kind == "safetensors":
        results = {part: read_header_remote(reader, part, pin, firsts[part][0][1]) for part in names}
        files = _mark_skeletons(reader, [results[part].header for part in names], pin)
        return Snapshot.build(ref, repo_id, files, config=config, commit=commit, other_files=other_files)
    parsed = {part: parse_remote(reader, part, pin, kind, firsts[part]) for part in names}
    if kind == "gguf":
        headers = [gguf_header(parsed[part][0], part, parsed[part][1]) for part in names]
        config = config or next((c for c in (gguf_config(parsed[part][0]) for part in names) if c), None)
    else:
        headers = [torch_header(parsed[part][0], part, parsed[part][1]) for part in names]
    return Snapshot.build(ref, repo_id, headers, config=config, commit=commit, other_files=other_files)


def probe_torch_single(
    reader, revision: str, pool, wanted=lambda: True, name: str = BIN_SINGLE_NAME
) -> tuple[object, list[tuple[int, object]]] | None:
    """Speculative first reads of ``pytorch_model.bin``, sent before anyone knows it is there.

    The head goes to ``/resolve``; the Hub's redirect names the file's size and its CDN location,
    so the tail (the zip directory) goes to that location as soon as the redirect arrives, beside
    the head's own answer: both in one round trip after the redirect. ``wanted()`` turning False
    (the safetensors turned up) drops the reads still to be sent. Returns the first reads as
    the ``.bin`` reader takes them, or None when there is no such file.
    """
    tails: list[tuple[int, object]] = []

    def on_redirect(location: str, size: int | None) -> bool:
        if not wanted():
            return False
        if size is not None and size > PROBE_HEAD and not tails:
            start = max(PROBE_HEAD, size - PROBE_TAIL)
            job = pool.submit(
                reader.request, location, name, revision, start=start, want=size - start, ranged=True,
                missing_ok=False, extra={"Range": f"bytes={start}-{size - 1}"},
            )
            tails.append((start, job))
        return True

    head = reader.get(name, revision, start=0, length=PROBE_HEAD, missing_ok=True, on_redirect=on_redirect)
    if head is None:
        return None
    return [(0, head)] + [(start, job.result()) for start, job in tails]


def _probed(future: Future | None, commit: str | None) -> list | None:
    """The speculative ``pytorch_model.bin`` reads, when they are of this snapshot."""
    try:
        reads = future.result() if future is not None else None
    except RemoteError:
        return None  # read again the ordinary way, which says what went wrong
    if reads and commit and reads[0][1].commit and reads[0][1].commit != commit:
        return None  # a push between the reads: the file is read again at the commit
    return reads


def _probed_index(future: Future | None, commit: str | None):
    """The speculative read of a sharded ``.bin``'s index, when it is of this snapshot."""
    try:
        reply = future.result() if future is not None else None
    except RemoteError:
        return None
    return None if reply is None or (commit and reply.commit and reply.commit != commit) else reply


def _mark_skeletons(reader: HubReader, files: list[HeaderFile], revision: str) -> list[HeaderFile]:
    """The local rule, over the Hub: a file that ends right after its header is a skeleton only
    where the repo's ``SKELETON_MARKER`` lists it, else a download cut short. The marker is asked
    for only when there is such a file: one request more for a skeleton repo, none for any other."""
    if not any(h.file_size is not None and h.file_size == h.data_start < h.full_size for h in files):
        return files
    reply = reader.get(SKELETON_MARKER, revision, limit=MAX_MARKER_BYTES, missing_ok=True)
    try:
        marked = marked_skeletons(json_object(reply.body, SKELETON_MARKER, ConfigError)) if reply else frozenset()
    except ConfigError:  # a marker that cannot be read marks nothing
        marked = frozenset()
    return [replace(h, marked_skeleton=True) if h.name in marked else h for h in files]


def _reread(reader: HubReader, name: str, commit: str) -> Reply | None:
    if name == SINGLE_NAME:
        return reader.get(name, commit, length=SPECULATIVE_BYTES, missing_ok=True)
    limit = MAX_INDEX_BYTES if name == INDEX_NAME else MAX_CONFIG_BYTES
    return reader.get(name, commit, limit=limit, missing_ok=True, small=True)


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
