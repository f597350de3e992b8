"""PyTorch and GGUF repos over the fake Hub: the same numbers as locally, in bounded range reads."""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune.cli import app

from .conftest import FIXTURES, use_hub
from .hubserver import DEFAULT_TOKEN, FakeHub, Repo

PYTORCH = FIXTURES / "pytorch"
GGUF = FIXTURES / "gguf"
PADDING = 20 * 1024 * 1024  # tensor data the reader must not fetch


def padded_zip(source: Path) -> bytes:
    """``source`` with one more 20 MB storage record, so its directory sits far from data.pkl."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as out:
        prefix = original.namelist()[0].split("/")[0]
        for info in original.infolist():
            out.writestr(info, original.read(info.filename))
        out.writestr(f"{prefix}/data/padding", bytes(PADDING))
    return buffer.getvalue()


@pytest.fixture
def hub(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    tmp = tmp_path_factory.mktemp("format-repos")
    gguf_only = tmp / "gguf"
    gguf_only.mkdir()
    shutil.copy(GGUF / "tiny-llama-q4_0.gguf", gguf_only)
    big_gguf = (GGUF / "tiny-llama-f16.gguf").read_bytes() + bytes(PADDING)
    empty = tmp / "empty"
    empty.mkdir()
    config = (PYTORCH / "tiny-llama/config.json").read_bytes()
    repos = [
        Repo("fmt/bin", PYTORCH / "tiny-llama"),
        Repo("fmt/legacy", PYTORCH / "tiny-llama-legacy"),
        Repo("fmt/sharded", PYTORCH / "tiny-llama-sharded"),
        Repo("fmt/pruner", PYTORCH / "llm-pruner"),
        Repo("fmt/hostile", PYTORCH / "hostile"),
        Repo("fmt/gguf", gguf_only),
        Repo("fmt/split", GGUF / "tiny-llama-split"),
        Repo("fmt/big-bin", empty, extra_files={"pytorch_model.bin": padded_zip(PYTORCH / "tiny-llama/pytorch_model.bin"), "config.json": config}),
        Repo("fmt/big-gguf", empty, extra_files={"model-f16.gguf": big_gguf}),
    ]
    with FakeHub(repos) as server:
        use_hub(server.endpoint, monkeypatch, tmp_path, max_tries=4)
        yield server


def layers(source: str) -> list[tuple]:
    result = CliRunner().invoke(app, ["inspect", source, "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    return [(l["q_heads"], l["kv_heads"], l["head_dim"], l["intermediate_size"], l["params"]) for l in report["layers"]]


@pytest.mark.parametrize(
    ("repo", "local"),
    [
        ("fmt/bin", PYTORCH / "tiny-llama"),
        ("fmt/legacy", PYTORCH / "tiny-llama-legacy"),
        ("fmt/sharded", PYTORCH / "tiny-llama-sharded"),
        ("fmt/pruner", PYTORCH / "llm-pruner"),
        ("fmt/gguf", GGUF / "tiny-llama-q4_0.gguf"),
        ("fmt/split", GGUF / "tiny-llama-split"),
        ("fmt/big-bin", PYTORCH / "tiny-llama"),
        ("fmt/big-gguf", GGUF / "tiny-llama-f16.gguf"),
    ],
)
def test_hub_read_equals_local_read(hub: FakeHub, repo: str, local: Path) -> None:
    assert layers(repo) == layers(str(local))


@pytest.mark.parametrize("repo", ["fmt/big-bin", "fmt/big-gguf"])
def test_a_large_file_costs_its_metadata_only(hub: FakeHub, repo: str) -> None:
    hub.reset_log()
    layers(repo)
    hub.wait_idle()
    # 20 MB of tensor data behind a few KB of metadata: the head (and a zip's tail) only.
    assert hub.bytes_sent < 400_000, hub.bytes_sent
    weight_requests = [entry for entry in hub.log if ".bin" in entry.path or ".gguf" in entry.path]
    assert len(weight_requests) <= 2 * 2  # each read may be a redirect and its answer


# --- the plan for multi-GB files: requests, levels, bytes ---------------------------------------

HUGE = 5 * 1024**3  # a 5 GB member: ZIP64, and far more than any read may cost


def sparse_zip64(source: Path, target: Path, padding: int = HUGE) -> int:
    """``source`` (a torch.save zip) with one more stored member of ``padding`` bytes that are a
    hole in ``target``: a file of several GB that costs no disk. The member is written the way
    zip writers write one past 4 GB: ZIP64 sizes in its extra fields, a ZIP64 end record and
    locator. Its CRC is left 0: no reader of metadata checks it."""
    data = source.read_bytes()
    eocd = data.rindex(b"PK\x05\x06")
    entries, cd_size, cd_offset = struct.unpack("<HII", data[eocd + 10 : eocd + 20])
    members, directory = data[:cd_offset], data[cd_offset : cd_offset + cd_size]
    prefix = zipfile.ZipFile(io.BytesIO(data)).namelist()[0].split("/")[0]
    name = f"{prefix}/data/padding".encode()
    offset = len(members)
    local_extra = struct.pack("<HHQQ", 1, 16, padding, padding)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 0, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF, len(name), len(local_extra))
    central_extra = struct.pack("<HHQQ", 1, 16, padding, padding)
    central = struct.pack(
        "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, 0, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF,
        len(name), len(central_extra), 0, 0, 0, 0, offset,
    ) + name + central_extra  # fmt: skip
    with target.open("wb") as out:
        out.write(members + local + name + local_extra)
        out.seek(padding, io.SEEK_CUR)  # the hole
        new_cd_offset = out.tell()
        out.write(directory + central)
        zip64_eocd_offset = out.tell()
        count, size = entries + 1, len(directory) + len(central)
        out.write(struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, new_cd_offset))
        out.write(struct.pack("<4sIQI", b"PK\x06\x07", 0, zip64_eocd_offset, 1))
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, size, 0xFFFFFFFF, 0))
    return target.stat().st_size


def sparse_copy(source: Path, target: Path, padding: int = HUGE) -> int:
    """``source`` followed by ``padding`` bytes of hole (a GGUF whose tensor data we never read)."""
    shutil.copy(source, target)
    with target.open("r+b") as out:
        out.truncate(source.stat().st_size + padding)
    return target.stat().st_size


@pytest.fixture
def huge_hub(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    tmp = tmp_path_factory.mktemp("huge-repos")
    big_bin, big_gguf = tmp / "bin", tmp / "gguf"
    big_bin.mkdir(), big_gguf.mkdir()
    shutil.copy(PYTORCH / "tiny-llama/config.json", big_bin)
    sparse_zip64(PYTORCH / "tiny-llama/pytorch_model.bin", big_bin / "pytorch_model.bin")
    sparse_copy(GGUF / "tiny-llama-q4_0.gguf", big_gguf / "model-Q4_0.gguf")
    with FakeHub([Repo("huge/bin", big_bin), Repo("huge/gguf", big_gguf)], latency=0.2) as server:
        use_hub(server.endpoint, monkeypatch, tmp_path, max_tries=4)
        yield server, {"huge/bin": big_bin, "huge/gguf": big_gguf}


def test_the_sparse_zip64_fixture_is_a_real_zip(tmp_path: Path) -> None:
    size = sparse_zip64(PYTORCH / "tiny-llama/pytorch_model.bin", tmp_path / "p.bin")
    assert size > HUGE
    with zipfile.ZipFile(tmp_path / "p.bin") as archive:  # the standard library reads it as written
        padding = next(info for info in archive.infolist() if info.filename.endswith("/data/padding"))
        assert padding.file_size == HUGE


# (requests, request levels) a cold read costs. A level is one round trip on the critical path,
# counted by the test Hub: an LFS file's read is the Hub's 302 and then the CDN's 206, two levels.
# Level 1 (config.json, model.safetensors, the one-request metadata) finds no safetensors, and
# pytorch_model.bin's 302 names its size and CDN location: its head's 206 and its tail's go out
# side by side in level 2, beside the listing, the index and config.json's second hop. A GGUF's
# name is known only from the listing (level 2, beside a sharded .bin's index, a 404 here): its
# 302 and its first 256 KB follow.
COLD = {"huge/bin": (9, 2), "huge/gguf": (9, 4)}


@pytest.mark.parametrize("repo", ["huge/bin", "huge/gguf"])
def test_a_multi_gb_file_costs_a_few_reads_in_bounded_levels(huge_hub, repo: str) -> None:
    hub, folders = huge_hub
    weights = next(p for p in folders[repo].iterdir() if p.suffix in (".bin", ".gguf"))
    assert weights.stat().st_size > HUGE
    hub.reset_log()
    remote = layers(repo)
    hub.wait_idle()
    assert remote == layers(str(folders[repo]))
    requests, levels = COLD[repo]
    # A loaded machine can only push a parallel request later, into a deeper level: an upper bound.
    assert len(hub.log) == requests and hub.levels() <= levels
    assert hub.bytes_sent < 300_000  # of a 5 GB file
    ranged = [entry for entry in hub.log if entry.origin == "cdn"]
    assert ranged and all(entry.range for entry in ranged)


@pytest.fixture
def slow_hub(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    repos = [Repo("slow/sharded", PYTORCH / "tiny-llama-sharded"), Repo("slow/safetensors", PYTORCH / "tiny-llama-safetensors")]
    with FakeHub(repos, latency=0.2) as server:
        use_hub(server.endpoint, monkeypatch, tmp_path, max_tries=4)
        yield server


def test_a_sharded_bin_reads_its_index_beside_the_listing(slow_hub: FakeHub) -> None:
    slow_hub.reset_log()
    assert layers("slow/sharded") == layers(str(PYTORCH / "tiny-llama-sharded"))
    slow_hub.wait_idle()
    # Level 1 finds neither safetensors nor a single .bin; the listing and the index of the
    # .bin shards (from the commit cache) go out together; then each shard's 302 and its 206s.
    index = [e for e in slow_hub.log if e.path.endswith("/pytorch_model.bin.index.json")]
    assert len(index) == 1 and index[0].status == 200
    shards = [e for e in slow_hub.log if e.origin == "cdn"]
    assert shards and all(e.range for e in shards)
    assert len(slow_hub.log) == 12 and slow_hub.levels() <= 4


def test_on_a_safetensors_repo_the_bin_probe_is_one_404(slow_hub: FakeHub) -> None:
    slow_hub.reset_log()
    assert layers("slow/safetensors") == layers(str(PYTORCH / "tiny-llama-safetensors"))
    slow_hub.wait_idle()
    probes = [e for e in slow_hub.log if "pytorch_model.bin" in e.path]
    assert [(e.origin, e.status) for e in probes] == [("hub", 404)]
    # Otherwise the plan of a single-file safetensors repo: config.json's 307 and 200, the
    # endpoint's 404, model.safetensors' 302 and 206; still two levels.
    assert len(slow_hub.log) == 5 + 1 and slow_hub.levels() <= 2


def test_weights_bin_reads_a_single_bin_beside_the_listing(three_hub) -> None:
    hub, _ = three_hub
    hub.latency = 0.2
    hub.reset_log()
    read = hubprune.read_snapshot("fmt/three", weights="bin", use_cache=False)
    hub.wait_idle()
    assert [f.name for f in read.files] == ["pytorch_model.bin"]
    # config.json's 307 and 200, the listing, pytorch_model.bin's 302, its head's and tail's 206.
    assert len(hub.log) == 6 and hub.levels() <= 2


@pytest.mark.parametrize("repo", ["huge/bin", "huge/gguf"])
def test_a_warm_run_is_one_request(huge_hub, repo: str) -> None:
    hub, _ = huge_hub
    first = CliRunner().invoke(app, ["inspect", repo, "--format", "json"])
    assert first.exit_code == 0, first.output
    hub.wait_idle()
    hub.reset_log()
    second = CliRunner().invoke(app, ["inspect", repo, "--format", "json"])
    hub.wait_idle()
    assert second.exit_code == 0 and json.loads(second.stdout) == json.loads(first.stdout)
    assert len(hub.log) == 1 and hub.levels() == 1  # does main still point at the cached commit?


@pytest.fixture
def three_hub(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    folder = tmp_path_factory.mktemp("three") / "model"
    shutil.copytree(PYTORCH / "tiny-llama-safetensors", folder)
    shutil.copy(PYTORCH / "tiny-llama/pytorch_model.bin", folder)
    shutil.copy(GGUF / "tiny-llama-q4_0.gguf", folder)
    with FakeHub([Repo("fmt/three", folder)]) as server:
        use_hub(server.endpoint, monkeypatch, tmp_path, max_tries=4)
        yield server, folder


@pytest.mark.parametrize("weights", [None, "safetensors", "bin", "gguf"])
def test_weights_picks_the_format_over_the_hub(three_hub, weights) -> None:
    hub, folder = three_hub
    option = ["--weights", weights] if weights else []
    remote = CliRunner().invoke(app, ["check", "fmt/three", "--format", "json", *option])
    local = CliRunner().invoke(app, ["check", str(folder), "--format", "json", *option])
    assert remote.exit_code == local.exit_code == 0, remote.output + local.output
    remote_report, local_report = json.loads(remote.stdout), json.loads(local.stdout)
    assert [f["code"] for f in remote_report["findings"]] == [f["code"] for f in local_report["findings"]]
    assert "other_weights" in [f["code"] for f in remote_report["findings"]]
    read = hubprune.read_snapshot("fmt/three", weights=weights, use_cache=False)
    expected = {None: "model.safetensors", "safetensors": "model.safetensors", "bin": "pytorch_model.bin", "gguf": "tiny-llama-q4_0.gguf"}
    assert [f.name for f in read.files] == [expected[weights]]
    assert layers("fmt/three") == layers(str(folder))


def test_weights_beside_a_named_hub_file_of_another_format_is_a_usage_error(three_hub) -> None:
    hub, _ = three_hub
    before = len(hub.log)
    result = CliRunner().invoke(app, ["inspect", "fmt/three/tiny-llama-q4_0.gguf", "--weights", "safetensors"])
    assert result.exit_code == 2 and "is a gguf file" in result.stderr and "Traceback" not in result.output
    assert len(hub.log) == before  # refused before any request
    named = CliRunner().invoke(app, ["inspect", "fmt/three/tiny-llama-q4_0.gguf", "--weights", "gguf", "--format", "json"])
    assert named.exit_code == 0, named.output


# --- one model, three formats, local and remote: the same numbers from every command -------------

SAME_MODEL = {
    "fmt/same-safetensors": PYTORCH / "tiny-llama-safetensors",
    "fmt/same-bin": PYTORCH / "tiny-llama",
    "fmt/same-gguf-f16": GGUF / "tiny-llama-f16.gguf",
    "fmt/same-gguf-q4": GGUF / "tiny-llama-q4_0.gguf",
}
# What depends on how the weights are stored, not on the model: file and weight bytes.
STORAGE = {"download_bytes", "weight_bytes"}


@pytest.fixture
def same_model_hub(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    repos = []
    for repo, source in SAME_MODEL.items():
        if source.is_dir():
            repos.append(Repo(repo, source))
        else:
            folder = tmp_path_factory.mktemp(repo.split("/")[1])
            shutil.copy(source, folder)
            repos.append(Repo(repo, folder))
    with FakeHub(repos) as server:
        use_hub(server.endpoint, monkeypatch, tmp_path, max_tries=4)
        yield server


def _run_json(*args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _numbers(source: str) -> dict:
    """Per-layer numbers of inspect, check and compare (against the safetensors copy) for ``source``."""
    inspected = _run_json("inspect", source)["layers"]
    checked = _run_json("check", source)
    compared = _run_json("compare", str(SAME_MODEL["fmt/same-safetensors"]), source)
    return {
        "inspect": [(l["q_heads"], l["kv_heads"], l["head_dim"], l["intermediate_size"], l["params"], l["attn_params"], l["mlp_params"]) for l in inspected],
        "check": {k: v for k, v in checked["estimates"].items() if k not in STORAGE},
        "check_errors": [f["code"] for f in checked["findings"] if f["severity"] == "error"],
        "compare": [{k: v for k, v in l.items()} for l in compared["layers"]],
        "compare_totals": compared["totals"],
    }


def test_one_model_in_every_format_gives_the_same_numbers_locally_and_over_the_hub(same_model_hub) -> None:
    expected = _numbers(str(SAME_MODEL["fmt/same-safetensors"]))
    assert expected["check_errors"] == [] and len(expected["inspect"]) == 2
    assert all(l["pruned_pct"] == 0.0 for l in expected["compare"])
    for repo, local in SAME_MODEL.items():
        assert _numbers(str(local)) == expected, local
        assert _numbers(repo) == expected, repo


@pytest.mark.parametrize("command", ["check", "inspect"])
def test_the_hostile_pickle_over_the_hub_is_named_and_cached_with_its_globals(hub: FakeHub, command: str) -> None:
    for _ in range(2):  # cold, then from the header cache
        result = CliRunner().invoke(app, [command, "fmt/hostile", "--format", "json"])
        assert result.exit_code == (1 if command == "check" else 0), result.output
        imports = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "pickle_imports"]
        assert len(imports) == 1 and imports[0]["severity"] == "error" and "os.system" in imports[0]["message"]


def test_the_tail_read_sent_at_the_redirect_carries_no_token_to_the_cdn(huge_hub, monkeypatch: pytest.MonkeyPatch) -> None:
    hub, _ = huge_hub
    monkeypatch.setenv("HF_TOKEN", DEFAULT_TOKEN)
    hub.reset_log()
    layers("huge/bin")
    hub.wait_idle()
    cdn = [e for e in hub.log if e.origin == "cdn"]
    assert len(cdn) == 2 and all(e.range for e in cdn)  # the head and the tail
    assert not any(e.authorization for e in cdn)
    assert all(e.authorization for e in hub.log if e.origin == "hub")


# --- one weight file named in the reference -----------------------------------------------------


@pytest.mark.parametrize("source", ["huge/gguf/model-Q4_0.gguf", "hf://huge/gguf/model-Q4_0.gguf", "huge/bin/pytorch_model.bin"])
def test_a_named_file_is_read_in_two_levels(huge_hub, source: str) -> None:
    hub, folders = huge_hub
    repo = "/".join(source.removeprefix("hf://").split("/")[:2])
    expected = layers(str(folders[repo]))
    hub.reset_log()
    assert layers(source) == expected
    hub.wait_idle()
    name = source.rsplit("/", 1)[1]
    weights = [e for e in hub.log if e.path.endswith("/" + name)]
    config = [e for e in hub.log if e.path.endswith("/config.json")]
    # config.json (its 307 and 200, or one 404); the file's 302 (size, commit, CDN location), then
    # its head's 206 (and a zip's tail's, sent at the redirect): no listing, no other file.
    assert len(hub.log) == len(config) + len(weights) and hub.levels() <= 2
    assert len(config) == (2 if repo == "huge/bin" else 1)
    assert len(weights) == (3 if name.endswith(".bin") else 2)
    cdn = [e for e in hub.log if e.origin == "cdn"]
    assert cdn and all(e.range for e in cdn)
    assert hub.bytes_sent < 300_000  # of a 5 GB file


def test_a_named_split_gguf_reads_every_part(hub: FakeHub) -> None:
    part = next(p.name for p in sorted((GGUF / "tiny-llama-split").iterdir()) if p.suffix == ".gguf")
    read = hubprune.read_snapshot(f"fmt/split/{part}", use_cache=False)
    assert len(read.files) > 1 and all(f.name.endswith(".gguf") for f in read.files)
    assert layers(f"fmt/split/{part}") == layers(str(GGUF / "tiny-llama-split"))


def test_a_named_file_wins_over_the_repos_default(three_hub) -> None:
    read = hubprune.read_snapshot("fmt/three/tiny-llama-q4_0.gguf", use_cache=False)
    assert [f.name for f in read.files] == ["tiny-llama-q4_0.gguf"]


def test_a_missing_named_file_is_one_line_and_exit_3(hub: FakeHub) -> None:
    result = CliRunner().invoke(app, ["inspect", "fmt/gguf/nope.gguf"])
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope.gguf" in lines[0] and "Traceback" not in result.output


@pytest.mark.parametrize("source", ["fmt/gguf/../x.gguf", "hf://fmt/gguf/../x.gguf", "fmt/gguf/%2e%2e/x.gguf", "fmt/gguf//etc/x.bin"])
def test_a_hostile_named_file_is_refused_without_a_request(hub: FakeHub, source: str) -> None:
    hub.reset_log()
    result = CliRunner().invoke(app, ["inspect", source])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert hub.log == []


def test_an_existing_local_path_wins_over_a_named_file(hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = tmp_path / "fmt" / "gguf"
    local.mkdir(parents=True)
    shutil.copy(GGUF / "tiny-llama-q4_0.gguf", local / "model.gguf")
    monkeypatch.chdir(tmp_path)
    hub.reset_log()
    assert layers("fmt/gguf/model.gguf") == layers(str(GGUF / "tiny-llama-q4_0.gguf"))
    assert hub.log == []


def test_check_on_a_named_file_lists_the_repo_beside_it(three_hub) -> None:
    result = CliRunner().invoke(app, ["check", "fmt/three/pytorch_model.bin", "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    # The listing, read beside the file, shows the formats that were not read.
    assert "other_weights" in [f["code"] for f in json.loads(result.stdout)["findings"]]
    read = hubprune.read_snapshot("fmt/three/pytorch_model.bin", list_files=True)
    assert [f.name for f in read.files] == ["pytorch_model.bin"] and "model.safetensors" in read.other_files
