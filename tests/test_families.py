"""Family files, detection and ``hubprune families``: each family fixture against its public count.

Every fixture under ``fixtures/`` is a header-only skeleton built by ``fixtures/build_families.py``
from the config.json of the real checkpoint named in the table. The expected totals are the
publicly stated parameter counts of those checkpoints; the source of each is on its line.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune.archs.detect import detect_family
from hubprune.archs.schema import ATTN_ROLES, MLP_ROLES, all_families, load_family
from hubprune.cli import app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load_builder():
    """``fixtures/build_families.py`` as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("build_families", FIXTURES / "build_families.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_families", module)
    spec.loader.exec_module(module)
    return module


# (fixture, family, total_params, where the public count comes from)
PUBLIC_TOTALS = [
    ("Qwen2.5-0.5B", "qwen2", 494_032_768, "Qwen2.5 technical report / model card: 0.49B, 494,032,768 as transformers counts it"),
    ("Mistral-7B-v0.1", "mistral", 7_241_732_096, "mistralai/Mistral-7B-v0.1: 7.24B (model.num_parameters())"),
    ("Mistral-Nemo-Base-2407", "mistral", 12_247_782_400, "mistralai/Mistral-Nemo-Base-2407 Hub page: 12.2B params"),
    ("gemma-2-2b", "gemma", 2_614_341_888, "google/gemma-2-2b Hub page: 2.61B params"),
    ("Phi-3-mini-4k-instruct", "phi3", 3_821_079_552, "Phi-3 technical report: 3.8B; Hub page 3.82B params"),
    ("gpt2", "gpt2", 124_439_808, "openai-community/gpt2: 124M, 124,439,808 with the tied wte counted once"),
    ("pythia-160m", "gpt_neox", 162_322_944, "Pythia paper table 1: 162,322,944 total parameters"),
    ("falcon-7b", "falcon", 6_921_720_704, "tiiuae/falcon-7b Hub page: 6.92B params (lm_head tied)"),
    ("all-MiniLM-L6-v2", "bert", 22_713_216, "sentence-transformers/all-MiniLM-L6-v2 Hub page: 22.7M params"),
    ("Mixtral-8x7B-v0.1", "mixtral", 46_702_792_704, "Mixtral of Experts paper / Hub page: 46.7B params"),
    ("Qwen1.5-MoE-A2.7B", "qwen2_moe", 14_315_784_192, "Qwen1.5-MoE-A2.7B model card: 14.3B total, 2.7B activated"),
    ("DeepSeek-V2-Lite", "deepseek", 15_706_484_224, "DeepSeek-V2-Lite model card: 15.7B total parameters"),
    ("OpenELM-1_1B-Instruct", "openelm", 1_079_891_456, "OpenELM paper table 1: 1.08B parameters"),
    ("Qwen2.5-0.5B-Instruct-GPTQ-Int4", "qwen2", 494_032_768, "logical count of the dense Qwen2.5-0.5B: quantization keeps every weight"),
    ("Qwen2.5-0.5B-Instruct-AWQ", "qwen2", 494_032_768, "logical count of the dense Qwen2.5-0.5B"),
    ("Qwen2.5-0.5B-Instruct-bnb-4bit", "qwen2", 494_032_768, "logical count of the dense Qwen2.5-0.5B"),
]


@pytest.mark.parametrize(("fixture", "family", "total", "source"), PUBLIC_TOTALS, ids=[row[0] for row in PUBLIC_TOTALS])
def test_total_params_match_the_public_count(fixture: str, family: str, total: int, source: str) -> None:
    shape = hubprune.inspect(str(FIXTURES / fixture)).shape
    assert shape.family == family
    assert shape.total_params == total, source
    assert not [f for f in shape.findings if f.severity != "info"], shape.findings


