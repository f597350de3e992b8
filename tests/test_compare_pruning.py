"""comparison.py on every kind of structural pruning: depth, DeciLM gaps, width, vocabulary, experts,
heads, SliceGPT-style input dims, and none at all. Variants are built from the family fixtures'
own builders (``fixtures/build_families.py``), so base and pruned differ only where pruning acts.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune.cli import app
from hubprune.comparison import compare_shapes, parse_layer_map
from hubprune.errors import CannotAlign, UsageError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
QWEN = str(FIXTURES / "Qwen2.5-0.5B")


def _builder():
    spec = importlib.util.spec_from_file_location("build_families", FIXTURES / "build_families.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_families", module)
    spec.loader.exec_module(module)
    return module


build = _builder()


def variant(folder: Path, config_changes: dict, tensors, base_config: dict | None = None) -> str:
    build.write_model(folder, {**(base_config or build.QWEN25_05B_CONFIG), **config_changes}, tensors, sharded=False)
    return str(folder)


def codes(comparison) -> list[str]:
    return [f.code for f in comparison.findings]


@pytest.fixture(scope="module")
def depth_pruned(tmp_path_factory) -> str:
    # ShortGPT / mergekit style: 24 -> 20 layers, renumbered 0..19, config updated.
    return variant(tmp_path_factory.mktemp("depth"), {"num_hidden_layers": 20}, build.qwen25_05b(layers=20))


def test_depth_pruning_without_a_map_refuses_to_pair_layers(depth_pruned: str) -> None:
    with pytest.raises(CannotAlign) as raised:
        hubprune.compare(QWEN, depth_pruned, allow_unaligned=False)
    assert (raised.value.base_layers, raised.value.pruned_layers) == (24, 20)
    # A Python caller is told the keyword; the command line's flag is not the library's word.
    assert "pass layer_map= (" in str(raised.value) and "--" not in str(raised.value)


def test_depth_pruning_totals_only_says_positions_are_unknown(depth_pruned: str) -> None:
    c = compare_shapes(hubprune.inspect(QWEN), hubprune.inspect(depth_pruned), allow_unaligned=True)
    assert not c.aligned and c.layers == []
    assert c.totals.removed_decoder_params == 4 * c.base.shape.layers[0].params
    finding = next(f for f in c.findings if f.code == "depth_pruned")
    assert finding.severity == "warning"
    assert "4 of 24" in finding.message and "unknown" in finding.message and "pass layer_map= (" in finding.message


def test_depth_pruning_with_a_layer_map_pairs_the_named_layers(depth_pruned: str) -> None:
    c = hubprune.compare(QWEN, depth_pruned, layer_map="0-15,20-23")
    assert c.aligned and c.layer_map == [*range(16), 20, 21, 22, 23]
    assert [row.index for row in c.layers] == list(range(24))
    removed = [row.index for row in c.layers if row.status == ["layer_removed"]]
    assert removed == [16, 17, 18, 19]
    assert (c.layers[20].pruned_index, c.layers[20].pruned_pct, c.layers[20].status) == (16, 0.0, [])
    assert "depth_pruned" in codes(c)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0-15", "names 16 base layers"),  # one short of the 20 pruned layers
        ("0-15,21-24", "base layer 24"),  # 20 entries, but 24 is past the base model's last layer
        ("0-x", "cannot read"),
        ("5-2", "backwards"),
    ],
)
def test_bad_layer_maps_are_usage_errors(depth_pruned: str, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        hubprune.compare(QWEN, depth_pruned, layer_map=text)


def test_layer_map_through_the_cli(depth_pruned: str) -> None:
    runner = CliRunner()
    unaligned = runner.invoke(app, ["compare", QWEN, depth_pruned, "--format", "json"])
    assert unaligned.exit_code == 0 and json.loads(unaligned.stdout)["aligned"] is False
    mapped = runner.invoke(app, ["compare", QWEN, depth_pruned, "--layer-map", "0-19", "--format", "json"])
    assert mapped.exit_code == 0
    rows = json.loads(mapped.stdout)["layers"]
    assert [r["status"] for r in rows[20:]] == [["layer_removed"]] * 4
    bad = runner.invoke(app, ["compare", QWEN, depth_pruned, "--layer-map", "0-3"])
    assert bad.exit_code == 2 and "--layer-map" in bad.stderr


def test_parse_layer_map() -> None:
    assert parse_layer_map("0-20,29-31") == [*range(21), 29, 30, 31]
    assert parse_layer_map(" 3 , 1-2 ") == [3, 1, 2]


def test_decilm_gaps_align_by_their_kept_indices(tmp_path: Path) -> None:
    # Nemotron-NAS keeps original indices: a block whose attention and FFN are both no_op has no
    # tensors, so the pruned checkpoint has a gap at that index and the rest line up as stored.
    config = json.loads(json.dumps(build.DECILM_MINI_CONFIG))
    config["block_configs"][6] = {"attention": {"no_op": True}, "ffn": {"no_op": True}}
    pruned = variant(tmp_path, {}, build.decilm(config), base_config=config)
    c = hubprune.compare(str(FIXTURES / "Nemotron-NAS-mini"), pruned)
    assert c.aligned and len(c.layers) == 14
    assert c.layers[6].status == ["layer_removed"]
    assert all(row.status == [] and row.pruned_pct == 0 for row in c.layers if row.index != 6)


def test_decilm_attention_replaced_by_a_linear_layer(tmp_path: Path) -> None:
    config = json.loads(json.dumps(build.DECILM_MINI_CONFIG))
    config["block_configs"][0]["attention"] = {"n_heads_in_group": None, "no_op": False, "replace_with_linear": True}
    c = hubprune.compare(str(FIXTURES / "Nemotron-NAS-mini"), variant(tmp_path, {}, build.decilm(config), base_config=config))
    assert c.layers[0].status == ["attn_linear"]
    assert (c.layers[0].base_q_heads, c.layers[0].pruned_q_heads) == (32, 0)


def test_width_pruning_is_reported_as_such_not_as_heads_removed(tmp_path: Path) -> None:
    # Minitron-Width style: hidden 896 -> 768, every head and MLP neuron kept, head_dim explicit.
    pruned = variant(tmp_path, {"hidden_size": 768, "head_dim": 64}, build.qwen25_05b(hidden=768))
    c = hubprune.compare(QWEN, pruned)
    assert "hidden_size_changed" in codes(c)
    assert all(row.base_q_heads == row.pruned_q_heads == 14 for row in c.layers)
    assert all(row.status == ["input_dim_changed"] for row in c.layers)
    assert c.totals.removed_params > 0


def test_vocabulary_pruning_is_reported_as_such(tmp_path: Path) -> None:
    pruned = variant(tmp_path, {"vocab_size": 32000}, build.qwen25_05b(vocab=32000))
    c = hubprune.compare(QWEN, pruned)
    assert c.totals.removed_params == (151936 - 32000) * 896
    assert c.totals.removed_decoder_params == 0 and all(row.status == [] for row in c.layers)
    vocab = next(f for f in c.findings if f.code == "vocab_changed")
    assert "119,936 embedding rows removed" in vocab.message


def test_expert_pruning(tmp_path: Path) -> None:
    # Mixtral with 2 of 8 experts dropped in the first 16 layers (expert pruning, router rows too).
    kept = [[0, 1, 2, 4, 5, 7]] * 16 + [list(range(8))] * 16
    pruned = variant(tmp_path, {"num_local_experts": 6}, build.mixtral(kept), base_config=build.MIXTRAL_8X7B_CONFIG)
    c = hubprune.compare(str(FIXTURES / "Mixtral-8x7B-v0.1"), pruned)
    assert [row.status for row in c.layers] == [["experts_pruned"]] * 16 + [[]] * 16
    assert (c.layers[0].base_experts, c.layers[0].pruned_experts) == (8, 6)
    assert c.layers[0].base_intermediate_size == c.layers[0].pruned_intermediate_size == 14336
    assert round(c.layers[0].mlp_pruned_pct, 2) == 25.0


def test_head_pruning(tmp_path: Path) -> None:
    # Qwen2.5-0.5B with one of two KV groups (7 query heads) pruned in layers 10-12.
    q = [14] * 10 + [7] * 3 + [14] * 11
    kv = [2] * 10 + [1] * 3 + [2] * 11
    c = hubprune.compare(QWEN, variant(tmp_path, {}, build.qwen25_05b(q_heads=q, kv_heads=kv)))
    assert [(r.pruned_q_heads, r.pruned_kv_heads) for r in c.layers[9:14]] == [(14, 2), (7, 1), (7, 1), (7, 1), (14, 2)]
    assert round(c.layers[10].attn_pruned_pct, 2) == 50.0 and c.layers[10].status == []
    assert "no_structural_change" not in codes(c)


def test_slicegpt_style_input_dims(tmp_path: Path) -> None:
    # SliceGPT slices each layer's input width differently; here layer 3 takes 640 of 896 inputs.
    tensors = []
    for name, dtype, shape in build.qwen25_05b():
        if name.startswith("model.layers.3.") and name.endswith(("q_proj.weight", "k_proj.weight", "v_proj.weight", "gate_proj.weight", "up_proj.weight")):
            shape = [shape[0], 640]
        tensors.append((name, dtype, shape))
    c = hubprune.compare(QWEN, variant(tmp_path, {}, tensors))
    assert c.layers[3].status == ["input_dim_changed"] and c.layers[3].pruned_q_heads == 14
    assert [row.index for row in c.layers if row.status] == [3]
    assert "input_dim_changed" in codes(c)


def test_identical_shapes_mean_no_structural_change() -> None:
    c = hubprune.compare(QWEN, QWEN)
    finding = next(f for f in c.findings if f.code == "no_structural_change")
    assert "unstructured sparsity is invisible" in finding.message
    assert all(row.status == [] for row in c.layers)


def test_quantized_copy_compares_as_unchanged() -> None:
    c = hubprune.compare(QWEN, str(FIXTURES / "Qwen2.5-0.5B-Instruct-GPTQ-Int4"))
    assert c.totals.removed_params == 0
    assert {"no_structural_change", "quantization_differs"} <= set(codes(c))


def test_pruned_then_quantized_compares_against_the_dense_base(tmp_path: Path) -> None:
    q = [14] * 12 + [7] * 12
    kv = [2] * 12 + [1] * 12
    dense = build.qwen25_05b(q_heads=q, kv_heads=kv, intermediate=[4864] * 12 + [2432] * 12)
    config = {"quantization_config": build.GPTQ_CONFIG}
    pruned_quantized = variant(tmp_path / "gptq", config, build.quantize(dense, "gptq"))
    pruned_dense = variant(tmp_path / "dense", {}, dense)
    a, b = hubprune.compare(QWEN, pruned_quantized), hubprune.compare(QWEN, pruned_dense)
    assert a.totals == b.totals
    assert [r.to_dict() for r in a.layers] == [r.to_dict() for r in b.layers]
    assert (a.layers[20].pruned_kv_heads, a.layers[20].pruned_intermediate_size) == (1, 2432)


def test_compare_shapes_accepts_a_map_for_equal_counts() -> None:
    base = hubprune.inspect(QWEN)
    reordered = list(range(24))
    c = compare_shapes(base, base, reordered)
    assert c.aligned and len(c.layers) == 24 and "depth_pruned" not in codes(c)


def test_an_mlp_the_family_cannot_read_is_unknown_not_removed(tmp_path: Path) -> None:
    # Layer 1's MLP is still there under spellings qwen2 does not know: its width is unknown, so
    # the report must not call it removed; dropping the tensors for real still does.
    base_tensors = build.qwen25_05b(layers=2)
    base = variant(tmp_path / "base", {"num_hidden_layers": 2}, base_tensors)
    renamed = [
        (name.replace("layers.1.mlp.up_proj", "layers.1.mlp.wide_in").replace("layers.1.mlp.down_proj", "layers.1.mlp.wide_out")
         .replace("layers.1.mlp.gate_proj", "layers.1.mlp.wide_gate"), dtype, shape)
        for name, dtype, shape in base_tensors
    ]
    unread = variant(tmp_path / "unread", {"num_hidden_layers": 2}, renamed)
    dropped = variant(tmp_path / "dropped", {"num_hidden_layers": 2}, [t for t in base_tensors if ".layers.1.mlp." not in t[0]])

    row = hubprune.compare(base, unread).layers[1]
    assert row.pruned_intermediate_size is None
    assert "mlp_removed" not in row.status
    assert "mlp_removed" in hubprune.compare(base, dropped).layers[1].status


def _renamed(tmp_path: Path, old: str, new: str) -> tuple[Path, Path]:
    """taylor_only_5000 with ``old`` in its tensor names spelt ``new``: (the original, the copy)."""
    from hubprune.safetensors_header import encode_header
    from hubprune.sources.local import read_local

    source = Path("fixtures/taylor_only_5000")
    tensors = sorted((t.name.replace(old, new), t.dtype, list(t.shape)) for t in read_local(str(source)).tensors.values())
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    (renamed / "model.safetensors").write_bytes(encode_header(tensors, {"format": "pt"}))
    (renamed / "config.json").write_bytes((source / "config.json").read_bytes())
    return source, renamed


def test_a_module_left_unread_counts_in_the_part_whose_child_holds_it(tmp_path: Path) -> None:
    # Only up_proj of layer 5 under a spelling llama does not know: the width is still read from
    # gate and down, and the unknown module sits in the mlp child with them, so its parameters
    # are the MLP's (a share without them would say a third of the MLP was pruned). Its role is
    # still unknown, and a finding says so.
    source, renamed = _renamed(tmp_path, "model.layers.5.mlp.up_proj", "model.layers.5.mlp.wide_in")
    comparison = hubprune.compare(str(source), str(renamed))
    layer = comparison.layers[5]
    assert layer.mlp_pruned_pct == 0.0 and layer.attn_pruned_pct == 0.0 and layer.status == []
    assert layer.pruned_mlp_params == layer.base_mlp_params
    assert layer.pruned_intermediate_size == layer.base_intermediate_size
    assert "unrecognized_tensors" in [f.code for f in comparison.pruned.findings]


def test_a_module_in_a_child_of_no_part_leaves_the_layer_without_pruned_shares(tmp_path: Path) -> None:
    # The same module moved out of the mlp child (the block holds it directly): it may belong to
    # either part, so neither gets a share that leaves it out.
    source, renamed = _renamed(tmp_path, "model.layers.5.mlp.up_proj", "model.layers.5.wide_in")
    layer = hubprune.compare(str(source), str(renamed)).layers[5]
    assert layer.mlp_pruned_pct is None and layer.attn_pruned_pct is None and layer.status == []
    assert layer.pruned_intermediate_size == layer.base_intermediate_size


def test_a_part_left_under_unknown_spellings_has_no_pruned_share(tmp_path: Path) -> None:
    # Layer 5's MLP renamed to modules llama has no role for: its width is unknown (null), so its
    # pruned share is unknown too (null, shown ?), not 100%, and the status does not say removed.
    source, renamed = _renamed(tmp_path, "model.layers.5.mlp.", "model.layers.5.ffx.")
    comparison = hubprune.compare(str(source), str(renamed))
    layer = comparison.layers[5]
    assert layer.pruned_intermediate_size is None and layer.mlp_pruned_pct is None and layer.status == []
    assert comparison.layers[4].mlp_pruned_pct == 0.0  # a layer read as usual keeps its share
    data = json.loads(comparison.to_json())
    assert data["layers"][5]["mlp_pruned_pct"] is None
    result = CliRunner().invoke(app, ["compare", str(source), str(renamed)])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["5"])
    assert row.split()[-1] == "?", row  # the MLP pruned % column; before, 100.00%


def test_inspect_gives_an_unread_mlp_no_parameter_count(tmp_path: Path) -> None:
    # The same renamed MLP, as inspect reports it: its parameters are counted (other_params, and
    # the layer's total), but how many are MLP is unknown: null in JSON and ? in the table, where
    # a 0 would say the MLP was removed.
    source, renamed = _renamed(tmp_path, "model.layers.5.mlp.", "model.layers.5.ffx.")
    base, report = hubprune.inspect(str(source)).shape.layers[5], hubprune.inspect(str(renamed))
    layer = report.shape.layers[5]
    assert (layer.mlp_params, layer.mlp_kind, layer.intermediate_size) == (None, None, None)
    assert layer.other_params == base.mlp_params > 0 and layer.params == base.params
    assert layer.attn_params == base.attn_params and layer.attn_kind == base.attn_kind == "full"
    data = json.loads(report.to_json())["layers"][5]
    assert data["mlp_params"] is None and data["mlp_kind"] is None
    result = CliRunner().invoke(app, ["inspect", str(renamed)])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["5"])
    assert row.split()[4] == "?", row  # the MLP params column; before, 0
    compared = hubprune.compare(str(source), str(renamed)).layers[5]
    assert compared.pruned_mlp_params is None and compared.base_mlp_params == base.mlp_params


def test_an_unread_attention_has_no_parameter_count_and_no_kv_cache_of_0(tmp_path: Path) -> None:
    # Layer 5's attention under spellings llama does not know: its parameters and its KV cache
    # per token are unknown, not 0 (a layer without attention caches nothing).
    source, renamed = _renamed(tmp_path, "model.layers.5.self_attn.", "model.layers.5.mixing.")
    report = hubprune.inspect(str(renamed))
    layer = report.shape.layers[5]
    assert (layer.attn_params, layer.attn_kind, layer.q_heads, layer.kv_heads) == (None, None, None, None)
    assert layer.mlp_params == hubprune.inspect(str(source)).shape.layers[5].mlp_params
    assert report.estimates.kv_bytes_per_token_by_layer[5] is None
    assert report.estimates.kv_bytes_per_token_by_layer[4] > 0
    compared = hubprune.compare(str(source), str(renamed)).layers[5]
    assert compared.pruned_attn_params is None and compared.attn_pruned_pct is None
    assert "attn_removed" not in compared.status


def _tiny_llama(folder: Path, *, heads: dict[int, int] | None = None, widths: dict[int, int] | None = None, bias: bool = False) -> str:
    """A 3-layer Llama skeleton; ``heads`` / ``widths``: layer -> query heads (KV heads halved) /
    MLP width kept; ``bias``: o_proj and down_proj carry a bias, as FLAP's compensation leaves them."""
    import math

    from hubprune.safetensors_header import encode_header

    hidden, width, head_dim, vocab = 64, 128, 16, 256
    tensors = [("model.embed_tokens.weight", "BF16", [vocab, hidden]), ("model.norm.weight", "BF16", [hidden]), ("lm_head.weight", "BF16", [vocab, hidden])]
    for layer in range(3):
        p, q = f"model.layers.{layer}.", (heads or {}).get(layer, 4) * head_dim
        kv, inner = q // 2, (widths or {}).get(layer, width)
        tensors += [
            (p + "self_attn.q_proj.weight", "BF16", [q, hidden]), (p + "self_attn.k_proj.weight", "BF16", [kv, hidden]),
            (p + "self_attn.v_proj.weight", "BF16", [kv, hidden]), (p + "self_attn.o_proj.weight", "BF16", [hidden, q]),
            (p + "input_layernorm.weight", "BF16", [hidden]), (p + "post_attention_layernorm.weight", "BF16", [hidden]),
            (p + "mlp.gate_proj.weight", "BF16", [inner, hidden]), (p + "mlp.up_proj.weight", "BF16", [inner, hidden]),
            (p + "mlp.down_proj.weight", "BF16", [hidden, inner]),
        ]  # fmt: skip
        if bias:
            tensors += [(p + "self_attn.o_proj.bias", "BF16", [hidden]), (p + "mlp.down_proj.bias", "BF16", [hidden])]
    folder.mkdir()
    data = sum(math.prod(shape) * 2 for _, _, shape in tensors)
    (folder / "model.safetensors").write_bytes(encode_header(sorted(tensors), {"format": "pt"}) + bytes(data))
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hidden, "intermediate_size": width,
              "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 3, "vocab_size": vocab}  # fmt: skip
    (folder / "config.json").write_text(json.dumps(config))
    return str(folder)


