"""JSON Schemas of what hubprune writes and reads: its JSON outputs and its family files.

Each ``--format json`` output is described by a pydantic model of the ``to_dict()`` of the value
type that produces it (``model.py``); ``hubprune schema NAME`` prints its JSON Schema, and
``hubprune/schemas/NAME.schema.json`` ships it (``python -m hubprune.schema`` regenerates them). The models forbid extra keys and require every key (a value that cannot be read is
``null``, never absent), so the tests that validate real outputs against them fail as soon as a
field is added to, or dropped from, a value type without its schema following.

``FamilyFile`` is the schema of one ``archs/data/*.json`` file as written (before ``extends`` is
resolved). The runtime loader (``archs/schema.py``) stays a plain-Python reader, because this
module is only imported to print a schema or to validate in the tests: building these models
costs more than inspecting a small checkpoint. The tests check that the loader and this model
accept the same keys, roles, facts and layouts, and reject the same malformed files.
``GgufNames`` does the same for the GGUF name table (``formats/data/gguf_names.json``).

    >>> schema = json_schema("inspect")
    >>> schema["title"], schema["properties"]["schema_version"]["const"]
    ('InspectOutput', 1)
    >>> json_schema("nope")
    Traceback (most recent call last):
    ...
    KeyError: 'nope'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, RootModel

from .archs.hooks import Hook
from .archs.schema import GLOBAL_ROLES, LAYER_ROLES, Fact
from .comparison import STATUSES
from .findings.registry import CODES
from .model import ATTN_KINDS, MLP_KINDS, SCHEMA_VERSION, Severity

Count = Annotated[int, Field(ge=0)]
# Shares of the base model, 0 to 100 for a pruned model; a "pruned" model larger than its base
# gives a negative share and a kept share above 100, so neither is bounded.
Percent = float
SchemaVersion = Literal[SCHEMA_VERSION]  # type: ignore[valid-type]
SeverityName = Literal[tuple(s.value for s in Severity)]  # type: ignore[valid-type]
FindingCode = Literal[tuple(CODES)]  # type: ignore[valid-type]
LayerStatus = Literal[STATUSES]  # type: ignore[valid-type]
AttnKind = Literal[ATTN_KINDS]  # type: ignore[valid-type]
MlpKind = Literal[MLP_KINDS]  # type: ignore[valid-type]


class _Output(BaseModel):
    # strict: a count written as 3.0 or "3" is a bug in the writer, not a value to coerce.
    # protected_namespaces: "model_types" is one of our keys, not a pydantic method.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, protected_namespaces=())


class Finding(_Output):
    """One thing worth telling the user. ``message`` is English; ``code`` identifies it."""

    severity: SeverityName
    code: FindingCode
    message: str
    layer: Count | None = Field(description="the stored index of the layer it is about, or null for the whole model")


class Layer(_Output):
    """One decoder layer as its tensors show it: 0 means removed; null means it could not be read."""

    index: Count = Field(description="the layer's index as stored in the checkpoint")
    params: Count
    attn_params: Count | None = Field(description="null when no module reads as attention and unrecognized ones may be it")
    mlp_params: Count | None = Field(description="null when no module reads as the MLP and unrecognized ones may be it")
    norm_params: Count
    other_params: Count = Field(description="in modules no role of the family explains (a finding names them)")
    residual_params: Count = Field(description="in matrices on the residual path, outside attention and MLP (SliceGPT's shortcut_Q)")
    q_heads: Count | None
    kv_heads: Count | None = Field(description="equals q_heads for plain multi-head attention")
    head_dim: Count | None
    intermediate_size: Count | None = Field(description="for an MoE layer, the width of one routed expert")
    experts: Count | None = Field(description="routed experts; null for a dense layer")
    attn_kind: AttnKind | None = Field(description="null when unknown, as for attn_params")
    mlp_kind: MlpKind | None = Field(description="null when unknown, as for mlp_params")
    expert_intermediate_sizes: list[Count] | None = Field(description="per-expert widths, only when they differ")
    shared_intermediate_size: Count | None
    input_dim: Count | None = Field(description="input width of the layer's first projection")
    mixer: str | None = Field(description='"attention", "mamba", "linear_attention", joined by "+"; null for none')


class Estimates(_Output):
    """What a model costs to download, hold and run (bytes; null where it cannot be known)."""

    download_bytes: Count
    weight_bytes: Count
    weight_bytes_bf16: Count
    weight_bytes_int8: Count
    weight_bytes_int4: Count
    kv_dtype_bytes: Count
    kv_bytes_per_token: Count | None
    kv_bytes_per_token_by_layer: list[Count | None]
    context: Count | None
    batch: Annotated[int, Field(ge=1)]
    kv_cache_bytes: Count | None
    flops_per_token: Count | None = Field(description="null for an MoE model whose config does not say its top-k")


class InspectOutput(_Output):
    """``hubprune inspect --format json``: one model's shape, findings and estimates."""

    schema_version: SchemaVersion
    name: str
    source: str
    commit: str | None
    family: str
    total_params: Count
    params_by_dtype: dict[str, Count]
    bytes_by_dtype: dict[str, Count]
    embed_params: Count
    lm_head_params: Count
    tied_embeddings: bool
    decoder_params: Count
    other_params: Count
    buffer_params: Count
    num_layers: Count
    hidden_size: Count | None
    head_dim: Count | None
    vocab_size: Count | None
    files: Count
    skeleton_files: Count
    layers: list[Layer]
    findings: list[Finding]
    quantization: str | None = Field(description='e.g. "gptq 4-bit": parameters are logical, bytes as stored')
    estimates: Estimates | None


