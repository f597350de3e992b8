"""The same model saved as safetensors, .bin (zip, legacy, sharded) and GGUF reads the same.

Ground truth for the per-layer numbers is ``fixtures/pytorch/ground_truth.json`` (measured on the
modules that were saved); every format of that one model must give those numbers.
"""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune.cli import app

from .conftest import FIXTURES

PYTORCH = FIXTURES / "pytorch"
GGUF = FIXTURES / "gguf"
TRUTH = json.loads((PYTORCH / "ground_truth.json").read_text())
LAYERS = TRUTH["tiny-llama/pytorch_model.bin"]["layers"]

SAME_MODEL = [
    PYTORCH / "tiny-llama-safetensors",
    PYTORCH / "tiny-llama",
    PYTORCH / "tiny-llama-legacy",
    PYTORCH / "tiny-llama-sharded",
    PYTORCH / "tiny-llama/pytorch_model.bin",
    GGUF / "tiny-llama-f16.gguf",
    GGUF / "tiny-llama-q8_0.gguf",
    GGUF / "tiny-llama-q4_0.gguf",
    GGUF / "tiny-llama-split",
]


def layer_numbers(path) -> list[tuple]:
    report = json.loads(CliRunner().invoke(app, ["inspect", str(path), "--format", "json"]).stdout)
    return [(l["q_heads"], l["kv_heads"], l["head_dim"], l["intermediate_size"], l["params"]) for l in report["layers"]]


