"""The pre-download check: each problem class, built into a copy of a clean skeleton, is caught.

Every broken model below is the Llama-3-8B-Instruct skeleton copied into tmp_path with exactly one
thing broken, so a finding can only come from that one fault.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import hubprune
import hubprune.api
from hubprune.findings import by_severity, compress_ranges, pruned_heads, scan_findings
from hubprune.model import Finding, TensorInfo, pickle_files
from hubprune.safetensors_header import FileScan, encode, encode_header, scan

from .conftest import FIXTURES, LLAMA, TAYLOR

SHARD1 = "model-00001-of-00004.safetensors"
SHARD4 = "model-00004-of-00004.safetensors"
INDEX = "model.safetensors.index.json"


# --- building broken copies ----------------------------------------------------------------------


def read_raw(path: Path) -> dict:
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + length])


def write_raw(path: Path, obj: dict, *, pad_to: int = 8, extra: int = 0) -> None:
    """Write a header-only file; ``extra`` spaces after the 8-byte padding shift the data start."""
    body = json.dumps(obj, separators=(",", ":")).encode()
    body += b" " * ((-len(body) % pad_to) + extra)
    path.write_bytes(struct.pack("<Q", len(body)) + body)


def rebuild(path: Path, change: Callable[[list[tuple[str, str, list[int]]]], list[tuple[str, str, list[int]]]]) -> None:
    """Re-lay a shard's tensors back to back after ``change`` edits the (name, dtype, shape) list."""
    obj = read_raw(path)
    obj.pop("__metadata__", None)
    entries = sorted(obj.items(), key=lambda kv: kv[1]["data_offsets"])
    tensors = change([(name, e["dtype"], e["shape"]) for name, e in entries])
    path.write_bytes(encode_header(tensors, {"format": "pt"}))


def edit_entries(path: Path, change: Callable[[dict], None]) -> None:
    obj = read_raw(path)
    change(obj)
    write_raw(path, obj)


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _overlap(obj: dict) -> None:
    # v_proj and k_proj of layer 0 are both BF16 [1024, 4096]: point v at k's bytes.
    obj["model.layers.0.self_attn.v_proj.weight"]["data_offsets"] = list(obj["model.layers.0.self_attn.k_proj.weight"]["data_offsets"])


def _reverse(obj: dict) -> None:
    entry = obj["model.layers.0.input_layernorm.weight"]
    entry["data_offsets"] = entry["data_offsets"][::-1]


def _wrong_size(obj: dict) -> None:
    obj["model.layers.0.self_attn.k_proj.weight"]["shape"] = [1024, 4095]


def _gap(obj: dict) -> None:
    last = max((e for name, e in obj.items() if name != "__metadata__"), key=lambda e: e["data_offsets"])
    last["data_offsets"] = [last["data_offsets"][0] + 16, last["data_offsets"][1] + 16]


def _unknown_dtype(obj: dict) -> None:
    obj["model.norm.weight"]["dtype"] = "Q4_K"


def _drop_tensor(name: str):
    return lambda tensors: [t for t in tensors if t[0] != name]


def _add_duplicate(tensors):
    return [*tensors, ("model.layers.0.input_layernorm.weight", "BF16", [4096])]


def _norm_to_f32(tensors):
    return [(n, "F32" if n == "model.norm.weight" else d, s) for n, d, s in tensors]