def test_a_part_pruned_to_its_compensation_bias_is_removed(tmp_path: Path) -> None:
    # FLAP prunes every head of layer 1 and the whole MLP of layer 2, but keeps the bias it adds
    # to o_proj / down_proj (a constant for the residual stream): those parts are removed, though
    # their parameters are not 0. Layer 0, pruned of nothing, gained only the biases.
    base = _tiny_llama(tmp_path / "base")
    pruned = _tiny_llama(tmp_path / "flap", heads={1: 0}, widths={2: 0}, bias=True)
    layers = hubprune.inspect(pruned).shape.layers
    assert (layers[1].q_heads, layers[1].kv_heads, layers[1].attn_params) == (0, 0, 64)
    assert (layers[2].intermediate_size, layers[2].mlp_params) == (0, 64)
    compared = hubprune.compare(base, pruned).layers
    assert compared[0].status == []
    assert compared[1].status == ["attn_removed"] and compared[2].status == ["mlp_removed"]


def test_slicegpt_shortcut_matrices_are_residual_parameters_not_unread(tmp_path: Path) -> None:
    # SliceGPT keeps 48 of 64 hidden dimensions in every layer and stores the residual rotation of
    # each sub-block as a bare parameter (``model.layers.N.attn_shortcut_Q`` / ``mlp_shortcut_Q``,
    # no ``.weight``): known tensors of the layer, counted in its total, in neither attention nor
    # MLP, and no reason to call anything unread.
    import math

    from hubprune.safetensors_header import encode_header

    base = _tiny_llama(tmp_path / "base")
    sliced, kept = tmp_path / "sliced", 48
    tensors = [("model.embed_tokens.weight", "F16", [256, kept]), ("model.norm.weight", "F16", [kept]), ("lm_head.weight", "F16", [256, kept])]
    for layer in range(3):
        p = f"model.layers.{layer}."
        tensors += [
            (p + "self_attn.q_proj.weight", "F16", [64, kept]), (p + "self_attn.k_proj.weight", "F16", [32, kept]),
            (p + "self_attn.v_proj.weight", "F16", [32, kept]), (p + "self_attn.o_proj.weight", "F16", [kept, 64]),
            (p + "input_layernorm.weight", "F16", [kept]), (p + "post_attention_layernorm.weight", "F16", [kept]),
            (p + "mlp.gate_proj.weight", "F16", [128, kept]), (p + "mlp.up_proj.weight", "F16", [128, kept]),
            (p + "mlp.down_proj.weight", "F16", [kept, 128]),
            (p + "attn_shortcut_Q", "F16", [kept, kept]), (p + "mlp_shortcut_Q", "F16", [kept, kept]),
        ]  # fmt: skip
    sliced.mkdir()
    data = sum(math.prod(shape) * 2 for _, _, shape in tensors)
    (sliced / "model.safetensors").write_bytes(encode_header(sorted(tensors), {"format": "pt"}) + bytes(data))
    (sliced / "config.json").write_text((Path(base) / "config.json").read_text())
    report = hubprune.inspect(str(sliced))
    assert "unrecognized_tensors" not in [f.code for f in report.findings]
    layer = report.shape.layers[1]
    assert (layer.residual_params, layer.other_params) == (2 * kept * kept, 0)
    assert layer.attn_params == 2 * 64 * kept + 2 * 32 * kept and layer.mlp_params == 3 * 128 * kept
    assert layer.params == layer.attn_params + layer.mlp_params + layer.norm_params + layer.residual_params
    assert report.shape.total_params == sum(math.prod(shape) for _, _, shape in tensors)
    assert json.loads(report.to_json())["layers"][1]["residual_params"] == 2 * kept * kept
    row = hubprune.compare(base, str(sliced)).layers[1]
    assert row.attn_pruned_pct == 25.0 and row.mlp_pruned_pct == 25.0  # a quarter of the inputs sliced
    assert row.status == ["input_dim_changed"]


