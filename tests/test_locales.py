"""The language files: every language has every key with the same placeholders, and every finding
code has text in every language, is produced by a real run and is documented (the table of codes in
CONTRIBUTING.md); options in texts are Python keywords for the library and flags for the CLI.

The package is scanned for ``finding(...)`` calls, so a new code or variant without a template in
every language fails here; then real findings (every fixture, every broken copy of
``test_checks.py``, every kind of comparison) are rendered in every language.
"""

from __future__ import annotations

import ast
from hubprune import values as value_types
import functools
import json
import re
import shutil
from pathlib import Path
from string import Formatter

import pytest
from typer.testing import CliRunner

import hubprune
from hubprune import findings
from hubprune.findings import config as config_checks
from hubprune.cli import app
from hubprune.comparison import compare_shapes
from hubprune.findings import finding
from hubprune.locales import DEFAULT, LANGS, finding_key, finding_text, for_locale, strings, t
from hubprune.model import Finding
from hubprune.safetensors_header import PROBLEM_CODES, FileScan, encode_header, scan

from .conftest import FIXTURES, LLAMA, TAYLOR
from .test_checks import BREAKS, INDEX, SHARD1, SHARD4, edit_json
from .test_infer import write

PACKAGE = Path(hubprune.__file__).parent
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = strings(DEFAULT)
FINDING_TEXT = {key for key in ENGLISH if key.startswith("finding.")}
OTHERS = [lang for lang in LANGS if lang != DEFAULT]


def render(key: str, args: dict, lang: str) -> str:
    """A template filled strictly: the key must exist in ``lang`` itself, not by fallback."""
    assert key in strings(lang), f"{key} missing in hubprune/locales/{lang}.py"
    return t(key, lang, **args)


# --- the files themselves ----------------------------------------------------------------------


def test_languages_are_the_files() -> None:
    files = sorted(p.stem for p in (PACKAGE / "locales").glob("*.py") if not p.stem.startswith("_"))
    assert sorted(LANGS) == files and LANGS[0] == DEFAULT and "zh" in LANGS


@pytest.mark.parametrize("lang", OTHERS)
def test_every_language_has_every_key(lang: str) -> None:
    assert strings(lang).keys() == ENGLISH.keys()


@pytest.mark.parametrize("lang", OTHERS)
def test_every_key_takes_the_same_placeholders(lang: str) -> None:
    for key, english in ENGLISH.items():
        assert _fields(strings(lang)[key]) == _fields(english), key


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("zh_CN.UTF-8", "zh"), ("zh_SG", "zh"), ("zh_Hans_CN", "zh"), ("zh", "zh"),
        # Only Simplified Chinese is shipped: Traditional-Chinese locales get English by default.
        ("zh_TW.UTF-8", "en"), ("zh_HK.Big5", "en"), ("zh_MO", "en"), ("zh_Hant", "en"), ("zh-Hant-TW", "en"),
        ("en_US.UTF-8", "en"), ("C", "en"), ("POSIX", "en"), ("fr_FR.UTF-8", "en"), ("", "en"),
    ],
)  # fmt: skip
def test_locale_names_pick_a_shipped_language(locale: str, lang: str) -> None:
    assert for_locale(locale) == lang


def test_a_missing_translation_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    zh = dict(strings("zh"))
    del zh["label.total_params"]
    monkeypatch.setattr(__import__("hubprune.locales.zh").locales.zh, "STRINGS", zh)
    assert t("label.total_params", "zh") == "Total parameters"
    with pytest.raises(KeyError):
        t("label.no_such_key", "zh")


# --- what the source says --------------------------------------------------------------------


def _literals(node: ast.expr | None, where: str) -> set[str | None]:
    """The values a code or variant argument can take: a literal, None, or ``a if cond else b``."""
    if node is None:
        return {None}
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body, where) | _literals(node.orelse, where)
    raise AssertionError(f"{where}: write the finding's code and variant as literals so that this test can see them")


