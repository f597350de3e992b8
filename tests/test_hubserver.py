"""Tests of the fake Hub itself, driven by huggingface_hub's own client and by raw httpx2 requests."""

from __future__ import annotations

import json
import math
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import HfApi, constants as hf_constants, get_hf_file_metadata, hf_hub_download, hf_hub_url
from huggingface_hub.hf_api import RepoFile, RepoFolder
from huggingface_hub.utils import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
    hf_raise_for_status,
    http_backoff,
)

try:  # imported as a package module when the project root is on sys.path ...
    from tests.hubserver import DEFAULT_TOKEN, FakeHub, Repo, fixture_repos
except ImportError:  # ... and as a top-level module under pytest's default rootdir-relative import mode
    from hubserver import DEFAULT_TOKEN, FakeHub, Repo, fixture_repos

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"

DTYPE_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "I8": 1, "U8": 1, "F8_E4M3": 1, "I64": 8}

# A two-layer, Llama-shaped model split over two shards (only the headers exist on disk).
HIDDEN, INTER, VOCAB, KV = 4096, 14336, 128256, 1024


def write_skeleton(path: Path, tensors: dict[str, tuple[str, list[int]]], metadata: dict | None = None) -> int:
    """Write a safetensors file cut after its header; return the size of the full file it stands for."""
    header: dict = {"__metadata__": metadata} if metadata else {}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        nbytes = math.prod(shape) * DTYPE_BYTES[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # safetensors pads the header to 8-byte alignment
    path.write_bytes(struct.pack("<Q", len(raw)) + raw)
    return 8 + len(raw) + offset


def layer_tensors(i: int) -> dict[str, tuple[str, list[int]]]:
    p = f"model.layers.{i}"
    return {
        f"{p}.self_attn.q_proj.weight": ("BF16", [HIDDEN, HIDDEN]),
        f"{p}.self_attn.k_proj.weight": ("BF16", [KV, HIDDEN]),
        f"{p}.self_attn.v_proj.weight": ("BF16", [KV, HIDDEN]),
        f"{p}.self_attn.o_proj.weight": ("BF16", [HIDDEN, HIDDEN]),
        f"{p}.mlp.gate_proj.weight": ("BF16", [INTER, HIDDEN]),
        f"{p}.mlp.up_proj.weight": ("BF16", [INTER, HIDDEN]),
        f"{p}.mlp.down_proj.weight": ("BF16", [HIDDEN, INTER]),
        f"{p}.input_layernorm.weight": ("BF16", [HIDDEN]),
        f"{p}.post_attention_layernorm.weight": ("BF16", [HIDDEN]),
    }


SHARDS = {
    "model-00001-of-00002.safetensors": {"model.embed_tokens.weight": ("BF16", [VOCAB, HIDDEN]), **layer_tensors(0)},
    "model-00002-of-00002.safetensors": {
        **layer_tensors(1),
        "model.norm.weight": ("BF16", [HIDDEN]),
        "lm_head.weight": ("BF16", [VOCAB, HIDDEN]),
    },
}
N_TENSORS = sum(len(t) for t in SHARDS.values())  # 21
N_PARAMS = sum(math.prod(shape) for t in SHARDS.values() for _, shape in t.values())
CONFIG = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": HIDDEN, "num_hidden_layers": 2}

BIG_SHAPE = [50_000, 50_000]  # 5 GB of F16: offsets and sizes beyond 32 bits
PICKLE_BYTES = b"\x80\x02}q\x00." + bytes(range(256)) * 4
PR_COMMIT = "b" * 40


@pytest.fixture(scope="module")
def skeletons(tmp_path_factory) -> dict[str, Path]:
    """Skeleton folders built once per module: name -> folder."""
    root = tmp_path_factory.mktemp("skeletons")

    tiny = root / "tiny"
    (tiny / "original").mkdir(parents=True)
    (tiny / "config.json").write_text(json.dumps(CONFIG))
    (tiny / "original" / "params.json").write_text('{"dim": 4096}')
    weight_map, total = {}, 0
    for shard, tensors in SHARDS.items():
        write_skeleton(tiny / shard, tensors, {"format": "pt"})
        weight_map.update(dict.fromkeys(tensors, shard))
        total += sum(math.prod(s) * DTYPE_BYTES[d] for d, s in tensors.values())
    (tiny / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map})
    )

    single = root / "single"
    single.mkdir()
    (single / "config.json").write_text(json.dumps(CONFIG))
    write_skeleton(single / "model.safetensors", {"weight": ("F16", BIG_SHAPE)})

    # A header bigger than the 100 kB first read of huggingface_hub, so a second ranged read is needed.
    wide = root / "wide"
    wide.mkdir()
    many = {f"blocks.{i}.some.rather.long.tensor.name": ("F32", [8]) for i in range(3000)}
    write_skeleton(wide / "model.safetensors", many)

    pickle_only = root / "pickle"
    pickle_only.mkdir()
    (pickle_only / "config.json").write_text(json.dumps(CONFIG))
    return {"tiny": tiny, "single": single, "wide": wide, "pickle": pickle_only}


