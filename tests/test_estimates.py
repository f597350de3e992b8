"""Estimates: download size, weight memory, KV cache per layer, FLOPs per token."""

from __future__ import annotations

from hubprune import values as value_types
import functools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hubprune
from hubprune.estimates import (
    compare_estimates,
    download_bytes,
    estimate,
    flops_per_token,
    layer_kv_bytes_per_token,
    matmul_params,
    routed_expert_params,
)
from hubprune.model import LayerShape
from hubprune.sources.local import read_local

from .conftest import FIXTURES, LLAMA, TAYLOR
from .test_checks import build

# Llama-3-8B: 32 layers x (K + V) x 8 KV heads x head_dim 128 x 2 bytes (bf16 cache).
LLAMA_KV_PER_TOKEN = 32 * 2 * 8 * 128 * 2


@functools.cache
def _llama_shape():
    return hubprune.inspect(str(LLAMA)).shape


@pytest.fixture
def llama():
    return _llama_shape()


@pytest.fixture(scope="module")
def taylor():
    return hubprune.inspect(str(TAYLOR)).shape


def _layer(**kw) -> LayerShape:
    base = dict(index=0, params=10, attn_params=10, mlp_params=0, norm_params=0, q_heads=32, kv_heads=8, head_dim=128,
                intermediate_size=0)  # fmt: skip
    return LayerShape(**{**base, **kw})


def test_llama_kv_cache_matches_the_closed_form(llama) -> None:
    e = estimate(llama, download=0, context=8192, batch=4)
    assert e.kv_bytes_per_token == LLAMA_KV_PER_TOKEN == 131_072
    assert e.kv_bytes_per_token_by_layer == [LLAMA_KV_PER_TOKEN // 32] * 32
    assert e.kv_cache_bytes == LLAMA_KV_PER_TOKEN * 8192 * 4  # 4 GiB


def test_pruned_kv_cache_follows_each_layers_own_kv_heads(taylor) -> None:
    e = estimate(taylor, download=0)
    kv_heads = [layer.kv_heads for layer in taylor.layers]
    assert kv_heads[23] == 0 and e.kv_bytes_per_token_by_layer[23] == 0  # attention removed: no cache
    assert e.kv_bytes_per_token_by_layer[2] == 2 * 7 * 128 * 2
    assert e.kv_bytes_per_token == sum(2 * k * 128 * 2 for k in kv_heads) == 83_968
    assert e.kv_cache_bytes is None and e.context is None  # no context asked: per token only


def test_weight_memory_as_stored_and_cast(llama) -> None:
    e = estimate(llama, download=123)
    assert e.download_bytes == 123
    assert e.weight_bytes == 16_060_522_496  # BF16 as stored = the index's total_size
    assert (e.weight_bytes_bf16, e.weight_bytes_int8, e.weight_bytes_int4) == (16_060_522_496, 8_030_261_248, 4_015_130_624)


def test_flops_per_token_leave_out_the_embedding_lookup(llama) -> None:
    # Untied: lm_head is a matmul, the input embedding is a lookup.
    assert llama.embed_params == 128_256 * 4096 and not llama.tied_embeddings
    assert estimate(llama, download=0).flops_per_token == 2 * (8_030_261_248 - 128_256 * 4096)
    # Tied: the one matrix serves as the output projection, so it is counted once.
    tied = value_types.replace(llama, tied_embeddings=True, total_params=llama.total_params - llama.embed_params)
    assert matmul_params(tied) == tied.total_params


def test_download_is_the_size_the_headers_describe() -> None:
    headers = read_local(str(LLAMA))
    # 4 shards: 16,060,522,496 bytes of tensors plus each file's 8-byte prefix and JSON header.
    expected = 16_060_522_496 + sum(8 + h.header_len for h in headers.files)
    assert download_bytes(headers.files) == expected
    assert hubprune.inspect(str(LLAMA)).estimates.download_bytes == expected


def test_compare_shows_the_kv_saving() -> None:
    c = hubprune.compare(str(LLAMA), str(TAYLOR), context=8192)
    assert c.estimates.kv_bytes_per_token_saved == LLAMA_KV_PER_TOKEN - 83_968
    assert c.estimates.kv_saved_pct == pytest.approx((1 - 164 / 256) * 100)
    assert c.estimates.kv_cache_bytes_saved == (LLAMA_KV_PER_TOKEN - 83_968) * 8192
    assert c.estimates.weight_saved_pct == pytest.approx(50.0, abs=0.01)


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (_layer(), 2 * 8 * 128 * 2),  # GQA layer: K and V for 8 KV heads
        (_layer(attn_params=0, q_heads=0, kv_heads=0, head_dim=None, attn_kind="none"), 0),  # attention pruned away
        (_layer(kv_heads=None), None),  # head_dim unknown upstream: no guess
        (_layer(q_heads=32, kv_heads=32), 2 * 32 * 128 * 2),  # plain multi-head attention (kv = q)
    ],
)
def test_layer_kv_bytes(layer: LayerShape, expected: int | None) -> None:
    assert layer_kv_bytes_per_token(layer) == expected