# (how to break the copy, expected code, expected severity). One line each: where the fault is seen.
BREAKS: list[tuple[str, Callable[[Path], None], str, str]] = [
    # headers
    ("overlap", lambda d: edit_entries(d / SHARD1, _overlap), "offsets_overlap", "error"),  # hand-edited or corrupt header
    ("reversed", lambda d: edit_entries(d / SHARD1, _reverse), "offsets_reversed", "error"),  # offsets written end-first
    ("size", lambda d: edit_entries(d / SHARD1, _wrong_size), "tensor_size_mismatch", "error"),  # shape edited, bytes not
    ("gap", lambda d: edit_entries(d / SHARD4, _gap), "data_gaps", "error"),  # writers that pad between tensors
    ("misaligned", lambda d: write_raw(d / SHARD4, read_raw(d / SHARD4), extra=1), "misaligned", "info"),  # unpadded header
    ("unknown dtype", lambda d: edit_entries(d / SHARD4, _unknown_dtype), "unknown_dtype", "warning"),  # GGUF-style dtypes
    ("truncated", lambda d: (d / SHARD4).write_bytes((d / SHARD4).read_bytes() + b"\0" * 1000), "file_truncated", "error"),  # interrupted download
    ("not json", lambda d: (d / SHARD4).write_bytes(struct.pack("<Q", 8) + b"not json"), "header_invalid", "error"),  # HTML error page saved as a shard
    # index vs shards
    ("index names absent tensor", lambda d: rebuild(d / SHARD4, _drop_tensor("model.norm.weight")), "index_tensor_missing", "error"),  # shard re-exported without a tensor
    ("tensor not in index", lambda d: edit_json(d / INDEX, lambda i: i["weight_map"].pop("model.norm.weight")), "index_tensor_unlisted", "warning"),  # hand-merged index
    ("tensor in two shards", lambda d: rebuild(d / SHARD4, _add_duplicate), "tensor_duplicated", "error"),  # re-sharding that kept a copy
    ("total_size", lambda d: edit_json(d / INDEX, lambda i: i["metadata"].update(total_size=1)), "index_total_size", "warning"),  # index copied from another export
    ("stray shard", lambda d: shutil.copy(d / SHARD4, d / "model.safetensors"), "shard_unindexed", "warning"),  # single file left beside shards
    ("no index", lambda d: (d / INDEX).unlink(), "no_index", "warning"),  # index not uploaded
    # config vs tensors
    ("fewer layers in config", lambda d: edit_json(d / "config.json", lambda c: c.update(num_hidden_layers=30)), "layers_past_config", "warning"),  # MTP layers (DeepSeek-V3)
    ("remote code", lambda d: edit_json(d / "config.json", lambda c: c.update(auto_map={"AutoModelForCausalLM": "m.M"})), "trust_remote_code", "warning"),  # custom modeling code
    ("heads in config", lambda d: edit_json(d / "config.json", lambda c: c.update(num_key_value_heads=4)), "config_shape_mismatch", "warning"),  # config edited by hand
    # repo content
    ("pickle beside", lambda d: (d / "pytorch_model.bin").write_bytes(b"\x80\x04"), "pickle_weights", "warning"),  # repos that ship both formats
    ("no config", lambda d: (d / "config.json").unlink(), "no_config", "warning"),  # weights-only upload
    ("NaN head count", lambda d: edit_json(d / "config.json", lambda c: c.update(num_attention_heads=float("nan"))), "config_value_invalid", "warning"),  # a config written by Python's json from a NaN
    ("unknown family", lambda d: edit_json(d / "config.json", lambda c: c.update(architectures=["FooForCausalLM"], model_type="foo")), "family_guessed", "warning"),  # a fork's renamed class
    ("mixed dtypes", lambda d: rebuild(d / SHARD4, _norm_to_f32), "mixed_dtypes", "warning"),  # norms kept in fp32
]


