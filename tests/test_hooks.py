"""Per-family knowledge behind named hooks and one module for head_dim: the consumers hold no
family-specific branch and no head_dim rule of their own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hubprune.archs.hooks import Hook, latent_attention, per_block_config, removed_heads, uniform_attention
from hubprune.archs.schema import Family, load_family
from hubprune.dims import config_head_dim, latent_dims

PACKAGE = Path(__file__).resolve().parent.parent / "hubprune"
CONSUMERS = ["infer.py", "estimates.py", "findings/config.py", "findings/load.py", "archs/detect.py"]
# A config key only a hook reads, tested in code (a mention in prose is fine).
HOOK_KEYS = re.compile(r"""\.get\(\s*["'](block_configs|kv_lora_rank|pruned_heads|qk_rope_head_dim|qk_nope_head_dim|v_head_dim)["']""")
# head_dim computed outside dims.py: "hidden // heads" or the nope + rope sum.
HEAD_DIM_RULES = re.compile(r"hidden\s*//\s*heads|nope\s*\+\s*rope|def resolve_head_dim")


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_consumers_hold_no_hook_branch_or_head_dim_rule(consumer: str) -> None:
    # Code only: comments may say what the rule is.
    text = "\n".join(line.split("#")[0] for line in (PACKAGE / consumer).read_text(encoding="utf-8").splitlines())
    assert HOOK_KEYS.findall(text) == []
    assert HEAD_DIM_RULES.findall(text) == []


def test_the_patterns_see_what_they_guard() -> None:
    assert HOOK_KEYS.search('config.get("block_configs")') and HEAD_DIM_RULES.search("hidden // heads")


def test_a_misspelt_hook_fails_when_the_family_loads() -> None:
    with pytest.raises(ValueError, match="unknown hook"):
        Family.from_dict({"name": "x", "description": "y", "hooks": ["block_config"]})


def test_families_reference_their_hooks() -> None:
    assert Hook.BLOCK_CONFIGS in load_family("decilm").hooks
    assert Hook.LATENT_ATTENTION in load_family("deepseek").hooks
    assert Hook.PER_LAYER_LISTS in load_family("openelm").hooks
    assert Hook.PRUNED_HEADS in load_family("bert").hooks
    assert load_family("llama").hooks == []


def test_hooks_answer_only_for_the_families_that_name_them() -> None:
    nas = {"block_configs": [{"attention": {"no_op": True}}]}
    assert per_block_config(load_family("decilm"), nas) and not per_block_config(load_family("llama"), nas)
    mla = {"kv_lora_rank": 512, "qk_rope_head_dim": 64}
    assert latent_attention(load_family("deepseek"), mla) and not uniform_attention(load_family("deepseek"), mla)
    assert uniform_attention(load_family("deepseek"), {"kv_lora_rank": None})
    heads = {"pruned_heads": {"0": [1, 2]}}
    assert removed_heads(load_family("bert"), heads) == {0: 2} and removed_heads(load_family("llama"), heads) == {}


def test_dims_read_through_family_aliases() -> None:
    openelm = load_family("openelm")
    assert config_head_dim(openelm, {"head_dim": 64}) == 64
    assert config_head_dim(load_family("llama"), {"hidden_size": 100, "num_attention_heads": 3}) is None
    assert latent_dims(load_family("deepseek"), {"kv_lora_rank": 512, "qk_rope_head_dim": 64}).cache_dim == 576