def test_unknown_kv_heads_make_the_total_unknown(llama) -> None:
    layers = [value_types.replace(llama.layers[0], kv_heads=None), *llama.layers[1:]]
    e = estimate(value_types.replace(llama, layers=layers), download=0, context=10)
    assert e.kv_bytes_per_token is None and e.kv_cache_bytes is None


def test_bad_context_or_batch_is_rejected(llama) -> None:
    with pytest.raises(ValueError):
        estimate(llama, download=0, batch=0)
    with pytest.raises(ValueError):
        estimate(llama, download=0, context=-1)


def test_saving_against_an_empty_base_is_zero(llama) -> None:
    e = estimate(llama, download=0)
    empty = value_types.replace(e, weight_bytes=0, flops_per_token=0, kv_bytes_per_token=0)
    saved = compare_estimates(empty, empty)
    assert (saved.weight_saved_pct, saved.flops_saved_pct, saved.kv_saved_pct) == (0.0, 0.0, 0.0)


@given(kv=st.lists(st.integers(min_value=0, max_value=64), min_size=1, max_size=40), context=st.integers(0, 1 << 20))
def test_kv_cache_is_the_sum_of_its_layers(kv: list[int], context: int) -> None:
    shape = _llama_shape()
    layers = [_layer(index=i, kv_heads=k, attn_params=1 if k else 0) for i, k in enumerate(kv)]
    e = estimate(value_types.replace(shape, layers=layers), download=0, context=context)
    assert e.kv_bytes_per_token == sum(e.kv_bytes_per_token_by_layer) == sum(2 * k * 128 * 2 for k in kv)
    assert e.kv_cache_bytes == e.kv_bytes_per_token * context


# KV bytes per token (bf16 cache) of real checkpoints: layers x 2 (K, V) x KV heads x head_dim x 2,
# from each model's published config. One line each: the attention variant it exercises.
REAL_KV = [
    ("Mistral-7B-v0.1", 32 * 2 * 8 * 128 * 2),  # GQA, 8 KV heads
    ("Mistral-Nemo-Base-2407", 40 * 2 * 8 * 128 * 2),  # explicit head_dim 128 != hidden / heads
    ("Qwen2.5-0.5B", 24 * 2 * 2 * 64 * 2),  # 2 KV heads
    ("gemma-2-2b", 26 * 2 * 4 * 256 * 2),  # head_dim 256
    ("Phi-3-mini-4k-instruct", 32 * 2 * 32 * 96 * 2),  # fused qkv_proj, plain MHA
    ("falcon-7b", 32 * 2 * 1 * 64 * 2),  # multi-query attention: one KV head
    ("DeepSeek-V2-Lite", 27 * (512 + 64) * 2),  # MLA: one latent of kv_lora_rank + rope dims
]