def test_rounded_public_counts() -> None:
    # Counts published only rounded: Qwen3-0.6B model card "0.6B, non-embedding 0.44B";
    # bert-base-uncased: BertModel 109,482,240 (the "110M" of the BERT paper) plus the MLM/NSP heads.
    qwen3 = hubprune.inspect(str(FIXTURES / "Qwen3-0.6B")).shape
    assert round(qwen3.total_params / 1e9, 1) == 0.6
    assert round((qwen3.total_params - qwen3.embed_params) / 1e9, 2) == 0.44
    bert = hubprune.inspect(str(FIXTURES / "bert-base-uncased")).shape
    heads = 30522 + (768 * 768 + 768) + 2 * 768 + (2 * 768 + 2)  # cls.predictions bias, transform, LayerNorm, NSP
    assert bert.total_params - heads == 109_482_240


# (fixture, layer, q_heads, kv_heads, head_dim, intermediate, experts, attn_kind, mlp_kind, where)
PER_LAYER = [
    ("Qwen2.5-0.5B", 0, 14, 2, 64, 4864, None, "full", "gated", "Qwen/Qwen2.5-0.5B config: 14 heads, 2 KV, biases on q/k/v"),
    ("Qwen3-0.6B", 27, 16, 8, 128, 3072, None, "full", "gated", "Qwen/Qwen3-0.6B: head_dim 128 > hidden/heads 64"),
    ("Mistral-Nemo-Base-2407", 39, 32, 8, 128, 14336, None, "full", "gated", "Mistral-NeMo: head_dim 128 while hidden/heads is 160"),
    ("gemma-2-2b", 25, 8, 4, 256, 9216, None, "full", "gated", "google/gemma-2-2b: head_dim 256, four norms per layer"),
    ("Phi-3-mini-4k-instruct", 31, 32, 32, 96, 8192, None, "full", "gated", "Phi-3 fused qkv_proj / gate_up_proj"),
    ("gpt2", 11, 12, 12, 64, 3072, None, "full", "plain", "GPT-2 Conv1D stored [in, out]"),
    ("pythia-160m", 5, 12, 12, 64, 3072, None, "full", "plain", "GPT-NeoX fused query_key_value"),
    ("falcon-7b", 0, 71, 1, 64, 18176, None, "full", "plain", "Falcon-7B multi-query: one KV head"),
    ("all-MiniLM-L6-v2", 5, 12, 12, 32, 1536, None, "full", "plain", "MiniLM-L6-H384: 12 heads of 32"),
    ("bert-base-uncased", 11, 12, 12, 64, 3072, None, "full", "plain", "bert-base-uncased, TensorFlow gamma/beta names"),
    ("OpenELM-1_1B-Instruct", 0, 16, 4, 64, 1024, None, "full", "gated", "OpenELM num_query_heads[0], ffn_multipliers[0]=0.5"),
    ("OpenELM-1_1B-Instruct", 13, 24, 6, 64, 4608, None, "full", "gated", "OpenELM layer 13: 2.19 x 2048 rounds to 4608"),
    ("OpenELM-1_1B-Instruct", 27, 32, 8, 64, 8192, None, "full", "gated", "OpenELM last layer: 32 heads, ffn 4.0 x 2048"),
    ("Mixtral-8x7B-v0.1", 31, 32, 8, 128, 14336, 8, "full", "moe", "Mixtral: 8 experts of 14336"),
    ("Qwen1.5-MoE-A2.7B", 0, 16, 16, 128, 1408, 60, "full", "moe", "Qwen1.5-MoE: 60 experts of 1408 + shared 5632"),
    ("DeepSeek-V2-Lite", 0, 16, 16, 192, 10944, None, "mla", "gated", "DeepSeek-V2-Lite first_k_dense_replace=1: layer 0 dense"),
    ("DeepSeek-V2-Lite", 26, 16, 16, 192, 1408, 64, "mla", "moe", "DeepSeek-V2-Lite MoE layer: 64 routed of 1408, q head 128+64"),
    ("Nemotron-NAS-mini", 0, 32, 4, 64, 2816, None, "full", "gated", "block 0: n_heads_in_group 8, ffn_mult 2.0 -> 2816"),
    ("Nemotron-NAS-mini", 1, 32, 2, 64, 2816, None, "full", "gated", "block 1: n_heads_in_group 16"),
    ("Nemotron-NAS-mini", 2, 0, 0, None, 2816, None, "linear", "gated", "block 2: attention replace_with_linear"),
    ("Nemotron-NAS-mini", 3, 0, 0, None, 2816, None, "none", "gated", "block 3: attention no_op"),
    ("Nemotron-NAS-mini", 4, 32, 4, 64, 0, None, "full", "linear", "block 4: ffn replace_with_linear"),
    ("Nemotron-NAS-mini", 5, 32, 8, 64, 0, None, "full", "none", "block 5: ffn no_op, n_heads_in_group 4"),
]


