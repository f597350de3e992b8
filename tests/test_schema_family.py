"""The family-file schema (``schema.FamilyFile``) and the runtime loader (``archs/schema.py``) agree.

The loader is what hubprune runs; the pydantic model is what ``hubprune schema family`` prints for
editors and what validates the shipped files here. They must accept the same files and reject the
same mistakes, field for field. The GGUF name table is checked against its schema here too.
"""

from __future__ import annotations

import copy
import json
from hubprune.values import MISSING, fields
from importlib import resources
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from hubprune import schema
from hubprune.archs import schema as loader

DATA = resources.files("hubprune.archs").joinpath("data")
FILES = sorted(entry.name for entry in DATA.iterdir() if entry.name.endswith(".json"))


def _raw(name: str) -> dict[str, Any]:
    return json.loads(DATA.joinpath(name).read_text(encoding="utf-8"))


def _loader_accepts(data: dict[str, Any]) -> bool:
    try:
        loader.Family.from_dict(data)
    except ValueError:
        return False
    return True


def _schema_accepts(data: dict[str, Any]) -> bool:
    try:
        schema.FamilyFile.model_validate_json(json.dumps(data))
    except ValidationError:
        return False
    return True


def test_there_are_family_files() -> None:
    assert len(FILES) > 15 and "llama.json" in FILES


@pytest.mark.parametrize("name", FILES)
def test_every_shipped_family_file_validates_against_the_schema_and_loads(name: str) -> None:
    raw = _raw(name)
    schema.FamilyFile.model_validate_json(json.dumps(raw))
    assert _loader_accepts(raw)
    loader.load_family(name[: -len(".json")])


def test_the_schema_has_the_loaders_keys_and_defaults() -> None:
    family = {f.name: f for f in fields(loader.Family)}
    assert list(schema.FamilyFile.model_fields) == list(family)
    for key, described in schema.FamilyFile.model_fields.items():
        own = family[key]
        default = own.default_factory() if own.default_factory is not MISSING else own.default
        if default is MISSING:
            assert described.is_required(), key
        else:
            assert described.get_default(call_default_factory=True) == default, key
    pattern = {f.name: f.default for f in fields(loader.Pattern)}
    assert {k: (v.default if not v.is_required() else MISSING) for k, v in schema.Pattern.model_fields.items()} == pattern


def test_the_schema_has_the_loaders_vocabularies() -> None:
    roles = schema.FamilyFile.model_fields
    layer_roles = get_args(get_args(roles["layer_roles"].annotation)[0])
    global_roles = get_args(get_args(roles["global_roles"].annotation)[0])
    facts = get_args(get_args(roles["config_keys"].annotation)[0])
    assert set(layer_roles) == {r.value for r in loader.LAYER_ROLES}
    assert set(global_roles) == {r.value for r in loader.GLOBAL_ROLES}
    assert set(facts) == {f.value for f in loader.Fact}
    assert set(get_args(schema.Pattern.model_fields["layout"].annotation)) == set(loader.LAYOUTS)


MINIMAL = {"name": "x", "description": "y"}
FULL = {
    **MINIMAL,
    "extends": "llama",
    "heuristic": True,
    "architectures": ["XForCausalLM"],
    "model_types": ["x"],
    "examples": ["org/x"],
    "layer_roles": {"attn_q": ["model.layers.{layer}.q", {"pattern": "h.{layer}.c_attn", "layout": "in_out", "seen_in": "z"}]},
    "global_roles": {"embed": ["model.embed_tokens"]},
    "param_suffixes": ["weight"],
    "config_keys": {"hidden_size": ["d_model"], "intermediate_size": []},
    "tie_word_embeddings_default": True,
    "extra_layers_past_config": True,
    "seen_in": "transformers modeling_x.py",
}