@pytest.fixture
def repos(skeletons) -> list[Repo]:
    pickle_only = Repo("org/pickle-only", skeletons["pickle"], extra_files={"pytorch_model.bin": PICKLE_BYTES})
    pickle_only.branches["refs/pr/1"] = PR_COMMIT  # next to the default {"main": commit}
    return [
        Repo("org/tiny", skeletons["tiny"]),
        Repo("org/single", skeletons["single"]),
        Repo("org/wide", skeletons["wide"]),
        Repo("org/gated", skeletons["tiny"], gated=True),
        Repo("org/private", skeletons["tiny"], private=True),
        pickle_only,
    ]


@pytest.fixture
def hub(repos):
    with FakeHub(repos, direct=True) as h:
        yield h
        assert h.errors == []  # nothing blew up inside the server


@pytest.fixture
def client():
    with httpx2.Client(trust_env=False) as c:
        yield c


@pytest.fixture(autouse=True)
def isolated_hf_cache(tmp_path, monkeypatch):
    # get_safetensors_metadata downloads the index into the default cache: keep it per test.
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))


def full_size(folder: Path, shard: str) -> int:
    raw = (folder / shard).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    return 8 + n + max(v["data_offsets"][1] for k, v in header.items() if k != "__metadata__")


# ------------------------------------------------------------------------------------------------
# huggingface_hub against the fake hub


def test_model_info(hub, repos):
    api = HfApi(endpoint=hub.endpoint, token=False)
    info = api.model_info("org/tiny")
    assert info.id == "org/tiny"
    assert info.sha == repos[0].commit
    assert {s.rfilename for s in info.siblings} == {
        "config.json",
        "model.safetensors.index.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "original/params.json",
    }
    assert info.gated is False and info.private is False
    assert info.safetensors.total == N_PARAMS and info.safetensors.parameters == {"BF16": N_PARAMS}
    assert "llama" in info.tags

    # expand[] is answered with the full object; huggingface_hub still parses it
    assert api.model_info("org/tiny", expand=["sha", "siblings"]).sha == repos[0].commit

    # extra files are listed; a revision can be an encoded refs/pr/N branch
    pr = api.model_info("org/pickle-only", revision="refs/pr/1")
    assert pr.sha == PR_COMMIT
    assert {s.rfilename for s in pr.siblings} == {"config.json", "pytorch_model.bin"}

    # a gated repo's info is public (as on the Hub), and says it is gated
    assert api.model_info("org/gated").gated == "auto"


def test_model_info_files_metadata(hub, skeletons):
    info = HfApi(endpoint=hub.endpoint, token=False).model_info("org/tiny", files_metadata=True)
    siblings = {s.rfilename: s for s in info.siblings}
    shard = siblings["model-00002-of-00002.safetensors"]
    assert shard.size == full_size(skeletons["tiny"], "model-00002-of-00002.safetensors")
    assert shard.lfs is not None and shard.lfs.size == shard.size and len(shard.lfs.sha256) == 64
    assert siblings["config.json"].lfs is None
    assert siblings["config.json"].size == (skeletons["tiny"] / "config.json").stat().st_size


