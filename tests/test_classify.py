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


def test_templates_of_names_and_of_a_snapshot_agree() -> None:
    snapshot = read_local(str(ZOO / "mixtral"))
    assert module_templates(snapshot.tensors) == module_templates(list(snapshot.tensors))
    assert "model.layers.{layer}.block_sparse_moe.experts.{expert}.w1" in module_templates(snapshot.tensors)


def _cut_each_name(tensors) -> tuple[list, list]:
    """The walk's first half done the plain way: every name cut on its own, grouped by module."""
    from hubprune.archs.schema import BUFFER_SUFFIXES
    from hubprune.archs.templates import split_expert, split_layer
    from hubprune.quant import split_param

    grouped: dict[str, tuple] = {}
    buffers = []
    for name, tensor in tensors.items():
        module, param = split_param(name)
        template, layer = split_layer(module)
        template, expert = split_expert(template) if ".experts." in template else (template, None)
        if name.endswith(BUFFER_SUFFIXES):
            buffers.append((module, template, layer, expert, {param: tensor}))
        else:
            grouped.setdefault(module, (module, template, layer, expert, {}))[4][param] = tensor
    return list(grouped.values()), buffers


ODD_NAMES = [
    "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.q_proj.bias",
    "model.layers.1.self_attn.q_proj.weight", "model.layers.1.weight", "model.layers.1.mlp.up_proj.weight",
    "model.layers.1.self_attn.rotary_emb.inv_freq", "model.layers.2.self_attn.rotary_emb.inv_freq",
    "model.layers.2.mlp.up_proj.weight.absmax", "model.layers.2.mlp.up_proj.weight",
    "model.layers.02.mlp.up_proj.weight", "model.layers.3x.mlp.up_proj.weight", "model.layers.\u0663.mlp.up_proj.weight",
    "model.layers.4.mlp.experts.0.w1.weight", "model.layers.4.mlp.experts.1.w1.weight",
    "model.layers.5.mlp.experts.0.w1.weight", "model.layers.5.mlp.gate.e_score_correction_bias",
    "model.layers.0.self_attn.k_proj.weight", "vision.blocks.0.attn.weight", "vision.blocks.1.attn.weight",
    "model.layers.6.blocks.0.attn.weight", "model.layers.6.blocks.1.attn.weight", "model.layers.7.blocks.0.attn.weight",
    "a.weight.layers.3.x", "a.weight.layers.4.x", "h.0.attn.c_attn.weight", "h.1.attn.c_attn.weight", "h.10.mlp.weight",
    "model.layers.8", "model.layers.9.", "model.layers.", "lm_head.weight", "model.norm.weight",
    "model.layers.10.self_attn.q_proj.weight", "model.layers.1.self_attn.q_proj.bias",
]  # fmt: skip


@pytest.mark.parametrize("case", ["odd names", *ZOO_CASES[:: 7]])
def test_names_are_cut_as_if_each_were_cut_alone(case: str) -> None:
    # Each layer's tails are cut once and reused under the next layer's prefix: the result must
    # be what cutting every name on its own gives, for odd names too (a layer index that is not
    # plain digits, a bare layer tensor, a module split back to before the prefix, another stem).
    from hubprune.classify import _parse
    from hubprune.model import TensorInfo

    if case == "odd names":
        tensors = {name: TensorInfo(name, "BF16", (2, 2), 0, 8, "m.safetensors") for name in ODD_NAMES}
    else:
        tensors = read_local(str(ZOO / case)).tensors
    parsed = _parse(tensors)
    modules, buffers = _cut_each_name(tensors)
    # Layers are made into modules once each is whole, repeats on demand: the same modules,
    # each layer's in the order its tensors came.
    made = [(m.name, m.template, m.layer, m.expert, m.tensors) for m in parsed.every_module()]
    assert sorted(made, key=repr) == sorted(modules, key=repr)
    for layer in {cut[2] for cut in modules}:
        assert [cut for cut in made if cut[2] == layer] == [cut for cut in modules if cut[2] == layer]
    assert parsed.buffers == buffers
    assert parsed.templates == {cut[1] for cut in modules + buffers}