# (what is wrong, the file) -- each must be refused by the loader and by the schema.
BROKEN: list[tuple[str, dict[str, Any]]] = [
    ("unknown key", {**MINIMAL, "colour": "red"}),
    ("no name", {"description": "y"}),
    ("no description", {"name": "x"}),
    ("name not a string", {**MINIMAL, "name": 3}),
    ("extends not a string", {**MINIMAL, "extends": 3}),
    ("seen_in not a string", {**MINIMAL, "seen_in": ["a"]}),
    ("architectures a string", {**MINIMAL, "architectures": "XForCausalLM"}),
    ("examples not strings", {**MINIMAL, "examples": [1]}),
    ("param_suffixes not strings", {**MINIMAL, "param_suffixes": [None]}),
    ("heuristic a string", {**MINIMAL, "heuristic": "yes"}),
    ("flag a number", {**MINIMAL, "tie_word_embeddings_default": 1}),
    ("unknown layer role", {**MINIMAL, "layer_roles": {"attn_qq": []}}),
    ("global role in layer scope", {**MINIMAL, "layer_roles": {"embed": []}}),
    ("layer role in global scope", {**MINIMAL, "global_roles": {"attn_q": []}}),
    ("roles a list", {**MINIMAL, "layer_roles": []}),
    ("patterns a string", {**MINIMAL, "layer_roles": {"attn_q": "q_proj"}}),
    ("pattern a number", {**MINIMAL, "layer_roles": {"attn_q": [3]}}),
    ("pattern without pattern", {**MINIMAL, "layer_roles": {"attn_q": [{"seen_in": "z"}]}}),
    ("pattern with unknown key", {**MINIMAL, "layer_roles": {"attn_q": [{"pattern": "q", "colour": 1}]}}),
    ("unknown layout", {**MINIMAL, "layer_roles": {"attn_q": [{"pattern": "q", "layout": "sideways"}]}}),
    ("pattern seen_in not a string", {**MINIMAL, "global_roles": {"embed": [{"pattern": "e", "seen_in": 1}]}}),
    ("unknown fact", {**MINIMAL, "config_keys": {"num_expert": ["n"]}}),
    ("fact keys a string", {**MINIMAL, "config_keys": {"hidden_size": "d_model"}}),
    ("fact keys not strings", {**MINIMAL, "config_keys": {"hidden_size": [1]}}),
    ("config_keys a list", {**MINIMAL, "config_keys": ["hidden_size"]}),
]


@pytest.mark.parametrize("data", [MINIMAL, FULL], ids=["minimal", "full"])
def test_both_accept_a_well_formed_file(data: dict[str, Any]) -> None:
    assert _loader_accepts(copy.deepcopy(data)) and _schema_accepts(data)


@pytest.mark.parametrize("data", [data for _, data in BROKEN], ids=[why for why, _ in BROKEN])
def test_both_refuse_a_malformed_file(data: dict[str, Any]) -> None:
    assert (_loader_accepts(copy.deepcopy(data)), _schema_accepts(data)) == (False, False)


@pytest.mark.parametrize("name", FILES)
def test_both_refuse_each_shipped_file_with_one_unknown_key_anywhere(name: str) -> None:
    # The typo a contributor makes: one misspelt key at the top, in a role table or in a pattern.
    raw = _raw(name)
    variants = [{**raw, "config_key": {}}]
    for scope in ("layer_roles", "global_roles"):
        for role, patterns in raw.get(scope, {}).items():
            variants.append({**raw, scope: {**raw[scope], f"{role}s": patterns}})
            objects = [i for i, p in enumerate(patterns) if isinstance(p, dict)]
            if objects:
                changed = list(patterns)
                changed[objects[0]] = {**patterns[objects[0]], "seenin": "z"}
                variants.append({**raw, scope: {**raw[scope], role: changed}})
            break
    for data in variants:
        assert (_loader_accepts(copy.deepcopy(data)), _schema_accepts(data)) == (False, False)


def test_the_gguf_name_table_validates_and_keeps_its_placeholders() -> None:
    table = resources.files("hubprune.formats").joinpath("data", "gguf_names.json").read_text(encoding="utf-8")
    names = schema.GgufNames.model_validate_json(table)
    pairs = [*names.tensors.items(), *(item for moe in names.moe.values() for item in moe.tensors.items())]
    # A block number on one side only would map every block onto one name, or invent one.
    assert pairs and all(("{n}" in gguf) == ("{n}" in hf) for gguf, hf in pairs)
    experts = [item for moe in names.moe.values() for item in moe.experts.items()]
    assert experts and all("{n}" in gguf and "{n}" in hf and "{e}" in hf for gguf, hf in experts)
    assert set(names.moe) <= set(names.architectures)
    with pytest.raises(ValidationError):
        schema.GgufNames.model_validate({**json.loads(table), "tensor": {}})