def _scan() -> tuple[set[str], list[str]]:
    """(template keys that ``finding(...)`` calls in the package can ask for, direct ``Finding(...)`` calls)."""
    keys: set[str] = set()
    direct: list[str] = []
    # config_findings picks its three codes from a table; the table is where they are written.
    table_codes = {code for _fact, _value_of, code in config_checks.PER_LAYER_FACTS}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).as_posix() == "findings/registry.py":
            continue  # the one function that builds a Finding from the language files
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            if node.func.id == "Finding":
                direct.append(where)
            if node.func.id != "finding":
                continue
            first = node.args[0]
            if isinstance(first, ast.Name) and path.parent.name == "findings" and path.name == "config.py" and first.id == "code":
                codes: set[str | None] = set(table_codes)
            elif isinstance(first, ast.Attribute) and path.parent.name == "findings" and path.name == "files.py":
                # The header scanner's problems: their codes and variants are listed beside it.
                keys |= {finding_key(code, {"variant": variant}) for code, variant in PROBLEM_CODES}
                continue
            else:
                codes = _literals(first, where)
            variant = next((k.value for k in node.keywords if k.arg == "variant"), None)
            for code in codes:
                for value in _literals(variant, where):
                    keys.add(finding_key(code, {"variant": value}))
    return keys, direct


SCANNED, DIRECT = _scan()


def test_the_scan_sees_the_package() -> None:
    # Guards the scan itself: codes from checks, infer, compare and detect, and both kinds of variant.
    assert {f"finding.{key}" for key in ("config_num_attention_heads", "no_config", "head_dim_unknown.latent",
            "depth_pruned.added_mapped", "family_guessed.no_architecture", "quantization_differs.pruned_dense")} <= SCANNED
    assert len(SCANNED) >= 50


def test_findings_are_built_through_the_message_table() -> None:
    # A Finding built by hand has no args, so reports could not show it in another language.
    assert DIRECT == []


@pytest.mark.parametrize("key", sorted(SCANNED))
def test_every_code_the_package_uses_has_text_in_every_language(key: str) -> None:
    assert key.split(".")[1] in findings.CODES, f"{key} needs an entry in hubprune/findings/registry.py"
    for lang in LANGS:
        assert key in strings(lang), f"{key} needs a template in hubprune/locales/{lang}.py"


def test_every_template_is_used() -> None:
    # A "<key>.one" form is its key's, for count == 1.
    assert {key.removesuffix(".one") for key in FINDING_TEXT} - SCANNED == set()


def _fields(template: str) -> set[str]:
    """Every placeholder name of a template, including those nested in a format spec."""
    names: set[str] = set()
    for _text, name, spec, _conversion in Formatter().parse(template):
        if name is not None:
            names.add(name)
            names |= _fields(spec or "")
    return names


@pytest.mark.parametrize("key", sorted(k for k in ENGLISH if k.startswith(("finding.", "fragment."))))
def test_chinese_findings_are_chinese(key: str) -> None:
    assert CJK.search(strings("zh")[key]) and not CJK.search(ENGLISH[key])


# --- real findings -----------------------------------------------------------------------------


def _tiny(drop: tuple[str, ...] = (), change: dict | None = None, add: list | None = None) -> list:
    """A two-layer Llama (hidden 16, two heads of 8, one KV head, MLP 32), with tensors dropped or reshaped."""
    tensors = [("model.embed_tokens.weight", "BF16", [10, 16]), ("model.norm.weight", "BF16", [16]), ("lm_head.weight", "BF16", [10, 16])]
    for i in range(2):
        p = f"model.layers.{i}."
        tensors += [
            (p + "self_attn.q_proj.weight", "BF16", [16, 16]), (p + "self_attn.k_proj.weight", "BF16", [8, 16]),
            (p + "self_attn.v_proj.weight", "BF16", [8, 16]), (p + "self_attn.o_proj.weight", "BF16", [16, 16]),
            (p + "mlp.gate_proj.weight", "BF16", [32, 16]), (p + "mlp.up_proj.weight", "BF16", [32, 16]),
            (p + "mlp.down_proj.weight", "BF16", [16, 32]),
            (p + "input_layernorm.weight", "BF16", [16]), (p + "post_attention_layernorm.weight", "BF16", [16]),
        ]  # fmt: skip
    change = change or {}
    kept = [(n, d, change.get(n, s)) for n, d, s in tensors if not n.startswith(drop)]
    return kept + (add or [])


