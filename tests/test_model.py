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