@pytest.fixture
def llama_copy(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(LLAMA, target)
    return target


@pytest.mark.parametrize(("name", "break_it", "code", "severity"), BREAKS, ids=[b[0] for b in BREAKS])
def test_each_problem_is_caught(llama_copy: Path, name: str, break_it, code: str, severity: str) -> None:
    break_it(llama_copy)
    report = hubprune.check(str(llama_copy))
    found = {f.code: f for f in report.findings}
    assert code in found, [f"{f.severity} {f.code}: {f.message}" for f in report.findings]
    assert found[code].severity == severity
    assert found[code].message  # one actionable line
    # The clean original has none of these, so every error comes from the one fault built in.
    assert not [f for f in report.findings if f.severity == "error" and f.code != code and severity != "error"]


def test_clean_base_has_no_findings_at_all() -> None:
    report = hubprune.check(str(LLAMA))
    assert report.findings == []
    assert report.family == "llama" and report.files == 4
    assert report.estimates is not None and report.estimates.kv_bytes_per_token == 131_072


def test_pruned_model_has_warnings_only_and_names_the_first_contradicted_tensor() -> None:
    report = hubprune.check(str(TAYLOR))
    assert {f.severity for f in report.findings} == {"warning"}
    codes = {f.code: f for f in report.findings}
    assert {"config_num_attention_heads", "config_intermediate_size", "config_shape_mismatch", "config_tensors_missing"} <= set(codes)
    # Layer 0's MLP is the first tensor whose shape the config (intermediate_size=14336) contradicts.
    assert "model.layers.0.mlp.down_proj.weight is [4096, 7337]" in codes["config_shape_mismatch"].message
    assert codes["config_tensors_missing"].layer == 23  # attention removed whole


def test_overlap_report_names_every_fault_of_the_file(llama_copy: Path) -> None:
    # The strict reader stops at the first fault; the check reads the rest leniently.
    edit_entries(llama_copy / SHARD1, lambda obj: (_overlap(obj), _wrong_size(obj)))
    codes = {f.code for f in hubprune.check(str(llama_copy)).findings}
    assert {"offsets_overlap", "tensor_size_mismatch", "data_gaps"} <= codes


def test_pickle_only_is_an_error_finding(tmp_path: Path) -> None:
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80\x04")
    (tmp_path / "config.json").write_text("{}")
    report = hubprune.check(str(tmp_path))
    assert [f.code for f in report.findings] == ["pickle_only"] and report.findings[0].severity == "error"


def test_stray_model_safetensors_says_it_wins(llama_copy: Path) -> None:
    shutil.copy(llama_copy / SHARD4, llama_copy / "model.safetensors")
    finding = next(f for f in hubprune.check(str(llama_copy)).findings if f.code == "shard_unindexed")
    assert "transformers loads model.safetensors instead" in finding.message


def test_inspect_findings_are_unchanged_by_the_check() -> None:
    # inspect keeps its lighter set: the three config warnings of the reference pruned model.
    codes = [f.code for f in hubprune.inspect(str(TAYLOR)).findings]
    assert codes == ["config_num_attention_heads", "config_num_key_value_heads", "config_intermediate_size"]


# --- pure helpers -------------------------------------------------------------------------------


def _t(name: str, begin: int, end: int, shape=(2,), dtype: str = "BF16") -> TensorInfo:
    return TensorInfo(name, dtype, tuple(shape), begin, end, "f")


def _scanned(tensors: list[TensorInfo], *, pad: int = 0, file_size: int | None = None, marked: bool = False) -> list[Finding]:
    """The findings of a file whose header holds ``tensors`` at their offsets (``pad`` extra spaces
    shift the data start off the 8-byte boundary)."""
    raw = encode(tensors)
    if pad:
        body = raw[8:] + b" " * pad
        raw = len(body).to_bytes(8, "little") + body
    return scan_findings([FileScan("f", scan(raw, file_size, file="f"), marked)])


@pytest.mark.parametrize(
    ("tensors", "pad", "codes"),
    [
        ([_t("a", 0, 4), _t("b", 4, 8)], 0, set()),  # back to back, aligned
        ([_t("a", 0, 4), _t("b", 8, 12)], 0, {"data_gaps"}),  # hole between tensors
        ([_t("a", 0, 4), _t("b", 2, 6)], 0, {"offsets_overlap"}),  # shared bytes
        ([_t("a", 4, 0)], 0, {"offsets_reversed"}),  # end before begin
        ([_t("a", 0, 6)], 0, {"tensor_size_mismatch"}),  # [2] BF16 needs 4 bytes
        ([_t("a", 0, 4)], 1, {"misaligned"}),  # BF16 at an odd file offset
        ([_t("a", 0, 4, dtype="Q4_K")], 0, {"unknown_dtype"}),  # not a safetensors dtype
        ([_t("a", 4, 0), _t("b", 0, 6), _t("c", 8, 10)], 0, {"offsets_reversed", "tensor_size_mismatch", "data_gaps"}),
    ],
)
def test_the_scanner_names_every_layout_fault(tensors: list[TensorInfo], pad: int, codes: set[str]) -> None:
    assert {f.code for f in _scanned(tensors, pad=pad)} == codes


@pytest.mark.parametrize(
    ("data", "marked", "code"),
    [
        (None, False, None),  # size unknown (a Hub answer without one)
        (0, False, "file_truncated"),  # cut at its header, no marker: a download cut short
        (0, True, None),  # a marked skeleton
        (2, True, "file_truncated"),  # the marker does not excuse a cut inside the data
        (4, False, None),  # complete
        (5, False, "file_trailing_bytes"),
    ],
)
def test_the_file_size_against_the_header(data: int | None, marked: bool, code: str | None) -> None:
    raw = encode([_t("a", 0, 4)])
    size = None if data is None else len(raw) + data
    assert [f.code for f in _scanned([_t("a", 0, 4)], file_size=size, marked=marked)] == ([code] if code else [])


def test_severity_order_and_threshold() -> None:
    f = [Finding(severity=s, code=s, message="m") for s in ("info", "error", "warning")]
    assert [x.severity for x in by_severity(f)] == ["error", "warning", "info"]
    assert [x.severity >= "error" for x in f] == [False, True, False]
    assert [x.severity >= "warning" for x in f] == [False, True, True]


def test_pickle_names() -> None:
    names = ["model.safetensors", "training_args.bin", "original/consolidated.00.pth", "a.ckpt", "README.md"]
    assert pickle_files(names) == ["a.ckpt", "original/consolidated.00.pth", "training_args.bin"]


def test_compress_ranges_still_works() -> None:
    assert compress_ranges([3, 1, 2, 9]) == "1-3, 9"


REAL = sorted(p.name for p in LLAMA.parent.iterdir() if (p / "config.json").is_file())


@pytest.mark.parametrize("name", REAL)
def test_real_checkpoints_have_no_errors(name: str) -> None:
    # Every bundled skeleton is a real, loadable checkpoint: the check must not call any of them
    # broken, and only the pruned ones may say stock transformers cannot load them.
    findings = hubprune.check(str(LLAMA.parent / name)).findings
    assert [f for f in findings if f.severity == "error"] == []
    load_codes = {"config_shape_mismatch", "config_tensors_missing", "layers_past_config", "index_total_size"}
    if name != "taylor_only_5000":
        assert {f.code for f in findings} & load_codes == set()


# --- broken inputs never pass: the lenient re-read after the strict reader gave up ---------------


def _hub_cache(tmp_path: Path, source: Path, commit: str = "0123abcd") -> tuple[Path, Path]:
    """A Hub cache repo folder (models--org--name, refs/main -> snapshots/<commit>) holding ``source``."""
    repo = tmp_path / "models--meta-llama--Meta-Llama-3-8B-Instruct"
    snapshot = repo / "snapshots" / commit
    shutil.copytree(source, snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    (repo / "blobs").mkdir()
    return repo, snapshot


@pytest.mark.parametrize(
    ("break_it", "code"),
    [
        (lambda d: edit_entries(d / SHARD1, _overlap), "offsets_overlap"),  # corrupt shard in a huggingface-cli download
        (lambda d: (d / SHARD4).write_bytes(struct.pack("<Q", 8) + b"not json"), "header_invalid"),  # error page cached as a shard
    ],
    ids=["overlap", "not json"],
)
def test_a_hub_cache_folder_with_a_broken_shard_is_never_clean(tmp_path: Path, break_it, code: str) -> None:
    repo, snapshot = _hub_cache(tmp_path, LLAMA)
    break_it(snapshot)
    findings = hubprune.check(str(repo)).findings
    assert code in {f.code for f in findings}
    assert any(f.severity == "error" for f in findings)


def test_the_lenient_reread_reads_the_files_the_index_names(llama_copy: Path) -> None:
    # A leftover file beside the shards (not in the index) is not what loads: its faults are not
    # the model's. The strict reader never opened it; the re-read must not either.
    edit_entries(llama_copy / SHARD1, _overlap)
    (llama_copy / "consolidated.safetensors").write_bytes(struct.pack("<Q", 8) + b"not json")
    findings = hubprune.check(str(llama_copy)).findings
    assert "offsets_overlap" in {f.code for f in findings}
    assert not [f for f in findings if "consolidated" in f.message]


def test_a_directory_named_like_a_shard_is_an_error_finding(tmp_path: Path) -> None:
    # A failed unpack or a mis-typed copy can leave a folder called *.safetensors.
    (tmp_path / "model" / "a.safetensors").mkdir(parents=True)
    findings = hubprune.check(str(tmp_path / "model")).findings
    assert [(f.severity, f.code) for f in findings] == [("error", "header_invalid")]
    assert "a.safetensors: is a folder" in findings[0].message


def test_an_unreadable_shard_is_an_error_finding(llama_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Files owned by another user (a shared cache): permissions cannot be taken away from root
    # in a test, so opening the one shard is made to fail as it would.
    real_open = os.open

    def open_(path, *args, **kwargs):
        if os.path.basename(path) == SHARD1:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    findings = hubprune.check(str(llama_copy)).findings
    assert [(f.code, f.severity) for f in findings] == [("header_invalid", "error")]
    assert SHARD1 in findings[0].message and "permission denied" in findings[0].message


def test_the_reread_opens_files_by_the_folders_rules(llama_copy: Path, tmp_path: Path) -> None:
    # The lenient read goes through the same confined opener as the strict one: a shard that is
    # a link out of the folder is named as such, and what it points to is never read.
    edit_entries(llama_copy / SHARD1, _overlap)
    outside = tmp_path / "elsewhere.safetensors"
    outside.write_bytes(struct.pack("<Q", 8) + b"not json")
    (llama_copy / SHARD4).unlink()
    (llama_copy / SHARD4).symlink_to(outside)
    findings = hubprune.check(str(llama_copy)).findings
    assert "offsets_overlap" in {f.code for f in findings}
    linked = [f for f in findings if SHARD4 in f.message]
    assert [f.code for f in linked] == ["header_invalid"] and "leads outside the model folder" in linked[0].message


# --- config facts that stock transformers reads differently from the plain keys ----------------------


def _builder():
    """``fixtures/build_families.py`` as a module: the real layouts the family fixtures are built from."""
    spec = importlib.util.spec_from_file_location("build_families", FIXTURES / "build_families.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_families", module)
    spec.loader.exec_module(module)
    return module


build = _builder()


def _write(folder: Path, config: dict, tensors: list) -> str:
    build.write_model(folder, config, tensors, sharded=False)
    return str(folder)


def _minilm(heads_kept: int = 12, layer: int = 0) -> list:
    """all-MiniLM-L6-v2 tensors with ``layer`` keeping ``heads_kept`` of its 12 heads (head_dim 32)."""
    rows = heads_kept * 32
    tensors = []
    for name, dtype, shape in build.bert(hidden=384, layers=6, inner=1536, prefix="", norm=("weight", "bias")):
        if name.startswith(f"encoder.layer.{layer}.attention."):
            if ".self." in name:
                shape = [rows, 384] if name.endswith("weight") else [rows]
            elif "output.dense.weight" in name:
                shape = [384, rows]
        tensors.append((name, dtype, shape))
    return tensors


CONFIG_LOAD_CODES = {"config_num_attention_heads", "config_num_key_value_heads", "config_shape_mismatch"}


def test_transformers_pruned_heads_are_expected(tmp_path: Path) -> None:
    # nn_pruning / BertModel.prune_heads save config.pruned_heads; transformers prunes those heads
    # again when it builds the model, so the smaller layer 0 loads with the stock class.
    config = {**build.MINILM_CONFIG, "pruned_heads": {"0": [0, 1, 2, 3]}}
    findings = hubprune.check(_write(tmp_path / "m", config, _minilm(heads_kept=8))).findings
    assert {f.code for f in findings} & CONFIG_LOAD_CODES == set(), [f.message for f in findings]


def test_pruned_heads_that_do_not_match_the_tensors_are_still_found(tmp_path: Path) -> None:
    config = {**build.MINILM_CONFIG, "pruned_heads": {"0": [0, 1]}}  # says 10 heads, layer 0 has 8
    findings = {f.code: f for f in hubprune.check(_write(tmp_path / "m", config, _minilm(heads_kept=8))).findings}
    assert "layer 0 of 6 differs (query heads 8)" in findings["config_num_attention_heads"].message
    assert "output.dense.weight is [384, 256] but the config implies [384, 320]" in findings["config_shape_mismatch"].message


def test_a_config_without_kv_heads_gets_no_kv_heads_finding(tmp_path: Path) -> None:
    # BERT's config has no num_key_value_heads: the alias falls back to num_attention_heads, and a
    # second finding quoting "num_key_value_heads=12" would cite a key the config does not contain.
    findings = {f.code for f in hubprune.check(_write(tmp_path / "m", build.MINILM_CONFIG, _minilm(heads_kept=8))).findings}
    assert {"config_num_attention_heads", "config_shape_mismatch"} <= findings
    assert "config_num_key_value_heads" not in findings


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"pruned_heads": {"0": [0, 1, 2, 3], "5": [11]}}, {0: 4, 5: 1}),  # as transformers saves it (string keys)
        ({"pruned_heads": {"2": [1, 1, 3]}}, {2: 2}),  # a head listed twice is removed once
        ({"pruned_heads": {}}, {}),  # PretrainedConfig's default
        ({"pruned_heads": [1, 2]}, {}),  # not a mapping: ignored
        ({"pruned_heads": {"x": [1], "1": "2", "3": [-1, "a"]}}, {}),  # junk keys and entries
        (None, {}),
    ],
)
def test_pruned_heads_parsing(config: dict | None, expected: dict[int, int]) -> None:
    assert pruned_heads(config) == expected