TINY_CONFIG = {"architectures": ["LlamaForCausalLM"], "hidden_size": 16, "num_attention_heads": 2, "num_key_value_heads": 1,
               "intermediate_size": 32, "num_hidden_layers": 2, "vocab_size": 10, "tie_word_embeddings": False}
L0 = "model.layers.0."

# (name, config changes, tensors): faults no fixture has. One line each: where such a checkpoint comes from.
TINY: list[tuple[str, dict, list]] = [
    ("o_proj wider than q_proj", {}, _tiny(change={L0 + "self_attn.o_proj.weight": [16, 24]})),  # hand-edited pruning export
    ("q rows not whole heads", {}, _tiny(change={L0 + "self_attn.q_proj.weight": [12, 16], L0 + "self_attn.o_proj.weight": [16, 12]})),  # channel (not head) pruning
    ("up and gate differ", {}, _tiny(change={L0 + "mlp.up_proj.weight": [30, 16]})),  # an MLP pruned on one side only
    ("lm_head dropped", {}, _tiny(drop=("lm_head",))),  # export that assumed tied embeddings
    ("config hidden size", {"hidden_size": 32}, _tiny()),  # config copied from a wider model
    ("config dtype", {"torch_dtype": "float16"}, _tiny()),  # bf16 weights under a fp16 config
    ("unknown module", {}, _tiny(add=[(L0 + "adapter.weight", "BF16", [4, 4])])),  # adapter weights merged in
    ("MLP removed whole", {}, _tiny(drop=("model.layers.1.mlp.",))),  # layer-wise MLP removal
    ("MLP stored flat", {}, _tiny(change={L0 + "mlp.gate_proj.weight": [512], L0 + "mlp.up_proj.weight": [512], L0 + "mlp.down_proj.weight": [512]})),  # hand-rolled export
    ("unknown family", {"architectures": ["FooForCausalLM"], "model_type": "foo"},
     [("model.layers.0.foo.weight", "BF16", [4, 4]), ("model.layers.0.bar.weight", "BF16", [4, 4])]),  # a new architecture
    ("no architecture", {"architectures": None, "model_type": None},
     [("model.layers.0.foo.weight", "BF16", [4, 4]), ("model.layers.0.bar.weight", "BF16", [4, 4])]),  # a config without names
    ("fused qkv alone", {"architectures": ["Phi3ForCausalLM"], "hidden_size": 96, "num_attention_heads": 1, "tie_word_embeddings": True},
     [("model.embed_tokens.weight", "BF16", [10, 96]), ("model.layers.0.self_attn.qkv_proj.weight", "BF16", [288, 96])]),  # Phi-3 without o_proj
    ("every layer half the heads", {}, _tiny(change={f"model.layers.{i}.self_attn.{p}.weight": shape for i in range(2)
     for p, shape in (("q_proj", [8, 16]), ("o_proj", [16, 8]))})),  # uniform head pruning, head count maybe rewritten
    ("layer index far past the config", {}, [("model.layers.100000.mlp.up_proj.weight", "BF16", [4, 4])]),  # a buggy rename
    ("no layer keeps the config width", {}, _tiny(change={L0 + "self_attn.q_proj.weight": [8, 16], L0 + "self_attn.o_proj.weight": [16, 8],
     "model.layers.1.self_attn.q_proj.weight": [24, 16], "model.layers.1.self_attn.o_proj.weight": [16, 24]})),  # FLAP-style, no dense layer left
]