class Totals(_Output):
    base_params: Count
    pruned_params: Count
    removed_params: int
    pruned_pct: Percent
    base_decoder_params: Count
    pruned_decoder_params: Count
    removed_decoder_params: int
    decoder_pruned_pct: Percent


class LayerComparison(_Output):
    """One base layer against the pruned layer paired with it."""

    index: Count = Field(description="the base model's index of the layer")
    base_params: Count
    pruned_params: Count
    kept_pct: Percent
    pruned_pct: Percent
    base_attn_params: Count | None
    pruned_attn_params: Count | None
    attn_pruned_pct: Percent | None
    base_mlp_params: Count | None
    pruned_mlp_params: Count | None
    mlp_pruned_pct: Percent | None
    base_q_heads: Count | None
    pruned_q_heads: Count | None
    base_kv_heads: Count | None
    pruned_kv_heads: Count | None
    base_intermediate_size: Count | None
    pruned_intermediate_size: Count | None
    status: list[LayerStatus]
    base_experts: Count | None
    pruned_experts: Count | None
    pruned_index: Count | None = Field(description="through a layer map: the pruned model's own index of the layer")


class EstimatesComparison(_Output):
    weight_bytes_saved: int
    weight_saved_pct: Percent
    kv_bytes_per_token_saved: int | None
    kv_saved_pct: Percent | None
    kv_cache_bytes_saved: int | None
    flops_per_token_saved: int | None
    flops_saved_pct: Percent | None


class CompareOutput(_Output):
    """``hubprune compare --format json``: a pruned model against its base."""

    schema_version: SchemaVersion
    base: InspectOutput
    pruned: InspectOutput
    totals: Totals
    layers: list[LayerComparison] = Field(description="empty when the models could not be aligned")
    findings: list[Finding]
    estimates: EstimatesComparison | None
    aligned: bool = Field(description="false: different depths and no layer map, so totals only")
    layer_map: list[Count] | None = Field(description="the base layer of each pruned layer, when one was given")


class CheckOutput(_Output):
    """``hubprune check --format json``: findings before a download, and what the model will cost."""

    schema_version: SchemaVersion
    name: str
    source: str
    commit: str | None
    family: str | None = Field(description="null when the headers could not be read at all")
    files: Count
    findings: list[Finding]
    estimates: Estimates | None


class Tensor(_Output):
    name: str
    dtype: str
    shape: list[Count]
    file: str


class TensorsOutput(_Output):
    """``hubprune tensors --format json``: the tensors whose names match a glob."""

    schema_version: SchemaVersion
    name: str
    source: str
    commit: str | None
    pattern: str
    tensors: list[Tensor]


class FamilyInfo(_Output):
    name: str
    description: str
    architectures: list[str]
    model_types: list[str]
    examples: list[str]
    config_keys: dict[str, list[str]] = Field(description="each config fact and the keys it is read from, in order")
    heuristic: bool = Field(description="recognised by tensor names, when no other family claims the config")


