"""infer.py: logical shapes of quantized and transposed weights, buffers, zero-size parts, MLA dims.

Each case is a few tensors of a real layout, written as a header-only file; the line above each
case says where that layout comes from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import hubprune
from hubprune.quant import QuantConfig, logical_weight, quant_config, split_param
from hubprune.model import TensorInfo
from hubprune.safetensors_header import encode_header

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
QWEN = FIXTURES / "Qwen2.5-0.5B"


def write(folder: Path, config: dict, tensors: list[tuple[str, str, list[int]]]) -> str:
    import json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.safetensors").write_bytes(encode_header(tensors))
    (folder / "config.json").write_text(json.dumps(config))
    return str(folder)


def t(name: str, dtype: str, shape: tuple[int, ...]) -> TensorInfo:
    return TensorInfo(name, dtype, shape, 0, 0, "m.safetensors")


# (params of one module, quant config, hidden, expected logical shape, scheme, where)
LOGICAL = [
    ({"qweight": t("q", "I32", (512, 4096)), "scales": t("s", "F16", (32, 4096))}, QuantConfig(), 4096, (4096, 4096), "gptq",
     "TheBloke/Llama-2-7B-GPTQ q_proj: [in/8, out], no config needed (scales width = qweight width)"),
    ({"qweight": t("q", "I32", (4096, 512)), "scales": t("s", "F16", (32, 4096))}, QuantConfig(), 4096, (4096, 4096), "awq",
     "TheBloke/Llama-2-7B-AWQ q_proj: [in, out/8]; scales [in/128, out] tells it from GPTQ"),
    ({"qweight": t("q", "I32", (896, 16)), "scales": t("s", "F16", (7, 128))}, QuantConfig("awq", 4), 896, (128, 896), "awq",
     "Qwen/Qwen2.5-0.5B-Instruct-AWQ k_proj (2 KV heads x 64)"),
    ({"qweight": t("q", "I32", (1024, 4096))}, QuantConfig("gptq", 8), 4096, (4096, 4096), "gptq",
     "8-bit GPTQ (bits from config): 4 values per int32"),
    ({"weight_packed": t("w", "I32", (4096, 512)), "weight_scale": t("s", "BF16", (4096, 32))}, QuantConfig("compressed-tensors", 4), 4096, (4096, 4096), "pack-quantized",
     "llm-compressor W4A16 pack-quantized: [out, in/8]"),
    ({"weight": t("w", "I8", (4096, 4096)), "SCB": t("s", "F32", (4096,))}, QuantConfig("bitsandbytes", 8), 4096, (4096, 4096), "bnb-8bit",
     "bitsandbytes load_in_8bit save_pretrained: int8 weight + SCB"),
    ({"weight": t("w", "F8_E4M3", (1536, 7168)), "weight_scale_inv": t("s", "F32", (12, 56))}, QuantConfig("fp8", None), 7168, (1536, 7168), "fp8",
     "deepseek-ai/DeepSeek-V3 q_a_proj: FP8 with 128x128 block scales"),
]  # fmt: skip


@pytest.mark.parametrize(("params", "quant", "hidden", "shape", "scheme", "where"), LOGICAL, ids=[row[4] + str(i) for i, row in enumerate(LOGICAL)])
def test_logical_weight(params, quant, hidden, shape, scheme, where) -> None:
    got = logical_weight(params, quant, transposed=False, input_width=hidden, output_width=None)
    assert (got.shape, got.scheme) == (shape, scheme), where


def test_bnb_4bit_shape_comes_back_from_the_hidden_size() -> None:
    # unsloth/*-bnb-4bit: weight U8 [out*in/2, 1] beside weight.absmax / weight.quant_state.*
    params = {"weight": t("w", "U8", (896 * 4864 // 2, 1)), "weight.absmax": t("a", "U8", (896 * 4864 // 64,))}
    up = logical_weight(params, QuantConfig("bitsandbytes", 4), transposed=False, input_width=896, output_width=None)
    down = logical_weight(params, QuantConfig("bitsandbytes", 4), transposed=False, input_width=None, output_width=896)
    assert (up.shape, down.shape, up.numel) == ((4864, 896), (896, 4864), 896 * 4864)


def test_split_param_and_quant_config() -> None:
    assert split_param("model.layers.0.mlp.up_proj.weight.nested_absmax") == ("model.layers.0.mlp.up_proj", "weight.nested_absmax")
    assert quant_config({"quantization_config": {"quant_method": "compressed-tensors", "config_groups": {"group_0": {"weights": {"num_bits": 4}}}}}) == QuantConfig("compressed-tensors", 4)
    assert quant_config({"quantization_config": {"load_in_4bit": True, "quant_method": "bitsandbytes"}}).bits == 4
    assert quant_config(None) == QuantConfig()


@pytest.mark.parametrize(
    "fixture",
    ["Qwen2.5-0.5B-Instruct-GPTQ-Int4", "Qwen2.5-0.5B-Instruct-AWQ", "Qwen2.5-0.5B-Instruct-bnb-4bit"],
)
def test_quantized_model_reads_like_the_dense_one(fixture: str) -> None:
    dense, quantized = hubprune.inspect(str(QWEN)).shape, hubprune.inspect(str(FIXTURES / fixture)).shape
    keys = ("params", "attn_params", "mlp_params", "q_heads", "kv_heads", "intermediate_size")
    assert [[getattr(layer, k) for k in keys] for layer in quantized.layers] == [[getattr(layer, k) for k in keys] for layer in dense.layers]
    assert quantized.quantization is not None and dense.quantization is None
    # Stored bytes are far below the dense bf16 weights: 4-bit linears plus fp16 embeddings and scales.
    assert sum(quantized.bytes_by_dtype.values()) < 0.6 * sum(dense.bytes_by_dtype.values())


def test_gptq_side_tensors_are_bytes_not_parameters() -> None:
    shape = hubprune.inspect(str(FIXTURES / "Qwen2.5-0.5B-Instruct-GPTQ-Int4")).shape
    linear = 24 * (896 * 896 * 2 + 2 * 128 * 896 + 3 * 896 * 4864)  # q, o, k, v, gate, up, down
    assert shape.params_by_dtype["I32"] == linear  # qweight counts its logical weights; qzeros and g_idx do not
    assert shape.bytes_by_dtype["I32"] > linear // 2  # qweight (4 bits each) plus qzeros and g_idx


def test_conv1d_weights_are_read_transposed() -> None:
    # openai-community/gpt2 stores c_attn as [768, 2304]: 3 x 768 outputs, not 768.
    layer = hubprune.inspect(str(FIXTURES / "gpt2")).shape.layers[0]
    assert (layer.q_heads, layer.kv_heads, layer.intermediate_size, layer.input_dim) == (12, 12, 3072, 768)


def test_buffers_are_not_parameters() -> None:
    # pythia-160m keeps attention.bias (a 2048x2048 mask), masked_bias and rotary inv_freq.
    shape = hubprune.inspect(str(FIXTURES / "pythia-160m")).shape
    assert "BOOL" not in shape.params_by_dtype and "F32" not in shape.params_by_dtype


def test_zero_size_and_missing_parts_are_zero(tmp_path: Path) -> None:
    # LLM-Pruner leaves [0, d] tensors for a fully pruned attention; other pruners drop them.
    hidden = 64
    tensors = [("model.embed_tokens.weight", "BF16", [100, hidden])]
    for name in ("q_proj", "k_proj", "v_proj"):
        tensors.append((f"model.layers.0.self_attn.{name}.weight", "BF16", [0, hidden]))
    tensors += [
        ("model.layers.0.self_attn.o_proj.weight", "BF16", [hidden, 0]),
        ("model.layers.0.mlp.gate_proj.weight", "BF16", [32, hidden]),
        ("model.layers.0.mlp.up_proj.weight", "BF16", [32, hidden]),
        ("model.layers.0.mlp.down_proj.weight", "BF16", [hidden, 32]),
    ]
    config = {"architectures": ["LlamaForCausalLM"], "hidden_size": hidden, "num_attention_heads": 4, "tie_word_embeddings": True}
    layer = hubprune.inspect(write(tmp_path, config, tensors)).shape.layers[0]
    assert (layer.q_heads, layer.kv_heads, layer.attn_params, layer.attn_kind, layer.intermediate_size) == (0, 0, 0, "none", 32)


def test_mla_without_head_dims_in_config_says_unknown(tmp_path: Path) -> None:
    # DeepSeek-V2-Lite layer 0 with a config stripped of qk_nope/qk_rope/v head dims.
    import json

    config = json.loads((FIXTURES / "DeepSeek-V2-Lite" / "config.json").read_text())
    for key in ("qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
        config.pop(key)
    p = "model.layers.0.self_attn."
    tensors = [
        ("model.embed_tokens.weight", "BF16", [100, 2048]),
        (p + "q_proj.weight", "BF16", [3072, 2048]), (p + "kv_a_proj_with_mqa.weight", "BF16", [576, 2048]),
        (p + "kv_b_proj.weight", "BF16", [4096, 512]), (p + "o_proj.weight", "BF16", [2048, 2048]),
    ]  # fmt: skip
    shape = hubprune.inspect(write(tmp_path, config, tensors)).shape
    assert (shape.layers[0].q_heads, shape.layers[0].attn_kind) == (None, "mla")
    assert "head_dim_unknown" in [f.code for f in shape.findings]


def test_expert_width_pruning_keeps_each_width(tmp_path: Path) -> None:
    # Mixtral layout with experts narrowed unevenly (expert width pruning): widths per expert.
    hidden = 64
    tensors = [("model.embed_tokens.weight", "BF16", [100, hidden]), ("model.layers.0.block_sparse_moe.gate.weight", "BF16", [3, hidden])]
    for e, width in enumerate((128, 96, 128)):
        x = f"model.layers.0.block_sparse_moe.experts.{e}."
        tensors += [(x + "w1.weight", "BF16", [width, hidden]), (x + "w3.weight", "BF16", [width, hidden]), (x + "w2.weight", "BF16", [hidden, width])]
    config = {"architectures": ["MixtralForCausalLM"], "hidden_size": hidden, "num_attention_heads": 4, "tie_word_embeddings": True}
    layer = hubprune.inspect(write(tmp_path, config, tensors)).shape.layers[0]
    assert (layer.experts, layer.intermediate_size, layer.expert_intermediate_sizes, layer.mlp_kind) == (3, 128, [128, 96, 128], "moe")


def test_fused_qkv_without_output_projection_is_ambiguous(tmp_path: Path) -> None:
    # Phi-3 layout with o_proj missing: the q / kv split of qkv_proj cannot be known.
    config = {"architectures": ["Phi3ForCausalLM"], "hidden_size": 96, "num_attention_heads": 1, "tie_word_embeddings": True}
    tensors = [("model.embed_tokens.weight", "BF16", [10, 96]), ("model.layers.0.self_attn.qkv_proj.weight", "BF16", [288, 96])]
    shape = hubprune.inspect(write(tmp_path, config, tensors)).shape
    assert shape.layers[0].q_heads is None
    assert "fused_qkv_ambiguous" in [f.code for f in shape.findings]