def _copy_findings(root: Path) -> list[Finding]:
    """Faults that need a whole checkpoint: copies of the Llama and DeepSeek-V2-Lite skeletons."""
    found: list[Finding] = []
    # An index pointing at the wrong shard (hand-merged index).
    llama = root / "index"
    shutil.copytree(LLAMA, llama)
    edit_json(llama / INDEX, lambda i: i["weight_map"].update({"model.norm.weight": SHARD1}))
    found += hubprune.check(str(llama)).findings
    # A stray file beside the shards that transformers would not pick first (leftover export).
    stray = root / "stray"
    shutil.copytree(LLAMA, stray)
    shutil.copy(stray / SHARD4, stray / "extra.safetensors")
    found += hubprune.check(str(stray)).findings
    # DeepSeek with one layer past num_hidden_layers (MTP layer) and no MLA head dims in its config.
    deepseek = root / "deepseek"
    shutil.copytree(FIXTURES / "DeepSeek-V2-Lite", deepseek)
    edit_json(deepseek / "config.json", lambda c: [c.update(num_hidden_layers=26), *(c.pop(k) for k in ("qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"))])
    found += hubprune.check(str(deepseek)).findings
    # Qwen-MoE whose config counts more experts than its layers hold (experts pruned, config kept).
    moe = root / "moe"
    shutil.copytree(FIXTURES / "Qwen1.5-MoE-A2.7B", moe)
    edit_json(moe / "config.json", lambda c: c.update(num_experts=64))
    found += hubprune.check(str(moe)).findings
    # Stacked 3-D experts (gpt_oss layout) whose inner sides are not the 48-wide hidden size.
    stacked = write(
        root / "stacked",
        {"model_type": "unknown_moe", "hidden_size": 48},
        [
            ("model.embed_tokens.weight", "F32", [256, 48]),
            ("model.layers.0.mlp.router.weight", "F32", [4, 48]),
            ("model.layers.0.mlp.experts.gate_up_proj", "F32", [4, 64, 192]),
            ("model.layers.0.mlp.experts.down_proj", "F32", [4, 96, 64]),
        ],
    )
    found += hubprune.check(stacked).findings
    # Attention stored without its query projection (layer 0) or its key projection (layer 1).
    attn = "model.layers.{}.self_attn.{}_proj.weight"
    headless = write(
        root / "headless",
        {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2},
        [
            ("model.embed_tokens.weight", "F32", [256, 64]),
            *((attn.format(0, part), "F32", shape) for part, shape in (("k", [32, 64]), ("v", [32, 64]), ("o", [64, 64]))),
            *((attn.format(1, part), "F32", shape) for part, shape in (("q", [64, 64]), ("v", [32, 64]), ("o", [64, 64]))),
        ],
    )
    found += hubprune.inspect(headless).findings
    # Layers and an output head, but no token embedding.
    unembedded = write(
        root / "unembedded",
        {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 1},
        [
            ("lm_head.weight", "F32", [256, 64]),
            *((attn.format(0, part), "F32", shape) for part, shape in (("q", [64, 64]), ("k", [32, 64]), ("v", [32, 64]), ("o", [64, 64]))),
        ],
    )
    found += hubprune.inspect(unembedded).findings
    # OpenELM pruned in two layers with its per-layer config lists left as they were.
    from hubprune.sources.local import read_local

    openelm, elm = FIXTURES / "OpenELM-1_1B-Instruct", "transformer.layers."
    resized = {
        elm + "3.attn.qkv_proj.weight": [24 * 64, 2048], elm + "3.attn.out_proj.weight": [2048, 16 * 64],
        elm + "4.attn.qkv_proj.weight": [24 * 64, 2048], elm + "4.attn.out_proj.weight": [2048, 16 * 64],
        elm + "5.ffn.proj_1.weight": [2000, 2048], elm + "5.ffn.proj_2.weight": [2048, 1000],
    }  # fmt: skip
    tensors = [(t.name, t.dtype, resized.get(t.name, list(t.shape))) for t in read_local(str(openelm)).tensors.values()]
    found += hubprune.check(write(root / "openelm", json.loads((openelm / "config.json").read_text()), tensors)).findings
    return found


def _format_findings(root: Path) -> list[Finding]:
    """Pickles and GGUF: hostile and whole-module pickles, a GGUF with a pickle beside, two formats."""
    pytorch = FIXTURES / "pytorch"
    found = [*hubprune.check(str(pytorch / "hostile")).findings, *hubprune.check(str(pytorch / "llm-pruner")).findings]
    gguf = root / "gguf"
    gguf.mkdir()
    shutil.copy(FIXTURES / "gguf" / "tiny-llama-q4_0.gguf", gguf)
    shutil.copy(pytorch / "hostile" / "hostile.pkl", gguf)
    both = root / "both"
    shutil.copytree(pytorch / "tiny-llama-safetensors", both)
    shutil.copy(pytorch / "tiny-llama" / "pytorch_model.bin", both)
    return found + hubprune.check(str(gguf)).findings + hubprune.check(str(both)).findings


