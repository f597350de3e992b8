"""The value types of ``hubprune/model.py``: built once, compared honestly, turned into plain JSON."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest

import hubprune
from hubprune.findings import by_severity
from hubprune.model import Finding, ModelShape, Severity, pct
from hubprune.values import FrozenInstanceError, JsonValue, Value, fields, is_value, replace

from .conftest import FIXTURES

PACKAGE = Path(hubprune.__file__).parent


def _calls(name: str) -> set[str]:
    """Package modules that call ``name(...)`` or ``something.name(...)``."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                if called == name:
                    found.add(str(path.relative_to(PACKAGE)))
    return found


def test_a_model_shape_is_built_by_inference_alone() -> None:
    # The shape is what the tensors show; a module that wants to say more adds findings beside it
    # (InspectReport) instead of copying the shape with a field patched.
    assert _calls("ModelShape") == {"infer.py"}
    patched = {m for m in _calls("replace") if m not in {"atomic.py"}}  # os.replace: renaming files
    for module in patched:
        source = (PACKAGE / module).read_text(encoding="utf-8")
        assert "shape" not in "".join(line for line in source.splitlines() if "replace(" in line), module


def test_value_types_carry_no_pydantic_look_alike_names() -> None:
    names = {n for cls in vars(hubprune.model).values() if isinstance(cls, type) for n in dir(cls)}
    assert {n for n in names if n.startswith("model_")} == set()


def test_severity_is_ordered_and_sorts_findings_errors_first_keeping_their_order() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.ERROR and max(Severity) is Severity.ERROR
    notes = [Finding(severity=s, code=c, message=c) for s, c in [("info", "a"), ("error", "b"), ("warning", "c"), ("error", "d")]]
    assert [f.code for f in by_severity(notes)] == ["b", "d", "c", "a"]


def test_one_percentage_rule_for_every_share() -> None:
    comparison = hubprune.compare(str(FIXTURES / "Llama-3-8B-Instruct"), str(FIXTURES / "taylor_only_5000"))
    totals, saved = comparison.totals, comparison.estimates
    assert totals.decoder_pruned_pct == pct(totals.removed_decoder_params, totals.base_decoder_params)
    assert saved is not None and saved.weight_saved_pct == pct(saved.weight_bytes_saved, comparison.base.estimates.weight_bytes)
    assert pct(5, 0) == 0.0


def test_to_dict_is_plain_json_in_declaration_order() -> None:
    report = hubprune.inspect(str(FIXTURES / "taylor_only_5000"))
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    shape_keys = [f.name for f in fields(ModelShape)]
    assert list(data) == ["schema_version", *shape_keys, "estimates"]
    # The report's findings (detection, inference and checks) replace the shape's own notes.
    assert data["findings"] == [f.to_dict() for f in report.findings]


def test_value_types_are_frozen() -> None:
    report = hubprune.inspect(str(FIXTURES / "taylor_only_5000"))
    with pytest.raises(FrozenInstanceError):
        report.shape.total_params = 0  # type: ignore[misc]


def test_value_types_are_built_as_a_frozen_keyword_only_dataclass_would_be() -> None:
    finding = Finding(severity="warning", code="c", message="m")
    assert finding.severity is Severity.WARNING and finding.layer is None  # __post_init__, defaults
    with pytest.raises(TypeError):
        Finding("warning", "c", "m")  # type: ignore[misc]  # keyword-only
    with pytest.raises(TypeError, match="missing required keyword-only argument 'message'"):
        Finding(severity="info", code="c")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        Finding(severity="info", code="c", message="m", colour="red")  # type: ignore[call-arg]
    with pytest.raises(FrozenInstanceError):
        del finding.code
    with pytest.raises(FrozenInstanceError):
        finding.layer = 3  # type: ignore[misc]
    assert replace(finding, layer=2).layer == 2 and finding.layer is None