def test_buffer_suffixes_hold_no_digits() -> None:
    # Whether a name under a layer prefix is a buffer is then told by what follows the prefix.
    from hubprune.archs.schema import BUFFER_SUFFIXES

    assert not any(c.isdigit() for suffix in BUFFER_SUFFIXES for c in suffix)


def test_a_second_family_reads_the_snapshot_without_changing_the_first_ones_map() -> None:
    # The first family's map holds the walk's own modules; another family's gets copies.
    from hubprune.classify import _classify, _parse

    snapshot = read_local(str(ZOO / "mixtral"))
    llama, mixtral = load_family("llama"), load_family("mixtral")

    def reading(modules):
        return [(m.name, m.role, m.shape, m.params, m.nbytes) for m in (*modules.modules, *modules.buffers)]

    alone = {family.name: reading(_classify(snapshot, family, _parse(snapshot.tensors))) for family in (llama, mixtral)}
    parsed = _parse(snapshot.tensors)
    first = _classify(snapshot, mixtral, parsed)
    second = _classify(snapshot, llama, parsed)
    assert reading(first) == alone["mixtral"] != alone["llama"] == reading(second)
    assert {id(m) for m in first.modules}.isdisjoint(id(m) for m in second.modules)


def test_one_walk_per_call_and_none_kept_after_it() -> None:
    # Inside a call the checks get the map inference built (one walk); after it returns the
    # caller holds only the report: no module of the walk is still alive.
    import gc

    from hubprune import api
    from hubprune.archs.schema import load_family
    from hubprune.classify import Module, classify, remembered

    snapshot = read_local("fixtures/taylor_only_5000")
    family = load_family("llama")
    with remembered():
        assert classify(snapshot, family) is classify(snapshot, family)
    assert classify(snapshot, family) is not classify(snapshot, family)  # outside a call: nothing kept

    report = api.inspect("fixtures/taylor_only_5000")
    assert report.shape.layers[2].q_heads == 28
    gc.collect()
    assert not [o for o in gc.get_objects() if type(o) is Module]


def _reading(modules) -> dict:
    """All a map says: each module's name, template, layer, expert, role, shape, counts and
    tensors; each layer's kinds and role groups, in order; the totals."""

    def entry(m) -> tuple:
        return (m.name, m.template, m.layer, m.expert, m.role, m.shape, m.params, m.nbytes, tuple(m.tensors.items()))

    return {
        "modules": sorted(map(entry, modules.modules), key=repr),
        "buffers": [entry(m) for m in modules.buffers],
        "layers": [
            (index, list(layer.kinds), {role: [entry(m) for m in ms] for role, ms in layer.by_role.items()}, [entry(m) for m in layer.other])
            for index, layer in modules.layers.items()
        ],
        "globals": {role: [entry(m) for m in ms] for role, ms in modules.globals.items()},
        "unclassified": [entry(m) for m in modules.unclassified],
        "totals": (modules.params_by_dtype, modules.bytes_by_dtype, modules.buffer_params, modules.schemes, modules.hidden, modules.rotary_dim),
    }


@pytest.mark.parametrize("case", ZOO_CASES)
def test_layers_that_repeat_another_read_exactly_as_when_each_is_walked(case: str) -> None:
    # A layer holding what an earlier one holds is classified as that one and its modules are
    # made on demand: the map must say exactly what walking every layer says.
    from hubprune.classify import _classify, _parse

    snapshot = read_local(str(ZOO / case))
    family, _ = detect_family(snapshot.config, snapshot.tensors)
    shared = _classify(snapshot, family, _parse(snapshot.tensors))
    plain = _classify(snapshot, family, _parse(snapshot.tensors, share=False))
    assert _reading(shared) == _reading(plain)