@pytest.mark.parametrize(
    ("fixture", "layer", "q", "kv", "head_dim", "intermediate", "experts", "attn_kind", "mlp_kind", "where"),
    PER_LAYER,
    ids=[f"{row[0]}-{row[1]}" for row in PER_LAYER],
)
def test_per_layer_shape(fixture, layer, q, kv, head_dim, intermediate, experts, attn_kind, mlp_kind, where) -> None:
    got = hubprune.inspect(str(FIXTURES / fixture)).shape.layers[layer]
    assert (got.q_heads, got.kv_heads, got.head_dim, got.intermediate_size, got.experts) == (q, kv, head_dim, intermediate, experts), where
    assert (got.attn_kind, got.mlp_kind) == (attn_kind, mlp_kind), where


def test_moe_shared_experts_and_dense_first_layers() -> None:
    qwen = hubprune.inspect(str(FIXTURES / "Qwen1.5-MoE-A2.7B")).shape
    assert {layer.shared_intermediate_size for layer in qwen.layers} == {5632}
    deepseek = hubprune.inspect(str(FIXTURES / "DeepSeek-V2-Lite")).shape
    assert deepseek.layers[0].experts is None and deepseek.layers[0].shared_intermediate_size is None
    assert {layer.shared_intermediate_size for layer in deepseek.layers[1:]} == {2816}  # n_shared_experts 2 x 1408


def test_openelm_layers_follow_the_config_lists() -> None:
    config = json.loads((FIXTURES / "OpenELM-1_1B-Instruct" / "config.json").read_text())
    shape = hubprune.inspect(str(FIXTURES / "OpenELM-1_1B-Instruct")).shape
    assert [layer.q_heads for layer in shape.layers] == config["num_query_heads"]
    assert [layer.kv_heads for layer in shape.layers] == config["num_kv_heads"]
    assert shape.tied_embeddings


def test_a_pruned_openelm_is_checked_against_its_per_layer_config_lists(tmp_path: Path) -> None:
    # Layer 3 pruned to 16 query / 4 KV heads (the list says 20 / 5), layer 5's MLP to 1000
    # channels (ffn_multipliers[5] = 1.15 gives 2304): each list is compared layer by layer, and
    # the published checkpoint, whose widths all follow the rounding, gives no such finding.
    from hubprune.safetensors_header import encode_header
    from hubprune.sources._layout import SKELETON_MARKER, skeleton_marker
    from hubprune.sources.local import read_local

    source = FIXTURES / "OpenELM-1_1B-Instruct"
    assert not [f for f in hubprune.inspect(str(source)).findings if f.code.startswith("config_")]
    resized = {
        "transformer.layers.3.attn.qkv_proj.weight": [(16 + 4 + 4) * 64, 2048],
        "transformer.layers.3.attn.out_proj.weight": [2048, 16 * 64],
        "transformer.layers.5.ffn.proj_1.weight": [2 * 1000, 2048],
        "transformer.layers.5.ffn.proj_2.weight": [2048, 1000],
    }
    tensors = sorted((t.name, t.dtype, resized.get(t.name, list(t.shape))) for t in read_local(str(source)).tensors.values())
    (tmp_path / "model.safetensors").write_bytes(encode_header(tensors, {"format": "pt"}))
    (tmp_path / SKELETON_MARKER).write_text(skeleton_marker(["model.safetensors"]))
    (tmp_path / "config.json").write_bytes((source / "config.json").read_bytes())
    report = hubprune.inspect(str(tmp_path))
    found = {f.code: f for f in report.findings if f.code.startswith("config_")}
    assert set(found) == {"config_num_attention_heads", "config_num_key_value_heads", "config_intermediate_size"}
    heads = found["config_num_attention_heads"]
    assert (heads.args["key"], heads.args["example"], heads.args["claimed"], heads.args["value"]) == ("num_query_heads", 3, 20, 16)
    assert heads.message.startswith("config lists num_query_heads per layer, but layer 3 of 28 differs")
    width = found["config_intermediate_size"]
    assert (width.args["key"], width.args["example"], width.args["claimed"], width.args["value"]) == ("ffn_multipliers", 5, 2304, 1000)
    result = CliRunner().invoke(app, ["inspect", str(tmp_path), "--lang", "zh"])
    assert "config 按层列出 num_kv_heads，但 28 层中的第 3 层与之不符（num_kv_heads 为 5，KV头 4）" in result.stdout