def _pure_findings() -> list[Finding]:
    """Findings of the pure helpers that ``check`` calls on files it cannot parse strictly."""
    raw = json.dumps({"a": {"dtype": "BF16", "shape": [2]}}).encode()
    complete = encode_header([("a", "BF16", [2])])
    return [
        *findings.scan_findings([FileScan("f.safetensors", scan(complete, len(complete) + 4 + 1, file="f.safetensors"))]),  # bytes after the data
        *findings.scan_findings([FileScan("f.safetensors", scan(len(raw).to_bytes(8, "little") + raw, 8 + len(raw), file="f.safetensors"))]),  # entry without offsets
        findings.pickle_only_finding("org/model", ["pytorch_model.bin"]),
    ]


def _comparisons() -> list:
    """Comparisons of the pruned model with altered copies of itself: every comparison wording."""
    report = hubprune.inspect(str(TAYLOR))
    base = report.shape
    shallow = value_types.replace(base, layers=base.layers[:-1], num_layers=base.num_layers - 1)
    keep = list(range(shallow.num_layers))
    sliced = value_types.replace(base, layers=[value_types.replace(layer, input_dim=4000) for layer in base.layers])
    wide = value_types.replace(base, layers=[value_types.replace(layer, input_dim=4096) for layer in base.layers])

    def pair(b, p, layer_map=None, *, allow_unaligned=False):
        as_report = functools.partial(value_types.replace, report)
        return compare_shapes(as_report(shape=b), as_report(shape=p), layer_map, allow_unaligned=allow_unaligned)

    return [
        pair(base, shallow, keep),  # layer map, fewer layers
        pair(base, shallow, allow_unaligned=True),  # no map
        pair(shallow, base, allow_unaligned=True),  # the "pruned" model is deeper
        pair(shallow, base, [*keep, 0]),  # ... and paired through a map
        pair(base, value_types.replace(base, hidden_size=3072)),  # width pruning
        pair(wide, sliced),  # SliceGPT-style input slicing
        pair(base, value_types.replace(base, vocab_size=32000)),  # vocabulary pruning
        pair(base, value_types.replace(base, vocab_size=200000)),  # vocabulary grown
        pair(value_types.replace(base, quantization="gptq 4-bit"), value_types.replace(base, quantization="awq 4-bit")),
    ]


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    """Every finding that inspect, check and compare produce on the fixtures and the broken copies."""
    found: list[Finding] = []
    # Every safetensors model folder (one with a config), the zoo's cases included.
    models = sorted(
        p.parent for p in FIXTURES.glob("**/config.json")
        if not p.parent.name.startswith(("_", ".")) and any(p.parent.glob("*.safetensors"))
    )
    for model in models:
        found += hubprune.inspect(str(model)).findings + hubprune.check(str(model)).findings
    for name, break_it, _code, _severity in BREAKS:
        target = tmp_path_factory.mktemp("broken") / "model"
        shutil.copytree(LLAMA, target)
        break_it(target)
        found += hubprune.check(str(target)).findings
    pairs = [(LLAMA, TAYLOR), (TAYLOR, LLAMA), (LLAMA, LLAMA), (FIXTURES / "Qwen2.5-0.5B", FIXTURES / "Qwen2.5-0.5B-Instruct-AWQ"),
             (FIXTURES / "Qwen2.5-0.5B-Instruct-GPTQ-Int4", FIXTURES / "Qwen2.5-0.5B"), (FIXTURES / "Mistral-7B-v0.1", LLAMA)]
    for base, pruned in pairs:
        found += hubprune.compare(str(base), str(pruned)).findings
    for name, changes, tensors in TINY:
        config = {k: v for k, v in {**TINY_CONFIG, **changes}.items() if v is not None}
        found += hubprune.check(write(tmp_path_factory.mktemp("tiny") / "model", config, tensors)).findings
    found += _copy_findings(tmp_path_factory.mktemp("copies"))
    found += _format_findings(tmp_path_factory.mktemp("formats"))
    found += _pure_findings()
    for comparison in _comparisons():
        found += comparison.findings
    return found