def _mixtral(kept: list[list[int]], router_rows: int | None = None) -> list:
    """Two Mixtral-8x7B layers keeping the listed experts; the router keeps ``router_rows`` rows
    (default: one per kept expert, as expert-pruning tools write it)."""
    tensors = build.mixtral(kept, layers=len(kept))
    if router_rows is None:
        return tensors
    return [(n, d, [router_rows, s[1]] if n.endswith("block_sparse_moe.gate.weight") else s) for n, d, s in tensors]


MIXTRAL_2 = {**build.MIXTRAL_8X7B_CONFIG, "num_hidden_layers": 2}


def test_expert_pruning_under_an_unchanged_config_is_found(tmp_path: Path) -> None:
    # 6 of 8 experts per layer, router [6, 4096], config still num_local_experts=8: stock
    # MixtralForCausalLM fails on the router's size.
    path = _write(tmp_path / "m", MIXTRAL_2, _mixtral([[0, 1, 2, 4, 5, 7]] * 2))
    findings = {f.code: f for f in hubprune.check(path).findings}
    experts = findings["config_num_experts"]
    assert experts.severity == "warning"
    assert experts.message.startswith("config says num_local_experts=8 but 2 of 2 MoE layers differ (layers 0-1; layer 0: 6 routed experts, router with 6 rows)")
    assert "model.layers.0.block_sparse_moe.gate.weight is [6, 4096] but the config implies [8, 4096]" in findings["config_shape_mismatch"].message
    assert "config_num_experts" in {f.code for f in hubprune.inspect(path).findings}