@pytest.fixture(scope="module")
def deepseek_v3(tmp_path_factory) -> Path:
    """DeepSeek-V3 as published: FP8 block-quantized, 61 layers + the MTP layer 61 (12 MB header)."""
    build = load_builder()
    # deepseek-ai/DeepSeek-V3 config.json (the fields the layout depends on)
    config = {
        "architectures": ["DeepseekV3ForCausalLM"], "first_k_dense_replace": 3, "hidden_size": 7168, "intermediate_size": 18432,
        "kv_lora_rank": 512, "model_type": "deepseek_v3", "moe_intermediate_size": 2048, "n_routed_experts": 256,
        "n_shared_experts": 1, "num_attention_heads": 128, "num_hidden_layers": 61, "num_key_value_heads": 128,
        "num_nextn_predict_layers": 1, "q_lora_rank": 1536, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
        "vocab_size": 129280, "topk_method": "noaux_tc", "tie_word_embeddings": False,
        "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8", "weight_block_size": [128, 128]},
    }  # fmt: skip
    folder = tmp_path_factory.mktemp("deepseek-v3")
    build.write_model(folder, config, build.deepseek(config, fp8_block=128, mtp=True), sharded=False)
    return folder


def test_deepseek_v3_main_model_and_prediction_layer(deepseek_v3: Path) -> None:
    # DeepSeek-V3 README: "685B, which includes 671B of the Main Model weights and 14B of the MTP Module".
    shape = hubprune.inspect(str(deepseek_v3)).shape
    main = shape.total_params - shape.other_params + 7168  # other holds the final norm and the MTP layer
    mtp = shape.other_params - 7168
    assert round(main / 1e9) == 671
    assert 13e9 < mtp < 14e9
    assert shape.num_layers == 61 and shape.quantization == "fp8"
    assert [f.code for f in shape.findings] == ["extra_layer"]
    assert shape.layers[0].experts is None and shape.layers[3].experts == 256 and shape.layers[60].q_heads == 128


# ---------------------------------------------------------------------------------------------
# Family files and detection
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", all_families(), ids=lambda f: f.name)
def test_family_files_are_complete(family) -> None:
    patterns = [p for ps in [*family.layer_roles.values(), *family.global_roles.values()] for p in ps]
    assert patterns and all(p.seen_in for p in patterns)
    assert any(role in ATTN_ROLES for role, ps in family.layer_roles.items() if ps)
    assert any(role in MLP_ROLES for role, ps in family.layer_roles.items() if ps)
    assert family.heuristic or family.architectures