def test_the_run_produces_every_wording(produced: list[Finding]) -> None:
    keys = {finding_key(f.code, f.args) for f in produced}
    assert keys - SCANNED == set()  # nothing the scan missed
    assert SCANNED - keys == set(), "add a case that produces these findings to the tables above"


def test_every_finding_renders_in_both_languages(produced: list[Finding]) -> None:
    for item in produced:
        assert item.args is not None, item
        json.dumps(item.args)  # plain JSON values only
        assert render(finding_key(item.code, item.args), item.args, "en") == item.message
        assert finding_text(item, "en") == item.message
        chinese = render(finding_key(item.code, item.args), item.args, "zh")
        assert CJK.search(chinese) and finding_text(item, "zh") == chinese


def test_numbers_read_alike_in_both_languages(produced: list[Finding]) -> None:
    # Thousands separators and decimals come from the templates' format specs, the same in both.
    for item in produced:
        en_numbers = re.findall(r"\d[\d,.]*\d|\d", item.message)
        zh_numbers = re.findall(r"\d[\d,.]*\d|\d", finding_text(item, "zh"))
        assert sorted(en_numbers) == sorted(zh_numbers), (item.code, item.message)


# --- reports -------------------------------------------------------------------------------------


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_chinese_compare_report_speaks_chinese() -> None:
    config_findings = hubprune.inspect(str(TAYLOR)).findings
    assert [f.code for f in config_findings] == ["config_num_attention_heads", "config_num_key_value_heads", "config_intermediate_size"]
    text = _invoke("compare", str(LLAMA), str(TAYLOR), "--lang", "zh")
    section = text.split("发现的问题")[1]
    assert "config 声明 num_attention_heads=32，但 32 层中有 24 层与之不符（第 2, 9-31 层；如第 2 层：查询头 28）" in section
    for item in config_findings:
        assert finding_text(item, "zh") in section
        assert item.message not in text
    for english in ("config says", "layers differ", "shapes win", "stock loaders will fail", "query heads"):
        assert english not in text


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "csv"])
def test_every_report_format_shows_chinese_findings(fmt: str) -> None:
    out = _invoke("check", str(TAYLOR), "--lang", "zh", "--format", fmt)
    assert "标准 transformers 无法按其 config 加载此模型" in out and "stock transformers" not in out


def test_json_messages_stay_english() -> None:
    data = json.loads(_invoke("compare", str(LLAMA), str(TAYLOR), "--lang", "zh", "--format", "json"))
    messages = [f["message"] for f in data["pruned"]["findings"]]
    assert messages and all(not CJK.search(m) for m in messages)
    assert messages[0].startswith("config says num_attention_heads=32 but 24 of 32 layers differ")
    assert all(set(f) == {"severity", "code", "message", "layer"} for f in data["pruned"]["findings"])


# --- the constructor ---------------------------------------------------------------------------


def test_a_finding_without_args_keeps_its_message() -> None:
    hand_made = Finding(severity="info", code="no_config", message="as written")
    assert finding_text(hand_made, "zh") == "as written"
    unknown = value_types.replace(finding("no_config"), code="not_a_code")
    assert finding_text(unknown, "zh") == unknown.message


@pytest.mark.parametrize(
    ("more", "en", "zh"),
    [(0, "(a.bin)", "（a.bin）"), (2, "(a.bin and 2 more)", "（a.bin 及另外 2 个）")],
)
def test_fragments_appear_only_when_their_arg_is_set(more: int, en: str, zh: str) -> None:
    item = finding("pickle_weights", first="a.bin", and_more=more)
    assert en in item.message and zh in finding_text(item, "zh")


def test_a_none_variant_is_the_plain_template() -> None:
    item = finding("vocab_changed", variant=None, base=10, pruned=4, removed=6)
    assert item.args == {"base": 10, "pruned": 4, "removed": 6}
    assert item.message == "vocabulary changed from 10 to 4 rows: 6 embedding rows removed (vocabulary pruning)"
    assert hash(item) == hash(finding("vocab_changed", base=10, pruned=4, removed=6))