@pytest.mark.parametrize(("name", "expected"), REAL_KV, ids=[n for n, _ in REAL_KV])
def test_kv_cache_of_real_checkpoints(name: str, expected: int) -> None:
    path = LLAMA.parent / name
    if not path.is_dir():
        pytest.skip(f"{name} skeleton not bundled")
    assert hubprune.inspect(str(path)).estimates.kv_bytes_per_token == expected


def test_mla_without_latent_dims_is_unknown() -> None:
    assert layer_kv_bytes_per_token(_layer(attn_kind="mla")) is None
    assert layer_kv_bytes_per_token(_layer(attn_kind="mla"), latent_kv_dim=576) == 1152


# --- mixture of experts: a token runs only the experts its router picks -----------------------------

# (fixture, MoE layers, routed experts per layer, experts per token, hidden, expert width, published
# activated parameters). FLOPs leave out what every token skips: E - k routed experts per MoE layer.
REAL_MOE = [
    ("Mixtral-8x7B-v0.1", 32, 8, 2, 4096, 14336, 12.9e9),  # Mistral AI: "12.9B active parameters" (with embeddings)
    ("Qwen1.5-MoE-A2.7B", 24, 60, 4, 2048, 1408, 2.7e9),  # Qwen: "2.7B activated" (with embeddings); shared expert always runs
    ("DeepSeek-V2-Lite", 26, 64, 6, 2048, 1408, 2.4e9),  # DeepSeek: "2.4B activated"; layer 0 dense, 2 shared experts
]


@pytest.mark.parametrize(("name", "moe_layers", "experts", "top_k", "hidden", "width", "published"), REAL_MOE, ids=[r[0] for r in REAL_MOE])
def test_moe_flops_count_only_the_active_experts(name, moe_layers, experts, top_k, hidden, width, published) -> None:
    report = hubprune.inspect(str(FIXTURES / name))
    shape = report.shape
    skipped = moe_layers * (experts - top_k) * 3 * hidden * width
    assert report.estimates.flops_per_token == 2 * (matmul_params(shape) - skipped)
    # Within 3% of the published activated count, which some vendors give with the embedding table.
    active = report.estimates.flops_per_token / 2
    assert min(abs(active - published), abs(active + shape.embed_params - published)) < 0.03 * published


def test_mixtral_8x7b_flops_are_about_26_g() -> None:
    e = hubprune.inspect(str(FIXTURES / "Mixtral-8x7B-v0.1")).estimates
    assert 25.0e9 < e.flops_per_token < 26.0e9  # not the 93 G of counting all 8 experts


def test_moe_flops_are_unknown_without_experts_per_token() -> None:
    report = hubprune.inspect(str(FIXTURES / "Mixtral-8x7B-v0.1"))
    shape = report.shape
    assert estimate(shape, download=0).flops_per_token is None
    assert estimate(shape, download=0, experts_per_token=2).flops_per_token == report.estimates.flops_per_token
    known = estimate(shape, download=0, experts_per_token=2)
    saved = compare_estimates(known, estimate(shape, download=0))
    assert (saved.flops_per_token_saved, saved.flops_saved_pct) == (None, None)


def test_moe_flops_from_a_config_without_experts_per_token_are_null(tmp_path) -> None:
    config = {k: v for k, v in build.MIXTRAL_8X7B_CONFIG.items() if k != "num_experts_per_tok"} | {"num_hidden_layers": 2}
    build.write_model(tmp_path, config, build.mixtral(8, layers=2), sharded=False)
    e = hubprune.inspect(str(tmp_path), context=16).estimates
    assert e.flops_per_token is None and e.kv_cache_bytes == 2 * 2 * 8 * 128 * 2 * 16  # the rest is still there