@pytest.mark.parametrize("path", SAME_MODEL, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_every_format_gives_the_measured_layers(path) -> None:
    numbers = layer_numbers(path)
    assert [(q, kv, d, i) for q, kv, d, i, _ in numbers] == [
        (layer["heads"], layer["kv_heads"], layer["head_dim"], layer["intermediate"]) for layer in LAYERS
    ]
    assert numbers == layer_numbers(PYTORCH / "tiny-llama-safetensors")


def test_whole_module_pickle_gives_the_pruned_widths() -> None:
    shape = hubprune.inspect(str(PYTORCH / "llm-pruner"))
    truth = TRUTH["llm-pruner/pytorch_model.bin"]["layers"]
    layers = json.loads(CliRunner().invoke(app, ["inspect", str(PYTORCH / "llm-pruner"), "--format", "json"]).stdout)["layers"]
    assert [l["intermediate_size"] for l in layers] == [layer["intermediate"] for layer in truth]
    assert shape is not None


def test_per_layer_gguf_arrays_and_shapes_agree() -> None:
    truth = json.loads((GGUF / "ground_truth.json").read_text())["tiny-deci-pruned.gguf"]
    layers = json.loads(CliRunner().invoke(app, ["inspect", str(GGUF / "tiny-deci-pruned.gguf"), "--format", "json"]).stdout)["layers"]
    assert [l["kv_heads"] or 0 for l in layers] == truth["head_count_kv"]
    assert [l["intermediate_size"] or 0 for l in layers] == truth["feed_forward_length"]


def test_compare_across_formats_finds_nothing_pruned() -> None:
    result = CliRunner().invoke(app, ["compare", str(PYTORCH / "tiny-llama-safetensors"), str(GGUF / "tiny-llama-q4_0.gguf"), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    text = json.dumps(report)
    base = layer_numbers(PYTORCH / "tiny-llama-safetensors")
    pruned = layer_numbers(GGUF / "tiny-llama-q4_0.gguf")
    assert base == pruned and "layers" in text


# --- what check and inspect say about pickles ---------------------------------------------------


@pytest.mark.parametrize("command", ["check", "inspect"])
def test_hostile_pickle_is_named_never_run(command: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the fixture would write its marker here if anything ran it
    result = CliRunner().invoke(app, [command, str(PYTORCH / "hostile"), "--format", "json"])
    assert result.exit_code == (1 if command == "check" else 0)  # check fails on the error finding
    report = json.loads(result.stdout)
    found = {f["code"]: f for f in report["findings"]}
    imports = found["pickle_imports"]
    assert imports["severity"] == "error" and "os.system" in imports["message"]
    library = getattr(hubprune, command)(str(PYTORCH / "hostile"))
    assert next(f for f in library.findings if f.code == "pickle_imports").args["globals"] == ["os.system"]
    assert list(tmp_path.iterdir()) == []


def test_whole_module_pickle_lists_the_classes_it_would_import() -> None:
    report = hubprune.check(str(PYTORCH / "llm-pruner"))
    imports = next(f for f in report.findings if f.code == "pickle_imports")
    assert imports.severity == "warning"  # the libraries that wrote it, not an attack
    assert "transformers.models.llama.modeling_llama.LlamaForCausalLM" in imports.args["globals"]
    assert not any(name.startswith("torch._utils") for name in imports.args["globals"])


def test_a_state_dict_imports_nothing_unexpected() -> None:
    assert not [f for f in hubprune.check(str(PYTORCH / "tiny-llama")).findings if f.code == "pickle_imports"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pickle_only_check_reports_the_structure_and_warns(lang: str) -> None:
    result = CliRunner().invoke(app, ["check", str(PYTORCH / "tiny-llama"), "--lang", lang])
    text = result.stdout
    assert "safetensors 旁" not in text and "beside the safetensors" not in text
    assert ("loading them (torch.load) runs" in text) if lang == "en" else ("加载它们（torch.load）会执行" in text)
    report = hubprune.check(str(PYTORCH / "tiny-llama"))
    assert report.family == "llama" and report.files == 1
    pickle = next(f for f in report.findings if f.code == "pickle_weights")
    assert pickle.args["variant"] == "read" and pickle.args["first"] == "pytorch_model.bin"


def test_local_files_know_their_size_so_a_cut_download_shows(tmp_path) -> None:
    for source, cut in ((GGUF / "tiny-llama-f16.gguf", 1000), (PYTORCH / "tiny-llama-legacy/pytorch_model.bin", 1000)):
        whole = hubprune.read_snapshot(str(source)).files[0]
        assert whole.file_size == source.stat().st_size
        assert not [f for f in hubprune.check(str(source)).findings if f.code in ("file_truncated", "file_trailing_bytes")]
        short = tmp_path / source.name
        short.write_bytes(source.read_bytes()[:-cut])
        codes = [f.code for f in hubprune.check(str(short)).findings]
        assert "file_truncated" in codes, codes


# --- several formats in one folder --------------------------------------------------------------


@pytest.fixture
def three_formats(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(PYTORCH / "tiny-llama-safetensors", folder)
    shutil.copy(PYTORCH / "tiny-llama/pytorch_model.bin", folder)
    shutil.copy(GGUF / "tiny-llama-q4_0.gguf", folder)
    return folder


@pytest.mark.parametrize(
    ("weights", "read", "others"),
    [(None, "model.safetensors", "bin, gguf"), ("bin", "pytorch_model.bin", "safetensors, gguf"), ("gguf", "tiny-llama-q4_0.gguf", "safetensors, bin")],
)
def test_weights_picks_the_format_and_a_note_names_the_others(three_formats, weights, read, others) -> None:
    report = hubprune.inspect(str(three_formats), weights=weights)
    snapshot = hubprune.read_snapshot(str(three_formats), weights=weights)
    assert [f.name for f in snapshot.files] == [read]
    note = next(f for f in report.findings if f.code == "other_weights")
    assert note.severity == "info" and note.args["others"] == others
    assert layer_numbers(three_formats) == layer_numbers(PYTORCH / "tiny-llama-safetensors")


def test_weights_on_the_command_line_and_a_format_that_is_not_there(three_formats) -> None:
    result = CliRunner().invoke(app, ["inspect", str(three_formats), "--weights", "gguf", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["layers"] == json.loads(
        CliRunner().invoke(app, ["inspect", str(GGUF / "tiny-llama-q4_0.gguf"), "--format", "json"]).stdout
    )["layers"]
    missing = CliRunner().invoke(app, ["inspect", str(PYTORCH / "tiny-llama"), "--weights", "gguf"])
    assert missing.exit_code == 3 and "has no gguf weights" in missing.stderr and "Traceback" not in missing.output
    wrong = CliRunner().invoke(app, ["inspect", str(PYTORCH / "tiny-llama"), "--weights", "onnx"])
    assert wrong.exit_code == 2


def test_weights_beside_one_named_file_of_another_format_is_a_usage_error() -> None:
    # A reference to one file has chosen its format: --weights naming another would be ignored.
    result = CliRunner().invoke(app, ["inspect", str(GGUF / "tiny-llama-q4_0.gguf"), "--weights", "bin"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--weights bin chooses the weights of a folder or repo" in result.stderr and "is a gguf file" in result.stderr
    assert "drop --weights" in result.stderr
    same = CliRunner().invoke(app, ["inspect", str(GGUF / "tiny-llama-q4_0.gguf"), "--weights", "gguf", "--format", "json"])
    assert same.exit_code == 0, same.output  # the file's own format is no conflict
    with pytest.raises(hubprune.UsageError, match="weights=safetensors chooses"):
        hubprune.inspect(str(PYTORCH / "tiny-llama/pytorch_model.bin"), weights="safetensors")


# --- skeletons ----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["tiny-llama", "tiny-llama-sharded", "tiny-llama-legacy", "llm-pruner"])
def test_a_bin_skeleton_is_the_safetensors_of_the_same_tensors(source: str, tmp_path) -> None:
    result = CliRunner().invoke(app, ["skeleton", str(PYTORCH / source), "-o", str(tmp_path / "sk")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "sk").iterdir())
    assert not [name for name in written if name.endswith(".bin")]
    assert any(name.endswith(".safetensors") for name in written)
    original, copy = hubprune.read_snapshot(str(PYTORCH / source)), hubprune.read_snapshot(str(tmp_path / "sk"))
    assert {n: (t.dtype, t.shape) for n, t in original.tensors.items()} == {n: (t.dtype, t.shape) for n, t in copy.tensors.items()}
    assert layer_numbers(tmp_path / "sk") == layer_numbers(PYTORCH / source)
    assert all(f.is_skeleton for f in copy.files)


def test_a_gguf_skeleton_is_refused_with_a_reason(tmp_path) -> None:
    result = CliRunner().invoke(app, ["skeleton", str(GGUF / "tiny-llama-q4_0.gguf"), "-o", str(tmp_path / "sk")])
    assert result.exit_code == 2 and "GGUF" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "sk").exists()