@pytest.mark.parametrize(("old", "new", "field"), [("q_proj", "query_x", "q_heads"), ("k_proj", "key_x", "kv_heads")])
def test_a_projection_under_an_unknown_spelling_leaves_its_heads_unknown(tmp_path: Path, old: str, new: str, field: str) -> None:
    # Layer 5's query (or key) projection renamed inside self_attn: its parameters are still the
    # attention's, but its heads cannot be read. Null, never 0, which compare would call removed.
    source, renamed = _renamed(tmp_path, f"model.layers.5.self_attn.{old}", f"model.layers.5.self_attn.{new}")
    base, report = hubprune.inspect(str(source)).shape.layers[5], hubprune.inspect(str(renamed))
    layer = report.shape.layers[5]
    assert getattr(layer, field) is None and layer.attn_params == base.attn_params
    assert "unrecognized_tensors" in [f.code for f in report.findings]
    (said,) = [f for f in report.findings if f.code == "attn_heads_unknown"]
    assert said.layer == 5 and said.args.get("variant") == (None if old == "q_proj" else "key")
    assert "attn_removed" not in hubprune.compare(str(source), str(renamed)).layers[5].status


@pytest.mark.parametrize(("dropped", "field", "variant"), [("q_proj", "q_heads", None), ("k_proj", "kv_heads", "key")])
def test_an_attention_stored_without_a_projection_says_why_its_heads_are_unknown(tmp_path: Path, dropped: str, field: str, variant) -> None:
    # Layer 5's query (or key) projection absent, the rest of its attention stored: its heads
    # cannot be read. Null with a finding naming the layer and a tensor it does store; nothing
    # else would say why (no module is left unrecognised).
    from hubprune.safetensors_header import encode_header
    from hubprune.sources.local import read_local

    source, gone = Path("fixtures/taylor_only_5000"), f"model.layers.5.self_attn.{dropped}.weight"
    tensors = sorted((t.name, t.dtype, list(t.shape)) for t in read_local(str(source)).tensors.values() if t.name != gone)
    (tmp_path / "model.safetensors").write_bytes(encode_header(tensors, {"format": "pt"}))
    (tmp_path / "config.json").write_bytes((source / "config.json").read_bytes())
    report = hubprune.inspect(str(tmp_path))
    assert getattr(report.shape.layers[5], field) is None
    assert "unrecognized_tensors" not in [f.code for f in report.findings]
    (said,) = [f for f in report.findings if f.code == "attn_heads_unknown"]
    assert (said.layer, said.args.get("variant"), said.args["tensor"]) == (5, variant, "model.layers.5.self_attn.o_proj")
    assert "attn_removed" not in hubprune.compare(str(source), str(tmp_path)).layers[5].status