def _value_classes() -> list[type]:
    """Every value class of the package (modules that define none are skipped by the scan)."""
    import importlib
    import pkgutil

    found: set[type] = set()
    for info in pkgutil.walk_packages(hubprune.__path__, "hubprune."):
        if info.name in {"hubprune.__main__", "hubprune.schema", "hubprune.cli"}:
            continue  # run as programs, or pydantic models of the JSON rather than values
        module = importlib.import_module(info.name)
        found |= {c for c in vars(module).values() if isinstance(c, type) and issubclass(c, Value) and c not in (Value, JsonValue)}
    return sorted(found, key=lambda c: c.__qualname__)


def _values() -> list[object]:
    """Values of every kind a run builds, two of each where the run gives two."""
    from hubprune.archs.schema import all_families
    from hubprune.classify import classify, remembered
    from hubprune.dims import latent_dims
    from hubprune.quant import QuantConfig, logical_weight, quant_config
    from hubprune.safetensors_header import FileScan, encode_header, scan
    from hubprune.sources.local import read_local

    taylor, llama = str(FIXTURES / "taylor_only_5000"), str(FIXTURES / "Llama-3-8B-Instruct")
    comparison = hubprune.compare(llama, taylor)
    roots: list[object] = [comparison, hubprune.check(taylor), hubprune.tensors(taylor, "*.23.*"), hubprune.families()]
    roots += all_families()
    snapshot = read_local(taylor)
    with remembered():
        roots.append(classify(snapshot, all_families()[0]))
    roots += [snapshot, read_local(llama), quant_config({"quantization_config": {"quant_method": "gptq", "bits": 4}}), quant_config(None)]
    roots.append(latent_dims(None, {"kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128}))
    q_proj = snapshot.tensors["model.layers.0.self_attn.q_proj.weight"]
    roots += [logical_weight({"weight": q_proj}, QuantConfig(), transposed=False, input_width=None, output_width=None)] * 2
    raw = encode_header([("w", "BF16", [2]), ("v", "BF16", [2])])
    # A gap of 4 bytes and 3 trailing ones: a header with problems that are not fatal.
    gapped = raw.replace(b"[4,8]", b"[8,12]")
    roots += [FileScan("a", scan(gapped, len(gapped) + 12 + 3, file="a")), FileScan("b", scan(raw, 3, file="b"), True)]
    from hubprune.findings import CODES

    roots += [CODES["no_config"], CODES["data_gaps"]]
    values: list[object] = []

    def walk(value: object) -> None:
        if is_value(value):
            values.append(value)
            for f in fields(value):
                walk(getattr(value, f.name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for root in roots:
        walk(root)
    return values


def test_value_equality_hash_and_repr_are_those_dataclass_would_write() -> None:
    # Each value class, redeclared as a plain frozen dataclass with the same fields, is the reference.
    reference = {
        cls: dataclasses.make_dataclass(
            cls.__name__,
            [(f.name, f.type, dataclasses.field(repr=f.repr, hash=f.hash, compare=f.compare)) for f in fields(cls)],
            frozen=True,
        )
        for cls in _value_classes()
    }
    values = _values()
    assert {type(v) for v in values} == set(reference) - {hubprune.model.ReadOptions}

    def twin(value: object) -> object:
        return reference[type(value)](**{f.name: getattr(value, f.name) for f in fields(value)})

    seen: dict[type, object] = {}
    for value in values:
        assert repr(value) == repr(twin(value))
        copy = replace(value)
        assert copy == value and not copy != value and copy is not value
        other = seen.setdefault(type(value), value)
        assert (value == other) == (twin(value) == twin(other))
        assert value != twin(value)  # another class is never equal
        try:
            expected = hash(twin(value))
        except TypeError:  # a field holds a list or dict: unhashable, as the dataclass would be
            with pytest.raises(TypeError):
                hash(value)
        else:
            assert hash(value) == expected
    assert repr(hubprune.model.ReadOptions(revision="v1")) == "ReadOptions(revision='v1', use_cache=True, progress=None, weights=None)"


def test_positional_values_take_their_fields_in_order_once_each() -> None:
    from hubprune.model import HeaderProblem

    problem = HeaderProblem("data_gaps", "4 bytes", False)
    assert (problem.code, problem.message, problem.fatal, problem.args) == ("data_gaps", "4 bytes", False, {})
    assert problem.args is not HeaderProblem("c", "m", False).args  # a factory per instance
    with pytest.raises(TypeError, match="multiple values for argument 'code'"):
        HeaderProblem("c", "m", False, code="d")
    with pytest.raises(TypeError, match="at most 4 arguments"):
        HeaderProblem("c", "m", False, {}, 5)
    with pytest.raises(TypeError, match="missing required argument 'fatal'"):
        HeaderProblem("c", "m")


def test_a_mutable_default_is_refused_as_dataclass_refuses_it() -> None:
    with pytest.raises(ValueError, match="default_factory"):

        class Shared(Value):
            items: list = []  # noqa: RUF012


def test_the_tensor_entry_compares_hashes_and_shows_by_its_fields() -> None:
    from hubprune.model import TensorInfo

    one = TensorInfo("w", "BF16", (2, 3), 0, 12, "a.safetensors")
    same, other = TensorInfo("w", "BF16", (2, 3), 0, 12, "a.safetensors"), TensorInfo("w", "BF16", (2, 3), 0, 12, "b.safetensors")
    assert one == same and hash(one) == hash(same) and one != other and {one, same, other} == {one, other}
    assert repr(one) == "TensorInfo(name='w', dtype='BF16', shape=(2, 3), begin=0, end=12, file='a.safetensors')"
    assert (one.numel, one.nbytes) == (6, 12)


def test_a_library_read_does_not_import_dataclasses_typing_or_pathlib() -> None:
    # Importing dataclasses (and the inspect module it imports) was a fifth of a small inspect,
    # typing and pathlib 4 ms each: annotations name their types under TYPE_CHECKING, and the
    # local reader's paths are text (sources/paths.py).
    import subprocess
    import sys

    # What the interpreter loaded before hubprune (an editable install's import hook loads
    # pathlib) is not hubprune's.
    script = (
        "import sys; before = set(sys.modules); import hubprune; hubprune.inspect(sys.argv[1]); "
        "print(sorted({'dataclasses', 'inspect', 'typing', 'pathlib'} & (set(sys.modules) - before)))"
    )
    out = subprocess.run([sys.executable, "-c", script, str(FIXTURES / "taylor_only_5000")], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]"]


def test_a_snapshot_keeps_every_tensor_in_file_order_and_the_first_of_a_name_given_twice() -> None:
    from hubprune.model import HeaderFile, Snapshot, TensorInfo

    def header(file: str, *names: str) -> HeaderFile:
        tensors = tuple(TensorInfo(n, "BF16", (2,), 4 * i, 4 * i + 4, file) for i, n in enumerate(names))
        return HeaderFile(name=file, header_len=8, tensors=tensors, metadata={}, data_len=4 * len(names))

    one, two = header("a.safetensors", "x", "y"), header("b.safetensors", "z", "w")
    snapshot = Snapshot.build("m", "m", [one, two])
    assert list(snapshot.tensors) == ["x", "y", "z", "w"]
    again = Snapshot.build("m", "m", [one, header("b.safetensors", "z", "x", "w")])
    assert list(again.tensors) == ["x", "y", "z", "w"]
    assert again.tensors["x"].file == "a.safetensors"  # the first file that holds it


@pytest.mark.parametrize(
    ("module", "alias", "values"),
    [("model", "AttnKind", "ATTN_KINDS"), ("model", "MlpKind", "MLP_KINDS"), ("archs/schema", "Layout", "LAYOUTS"), ("findings/registry", "Scope", "SCOPES")],
)
def test_each_literal_type_for_type_checkers_lists_the_run_time_values(module: str, alias: str, values: str) -> None:
    # The Literal is written for type checkers only (typing is not imported at run time), so it
    # repeats the tuple the code and the JSON Schemas use: the two must say the same.
    import importlib

    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    written = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == [alias]
    ]
    assert len(written) == 1 and isinstance(written[0], ast.Subscript)
    listed = ast.literal_eval(written[0].slice)
    assert listed == getattr(importlib.import_module("hubprune." + module.replace("/", ".")), values)