def test_expert_pruning_saves_no_flops_when_top_k_is_unchanged(tmp_path) -> None:
    # 6 of 8 experts kept, still 2 per token: the per-token compute of the experts is the same;
    # only the router, now 6 rows instead of 8, got smaller.
    config = {**build.MIXTRAL_8X7B_CONFIG, "num_hidden_layers": 2}
    build.write_model(tmp_path / "base", config, build.mixtral(8, layers=2), sharded=False)
    build.write_model(tmp_path / "pruned", config | {"num_local_experts": 6}, build.mixtral([[0, 1, 2, 4, 5, 7]] * 2, layers=2), sharded=False)
    c = hubprune.compare(str(tmp_path / "base"), str(tmp_path / "pruned"))
    assert c.estimates.flops_per_token_saved == 2 * 2 * (8 - 6) * 4096
    assert c.estimates.flops_saved_pct < 0.01
    assert c.estimates.weight_saved_pct > 20  # while the weights did shrink by a quarter of the experts


@pytest.mark.parametrize(
    ("layer", "hidden", "expected"),
    [
        (_layer(mlp_params=10**12, intermediate_size=1408, experts=60, mlp_kind="moe"), 2048, 60 * 3 * 2048 * 1408),  # Qwen1.5-MoE
        (_layer(mlp_params=10**12, intermediate_size=100, experts=2, mlp_kind="moe", expert_intermediate_sizes=[100, 40]), 8, 3 * 8 * 140),  # expert width pruning
        (_layer(mlp_params=50, intermediate_size=100, experts=2, mlp_kind="moe"), 8, 50),  # never more than the layer's MLP
        (_layer(mlp_params=10, intermediate_size=10, mlp_kind="gated"), 8, 0),  # dense layer
        (_layer(mlp_params=10, intermediate_size=10, experts=2, mlp_kind="moe"), None, None),  # hidden size unknown
    ],
)
def test_routed_expert_params(layer: LayerShape, hidden: int | None, expected: int | None) -> None:
    assert routed_expert_params(layer, hidden) == expected


def test_more_experts_per_token_than_a_layer_keeps_runs_them_all(llama) -> None:
    # A layer pruned to one expert under top-2 routing runs that one expert: nothing is skipped.
    moe = _layer(params=3 * 4096 * 10, attn_params=0, mlp_params=3 * 4096 * 10, intermediate_size=10, experts=1, mlp_kind="moe")
    shape = value_types.replace(llama, layers=[moe], total_params=moe.params, embed_params=0)
    assert flops_per_token(shape, experts_per_token=2) == 2 * moe.params
    assert flops_per_token(shape, experts_per_token=None) is None


def test_routed_expert_parameters_come_from_the_classified_modules() -> None:
    # Gated experts without biases: the stored count is the 3 x hidden x width rebuild.
    from hubprune.archs.detect import detect_family
    from hubprune.classify import classify
    from hubprune.estimates import routed_params_by_layer
    from hubprune.sources.local import read_local

    zoo = Path(__file__).resolve().parent.parent / "fixtures" / "zoo"
    for case, same in (("mixtral", True), ("gpt_oss", False)):
        snapshot = read_local(str(zoo / case))
        family, _ = detect_family(snapshot.config, snapshot.tensors)
        shape = hubprune.inspect(str(zoo / case)).shape
        routed = routed_params_by_layer(classify(snapshot, family))
        moe = [layer for layer in shape.layers if layer.experts]
        assert moe and set(routed) >= {layer.index for layer in moe}
        rebuilt = [routed_expert_params(layer, shape.hidden_size) for layer in moe]
        # gpt_oss experts carry biases (and a fused gate_up): only the stored count is exact.
        assert ([routed[layer.index] for layer in moe] == rebuilt) is same


def test_routed_experts_of_an_unknown_width_have_unknown_parameters() -> None:
    # An expert width that could not be read (null) is not a width of 0: no routed parameters
    # can be rebuilt from it, so the compute per token is unknown rather than undercounted.
    layer = LayerShape(index=0, params=10, attn_params=0, mlp_params=10, norm_params=0, q_heads=0, kv_heads=0,
                       head_dim=None, intermediate_size=None, experts=8, mlp_kind="moe")  # fmt: skip
    assert routed_expert_params(layer, 4096) is None