def test_experts_missing_behind_a_whole_router_are_found(tmp_path: Path) -> None:
    # The router kept all 8 rows but layer 1 lost two experts: stock loaders would build those
    # experts with random weights and still route tokens to them.
    path = _write(tmp_path / "m", MIXTRAL_2, _mixtral([list(range(8)), [0, 1, 2, 3, 4, 5]], router_rows=8))
    findings = {f.code: f for f in hubprune.check(path).findings}
    assert findings["config_num_experts"].layer == 1
    assert "MoE layer 1 of 2 differs (6 routed experts, router with 8 rows)" in findings["config_num_experts"].message
    assert "config_shape_mismatch" not in findings


def test_expert_counts_are_read_through_each_familys_key(tmp_path: Path) -> None:
    # DeepSeek-V2-Lite: n_routed_experts, and a dense first layer (first_k_dense_replace=1) that is no MoE layer.
    target = tmp_path / "deepseek"
    shutil.copytree(FIXTURES / "DeepSeek-V2-Lite", target)
    edit_json(target / "config.json", lambda c: c.update(n_routed_experts=60))
    found = next(f for f in hubprune.check(str(target)).findings if f.code == "config_num_experts")
    assert found.message.startswith("config says n_routed_experts=60 but 26 of 26 MoE layers differ (layers 1-26;")


