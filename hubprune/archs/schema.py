"""The schema of a family file, and the loader for ``data/*.json``.

A family file names *roles* (what a tensor does) and the module-name patterns that play them.
``infer.py`` speaks only in roles, so a new Llama-like family is a new JSON file, not new code.

Pattern syntax: a module path with ``{layer}`` standing for the layer index and ``{expert}`` for
the index of a routed expert, without the final parameter name (``weight``, ``bias``, ...), e.g.
``model.layers.{layer}.self_attn.q_proj``. A family may ``extend`` another: it inherits every role
it does not spell itself, so a Llama-like family only writes down what differs.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

from ..model import _Value

# Per-layer roles. Attention and MLP roles add up to attn_params / mlp_params.
LayerRole = Literal[
    "attn_q",
    "attn_k",
    "attn_v",
    "attn_o",
    "attn_qkv_fused",
    "attn_q_norm",
    "attn_k_norm",
    # Multi-head latent attention (DeepSeek-V2/V3): low-rank q and a shared compressed KV.
    "attn_q_a",
    "attn_q_a_norm",
    "attn_q_b",
    "attn_kv_a",
    "attn_kv_a_norm",
    "attn_kv_b",
    # A whole attention block replaced by one linear map (Nemotron-NAS replace_with_linear).
    "attn_linear",
    "mlp_gate",
    "mlp_up",
    "mlp_down",
    "mlp_gate_up_fused",
    "mlp_linear",
    # Mixture of experts: the router, routed experts ({expert} in the pattern), shared experts.
    "router",
    "expert_gate",
    "expert_up",
    "expert_down",
    "expert_gate_up_fused",
    "shared_gate",
    "shared_up",
    "shared_down",
    "shared_router",
    "shared_gate_up_fused",
    # Token mixers other than softmax attention: a state-space (Mamba) block, and linear
    # attention (MiniMax lightning attention, Qwen3-Next Gated DeltaNet). Every tensor in them is
    # a parameter, whatever its name (A_log, D, dt_bias).
    "ssm",
    "linear_attn",
    "norm",
    "buffer",
]
# Whole-model roles. ``other`` is a known tensor that is neither embedding nor head (GPT-2 wpe,
# BERT pooler): counted as other parameters without an "unrecognized" warning.
GlobalRole = Literal["embed", "lm_head", "final_norm", "other", "buffer"]

ATTN_ROLES = frozenset(
    {
        "attn_q", "attn_k", "attn_v", "attn_o", "attn_qkv_fused", "attn_q_norm", "attn_k_norm",
        "attn_q_a", "attn_q_a_norm", "attn_q_b", "attn_kv_a", "attn_kv_a_norm", "attn_kv_b", "attn_linear",
        "ssm", "linear_attn",
    }
)  # fmt: skip
# Token mixer role -> the ``mixer`` a layer reports when it holds that role.
MIXER_OF_ROLE: dict[str, str] = {"ssm": "mamba", "linear_attn": "linear_attention"}
EXPERT_ROLES = frozenset({"expert_gate", "expert_up", "expert_down", "expert_gate_up_fused"})
SHARED_ROLES = frozenset({"shared_gate", "shared_up", "shared_down", "shared_router", "shared_gate_up_fused"})
MLP_ROLES = frozenset({"mlp_gate", "mlp_up", "mlp_down", "mlp_gate_up_fused", "mlp_linear", "router"}) | EXPERT_ROLES | SHARED_ROLES

# Which config fact is the *input* width of a role's weight when that is not the hidden size.
# A bitsandbytes 4-bit weight is stored flat, so its logical [out, in] is recovered from this.
ROLE_INPUT: dict[str, str] = {"attn_q_b": "q_lora_rank", "attn_kv_b": "kv_lora_rank"}
# Roles whose *output* is the hidden size (their input is the inner width).
HIDDEN_OUTPUT_ROLES = frozenset({"attn_o", "mlp_down", "expert_down", "shared_down"})

# Stored tensors that are buffers, not parameters: ``save_pretrained`` writes persistent buffers
# beside the weights, and ``model.parameters()`` never counts them. Matched on the end of the
# full tensor name, for every family (they are spelled alike wherever they appear).
BUFFER_SUFFIXES: tuple[str, ...] = (
    ".inv_freq",  # rotary embedding frequencies
    ".position_ids",
    ".masked_bias",  # GPT-2 style causal mask constants
    ".gate.e_score_correction_bias",  # DeepSeek-V3 / GLM-4-MoE (ERNIE's moe_statics one is a parameter)
    ".slope_rate",  # MiniMax lightning attention decay slopes
    "_decay",  # MiniMax query_decay / key_decay / diagonal_decay
    ".act_fn.beta",  # xIELU activation constants (Apertus)
    ".act_fn.eps",
)

Layout = Literal["out_in", "in_out"]


@dataclass(frozen=True)
class Pattern(_Value):
    """One spelling of a role, and where that spelling was seen.

    ``layout`` is ``in_out`` for GPT-2's ``Conv1D``, which stores weights transposed.
    """

    pattern: str
    seen_in: str = ""
    layout: Layout = "out_in"


@dataclass(frozen=True, kw_only=True)
class Family(_Value):
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
    layer_roles: dict[str, list[Pattern]] = field(default_factory=dict)
    global_roles: dict[str, list[Pattern]] = field(default_factory=dict)
    param_suffixes: list[str] = field(default_factory=lambda: ["weight", "bias"])
    config_keys: dict[str, list[str]] = field(default_factory=dict)
    tie_word_embeddings_default: bool = False
    extra_layers_past_config: bool = False
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
        for key in ("architectures", "model_types", "examples", "param_suffixes"):
            if key in data and not _strings(data[key]):
                raise ValueError(f"family {name}: {key} must be a list of strings")
        for key in ("heuristic", "tie_word_embeddings_default", "extra_layers_past_config"):
            if key in data and not isinstance(data[key], bool):
                raise ValueError(f"family {name}: {key} must be true or false")
        config_keys = data.get("config_keys", {})
        if not isinstance(config_keys, dict) or not all(_strings(v) for v in config_keys.values()):
            raise ValueError(f"family {name}: config_keys must map facts to lists of keys")
        roles = {
            scope: _roles(name, scope, data.get(scope, {}), allowed, data.get("seen_in", ""))
            for scope, allowed in (("layer_roles", _LAYER_ROLES), ("global_roles", _GLOBAL_ROLES))
        }
        return cls(**{**data, **roles})

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

    def roles(self) -> "RoleTable":
        """The lookup table from module templates to roles."""
        return RoleTable(self)


class RoleTable:
    """Module template -> (role, layout). A pattern starting with ``*.`` matches any prefix; one
    that also ends in ``.**`` matches every module inside that one (``*.mamba.**``: a Mamba block
    whose inner names vary by implementation).

    >>> table = load_family("llama").roles()
    >>> table.lookup("model.layers.{layer}.mlp.up_proj", in_layer=True)
    ('mlp_up', 'out_in')
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


_LAYER_ROLES = frozenset(get_args(LayerRole))
_GLOBAL_ROLES = frozenset(get_args(GlobalRole))
_LAYOUTS = frozenset(get_args(Layout))


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _roles(family: str, scope: str, raw: object, allowed: frozenset[str], seen_in: str) -> dict[str, list[Pattern]]:
    if not isinstance(raw, dict):
        raise ValueError(f"family {family}: {scope} must be an object")
    roles: dict[str, list[Pattern]] = {}
    for role, patterns in raw.items():
        if role not in allowed:
            raise ValueError(f"family {family}: unknown {scope.split('_')[0]} role {role!r}")
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


def _read(name: str) -> dict:
    text = resources.files("hubprune.archs").joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


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
    folder = resources.files("hubprune.archs").joinpath("data")
    names = sorted(entry.name[: -len(".json")] for entry in folder.iterdir() if entry.name.endswith(".json"))
    return tuple(load_family(name) for name in names)