def test_an_mlp_whose_projections_have_no_readable_shape_has_an_unknown_width(tmp_path: Path) -> None:
    # Layer 5's MLP projections stored flat (1-D, as a hand-rolled export may leave them): the
    # parameters are counted, but no width can be read from them. Null, not 0 (MLP removed).
    from hubprune.safetensors_header import encode_header
    from hubprune.sources.local import read_local

    source = Path("fixtures/taylor_only_5000")
    flat = lambda t: [t.numel] if t.name.startswith("model.layers.5.mlp.") else list(t.shape)  # noqa: E731
    tensors = sorted((t.name, t.dtype, flat(t)) for t in read_local(str(source)).tensors.values())
    (tmp_path / "model.safetensors").write_bytes(encode_header(tensors, {"format": "pt"}))
    (tmp_path / "config.json").write_bytes((source / "config.json").read_bytes())
    base, report = hubprune.inspect(str(source)).shape.layers[5], hubprune.inspect(str(tmp_path))
    layer = report.shape.layers[5]
    assert layer.intermediate_size is None and layer.mlp_params == base.mlp_params > 0
    (said,) = [f for f in report.findings if f.code == "mlp_width_unknown"]
    assert said.layer == 5 and said.args["tensor"].startswith("model.layers.5.mlp.")
    assert "mlp_removed" not in hubprune.compare(str(source), str(tmp_path)).layers[5].status


def test_a_vocabulary_read_on_one_side_only_is_no_vocabulary_change() -> None:
    # An unknown vocabulary (None) is not a vocabulary of 0 rows: nothing was removed or added.
    from hubprune import values as value_types

    report = hubprune.inspect("fixtures/taylor_only_5000")
    unknown = value_types.replace(report, shape=value_types.replace(report.shape, vocab_size=None))
    assert "vocab_changed" not in codes(compare_shapes(report, unknown))
    assert "vocab_changed" not in codes(compare_shapes(unknown, report))