class FamiliesOutput(RootModel[list[FamilyInfo]]):
    """``hubprune families --format json``: every family, in the order detection tries them."""

    model_config = ConfigDict(frozen=True, strict=True)


# The family file, as written in archs/data/*.json.

LayerRoleName = Literal[tuple(sorted(LAYER_ROLES))]  # type: ignore[valid-type]
GlobalRoleName = Literal[tuple(sorted(GLOBAL_ROLES))]  # type: ignore[valid-type]
FactName = Literal[tuple(Fact)]  # type: ignore[valid-type]
HookName = Literal[tuple(h.value for h in Hook)]  # type: ignore[valid-type]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, protected_namespaces=())


class Pattern(_Data):
    """One spelling of a role and where it was seen; a plain string is a pattern with the family's ``seen_in``."""

    pattern: str = Field(description="module path with {layer} and {expert}, without the parameter name")
    seen_in: str = ""
    layout: Literal["out_in", "in_out"] = Field("out_in", description="in_out for GPT-2's transposed Conv1D")


PatternSpec = Union[str, Pattern]


class FamilyFile(_Data):
    """One model family file (``hubprune/archs/data/NAME.json``)."""

    name: str
    description: str
    extends: str | None = Field(None, description="a family whose roles and config keys this one inherits")
    heuristic: bool = False
    architectures: list[str] = []
    model_types: list[str] = []
    examples: list[str] = []
    layer_roles: dict[LayerRoleName, list[PatternSpec]] = {}
    global_roles: dict[GlobalRoleName, list[PatternSpec]] = {}
    param_suffixes: list[str] = ["weight", "bias"]
    config_keys: dict[FactName, list[str]] = Field(
        {}, description="config keys to read each fact from, first present wins (default: the fact's own name)"
    )
    tie_word_embeddings_default: bool = False
    extra_layers_past_config: bool = False
    hooks: list[HookName] = Field([], description="named per-family knowledge that is code (archs/hooks.py)")
    seen_in: str = Field("", description="where this family's spellings were seen, for patterns given as strings")


# The GGUF name table, formats/data/gguf_names.json: llama.cpp spellings -> transformers ones.


class GgufMoe(_Data):
    """How one GGUF architecture with routed experts reads as a transformers MoE model."""

    model_type: str
    architecture: str
    expert_count: str = Field(description="the config key the GGUF expert count becomes")
    tensors: dict[str, str]
    experts: dict[str, str] = Field(description="stacked expert tensors ({n} block, {e} expert in the name they stand for)")
    config: dict[str, str]


class GgufNames(_Data):
    comment: str = Field(alias="_comment")
    architectures: dict[str, str] = Field(description="GGUF general.architecture -> transformers architecture")
    tensors: dict[str, str] = Field(description="GGUF tensor name -> transformers name; {n} is the block number")
    config: dict[str, str] = Field(description="GGUF metadata key (after the architecture prefix) -> config key")
    per_layer_config: dict[str, str]
    comment_moe: str = Field(alias="_comment_moe")
    moe: dict[str, GgufMoe]


OUTPUTS: dict[str, type[BaseModel]] = {
    "inspect": InspectOutput,
    "compare": CompareOutput,
    "check": CheckOutput,
    "tensors": TensorsOutput,
    "families": FamiliesOutput,
    "family": FamilyFile,
}

# The schemas are also shipped as files, for tools that validate without running hubprune.
SHIPPED = Path(__file__).parent / "schemas"


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of the output (or file) ``name``, one of ``OUTPUTS``."""
    return OUTPUTS[name].model_json_schema()


def schema_text(name: str) -> str:
    """``json_schema(name)`` as the shipped file and ``hubprune schema NAME`` write it."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"


def write_shipped(folder: Path = SHIPPED) -> list[Path]:
    """Regenerate ``hubprune/schemas/NAME.schema.json`` (``python -m hubprune.schema``)."""
    folder.mkdir(exist_ok=True)
    written = []
    for name in OUTPUTS:
        path = folder / f"{name}.schema.json"
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_shipped():
        print(path, file=sys.stderr)