@pytest.mark.parametrize("code", sorted(findings.CODES))
def test_every_registered_code_has_a_message_and_a_valid_scope(code: str) -> None:
    assert f"finding.{code}" in FINDING_TEXT or any(key.startswith(f"finding.{code}.") for key in FINDING_TEXT)
    assert findings.CODES[code].severity in {"info", "warning", "error"}
    assert findings.CODES[code].scope in {"inspect", "check", "compare"}


def test_every_registered_code_is_raised_by_some_check() -> None:
    raised = {key.split(".")[1] for key in SCANNED}
    assert set(findings.CODES) - raised == set(), "a registered code no check raises: remove it or raise it"


def test_every_registered_code_is_produced_by_a_real_run(produced: list[Finding]) -> None:
    # Not only written in a check: each code comes out of a run on a fixture or a constructed input.
    assert set(findings.CODES) - {f.code for f in produced} == set(), "add a case that produces these codes"


def test_every_registered_code_is_documented() -> None:
    # CONTRIBUTING.md lists every code with its severity, scope and a one-line meaning.
    text = (PACKAGE.parent / "CONTRIBUTING.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (\w+) \| (.+?) \|$", text, re.M)
    assert [code for code, *_ in rows] == list(findings.CODES), "CONTRIBUTING.md's table of finding codes"
    for code, severity, scope, meaning in rows:
        assert (severity, scope) == (findings.CODES[code].severity, findings.CODES[code].scope) and meaning.strip(), code


def test_one_layer_reads_as_one_layer() -> None:
    # Not "1 attention/MLP block(s) ... (layers 23; first: layer 23 attention)".
    text = _invoke("check", str(TAYLOR), "--lang", "en")
    assert "the attention block of layer 23 that the config implies has no tensors" in text
    assert "layers 23;" not in text and "1 attention/MLP block(s)" not in text
    assert "config 所需的第 23 层 Attention 模块没有张量" in _invoke("check", str(TAYLOR), "--lang", "zh")
    many = t("finding.config_num_attention_heads", "en", claimed=32, count=2, layers=32, ranges="2-3", example=2, value=28)
    assert "2 of 32 layers differ (layers 2-3;" in many


def test_no_finding_has_an_empty_slot(produced: list[Finding]) -> None:
    # An arg that is empty must not leave "(first: )" or "()" behind, in any language.
    for item in produced:
        for lang in LANGS:
            text = finding_text(item, lang)
            for hole in ("()", "（）", ": )", "：）", "(first: ,", "（首个：，", " , ", "  "):
                assert hole not in text, (item.code, lang, text)


# English a Chinese report may show: identifiers, file and tensor names, units, and the English
# words the reference report keeps. Anything else in a zh report is a leak.
KEPT_IN_ZH = re.compile(
    r"(?:[\w.\-/*@]+\.(?:safetensors|json|bin|gguf|pt)|[a-z_]+_[a-z_]+|[\w.]*\.weight|model\.[\w.]+|"
    r"Layer|Layers|Decoder|Attention|Attn|MLP|KV|MoE|config|head_dim|dtype|safetensors|transformers|hubprune|"
    r"BF16|F16|F32|FLOPs|GFLOPs|MFLOPs|TFLOPs|KiB|MiB|GiB|TiB|B|bf16|int8|int4|token|tokens|x|vs|llama|"
    r"torch_dtype|auto_map|trust_remote_code|True|False|SliceGPT|MLA|gptq|awq|bit|Llama|Instruct|taylor|only|"
    r"qkv|q|k|norm|lm_head|pickle|GGUF|torch\.load|Python|ok)"
)


def _english_words(text: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z][A-Za-z_]*(?:\.[A-Za-z_]+)*", KEPT_IN_ZH.sub(" ", text)))
    return {w for w in words if len(w) > 1}


@pytest.mark.parametrize(
    "args",
    [["compare", str(LLAMA), str(TAYLOR)], ["inspect", str(TAYLOR)], ["check", str(TAYLOR)],
     ["compare", str(LLAMA), str(TAYLOR), "--format", "markdown"], ["check", str(TAYLOR), "--format", "html"]],
    ids=["compare", "inspect", "check", "compare-md", "check-html"],
)  # fmt: skip
def test_no_english_leaks_into_a_chinese_report(args: list[str]) -> None:
    text = _invoke(*args, "--lang", "zh")
    if "--format" in args and "html" in args:
        text = re.sub(r"<[^>]+>", " ", text.split("<body>", 1)[1])
    text = text.replace("\\", "")  # Markdown's escapes (num\_attention\_heads)
    assert _english_words(text) == set()


