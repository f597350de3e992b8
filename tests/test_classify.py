"""The one tensor walk: every tensor lands in exactly one module or buffer, and only the walk
cuts tensor names into modules, layers and roles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hubprune.archs.detect import detect_family
from hubprune.archs.schema import Role, load_family
from hubprune.classify import classify, module_templates
from hubprune.sources.local import read_local

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hubprune"
ZOO = ROOT / "fixtures" / "zoo"

# Modules that read the map and must never look a tensor name up themselves.
CONSUMERS = ["infer.py", "archs/detect.py", "findings/config.py", "findings/load.py", "estimates.py"]
# The name-matching functions: cutting names into module / parameter / layer / expert, and the
# role table's template lookup.
NAME_MATCHING = {"split_param", "split_layer", "split_expert", "layer_template", "RoleTable", "is_aux", "logical_weight"}
NAME_MATCHING_CALLS = {"roles", "lookup"}


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.module and node.module.split(".")[-1] == "templates":
                found.append(f"imports from {node.module}")
            found += [f"imports {alias.name}" for alias in node.names if alias.name in NAME_MATCHING]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in NAME_MATCHING_CALLS:
            found.append(f"calls .{node.func.attr}()")
        elif isinstance(node, ast.Attribute) and node.attr in NAME_MATCHING:
            found.append(f"uses .{node.attr}")
    return found


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_consumers_do_not_match_tensor_names(consumer: str) -> None:
    assert _offences(PACKAGE / consumer) == []


def test_the_guard_sees_a_name_matcher() -> None:
    # The walk itself cuts names: the check must flag it, or it checks nothing.
    assert "imports split_layer" in _offences(PACKAGE / "classify.py")
    assert "calls .lookup()" in _offences(PACKAGE / "classify.py")


ZOO_CASES = sorted(p.name for p in ZOO.iterdir() if (p / "config.json").is_file())


@pytest.mark.parametrize("case", ZOO_CASES)
def test_every_tensor_is_in_one_module_or_buffer(case: str) -> None:
    snapshot = read_local(str(ZOO / case))
    family, _ = detect_family(snapshot.config, snapshot.tensors)
    modules = classify(snapshot, family)
    seen = [t.name for m in (*modules.modules, *modules.buffers) for t in m.tensors.values()]
    assert sorted(seen) == sorted(snapshot.tensors)
    assert all(m.role is Role.BUFFER and m.params == 0 for m in modules.buffers)
    # Parameters are counted once each: modules, buffers and the totals agree.
    assert sum(m.params for m in modules.modules) == sum(modules.params_by_dtype.values())
    layered = [m for layer in modules.layers.values() for m in (*layer.other, *(x for ms in layer.by_role.values() for x in ms))]
    globals_ = [m for ms in modules.globals.values() for m in ms]
    assert sorted(map(id, layered + globals_ + modules.unclassified)) == sorted(map(id, modules.modules))


def test_a_module_carries_layer_expert_role_and_logical_shape() -> None:
    snapshot = read_local(str(ZOO / "mixtral"))
    modules = classify(snapshot, load_family("mixtral"))
    experts = modules.layers[0].by_role[Role.EXPERT_UP]
    assert sorted(m.expert for m in experts) == list(range(len(experts)))
    up = experts[0]
    weight = up.weight()
    assert up.layer == 0 and up.shape == weight.shape and up.params == weight.numel and up.nbytes == weight.end - weight.begin
    assert classify(snapshot, load_family("mixtral")) is modules  # the checks reuse inference's map


def test_templates_of_names_and_of_a_snapshot_agree() -> None:
    snapshot = read_local(str(ZOO / "mixtral"))
    assert module_templates(snapshot.tensors) == module_templates(list(snapshot.tensors))
    assert "model.layers.{layer}.block_sparse_moe.experts.{expert}.w1" in module_templates(snapshot.tensors)