def test_get_safetensors_metadata_sharded(hub):
    meta = HfApi(endpoint=hub.endpoint, token=False).get_safetensors_metadata("org/tiny")
    assert meta.sharded
    assert set(meta.files_metadata) == set(SHARDS)
    assert sum(len(f.tensors) for f in meta.files_metadata.values()) == N_TENSORS
    assert meta.parameter_count == {"BF16": N_PARAMS}
    assert meta.files_metadata["model-00001-of-00002.safetensors"].tensors["model.embed_tokens.weight"].shape == [
        VOCAB,
        HIDDEN,
    ]
    # each shard header came from one ranged GET answered with 206
    shard_gets = [e for e in hub.log if e.method == "GET" and e.path.endswith(".safetensors")]
    assert len(shard_gets) == 2
    assert all(e.status == 206 and e.range == "bytes=0-100000" for e in shard_gets)
    # the HEAD for model.safetensors was a 404 (EntryNotFound), which made huggingface_hub read the index
    assert any(e.method == "HEAD" and e.path.endswith("/model.safetensors") and e.status == 404 for e in hub.log)


def test_get_safetensors_metadata_single_5gb_file(hub, skeletons):
    api = HfApi(endpoint=hub.endpoint, token=False)
    meta = api.get_safetensors_metadata("org/single")
    assert not meta.sharded
    assert meta.files_metadata["model.safetensors"].tensors["weight"].shape == BIG_SHAPE

    size = full_size(skeletons["single"], "model.safetensors")
    assert size > 5_000_000_000
    url = hf_hub_url("org/single", "model.safetensors", endpoint=hub.endpoint)
    file_meta = get_hf_file_metadata(url, token=False)
    assert file_meta.size == size
    assert file_meta.commit_hash == api.model_info("org/single").sha
    assert file_meta.location == url
    assert len(file_meta.etag) == 64  # X-Linked-Etag: the LFS sha256


def test_header_larger_than_first_read(hub):
    meta = HfApi(endpoint=hub.endpoint, token=False).get_safetensors_metadata("org/wide")
    assert len(meta.files_metadata["model.safetensors"].tensors) == 3000
    gets = [e for e in hub.log if e.method == "GET" and e.path.endswith("model.safetensors")]
    assert [e.range for e in gets][0] == "bytes=0-100000"
    assert len(gets) == 2 and gets[1].range.startswith("bytes=8-") and gets[1].status == 206


def test_hf_hub_download_config(hub, repos, tmp_path, skeletons):
    path = hf_hub_download(
        "org/tiny", "config.json", endpoint=hub.endpoint, cache_dir=tmp_path / "cache", token=False
    )
    assert json.loads(Path(path).read_text()) == CONFIG
    assert repos[0].commit in path  # stored under snapshots/<commit>/

    # by full commit sha, and from a subfolder
    sub = hf_hub_download(
        "org/tiny",
        "original/params.json",
        revision=repos[0].commit,
        endpoint=hub.endpoint,
        cache_dir=tmp_path / "cache",
        token=False,
    )
    assert Path(sub).read_bytes() == (skeletons["tiny"] / "original" / "params.json").read_bytes()
    assert [(e.method, e.status) for e in hub.log if "config.json" in e.path] == [("HEAD", 200), ("GET", 200)]


def test_list_repo_tree(hub, client, skeletons):
    api = HfApi(endpoint=hub.endpoint, token=False)
    top = {e.path: e for e in api.list_repo_tree("org/tiny")}
    assert isinstance(top["original"], RepoFolder)
    assert "original/params.json" not in top
    shard = top["model-00001-of-00002.safetensors"]
    assert isinstance(shard, RepoFile)
    assert shard.size == full_size(skeletons["tiny"], "model-00001-of-00002.safetensors")
    assert shard.lfs.size == shard.size and shard.lfs.pointer_size in (134, 135)
    assert top["config.json"].lfs is None

    everything = {e.path for e in api.list_repo_tree("org/tiny", recursive=True)}
    assert "original/params.json" in everything
    assert [e.path for e in api.list_repo_tree("org/tiny", path_in_repo="original")] == ["original/params.json"]
    with pytest.raises(EntryNotFoundError):
        list(api.list_repo_tree("org/tiny", path_in_repo="nope"))

    # the raw call hf-mem makes
    r = client.get(f"{hub.endpoint}/api/models/org/tiny/tree/main?recursive=true")
    raw = {e["path"]: e for e in r.json()}
    assert raw["model-00002-of-00002.safetensors"]["type"] == "file"
    assert raw["model-00002-of-00002.safetensors"]["lfs"]["pointerSize"] in (134, 135)


# ------------------------------------------------------------------------------------------------
# Raw HTTP: ranges, headers, errors


def test_range_requests(hub, client, skeletons, repos):
    url = hub.url("org/single", "model.safetensors")
    on_disk = (skeletons["single"] / "model.safetensors").read_bytes()
    size = hub.file_size("org/single", "model.safetensors")

    r = client.get(url, headers={"Range": "bytes=0-99"})
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes 0-99/{size}"
    assert r.headers["Content-Length"] == "100" and r.content == (on_disk + bytes(100))[:100]
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["X-Repo-Commit"] == repos[1].commit
    assert r.headers["X-Linked-Size"] == str(size)
    assert r.headers["ETag"] == r.headers["X-Linked-Etag"] and r.headers["ETag"].startswith('"')

    # across the end of what is on disk: header tail, then zeros
    n = len(on_disk)
    r = client.get(url, headers={"Range": f"bytes={n - 4}-{n + 3}"})
    assert r.content == on_disk[-4:] + bytes(4)

    # open-ended and suffix ranges at the far end of the 5 GB file
    r = client.get(url, headers={"Range": f"bytes={size - 5}-"})
    assert r.status_code == 206 and r.content == bytes(5)
    assert r.headers["Content-Range"] == f"bytes {size - 5}-{size - 1}/{size}"
    r = client.get(url, headers={"Range": "bytes=-10"})
    assert r.headers["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}" and r.content == bytes(10)

    # a range past a small file is clamped, as a CDN does
    config = (skeletons["single"] / "config.json").read_bytes()
    r = client.get(hub.url("org/single", "config.json"), headers={"Range": "bytes=0-100000"})
    assert r.status_code == 206 and r.content == config
    assert r.headers["Content-Range"] == f"bytes 0-{len(config) - 1}/{len(config)}"

    # no Range: the whole file (HEAD to see the length without 5 GB of body)
    r = client.head(url)
    assert r.status_code == 200 and int(r.headers["Content-Length"]) == size and r.content == b""
    r = client.get(hub.url("org/single", "config.json"))
    assert r.status_code == 200 and r.content == config and "Content-Range" not in r.headers


def test_unsatisfiable_range(hub, client):
    size = hub.file_size("org/single", "model.safetensors")
    r = client.get(hub.url("org/single", "model.safetensors"), headers={"Range": f"bytes={size}-"})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{size}"
    with pytest.raises(HfHubHTTPError) as exc:
        hf_raise_for_status(r)
    assert exc.value.response.status_code == 416


def test_ignore_range(hub, client):
    hub.ignore_range = True
    size = hub.file_size("org/single", "model.safetensors")
    with client.stream("GET", hub.url("org/single", "model.safetensors"), headers={"Range": "bytes=0-99"}) as r:
        assert r.status_code == 200
        assert int(r.headers["Content-Length"]) == size and "Content-Range" not in r.headers
        first = next(r.iter_raw())
        assert struct.unpack("<Q", first[:8])[0] > 0  # starts with the header length, as the real file
    # the server survives the client hanging up mid-body, and the next request is fine
    hub.ignore_range = False
    assert client.get(hub.url("org/single", "config.json"), headers={"Range": "bytes=0-1"}).status_code == 206


@pytest.mark.parametrize(
    ("path", "token", "error", "status", "code"),
    [
        # The Hub hides which repos exist: 401 without a token, 404 with one.
        ("/nobody/nothing/resolve/main/config.json", None, RepositoryNotFoundError, 401, "RepoNotFound"),
        ("/api/models/nobody/nothing", None, RepositoryNotFoundError, 401, "RepoNotFound"),
        ("/api/models/nobody/nothing", DEFAULT_TOKEN, RepositoryNotFoundError, 404, "RepoNotFound"),
        ("/org/tiny/resolve/nope/config.json", None, RevisionNotFoundError, 404, "RevisionNotFound"),
        ("/api/models/org/tiny/revision/nope", None, RevisionNotFoundError, 404, "RevisionNotFound"),
        ("/api/models/org/tiny/tree/nope", None, RevisionNotFoundError, 404, "RevisionNotFound"),
        ("/org/tiny/resolve/main/nope.json", None, EntryNotFoundError, 404, "EntryNotFound"),
        ("/org/gated/resolve/main/config.json", None, GatedRepoError, 401, "GatedRepo"),
        ("/org/private/resolve/main/config.json", None, RepositoryNotFoundError, 401, "RepoNotFound"),
    ],
)
def test_errors_like_the_hub(hub, client, path, token, error, status, code):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = client.get(hub.endpoint + path, headers=headers)
    assert r.status_code == status
    assert r.headers["X-Error-Code"] == code and r.headers["X-Error-Message"]
    with pytest.raises(error) as exc:
        hf_raise_for_status(r)
    if error is RepositoryNotFoundError:
        assert not isinstance(exc.value, GatedRepoError)  # GatedRepoError subclasses RepositoryNotFoundError
    if code == "GatedRepo":
        assert r.headers["X-Error-Message"].startswith("Access to model org/gated is restricted")


def test_token_unlocks_gated_and_private(hub, client):
    auth = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    assert client.get(hub.url("org/gated", "config.json"), headers=auth).json() == CONFIG
    assert client.get(hub.url("org/private", "config.json"), headers=auth).json() == CONFIG
    api = HfApi(endpoint=hub.endpoint, token=DEFAULT_TOKEN)
    assert api.model_info("org/private").private is True
    assert len(api.get_safetensors_metadata("org/gated").files_metadata) == 2
    # without the token huggingface_hub reports the gate
    with pytest.raises(GatedRepoError):
        HfApi(endpoint=hub.endpoint, token=False).get_safetensors_metadata("org/gated")


def test_revisions(hub, client, repos):
    pickle_repo = repos[-1]
    for revision in ("main", pickle_repo.commit, "refs%2Fpr%2F1", "refs/pr/1", PR_COMMIT):
        r = client.get(f"{hub.endpoint}/org/pickle-only/resolve/{revision}/pytorch_model.bin")
        assert r.status_code == 200 and r.content == PICKLE_BYTES, revision
    r = client.head(f"{hub.endpoint}/org/pickle-only/resolve/refs%2Fpr%2F1/config.json")
    assert r.headers["X-Repo-Commit"] == PR_COMMIT
    assert "X-Linked-Etag" not in r.headers and "X-Linked-Size" not in r.headers  # not an LFS file


# ------------------------------------------------------------------------------------------------
# Fault knobs


def test_fail_next_503(hub, client):
    url = hub.url("org/tiny", "config.json")
    hub.fail_next = 2
    assert [client.get(url).status_code for _ in range(3)] == [503, 503, 200]
    assert hub.fail_next == 0

    # huggingface_hub's backoff retries through the failures
    hub.reset_log()
    hub.fail_next = 2
    r = http_backoff("GET", url, base_wait_time=0.01, max_wait_time=0.02)
    assert r.status_code == 200
    assert [e.status for e in hub.log] == [503, 503, 200]


def test_fail_next_429_retry_after(hub, client):
    url = hub.url("org/tiny", "config.json")
    hub.fail_status, hub.retry_after, hub.fail_next = 429, 7, 1
    r = client.get(url)
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    with pytest.raises(HfHubHTTPError) as exc:
        hf_raise_for_status(r)
    assert exc.value.response.status_code == 429

    # huggingface_hub waits Retry-After + 1 s rather than its own 10 ms backoff
    hub.retry_after, hub.fail_next = 0, 1
    t0 = time.monotonic()
    assert http_backoff("GET", url, base_wait_time=0.01).status_code == 200
    assert time.monotonic() - t0 >= 1.0


def test_reset_next(hub):
    url = hub.url("org/tiny", "config.json")
    hub.reset_next = 1
    with httpx2.Client(trust_env=False) as c:
        with pytest.raises(httpx2.TransportError):
            c.get(url)
        assert c.get(url).status_code == 200
    assert [e.status for e in hub.log] == [None, 200]

    hub.reset_log()
    hub.reset_next = 2
    assert http_backoff("GET", url, base_wait_time=0.01, max_wait_time=0.02).status_code == 200
    assert [e.status for e in hub.log] == [None, None, 200]


def test_stall_and_client_timeout(hub):
    url = hub.url("org/tiny", "config.json")
    hub.stall_seconds = 5
    t0 = time.monotonic()
    with pytest.raises(httpx2.ReadTimeout):
        httpx2.get(url, timeout=0.3, trust_env=False)
    assert time.monotonic() - t0 < 2
    hub.stall_seconds = 0
    assert httpx2.get(url, trust_env=False).status_code == 200


def test_close_does_not_wait_for_stalls(repos):
    hub = FakeHub(repos, direct=True)
    hub.stall_seconds = 60
    outcome = []

    def call():
        try:
            outcome.append(httpx2.get(hub.url("org/tiny", "config.json"), timeout=30, trust_env=False))
        except httpx2.TransportError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    hub.close()
    caller.join(timeout=10)
    assert time.monotonic() - t0 < 2
    assert len(outcome) == 1 and isinstance(outcome[0], httpx2.TransportError)  # dropped, never answered


# ------------------------------------------------------------------------------------------------
# LFS redirect to the second host name


def test_lfs_redirect_metadata(repos, skeletons):
    with FakeHub(repos, direct=True, lfs_redirect=True) as hub:
        url = hf_hub_url("org/gated", "model-00001-of-00002.safetensors", endpoint=hub.endpoint)
        meta = get_hf_file_metadata(url, token=DEFAULT_TOKEN)
        assert meta.location.startswith(f"{hub.cdn_endpoint}/lfs/org/gated/{meta.commit_hash}/")
        assert meta.size == full_size(skeletons["tiny"], "model-00001-of-00002.safetensors")
        assert len(meta.etag) == 64  # from X-Linked-Etag, not the pointer's git oid in ETag
        # the 302 was not followed: another host, and the token must stay on the Hub
        assert [(e.method, e.status, e.authorization) for e in hub.log] == [("HEAD", 302, True)]
        assert hub.errors == []


def test_lfs_redirect_never_forwards_the_token(repos):
    with FakeHub(repos, direct=True, lfs_redirect=True) as hub:
        api = HfApi(endpoint=hub.endpoint, token=DEFAULT_TOKEN)
        meta = api.get_safetensors_metadata("org/gated")
        assert sum(len(f.tensors) for f in meta.files_metadata.values()) == N_TENSORS

        host = hub.endpoint.removeprefix("http://")
        resolves = [e for e in hub.log if "/resolve/" in e.path and e.path.endswith(tuple(SHARDS))]
        cdn = [e for e in hub.log if e.path.startswith("/lfs/")]
        assert resolves and all(e.status == 302 and e.host == host and e.authorization for e in resolves)
        assert len(cdn) == 2
        assert all(e.status == 206 and e.origin == "cdn" and not e.authorization for e in cdn)
        # non-LFS files are served directly, with the token
        assert any(e.path.endswith("/model.safetensors.index.json") and e.status == 200 for e in hub.log)

        # hf_hub_download of an LFS file also drops the token for the CDN
        hub.reset_log()
        path = hf_hub_download("org/pickle-only", "pytorch_model.bin", endpoint=hub.endpoint, token=DEFAULT_TOKEN)
        assert Path(path).read_bytes() == PICKLE_BYTES
        [download] = [e for e in hub.log if e.method == "GET"]
        assert download.path.startswith("/lfs/org/pickle-only/") and not download.authorization
        assert hub.errors == []


# ------------------------------------------------------------------------------------------------
# Log, levels, byte counting, connections


def test_levels(repos):
    with FakeHub(repos, direct=True, latency=0.05) as hub:
        url = hub.url("org/tiny", "config.json")
        assert hub.levels() == 0
        with httpx2.Client(trust_env=False) as c:
            for _ in range(3):
                c.get(url)
            assert hub.levels() == 3

            hub.reset_log()
            hub.latency = 0.6  # wide enough that a busy machine still starts all four within one wave
            with ThreadPoolExecutor(4) as pool:
                statuses = list(pool.map(lambda _: httpx2.get(url, trust_env=False).status_code, range(4)))
            assert statuses == [200] * 4
            assert hub.levels() == 1  # one wave
            c.get(url)  # a request that waited for the wave
            assert hub.levels() == 2
            assert hub.levels(gap=10.0) == 1  # nothing started 10 s after another ended
        log = hub.log
        assert all(e.t_end - e.t_start >= 0.05 for e in log)  # latency is paid by every request
        # the waves really were sequential: the last request started after all others had ended
        assert log[-1].t_start >= max(e.t_end for e in log[:-1])


def test_byte_counter_and_early_disconnect(hub, client, capfd):
    url = hub.url("org/single", "model.safetensors")
    client.get(url, headers={"Range": "bytes=0-99"})
    client.head(url)
    assert [e.bytes_sent for e in hub.log] == [100, 0]
    assert hub.bytes_sent == 100

    # read one chunk of the 5 GB file, then hang up
    with client.stream("GET", url) as r:
        assert r.status_code == 200
        next(r.iter_raw())
    entry = hub.log[-1]
    assert entry.status == 200 and 0 < entry.bytes_sent < hub.file_size("org/single", "model.safetensors")
    assert hub.bytes_sent == 100 + entry.bytes_sent

    hub.reset_log()
    assert hub.log == [] and hub.bytes_sent == 0
    assert client.get(hub.url("org/tiny", "config.json")).status_code == 200  # still serving
    assert capfd.readouterr().err == ""  # no traceback from the broken pipe


def test_keep_alive(hub, client):
    for name in ("config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors"):
        r = client.get(hub.url("org/tiny", name), headers={"Range": "bytes=0-1023"})
        assert r.http_version == "HTTP/1.1"
    ports = {e.client_port for e in hub.log}
    assert len(hub.log) == 3 and len(ports) == 1  # one connection, reused


# ------------------------------------------------------------------------------------------------
# Fixtures and the command line


def test_fixture_repos_maps_names(tmp_path, skeletons):
    assert fixture_repos(tmp_path) == []
    shutil.copytree(skeletons["tiny"], tmp_path / "fixtures" / "Llama-3-8B-Instruct")
    for root in (tmp_path, tmp_path / "fixtures"):  # the project root or the fixtures folder
        [repo] = fixture_repos(root)
        assert repo.repo_id == "meta-llama/Meta-Llama-3-8B-Instruct"
        assert repo.folder == tmp_path / "fixtures" / "Llama-3-8B-Instruct"
        assert repo.branches == {"main": repo.commit} and len(repo.commit) == 40


@pytest.mark.skipif(
    not (FIXTURES / "Llama-3-8B-Instruct" / "model.safetensors.index.json").is_file(),
    reason="fixtures/Llama-3-8B-Instruct not present",
)
def test_real_llama_fixture():
    with FakeHub(fixture_repos(FIXTURES), direct=True) as hub:
        meta = HfApi(endpoint=hub.endpoint, token=False).get_safetensors_metadata(
            "meta-llama/Meta-Llama-3-8B-Instruct"
        )
        assert meta.sharded and len(meta.files_metadata) == 4
        assert sum(len(f.tensors) for f in meta.files_metadata.values()) == 291
        assert hub.errors == []


def test_command_line(tmp_path, skeletons):
    shutil.copytree(skeletons["tiny"], tmp_path / "Llama-3-8B-Instruct")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.hubserver", "--latency", "0.01", "--fixtures", str(tmp_path)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = proc.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:")
        info = HfApi(endpoint=endpoint, token=False).model_info("meta-llama/Meta-Llama-3-8B-Instruct")
        assert len([s for s in info.siblings if s.rfilename.endswith(".safetensors")]) == 2
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()
        proc.stderr.close()
