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
    shape_keys = [f.name for f in dataclasses.fields(ModelShape)]
    assert list(data) == ["schema_version", *shape_keys, "estimates"]
    # The report's findings (detection, inference and checks) replace the shape's own notes.
    assert data["findings"] == [f.to_dict() for f in report.findings]


def test_value_types_are_frozen() -> None:
    report = hubprune.inspect(str(FIXTURES / "taylor_only_5000"))
    with pytest.raises(dataclasses.FrozenInstanceError):
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
    with pytest.raises(dataclasses.FrozenInstanceError):
        del finding.code
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.layer = 3  # type: ignore[misc]
    assert dataclasses.replace(finding, layer=2).layer == 2 and finding.layer is None


def _value_classes() -> list[type]:
    from hubprune import model, results
    from hubprune.archs import schema

    found = [c for m in (model, results, schema) for c in vars(m).values() if isinstance(c, type) and issubclass(c, model._Value)]
    return sorted({c for c in found if dataclasses.is_dataclass(c)}, key=lambda c: c.__qualname__)


def _values() -> list[object]:
    """Values of every kind a run builds, two of each where the run gives two."""
    taylor, llama = str(FIXTURES / "taylor_only_5000"), str(FIXTURES / "Llama-3-8B-Instruct")
    comparison = hubprune.compare(llama, taylor)
    roots = [comparison, hubprune.check(taylor), hubprune.tensors(taylor, "*.23.*"), hubprune.families()]
    from hubprune.archs.schema import all_families

    roots += all_families()
    values: list[object] = []

    def walk(value: object) -> None:
        if dataclasses.is_dataclass(value):
            values.append(value)
            for f in dataclasses.fields(value):
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
            [(f.name, f.type, dataclasses.field(repr=f.repr, hash=f.hash, compare=f.compare)) for f in dataclasses.fields(cls)],
            frozen=True,
        )
        for cls in _value_classes()
    }
    values = _values()
    assert {type(v) for v in values} == set(reference) - {hubprune.model.ReadOptions}

    def twin(value: object) -> object:
        return reference[type(value)](**{f.name: getattr(value, f.name) for f in dataclasses.fields(value)})

    seen: dict[type, object] = {}
    for value in values:
        assert repr(value) == repr(twin(value))
        copy = dataclasses.replace(value)
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