def test_extends_inherits_roles_and_overrides() -> None:
    qwen3, mixtral = load_family("qwen3"), load_family("mixtral")
    assert qwen3.layer_roles["attn_q"] == load_family("llama").layer_roles["attn_q"]
    assert "attn_q_norm" in qwen3.layer_roles and qwen3.architectures == ["Qwen3ForCausalLM"]
    assert mixtral.layer_roles["mlp_gate"] == []  # the dense MLP roles are switched off


@pytest.mark.parametrize(
    ("config", "family"),
    [
        ({"architectures": ["Qwen2ForCausalLM"]}, "qwen2"),  # Qwen/Qwen2.5-0.5B
        ({"architectures": ["MistralForCausalLM"]}, "mistral"),  # mistralai/Mistral-7B-v0.1
        ({"model_type": "phi3"}, "phi3"),  # config without architectures (older exports)
        ({"architectures": ["RWForCausalLM"], "model_type": "RefinedWebModel"}, "falcon"),  # tiiuae/falcon-7b before the move into transformers
        ({"architectures": ["DeciLMForCausalLM"], "model_type": "nemotron-nas"}, "decilm"),  # nvidia/Llama-3_1-Nemotron-51B-Instruct
    ],
)
def test_detect_from_config(config: dict, family: str) -> None:
    found, notes = detect_family(config, [])
    assert (found.name, notes) == (family, [])


def test_detect_from_tensor_names_when_config_is_silent() -> None:
    names = [f"transformer.layers.{i}.attn.qkv_proj.weight" for i in range(3)] + ["transformer.token_embeddings.weight"]
    found, notes = detect_family({"architectures": ["SomethingNew"]}, names)
    assert found.name == "openelm" and [n.code for n in notes] == ["family_guessed"]


def test_unknown_family_falls_back_to_suffix_heuristics(tmp_path: Path) -> None:
    # A decoder with spellings no family file names (a made-up "backbone.blocks.N.mixer" layout).
    build = load_builder()
    tensors = [("backbone.embed_tokens.weight", "BF16", [1000, 256])]
    for i in range(2):
        p = f"backbone.blocks.{i}."
        tensors += [
            (p + "mixer.q_proj.weight", "BF16", [256, 256]), (p + "mixer.k_proj.weight", "BF16", [64, 256]),
            (p + "mixer.v_proj.weight", "BF16", [64, 256]), (p + "mixer.o_proj.weight", "BF16", [256, 256]),
            (p + "ffn.fc1.weight", "BF16", [1024, 256]), (p + "ffn.fc2.weight", "BF16", [256, 1024]),
            (p + "pre_norm.weight", "BF16", [256]),
        ]  # fmt: skip
    config = {"architectures": ["NovelForCausalLM"], "hidden_size": 256, "num_attention_heads": 4}
    build.write_model(tmp_path, config, tensors, sharded=False)
    report = hubprune.inspect(str(tmp_path))
    shape = report.shape
    assert shape.family == "generic"
    assert "family_unknown" in [f.code for f in report.findings]
    assert (shape.layers[1].q_heads, shape.layers[1].kv_heads, shape.layers[1].intermediate_size) == (4, 1, 1024)
    assert shape.total_params == 256_000 + 2 * (2 * 65536 + 2 * 16384 + 2 * 262144 + 256)


def test_unrecognized_tensors_are_counted_and_reported(tmp_path: Path) -> None:
    build = load_builder()
    tensors = build.qwen25_05b(layers=2) + [("model.layers.1.adapter.lora_A.weight", "BF16", [8, 896])]
    build.write_model(tmp_path, {**build.QWEN25_05B_CONFIG, "num_hidden_layers": 2}, tensors, sharded=False)
    shape = hubprune.inspect(str(tmp_path)).shape
    assert shape.layers[1].other_params == 8 * 896
    assert "unrecognized_tensors" in [f.code for f in shape.findings]


def test_families_command_lists_every_family_and_its_config_keys() -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["families"])
    assert text.exit_code == 0
    for family in all_families():
        assert family.name in text.stdout
    assert "num_query_heads" in text.stdout  # OpenELM's per-layer list key
    listed = json.loads(runner.invoke(app, ["families", "--format", "json"]).stdout)
    assert {f["name"] for f in listed} == {f.name for f in all_families()}
    assert next(f for f in listed if f["name"] == "gpt2")["config_keys"]["hidden_size"] == ["n_embd", "hidden_size"]