# --- whatever a config claims, the check stays bounded ------------------------------------------


def test_layers_the_config_claims_past_the_tensors_are_counted(llama_copy: Path) -> None:
    edit_json(llama_copy / "config.json", lambda c: c.update(num_hidden_layers=40))
    findings = {f.code: f for f in hubprune.check(str(llama_copy)).findings}
    missing = findings["config_tensors_missing"]
    assert missing.args["count"] == 16 and missing.args["ranges"] == "32-39" and missing.args["first"] == 32
    assert "config_num_hidden_layers" in findings


def test_a_gap_and_claimed_layers_past_the_end_join_into_one_range(llama_copy: Path) -> None:
    rebuild(llama_copy / "model-00003-of-00004.safetensors", lambda ts: [t for t in ts if not t[0].startswith("model.layers.31.self_attn.")])
    edit_json(llama_copy / INDEX, lambda i: [i["weight_map"].pop(n) for n in list(i["weight_map"]) if n.startswith("model.layers.31.self_attn.")])
    edit_json(llama_copy / "config.json", lambda c: c.update(num_hidden_layers=10**12))
    missing = next(f for f in hubprune.check(str(llama_copy)).findings if f.code == "config_tensors_missing")
    assert missing.args["ranges"] == "31-999999999999" and missing.args["first"] == 31 and missing.args["variant"] == "attention"
    assert missing.args["count"] == 1 + 2 * (10**12 - 32)


def test_roles_spelled_as_suffixes_count_for_the_load_check(tmp_path: Path) -> None:
    # An unknown architecture with Meta-style names: only the generic family's "*." patterns
    # name these modules; layer 1 lost its attention and the config claims 3 layers.
    tensors = [("tok_embeddings.weight", "BF16", [10, 16])]
    for i in range(2):
        p = f"layers.{i}."
        if i == 0:
            tensors += [(p + f"attention.{w}.weight", "BF16", [16, 16]) for w in ("wq", "wk", "wv", "wo")]
        tensors += [(p + f"feed_forward.{w}.weight", "BF16", [32, 16] if w != "w2" else [16, 32]) for w in ("w1", "w2", "w3")]
    config = {"architectures": ["FooForCausalLM"], "model_type": "foo", "hidden_size": 16, "num_hidden_layers": 3}
    report = hubprune.check(_write(tmp_path / "m", config, tensors))
    assert report.family == "generic"
    missing = next(f for f in report.findings if f.code == "config_tensors_missing")
    assert (missing.args["ranges"], missing.args["count"], missing.args["first"]) == ("1-2", 3, 1)
