"""The schema of a family file, and the loader for ``data/*.json``.

A family file names *roles* (what a tensor does) and the module-name patterns that play them.
``infer.py`` speaks only in roles, so a new Llama-like family is a new JSON file, not new code.

Pattern syntax: a module path with ``{layer}`` standing for the layer index and ``{expert}`` for
the index of a routed expert, without the final parameter name (``weight``, ``bias``, ...), e.g.
``model.layers.{layer}.self_attn.q_proj``. A family may ``extend`` another: it inherits every role
it does not spell itself, so a Llama-like family only writes down what differs.

A spelling is a plain string (seen where the file's ``seen_in`` says) or an object with its own
``seen_in`` and, for GPT-2's ``Conv1D``, ``layout: in_out``. ``config_keys`` maps a fact to the
config keys that hold it, first found wins; a fact left out is read from the key of its own name,
and an empty list means the family's config never states it (DeciLM's per-block widths).
``hooks`` names per-family knowledge that is code (``hooks.py``).
"""

from __future__ import annotations

import json
import os
from functools import cache
from enum import Enum
from collections.abc import Iterable

from ..values import JsonValue, field, fields
from .hooks import Hook

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    Layout = Literal["out_in", "in_out"]  # LAYOUTS


class _Name(str, Enum):
    """A closed vocabulary: compares and hashes as its string, prints as it."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class Role(_Name):
    """What a tensor does. Per-layer roles (attention and MLP roles add up to attn_params /
    mlp_params) and whole-model roles (``embed``, ``lm_head``, ``final_norm``; ``other`` is a known
    tensor that is neither embedding nor head, such as GPT-2 wpe or the BERT pooler)."""

    ATTN_Q = "attn_q"
    ATTN_K = "attn_k"
    ATTN_V = "attn_v"
    ATTN_O = "attn_o"
    ATTN_QKV_FUSED = "attn_qkv_fused"
    ATTN_Q_NORM = "attn_q_norm"
    ATTN_K_NORM = "attn_k_norm"
    # Multi-head latent attention (DeepSeek-V2/V3): low-rank q and a shared compressed KV.
    ATTN_Q_A = "attn_q_a"
    ATTN_Q_A_NORM = "attn_q_a_norm"
    ATTN_Q_B = "attn_q_b"
    ATTN_KV_A = "attn_kv_a"
    ATTN_KV_A_NORM = "attn_kv_a_norm"
    ATTN_KV_B = "attn_kv_b"
    # A whole attention block replaced by one linear map (Nemotron-NAS replace_with_linear).
    ATTN_LINEAR = "attn_linear"
    MLP_GATE = "mlp_gate"
    MLP_UP = "mlp_up"
    MLP_DOWN = "mlp_down"
    MLP_GATE_UP_FUSED = "mlp_gate_up_fused"
    MLP_LINEAR = "mlp_linear"
    # Mixture of experts: the router, routed experts ({expert} in the pattern), shared experts.
    ROUTER = "router"
    EXPERT_GATE = "expert_gate"
    EXPERT_UP = "expert_up"
    EXPERT_DOWN = "expert_down"
    EXPERT_GATE_UP_FUSED = "expert_gate_up_fused"
    SHARED_GATE = "shared_gate"
    SHARED_UP = "shared_up"
    SHARED_DOWN = "shared_down"
    SHARED_ROUTER = "shared_router"
    SHARED_GATE_UP_FUSED = "shared_gate_up_fused"
    # Token mixers other than softmax attention: a state-space (Mamba) block, and linear
    # attention (MiniMax lightning attention, Qwen3-Next Gated DeltaNet). Every tensor in them is
    # a parameter, whatever its name (A_log, D, dt_bias).
    SSM = "ssm"
    LINEAR_ATTN = "linear_attn"
    NORM = "norm"
    # A matrix on the layer's residual path, outside attention and MLP: SliceGPT's shortcut_Q,
    # which rotates the residual stream where consecutive layers keep different widths.
    RESIDUAL = "residual"
    BUFFER = "buffer"
    EMBED = "embed"
    LM_HEAD = "lm_head"
    FINAL_NORM = "final_norm"
    OTHER = "other"


LAYER_ROLES = frozenset(Role) - {Role.EMBED, Role.LM_HEAD, Role.FINAL_NORM, Role.OTHER}
GLOBAL_ROLES = frozenset({Role.EMBED, Role.LM_HEAD, Role.FINAL_NORM, Role.OTHER, Role.BUFFER})


class Fact(_Name):
    """A config fact a family reads through its own key aliases (``config_keys``)."""

    HEAD_DIM = "head_dim"
    HIDDEN_SIZE = "hidden_size"
    INTERMEDIATE_SIZE = "intermediate_size"
    KV_LORA_RANK = "kv_lora_rank"
    NUM_ATTENTION_HEADS = "num_attention_heads"
    NUM_EXPERTS = "num_experts"
    NUM_EXPERTS_PER_TOK = "num_experts_per_tok"
    NUM_HIDDEN_LAYERS = "num_hidden_layers"
    NUM_KEY_VALUE_HEADS = "num_key_value_heads"
    Q_LORA_RANK = "q_lora_rank"
    QK_NOPE_HEAD_DIM = "qk_nope_head_dim"
    QK_ROPE_HEAD_DIM = "qk_rope_head_dim"
    TIE_WORD_EMBEDDINGS = "tie_word_embeddings"
    V_HEAD_DIM = "v_head_dim"
    VOCAB_SIZE = "vocab_size"


ATTN_ROLES = frozenset(
    {
        Role.ATTN_Q, Role.ATTN_K, Role.ATTN_V, Role.ATTN_O, Role.ATTN_QKV_FUSED, Role.ATTN_Q_NORM, Role.ATTN_K_NORM,
        Role.ATTN_Q_A, Role.ATTN_Q_A_NORM, Role.ATTN_Q_B, Role.ATTN_KV_A, Role.ATTN_KV_A_NORM, Role.ATTN_KV_B, Role.ATTN_LINEAR,
        Role.SSM, Role.LINEAR_ATTN,
    }
)  # fmt: skip
# Token mixer role -> the ``mixer`` a layer reports when it holds that role.
MIXER_OF_ROLE: dict[Role, str] = {Role.SSM: "mamba", Role.LINEAR_ATTN: "linear_attention"}
# A token mixer is told by what it stores, whatever its child is called (Nemotron-H calls every
# part "mixer", RWKV its time mixing "attention", RecurrentGemma both kinds "temporal_block"):
# mixer -> name parts that must all appear under the one child of the block (module path parts
# and parameter names). The first that matches wins, so Mamba (A_log and D) comes before the
# linear attentions, which keep a learned decay A_log but no skip D.
MIXER_SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("mamba", frozenset({"A_log", "D"})),  # Mamba, Mamba-2 (Jamba, Bamba, Nemotron-H, Falcon-H1, Zamba)
    ("recurrent", frozenset({"rg_lru"})),  # RecurrentGemma / Griffin RG-LRU
    ("rwkv", frozenset({"time_decay"})),  # RWKV time mixing
    ("mlstm", frozenset({"igate_preact"})),  # xLSTM mLSTM cell
    ("linear_attention", frozenset({"A_log"})),  # Gated DeltaNet (Qwen3-Next), KDA (Kimi Linear), Bailing
    ("linear_attention", frozenset({"slope_rate"})),  # MiniMax lightning attention (its slopes are a buffer)
    ("fourier", frozenset({"fourier"})),  # FNet: parameter-free, seen only by its child's name
)
EXPERT_ROLES = frozenset({Role.EXPERT_GATE, Role.EXPERT_UP, Role.EXPERT_DOWN, Role.EXPERT_GATE_UP_FUSED})
SHARED_ROLES = frozenset({Role.SHARED_GATE, Role.SHARED_UP, Role.SHARED_DOWN, Role.SHARED_ROUTER, Role.SHARED_GATE_UP_FUSED})
MLP_ROLES = frozenset({Role.MLP_GATE, Role.MLP_UP, Role.MLP_DOWN, Role.MLP_GATE_UP_FUSED, Role.MLP_LINEAR, Role.ROUTER}) | EXPERT_ROLES | SHARED_ROLES

# Which config fact is the *input* width of a role's weight when that is not the hidden size.
# A bitsandbytes 4-bit weight is stored flat, so its logical [out, in] is recovered from this.
ROLE_INPUT: dict[Role, Fact] = {Role.ATTN_Q_B: Fact.Q_LORA_RANK, Role.ATTN_KV_B: Fact.KV_LORA_RANK}
# Roles whose *output* is the hidden size (their input is the inner width).
HIDDEN_OUTPUT_ROLES = frozenset({Role.ATTN_O, Role.MLP_DOWN, Role.EXPERT_DOWN, Role.SHARED_DOWN})

# Stored tensors that are buffers, not parameters: ``save_pretrained`` writes persistent buffers
# beside the weights, and ``model.parameters()`` never counts them. Matched on the end of the
# full tensor name, for every family (they are spelled alike wherever they appear).
BUFFER_SUFFIXES: tuple[str, ...] = (
    ".inv_freq",  # rotary embedding frequencies
    ".position_ids",
    ".masked_bias",  # GPT-2 style causal mask constants
    # The router's score-correction bias of DeepSeek-V3 / GLM-4-MoE, held by the gate or by the MoE
    # block itself (EXAONE-MoE, MiniMax-M2). ERNIE's moe_statics one and Laguna's experts one are
    # parameters, so only these holders are listed.
    ".gate.e_score_correction_bias",
    ".mlp.e_score_correction_bias",
    ".block_sparse_moe.e_score_correction_bias",
    ".slope_rate",  # MiniMax lightning attention decay slopes
    # MiniMax's fixed decays; not every "*_decay" (RWKV's time_decay is a learned parameter).
    ".query_decay",
    ".key_decay",
    ".diagonal_decay",
    ".act_fn.beta",  # xIELU activation constants (Apertus)
    ".act_fn.eps",
)

# How a matrix is stored (``Layout`` for type checkers, above).
LAYOUTS = ("out_in", "in_out")


class Pattern(JsonValue):
    """One spelling of a role, and where that spelling was seen.

    ``layout`` is ``in_out`` for GPT-2's ``Conv1D``, which stores weights transposed.
    """

    pattern: str
    seen_in: str = ""
    layout: Layout = "out_in"


class Family(JsonValue):
    """One model family: how to recognise it and which tensors play which role.

    Built through ``Family.from_dict``, which checks a family file strictly: unknown keys, unknown
    roles or a wrong type are errors that name the file, so a typo cannot silently drop a role.
    """

    name: str
    description: str
    extends: str | None = None
    heuristic: bool = False
    architectures: list[str] = field(default_factory=list)
    model_types: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    layer_roles: dict[Role, list[Pattern]] = field(default_factory=dict)
    global_roles: dict[Role, list[Pattern]] = field(default_factory=dict)
    param_suffixes: list[str] = field(default_factory=lambda: ["weight", "bias"])
    config_keys: dict[str, list[str]] = field(default_factory=dict)
    tie_word_embeddings_default: bool = False
    extra_layers_past_config: bool = False
    # Named per-family knowledge (hooks.py): DeciLM block_configs, OpenELM per-layer lists, ...
    hooks: list[Hook] = field(default_factory=list)
    # Where this family's spellings were seen, for patterns written as plain strings.
    seen_in: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Family":
        """Validate a (merged) family file and build the family.

        >>> Family.from_dict({"name": "x", "description": "y", "layer_roles": {"attn_qq": []}})
        Traceback (most recent call last):
        ...
        ValueError: family x: unknown layer role 'attn_qq'
        """
        name = data.get("name", "?")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"family {name}: unknown key(s) {', '.join(unknown)}")
        for key, kind in (("name", str), ("description", str), ("seen_in", str)):
            if key == "seen_in" and key not in data:
                continue
            if not isinstance(data.get(key), kind):
                raise ValueError(f"family {name}: {key} must be a string")
        if data.get("extends") is not None and not isinstance(data["extends"], str):
            raise ValueError(f"family {name}: extends must be a family name")
        for key in ("architectures", "model_types", "examples", "param_suffixes"):
            if key in data and not _strings(data[key]):
                raise ValueError(f"family {name}: {key} must be a list of strings")
        for key in ("heuristic", "tie_word_embeddings_default", "extra_layers_past_config"):
            if key in data and not isinstance(data[key], bool):
                raise ValueError(f"family {name}: {key} must be true or false")
        config_keys = data.get("config_keys", {})
        if not isinstance(config_keys, dict) or not all(_strings(v) for v in config_keys.values()):
            raise ValueError(f"family {name}: config_keys must map facts to lists of keys")
        unknown_facts = sorted(set(config_keys) - set(Fact))
        if unknown_facts:
            raise ValueError(f"family {name}: unknown config fact(s) {', '.join(unknown_facts)}")
        hooks = data.get("hooks", [])
        if not _strings(hooks):
            raise ValueError(f"family {name}: hooks must be a list of strings")
        unknown_hooks = sorted(set(hooks) - {h.value for h in Hook})
        if unknown_hooks:
            raise ValueError(f"family {name}: unknown hook(s) {', '.join(unknown_hooks)}")
        roles = {
            scope: _roles(name, scope, data.get(scope, {}), allowed, data.get("seen_in", ""))
            for scope, allowed in (("layer_roles", LAYER_ROLES), ("global_roles", GLOBAL_ROLES))
        }
        return cls(**{**data, **roles, "hooks": [Hook(h) for h in hooks]})

    def config_value(self, config: dict | None, fact: str) -> object | None:
        """Read one fact from a config through this family's aliases.

        >>> load_family("llama").config_value({"n_head": 8, "num_attention_heads": 32}, "num_attention_heads")
        32
        """
        if not config:
            return None
        for key in self.config_keys.get(fact, [fact]):
            if config.get(key) is not None:
                return config[key]
        return None

    def config_key(self, config: dict, fact: str) -> str | None:
        """The config key that ``config_value`` reads ``fact`` from (the first alias set).

        >>> load_family("openelm").config_key({"num_query_heads": [12, 16]}, "num_attention_heads")
        'num_query_heads'
        """
        return next((key for key in self.config_keys.get(fact, [fact]) if config.get(key) is not None), None)

    def roles(self) -> "RoleTable":
        """The lookup table from module templates to roles."""
        return RoleTable(self)


class RoleTable:
    """Module template -> (role, layout). A pattern starting with ``*.`` matches any prefix; one
    that also ends in ``.**`` matches every module inside that one (``*.mamba.**``: a Mamba block
    whose inner names vary by implementation).

    >>> table = load_family("llama").roles()
    >>> role, layout = table.lookup("model.layers.{layer}.mlp.up_proj", in_layer=True)
    >>> role is Role.MLP_UP, layout
    (True, 'out_in')
    """

    def __init__(self, family: Family) -> None:
        self._exact: list[dict[str, tuple[str, str]]] = [{}, {}]
        self._suffix: list[list[tuple[str, tuple[str, str]]]] = [[], []]
        self._inside: list[list[tuple[str, tuple[str, str]]]] = [[], []]
        for in_layer, roles in ((0, family.global_roles), (1, family.layer_roles)):
            for role, patterns in roles.items():
                for p in patterns:
                    if p.pattern.startswith("*.") and p.pattern.endswith(".**"):
                        self._inside[in_layer].append((p.pattern[1:-2], (role, p.layout)))
                    elif p.pattern.startswith("*"):
                        self._suffix[in_layer].append((p.pattern[1:], (role, p.layout)))
                    else:
                        self._exact[in_layer][p.pattern] = (role, p.layout)
            # Longest suffix first: ".attention.output.dense" before ".output.dense".
            self._suffix[in_layer].sort(key=lambda item: -len(item[0]))

    def lookup(self, template: str, *, in_layer: bool) -> tuple[str, str] | None:
        found = self._exact[in_layer].get(template)
        if found is not None:
            return found
        if self._inside[in_layer]:
            dotted = template + "."
            for segment, value in self._inside[in_layer]:
                if segment in dotted:
                    return value
        for suffix, value in self._suffix[in_layer]:
            if template.endswith(suffix):
                return value
        return None


_LAYOUTS = frozenset(LAYOUTS)


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _roles(family: str, scope: str, raw: object, allowed: frozenset[str], seen_in: str) -> dict[str, list[Pattern]]:
    if not isinstance(raw, dict):
        raise ValueError(f"family {family}: {scope} must be an object")
    roles: dict[str, list[Pattern]] = {}
    for role, patterns in raw.items():
        if role not in allowed:
            raise ValueError(f"family {family}: unknown {scope.split('_')[0]} role {role!r}")
        role = Role(role)
        if not isinstance(patterns, list):
            raise ValueError(f"family {family}: {role} must list patterns")
        roles[role] = [_pattern(family, role, {"pattern": item, "seen_in": seen_in} if isinstance(item, str) else item) for item in patterns]
    return roles


def _pattern(family: str, role: str, item: object) -> Pattern:
    if not isinstance(item, dict) or not isinstance(item.get("pattern"), str) or set(item) - {"pattern", "seen_in", "layout"}:
        raise ValueError(f"family {family}: {role} has a malformed pattern {item!r}")
    if item.get("layout", "out_in") not in _LAYOUTS or not isinstance(item.get("seen_in", ""), str):
        raise ValueError(f"family {family}: {role} pattern {item['pattern']!r} has a bad layout or seen_in")
    return Pattern(**item)


# The family files ship inside the package, beside this module.
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


@cache
def family_names() -> tuple[str, ...]:
    """The name of every family file shipped with hubprune, sorted: the order detection tries them in."""
    return tuple(sorted(entry[: -len(".json")] for entry in os.listdir(DATA) if entry.endswith(".json")))


@cache
def _file(name: str) -> dict:
    """The JSON of ``data/{name}.json`` as written (shared: callers copy what they change)."""
    with open(os.path.join(DATA, f"{name}.json"), encoding="utf-8") as handle:
        return json.load(handle)


def _read(name: str) -> dict:
    data = dict(_file(name))
    # A spelling written as a plain string was seen where *its own file* says: resolve that here,
    # before a family that extends this one merges it under a seen_in of its own.
    seen_in = data.get("seen_in", "")
    for scope in ("layer_roles", "global_roles"):
        roles = data.get(scope)
        if isinstance(roles, dict):
            data[scope] = {
                role: [{"pattern": p, "seen_in": seen_in} if isinstance(p, str) else p for p in patterns]
                if isinstance(patterns, list)
                else patterns
                for role, patterns in roles.items()
            }
    return data


def _merged(name: str, seen: tuple[str, ...] = ()) -> dict:
    data = _read(name)
    parent = data.get("extends")
    if parent is None:
        return data
    if parent in seen or parent == name:
        raise ValueError(f"family {name} extends itself through {parent}")
    base = _merged(parent, (*seen, name))
    merged = {key: value for key, value in base.items() if key not in ("name", "description", "architectures", "model_types", "examples", "heuristic")}
    for key, value in data.items():
        if key in ("layer_roles", "global_roles", "config_keys"):
            merged[key] = {**base.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


@cache
def load_family(name: str) -> Family:
    """Load ``data/{name}.json`` (with what it inherits through ``extends``)."""
    return Family.from_dict(_merged(name))


@cache
def all_families() -> tuple[Family, ...]:
    """Every family file shipped with hubprune, sorted by name."""
    return tuple(load_family(name) for name in family_names())


def named_family(architectures: Iterable[object], model_type: object) -> str | None:
    """The family a config names, without building the others: the first family (by name) that
    lists one of ``architectures`` (tried in their order), else the first that lists ``model_type``.

    Only the two lists of each file are read here; a family is built (and its file checked) when
    it is loaded, so a run that names its family builds that one alone.

    >>> named_family(["MistralForCausalLM"], "llama"), named_family([], "qwen2"), named_family(["Nope"], None)
    ('mistral', 'qwen2', None)
    """
    names = family_names()
    for arch in architectures:
        for name in names:
            if arch in _file(name).get("architectures", []):
                return name
    if model_type:
        for name in names:
            if model_type in _file(name).get("model_types", []):
                return name
    return None