def test_the_zoo_has_repeats_to_share() -> None:
    # Else the test above compares the plain walk with itself.
    from hubprune.classify import _parse

    repeating = [case for case in ZOO_CASES if _parse(read_local(str(ZOO / case)).tensors).repeats]
    assert len(repeating) > len(ZOO_CASES) // 2


def test_a_model_of_alike_layers_classifies_one_of_them() -> None:
    from hubprune.classify import _classify, _parse

    snapshot = read_local("fixtures/Llama-3-8B-Instruct")
    parsed = _parse(snapshot.tensors)
    # Layers 20 and 31 are split over two shards, so their tensors come in another order: read
    # on their own.
    assert sorted(cut.index for cut in parsed.repeats) == sorted(set(range(32)) - {0, 20, 31})
    assert list(parsed.prototypes) == [0]
    modules = _classify(snapshot, load_family("llama"), parsed)
    assert len(modules.kept) == 3 * 9 + 3  # three layers' modules, the embedding, the final norm, lm_head
    assert modules.layers[7].same_as is modules.layers[0] and modules.layers[7].kinds is modules.layers[0].kinds
    q = modules.layers[7].by_role[Role.ATTN_Q][0]
    assert q.name == "model.layers.7.self_attn.q_proj" and q.layer == 7 and q.shape == (4096, 4096)
    assert q.weight() is snapshot.tensors["model.layers.7.self_attn.q_proj.weight"]
    assert len(modules.modules) == 32 * 9 + 3


def test_a_layer_is_a_repeat_only_when_dtypes_shapes_and_sizes_all_match() -> None:
    from hubprune.classify import _parse
    from hubprune.model import TensorInfo

    def layer(index: int, dtype: str, shape: tuple, nbytes: int) -> dict:
        names = [f"model.layers.{index}.mlp.up_proj.weight", f"model.layers.{index}.mlp.down_proj.weight"]
        return {n: TensorInfo(n, dtype, shape, 0, nbytes, "m.safetensors") for n in names}

    tensors = {
        **layer(0, "BF16", (4, 2), 16),
        **layer(1, "BF16", (4, 2), 16),  # a repeat of layer 0
        **layer(2, "F32", (4, 2), 16),  # another dtype
        **layer(3, "BF16", (2, 4), 16),  # another shape
        **layer(4, "BF16", (4, 2), 12),  # another size (a packed format)
        **layer(5, "F32", (4, 2), 16),  # a repeat of layer 2
    }
    parsed = _parse(tensors)
    assert [(cut.index, cut.prototype) for cut in parsed.repeats] == [(1, 0), (5, 2)]
    assert sorted({m.layer for m in parsed.modules}) == [0, 2, 3, 4]


SHARED_CASES = [
    "fixtures/Llama-3-8B-Instruct",
    "fixtures/taylor_only_5000",
    "fixtures/Mixtral-8x7B-v0.1",
    "fixtures/DeepSeek-V2-Lite",
    "fixtures/Nemotron-NAS-mini",
    "fixtures/OpenELM-1_1B-Instruct",
    "fixtures/Qwen2.5-0.5B-Instruct-GPTQ-Int4",
    "fixtures/gpt2",
    "fixtures/zoo/gpt_oss",
    "fixtures/zoo/jamba",
]


@pytest.mark.parametrize("case", SHARED_CASES)
def test_reports_are_the_same_whether_repeated_layers_are_shared_or_each_walked(case: str, monkeypatch) -> None:
    # End to end: the inspect and check reports (every layer, total, finding and estimate) of the
    # shared walk are those of the plain one.
    import functools

    import hubprune
    from hubprune import classify as walk

    base = SHARED_CASES[0] if case.endswith("taylor_only_5000") else case  # the reference pair, else itself

    def reports() -> tuple:
        return hubprune.inspect(case).to_dict(), hubprune.check(case).to_dict(), hubprune.compare(base, case).to_dict()

    shared = reports()
    monkeypatch.setattr(walk, "_parse", functools.partial(walk._parse, share=False))
    plain = reports()
    assert shared == plain