def test_width_findings_name_the_models_own_tensors(produced: list[Finding]) -> None:
    # Not "mlp_up rows 7337" (role names and English axis words inside a Chinese sentence), and not
    # Llama's "q_proj" for a model whose query projection is called something else.
    for item in produced:
        if item.code in ("heads_not_whole", "mlp_dims_disagree", "attn_dims_disagree"):
            chinese = finding_text(item, "zh")
            assert not re.search(r"\b(rows|columns|mlp_up|mlp_gate|attn_q)\b", chinese), chinese


# --- options: the library's keyword, the command line's flag ----------------------------------

OPTION_NAMES = re.compile(r"\{option\.(\w+)(?::([^{}]*|\{\w+\}))?\}")


def _named_options() -> set[tuple[str, str | None]]:
    """Every ``{option.NAME}`` / ``{option.NAME:VALUE}`` the package's texts and errors name."""
    named: set[tuple[str, str | None]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        named |= {(name, value or None) for name, value in OPTION_NAMES.findall(path.read_text(encoding="utf-8"))}
    return named - {("NAME", None), ("NAME", "VALUE")}  # the docstring that explains the syntax


def test_every_option_a_text_names_is_a_keyword_and_a_flag() -> None:
    import inspect as _inspect

    from hubprune import api, cli
    from hubprune.model import ReadOptions

    keywords = set(_inspect.signature(api.compare).parameters) | {f.name for f in value_types.fields(ReadOptions)}
    named = _named_options()
    assert {"layer_map", "weights", "revision", "token"} <= {name for name, _ in named}
    for name, value in named:
        assert name in keywords, f"{{option.{name}}} is no keyword of the Python API"
        assert name in cli.FLAGS or f"{name}={value}" in cli.FLAGS, f"{{option.{name}}} has no flag in cli.FLAGS"


def test_the_layer_map_advice_is_written_once_per_language() -> None:
    for lang in LANGS:
        holders = [key for key, text in strings(lang).items() if "0-20,29-31" in text]
        assert holders == ["advice.layer_map"], lang
    # Outside the language files the advice is only referred to (``said("advice.layer_map")``).
    source = "".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py") if p.parent.name != "locales")
    assert "pass --layer-map" not in source and "pass {option.layer_map}" not in source


def test_the_library_names_keywords_and_the_command_line_names_flags(tmp_path: Path) -> None:
    from hubprune.errors import CannotAlign

    from .test_compare_pruning import QWEN, build, variant

    shallow = variant(tmp_path / "depth", {"num_hidden_layers": 20}, build.qwen25_05b(layers=20))
    # The Python API: the error and the finding's message say the keyword.
    with pytest.raises(CannotAlign) as raised:
        hubprune.compare(QWEN, shallow, allow_unaligned=False)
    assert "layer_map=" in str(raised.value) and "--layer-map" not in str(raised.value)
    depth = next(f for f in hubprune.compare(QWEN, shallow, allow_unaligned=True).findings if f.code == "depth_pruned")
    assert "layer_map=" in depth.message and "--" not in depth.message
    # The command line: the same advice names the flag, in every report language and in the error line.
    runner = CliRunner()
    for lang in LANGS:
        report = runner.invoke(app, ["compare", QWEN, shallow, "--lang", lang])
        assert report.exit_code == 0 and "--layer-map" in report.stdout and "layer_map=" not in report.stdout
    refused = runner.invoke(app, ["compare", QWEN, shallow, "--layer-map", "x"])
    assert refused.exit_code == 2 and "(--layer-map)" in refused.stderr and "layer_map=" not in refused.stderr
    json_run = runner.invoke(app, ["compare", QWEN, shallow, "--format", "json"])
    assert "layer_map=" in json.dumps(json.loads(json_run.stdout)["findings"])  # JSON carries the library's text