@pytest.mark.parametrize("folder", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_fixtures_stay_small(folder: str) -> None:
    assert sum(f.stat().st_size for f in (FIXTURES / folder).iterdir()) < 1_000_000


# (fixture, family its tensor names alone point to: same-layout families resolve to the plainest one)
BY_NAMES = [
    ("DeepSeek-V2-Lite", "deepseek"), ("Mixtral-8x7B-v0.1", "mixtral"), ("Nemotron-NAS-mini", "decilm"),
    ("OpenELM-1_1B-Instruct", "openelm"), ("Phi-3-mini-4k-instruct", "phi3"), ("Qwen1.5-MoE-A2.7B", "qwen2_moe"),
    ("Qwen2.5-0.5B", "llama"), ("Qwen3-0.6B", "qwen3"), ("bert-base-uncased", "bert"), ("falcon-7b", "falcon"),
    ("gemma-2-2b", "gemma"), ("gpt2", "gpt2"), ("pythia-160m", "gpt_neox"), ("Qwen2.5-0.5B-Instruct-bnb-4bit", "llama"),
]  # fmt: skip


@pytest.mark.parametrize(("fixture", "family"), BY_NAMES)
def test_detect_from_tensor_names_of_each_fixture(fixture: str, family: str) -> None:
    from hubprune.sources.local import read_local

    found, notes = detect_family(None, read_local(str(FIXTURES / fixture)).tensors)
    assert (found.name, [n.code for n in notes]) == (family, ["family_guessed"])


# --- the closed vocabularies of a family file ------------------------------------------------


def test_a_misspelt_config_fact_fails_at_load() -> None:
    from hubprune.archs.schema import Family

    with pytest.raises(ValueError, match="unknown config fact"):
        Family.from_dict({"name": "x", "description": "y", "config_keys": {"num_attention_head": ["n_head"]}})


def test_a_spelling_may_be_a_plain_string_with_the_family_provenance() -> None:
    from hubprune.archs.schema import Family, Role

    family = Family.from_dict(
        {"name": "x", "description": "y", "seen_in": "modeling_x.py", "layer_roles": {"attn_q": ["*.wq"]}}
    )
    (pattern,) = family.layer_roles[Role.ATTN_Q]
    assert (pattern.pattern, pattern.seen_in) == ("*.wq", "modeling_x.py")
    assert family.roles().lookup("model.layers.{layer}.attn.wq", in_layer=True) == (Role.ATTN_Q, "out_in")


def test_a_block_pattern_claims_every_module_inside_it() -> None:
    from hubprune.archs.schema import Role

    table = load_family("generic").roles()
    for inner in ("mamba", "mamba.conv1d", "mamba.norm", "mamba.in_proj"):
        assert table.lookup(f"model.layers.{{layer}}.{inner}", in_layer=True)[0] is Role.SSM
    assert table.lookup("model.layers.{layer}.self_attn.q_proj", in_layer=True)[0] is Role.ATTN_Q


@pytest.mark.parametrize(
    ("model_type", "modules"),
    [
        ("glm4_moe", ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate",
                      "mlp.experts.0.gate_proj", "mlp.shared_experts.up_proj", "input_layernorm"]),
        ("phi", ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.dense", "mlp.fc1", "mlp.fc2"]),
    ],
)
def test_a_family_that_misses_spellings_is_not_guessed(model_type: str, modules: list[str]) -> None:
    # DeepSeek would read GLM-4-MoE's k_proj as nothing, Nemotron phi's fc1: the common spellings win.
    names = [f"model.layers.0.{m}.weight" for m in modules]
    family, notes = detect_family({"model_type": model_type}, names)
    assert family.name == "generic" and notes[0].code == "family_unknown"
