"""The JSON Schemas (``hubprune/schema.py``) against real outputs of every bundled fixture.

The schema models forbid unknown keys and require every key, so a field added to or dropped from
a value type fails here until its schema says the same.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from hubprune import api, model, schema
from hubprune.cli import app
from hubprune.values import fields

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def _models() -> list[Path]:
    """Every bundled model: top-level fixtures, the zoo, the PyTorch and GGUF checkpoints."""
    nested = ("zoo", "pytorch", "gguf")
    found = [p for p in sorted(FIXTURES.iterdir()) if p.is_dir() and p.name not in nested and not p.name.startswith("_")]
    for folder in nested:
        found += [p for p in sorted((FIXTURES / folder).iterdir()) if p.is_dir() or p.suffix == ".gguf"]
    return found


MODELS = _models()
IDS = [str(p.relative_to(FIXTURES)) for p in MODELS]


def _pairs() -> list[tuple[Path, Path]]:
    """(base, pruned) fixture pairs: every pruned zoo case against its base, and the named ones."""
    zoo = FIXTURES / "zoo"
    pairs = [
        (zoo / p.name.split("__")[0], p) for p in sorted(zoo.iterdir()) if "__" in p.name and (zoo / p.name.split("__")[0]).is_dir()
    ]
    named = [
        ("Llama-3-8B-Instruct", "taylor_only_5000"),
        ("Qwen2.5-0.5B", "Qwen2.5-0.5B-Instruct-AWQ"),
        ("Qwen2.5-0.5B", "Qwen2.5-0.5B-Instruct-GPTQ-Int4"),
        ("Qwen2.5-0.5B", "Qwen2.5-0.5B-Instruct-bnb-4bit"),
        ("Qwen2.5-0.5B", "Qwen3-0.6B"),  # different depths: totals only
        ("pytorch/tiny-llama", "pytorch/llm-pruner"),
        ("pytorch/tiny-llama", "pytorch/tiny-llama-safetensors"),
        ("gguf/tiny-llama-f16.gguf", "gguf/tiny-deci-pruned.gguf"),
        ("gguf/tiny-llama-f16.gguf", "gguf/tiny-llama-q4_0.gguf"),
    ]
    return pairs + [(FIXTURES / base, FIXTURES / pruned) for base, pruned in named]


PAIRS = _pairs()


def _json(value: model._Value) -> str:
    """The ``--format json`` text of a value (what ``report/json.py`` writes)."""
    return value.to_json(indent=2)


def test_the_fixture_lists_cover_every_kind_of_checkpoint() -> None:
    # A listing that silently found nothing would make every test below pass vacuously.
    kinds = {p.relative_to(FIXTURES).parts[0] for p in MODELS}
    assert {"zoo", "pytorch", "gguf", "Llama-3-8B-Instruct", "taylor_only_5000"} <= kinds
    assert len(MODELS) > 150 and len([p for p in PAIRS if "zoo" in p[1].parts]) >= 15
    assert all(base.exists() and pruned.exists() for base, pruned in PAIRS)


@pytest.mark.parametrize("path", MODELS, ids=IDS)
def test_inspect_and_check_outputs_validate(path: Path) -> None:
    schema.InspectOutput.model_validate_json(_json(api.inspect(str(path))))
    schema.CheckOutput.model_validate_json(_json(api.check(str(path))))


@pytest.mark.parametrize(("base", "pruned"), PAIRS, ids=[f"{b.name}-{p.name}" for b, p in PAIRS])
def test_compare_outputs_validate(base: Path, pruned: Path) -> None:
    comparison = api.compare(str(base), str(pruned), allow_unaligned=True)
    schema.CompareOutput.model_validate_json(_json(comparison))


def test_a_comparison_through_a_layer_map_validates() -> None:
    comparison = api.compare(str(FIXTURES / "Llama-3-8B-Instruct"), str(FIXTURES / "taylor_only_5000"), layer_map="0-31")
    assert comparison.layer_map == list(range(32)) and comparison.layers[5].pruned_index == 5
    schema.CompareOutput.model_validate_json(_json(comparison))


def test_tensor_listings_and_unreadable_checks_validate(tmp_path: Path) -> None:
    schema.TensorsOutput.model_validate_json(_json(api.tensors(str(FIXTURES / "gpt2"), "*.h.0.*")))
    # A header that is not JSON: the check's answer is a report without a family or estimates.
    bad = tmp_path / "model.safetensors"
    bad.write_bytes((5).to_bytes(8, "little") + b"{nope")
    report = api.check(str(bad))
    assert report.family is None and report.estimates is None and report.findings
    schema.CheckOutput.model_validate_json(_json(report))


# Which schema model describes which value type's to_dict(), key for key and in order.
COUNTERPARTS = [
    (schema.Layer, model.LayerShape),
    (schema.Estimates, model.Estimates),
    (schema.Totals, model.Totals),
    (schema.LayerComparison, model.LayerComparison),
    (schema.EstimatesComparison, model.EstimatesComparison),
    (schema.CompareOutput, model.Comparison),
    (schema.CheckOutput, model.CheckReport),
    (schema.Tensor, model.TensorEntry),
    (schema.TensorsOutput, model.TensorListing),
    (schema.FamilyInfo, model.FamilyInfo),
]


@pytest.mark.parametrize(("described", "value"), COUNTERPARTS, ids=[v.__name__ for _, v in COUNTERPARTS])
def test_each_schema_lists_its_value_types_fields_in_order(described: type[BaseModel], value: type) -> None:
    assert list(described.model_fields) == [f.name for f in fields(value)]


def test_the_inspect_schema_is_the_shape_with_findings_and_estimates() -> None:
    shape = [f.name for f in fields(model.ModelShape)]
    assert list(schema.InspectOutput.model_fields) == ["schema_version", *shape, "estimates"]
    finding = model.Finding(severity="info", code="extra_layer", message="m", layer=3, args={"a": 1})
    assert list(schema.Finding.model_fields) == list(finding.to_dict())


def test_a_key_the_schema_does_not_know_fails_and_so_does_a_missing_one() -> None:
    good = json.loads(_json(api.check(str(FIXTURES / "gpt2"))))
    schema.CheckOutput.model_validate(good)
    with pytest.raises(ValidationError, match="extra"):
        schema.CheckOutput.model_validate({**good, "new_field": 1})
    with pytest.raises(ValidationError, match="commit"):
        schema.CheckOutput.model_validate({k: v for k, v in good.items() if k != "commit"})
    with pytest.raises(ValidationError):  # a count is an integer, not a float or a string
        schema.CheckOutput.model_validate({**good, "files": 1.0})


def test_a_removed_part_is_zero_and_an_unknown_one_null_never_negative() -> None:
    layer = json.loads(_json(api.inspect(str(FIXTURES / "taylor_only_5000"))))["layers"][23]
    schema.Layer.model_validate(layer)
    schema.Layer.model_validate({**layer, "q_heads": None})
    with pytest.raises(ValidationError):
        schema.Layer.model_validate({**layer, "q_heads": -1})


@pytest.mark.parametrize("name", sorted(schema.OUTPUTS))
def test_the_schema_command_prints_the_json_schema(name: str) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["schema", name])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == schema.json_schema(name)
    objects = [printed, *printed.get("$defs", {}).values()]
    assert all(d["additionalProperties"] is False for d in objects if d.get("type") == "object" and "properties" in d)


def _outline(definition: dict) -> dict:
    """What a schema says about keys and the values a key may take from a fixed list (finding
    codes, statuses), which stays the same across pydantic versions."""
    parts = {"": definition, **{f"$defs/{k}": v for k, v in definition.get("$defs", {}).items()}}
    return {
        where: (
            sorted(d.get("properties", {})),
            sorted(d.get("required", [])),
            d.get("additionalProperties"),
            d.get("type"),
            {key: _choices(value) for key, value in d.get("properties", {}).items()},
        )
        for where, d in parts.items()
    }


def _choices(definition: dict) -> list | None:
    """The enum a property allows, also inside a list of them or beside null."""
    for part in (definition, definition.get("items") or {}, *definition.get("anyOf", [])):
        if "enum" in part:
            return sorted(part["enum"], key=repr)
        if isinstance(part.get("items"), dict) and "enum" in part["items"]:
            return sorted(part["items"]["enum"], key=repr)
    return None


@pytest.mark.parametrize("name", sorted(schema.OUTPUTS))
def test_the_shipped_schema_files_are_current(name: str) -> None:
    shipped = json.loads((schema.SHIPPED / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert _outline(shipped) == _outline(schema.json_schema(name)), "regenerate: python -m hubprune.schema"


def test_families_output_validates() -> None:
    listing = api.families()
    assert len(listing.families) > 15
    schema.FamiliesOutput.model_validate_json(_json(listing))


@pytest.mark.parametrize(
    ("args", "described"),
    [
        (["inspect", "fixtures/Qwen2.5-0.5B-Instruct-AWQ"], schema.InspectOutput),
        (["compare", "fixtures/Llama-3-8B-Instruct", "fixtures/taylor_only_5000"], schema.CompareOutput),
        (["check", "fixtures/pytorch/tiny-llama"], schema.CheckOutput),
        (["tensors", "fixtures/gpt2", "*.h.1.*"], schema.TensorsOutput),
        (["families"], schema.FamiliesOutput),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else None,
)
def test_what_the_command_line_writes_validates(args: list[str], described: type[BaseModel]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hubprune", *args, "--format", "json"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    described.model_validate_json(result.stdout)


def test_the_schema_command_rejects_an_unknown_output() -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["schema", "nope"])
    assert result.exit_code == 2


def test_the_library_path_never_imports_pydantic_or_the_schemas() -> None:
    # Building the schema models costs more than inspecting a small checkpoint; only
    # `hubprune schema` and the tests pay for it.
    script = (
        "import sys, json, hubprune; hubprune.inspect('fixtures/taylor_only_5000'); "
        "hubprune.compare('fixtures/Llama-3-8B-Instruct', 'fixtures/taylor_only_5000'); hubprune.check('fixtures/gpt2'); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('pydantic', 'hubprune.schema')))))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == []
