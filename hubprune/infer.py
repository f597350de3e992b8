"""Pure inference: (Snapshot, Family) -> ModelShape. Speaks only in roles, never in tensor names.

Shapes win over the config: a pruned checkpoint whose config still claims 32 heads has the heads
its tensors show. head_dim is the one fact shapes cannot give (q rows = heads x head_dim), so it
comes from the config (pruning removes whole heads and keeps head_dim), else from q/k norm
lengths; without any of these the head counts are reported as unknown rather than guessed.

Every stored weight is first turned into its *logical* ``[out, in]`` (``quant.py`` knows
the packed layouts of GPTQ, AWQ, bitsandbytes and FP8; ``layout: in_out`` patterns undo GPT-2's
transposed Conv1D), so the rest of this module reads a quantized model like the dense one.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from .archs.schema import ATTN_ROLES, EXPERT_ROLES, MIXER_OF_ROLE, MIXER_SIGNATURES, MLP_ROLES, Family, Role
from .classify import LayerModules, Module, ModuleMap, classify, collector_paused
from .dims import latent_dims, positive, query_rows, resolve_head_dim
from .findings import finding
from .model import Finding, Snapshot, LayerShape, ModelShape, as_int
from .quant import QuantConfig
from .values import replace


def _rows(modules: list[Module]) -> int | None:
    for module in modules:
        if module.shape and len(module.shape) == 2:
            return module.shape[0]
    return None


def _cols(modules: list[Module]) -> int | None:
    for module in modules:
        if module.shape and len(module.shape) == 2:
            return module.shape[1]
    return None


def _params(modules: list[Module]) -> int:
    return sum(m.params for m in modules)


class _Context:
    """What every layer needs: dims from the config and the list to add findings to."""

    __slots__ = ("family", "config", "head_dim", "findings", "hidden")

    def __init__(self, family: Family, config: dict | None, head_dim: int | None, findings: list[Finding], hidden: int | None = None) -> None:
        self.family = family
        self.config = config
        self.head_dim = head_dim
        self.findings = findings
        self.hidden = hidden

    def fact(self, name: str) -> int | None:
        return as_int(self.family.config_value(self.config, name))


def _scheme_label(schemes: set[str], quant: QuantConfig) -> str | None:
    if not schemes:
        return None
    names = ", ".join(sorted(schemes))
    packed = schemes & {"gptq", "awq", "pack-quantized"}
    if packed and quant.bits:
        return f"{names} {quant.bits}-bit"
    if packed:
        return f"{names} (4-bit assumed: the config names no bit width)"
    return names


def infer_shape(headers: Snapshot, family: Family, base_head_dim: int | None = None, *, reuse: bool = True) -> ModelShape:
    """Infer per-layer heads, KV heads, widths, experts and parameter counts from header shapes.

    ``base_head_dim`` (when comparing) is the head_dim of the model this one was pruned from.
    ``reuse=False`` reads every layer on its own instead of taking over what an earlier layer of
    the same signature concluded (the result is the same; the tests compare the two).

    >>> from hubprune.sources.local import read_local
    >>> from hubprune.archs.schema import load_family
    >>> shape = infer_shape(read_local("fixtures/taylor_only_5000"), load_family("llama"))
    >>> shape.total_params, shape.layers[2].q_heads, shape.layers[23].q_heads
    (4015140864, 28, 0)
    """
    modules = classify(headers, family)
    with collector_paused():  # a few objects per layer, no cycles (see classify.py)
        return _infer(headers, family, modules, base_head_dim, reuse)


def _infer(headers: Snapshot, family: Family, modules: ModuleMap, base_head_dim: int | None, reuse: bool = True) -> ModelShape:
    config = headers.config
    hidden_cfg = as_int(family.config_value(config, "hidden_size"))
    hidden_known = modules.hidden
    rotary_dim = modules.rotary_dim
    buffer_params = modules.buffer_params
    # A shallow copy: layers past the config move out of it, the shared map stays as classified.
    layers: dict[int, LayerModules] = dict(modules.layers)
    globals_ = modules.globals
    unknown = modules.unclassified
    params_by_dtype = modules.params_by_dtype
    bytes_by_dtype = modules.bytes_by_dtype
    schemes = modules.schemes
    quant = modules.quant

    findings: list[Finding] = []
    _split_extra_layers(family, config, layers, findings)  # its count is in the finding it adds
    layer_buffers: dict[int, list[Module]] = defaultdict(list)
    for module in modules.buffers:
        if module.layer is not None:
            layer_buffers[module.layer].append(module)
    # Layers with the same signature read alike: each is read once (see the loop below), and the
    # head_dim rules, which ask for the first layer that has something or whether all do, ask the
    # first layer of each signature, in the map's order.
    # layer -> the number of its signature (numbered in order of first appearance)
    signatures: dict[int, int] = {}
    distinct = layers
    if reuse:
        numbers: dict[tuple, int] = {}
        # A layer that repeats another shares its kinds (classify): their signature is found once.
        by_kinds: dict[int, int] = {}
        distinct = {}
        for i, layer in layers.items():
            buffers = layer_buffers.get(i)
            number = by_kinds.get(id(layer.kinds)) if buffers is None else None
            if number is None:
                number = numbers.setdefault(_signature(layer, buffers or []), len(numbers))
                if buffers is None:
                    by_kinds[id(layer.kinds)] = number
            signatures[i] = number
            if number == len(distinct):
                distinct[i] = layer
    head_dim, head_dim_source = resolve_head_dim(family, config, distinct, rotary_dim, base_head_dim)
    if head_dim is not None and head_dim_source == "assumed":
        findings.append(finding("head_dim_assumed", head_dim=head_dim))
    elif head_dim is not None and head_dim_source == "ambiguous":
        heads = positive(family.config_value(config, "num_attention_heads")) or 1
        rows = query_rows(distinct)[0]
        findings.append(
            finding(
                "head_dim_ambiguous",
                head_dim=head_dim, q_heads=rows // head_dim, other_head_dim=rows // heads, other_q_heads=heads,
            )
        )  # fmt: skip
    if head_dim is None and layers:
        findings.append(finding("head_dim_unknown"))
    ctx = _Context(family, config, head_dim, findings, hidden_known)

    # Depth gaps: an index below the highest one with no tensors is a block removed whole.
    indices = sorted(layers)
    all_indices: list[int] | range = range(indices[-1] + 1) if indices else range(0)
    declared = positive(family.config_value(config, "num_hidden_layers")) or 0
    if indices and indices[-1] >= max(declared, 2 * len(indices) + 16):
        # Indices that jump far past the config and the layers present are not gaps to fill
        # (a tensor named layers.100000000 would otherwise mean 10^8 empty layers).
        all_indices = indices
        findings.append(finding("layer_indices_sparse", count=len(indices), highest=indices[-1]))
    empty = LayerModules()
    mixer_children: dict[int, dict[str, str]] = {}
    readings: list[tuple[LayerShape, tuple[bool, bool]]] = []
    # A layer's findings quote its index and tensor names, so only what a layer concluded without
    # a finding is taken over by the layers of its signature; the others are read on their own.
    reused: dict[int | tuple, tuple[LayerShape, dict[str, str], tuple[bool, bool]]] = {}
    for i in all_indices:
        layer = layers.get(i, empty)
        buffers = layer_buffers.get(i, [])
        key = signatures.get(i) if i in layers else _signature(layer, buffers)  # a gap: no modules
        if not reuse:
            key = None
        hit = reused.get(key) if key is not None else None
        if hit is not None:
            shape, kinds, stub = hit
        else:
            before = len(findings)
            kinds = _mixer_children(layer, buffers)
            shape = _layer_shape(i, layer, ctx, kinds)
            # Zero-size tensors left where a part was pruned (LLM-Pruner): the part was there.
            stub = (_holds(layer, ATTN_ROLES), _holds(layer, MLP_ROLES))
            if key is not None and len(findings) == before:
                reused[key] = (shape, kinds, stub)
        if i in layers:
            mixer_children[i] = kinds
        readings.append((shape, stub))
    # What the other layers say about a missing part is the same for all layers of one reading:
    # it is settled once per reading, then each layer takes its reading under its own index.
    once = list({id(shape): (shape, stub) for shape, stub in readings}.values())
    settled_once = _absent_by_design([shape for shape, _ in once], [stub for _, stub in once])
    settled = {id(shape): final for (shape, _), final in zip(once, settled_once)}
    layer_shapes = []
    for i, (shape, _) in zip(all_indices, readings):
        final = settled[id(shape)]
        layer_shapes.append(final if final.index == i else _at_index(final, i))

    # Modules inside a mixer told by its contents are read, whatever their names.
    other_layer = [m for i in indices for m in layers[i].other if _child(m.template) not in mixer_children[i]]
    if other_layer or unknown:
        names = [m.name for m in (other_layer + unknown)]
        findings.append(
            finding("unrecognized_tensors", count=len(names), family=family.name, first=", ".join(names[:3]))
        )

    embed_modules = globals_.get(Role.EMBED, [])
    lm_head_params = _params(globals_.get(Role.LM_HEAD, []))
    config_tied = family.config_value(config, "tie_word_embeddings")
    if config_tied is None and config is not None:
        config_tied = family.tie_word_embeddings_default  # what the model's config class assumes
    tied = lm_head_params == 0 and bool(embed_modules)
    if tied and config_tied is False:
        findings.append(finding("lm_head_missing"))
    embed_shape = embed_modules[0].shape if embed_modules else None
    hidden = embed_shape[1] if embed_shape and len(embed_shape) == 2 else hidden_cfg
    if not embed_modules and layer_shapes and not unknown:
        # Loaded with transformers, a missing embedding starts from random weights. (Beside
        # whole-model modules of no known role it may be one of them: unrecognized_tensors says so.)
        findings.append(finding("embed_missing"))
    # The vocabulary is the embedding's rows, else the output projection's, before any claim.
    lm_head_shape = next((m.shape for m in globals_.get(Role.LM_HEAD, []) if m.shape and len(m.shape) == 2), None)
    vocab = embed_shape[0] if embed_shape else lm_head_shape[0] if lm_head_shape else as_int(family.config_value(config, "vocab_size"))
    decoder = sum(layer.params for layer in layer_shapes)
    embed_params = _params(embed_modules)
    total = sum(params_by_dtype.values())
    quantization = _scheme_label(schemes, quant)
    return ModelShape(
        name=headers.display_name,
        source=headers.source,
        commit=headers.commit,
        family=family.name,
        total_params=total,
        params_by_dtype=dict(sorted(params_by_dtype.items())),
        bytes_by_dtype=dict(sorted(bytes_by_dtype.items())),
        embed_params=embed_params,
        lm_head_params=lm_head_params,
        tied_embeddings=tied,
        decoder_params=decoder,
        other_params=total - decoder - embed_params - lm_head_params,
        buffer_params=buffer_params,
        num_layers=len(layer_shapes),
        hidden_size=hidden,
        head_dim=head_dim,
        vocab_size=vocab,
        files=len(headers.files),
        skeleton_files=sum(header.is_skeleton for header in headers.files),
        layers=layer_shapes,
        findings=findings,
        quantization=quantization,
    )


def _split_extra_layers(family: Family, config: dict | None, layers: dict[int, LayerModules], findings: list[Finding]) -> int:
    """Move layers past ``num_hidden_layers`` out of the decoder when the family says they are extra."""
    declared = as_int(family.config_value(config, "num_hidden_layers"))
    if not family.extra_layers_past_config or declared is None:
        return 0
    extra = [i for i in layers if i >= declared]
    for i in extra:
        layer = layers.pop(i)
        # Counted as other parameters: they are not decoder layers the model runs for every token.
        layers_other = [m for ms in layer.by_role.values() for m in ms] + layer.other
        findings.append(
            finding("extra_layer", layer=i, index=i, claimed=declared, params=_params(layers_other))
        )
    return len(extra)


def _name(*groups: list[Module]) -> str:
    """The model's own name of the first matrix in ``groups``: findings quote it, not a role or
    another family's spelling."""
    for modules in groups:
        for module in modules:
            if module.shape and len(module.shape) == 2:
                return module.name
    return "?"


def _heads(rows: int | None, head_dim: int | None, what: str, index: int, findings: list[Finding]) -> int | None:
    if rows is None:
        return None
    if rows == 0:
        return 0
    if head_dim is None:
        return None
    if rows % head_dim:
        findings.append(
            finding("heads_not_whole", layer=index, what=what, rows=rows, head_dim=head_dim)
        )
        return None
    return rows // head_dim


def _attention(index: int, roles: dict[str, list[Module]], attn_params: int, ctx: _Context) -> tuple[int | None, int | None, int | None, str]:
    """(q_heads, kv_heads, head_dim, attention kind) of one layer."""
    findings = ctx.findings
    if attn_params == 0:
        return 0, 0, None, "none"
    softmax = any(roles.get(role) for role in ATTN_ROLES if role not in MIXER_OF_ROLE)
    if not softmax:
        # A Mamba or linear-attention layer: it has no softmax heads to count (null, not 0).
        return None, None, None, "full"
    if roles.get(Role.ATTN_LINEAR):
        return 0, 0, None, "linear"
    o_cols = _cols(roles.get(Role.ATTN_O, []))
    if roles.get(Role.ATTN_KV_B) or roles.get(Role.ATTN_KV_A):
        # MLA: q heads are (nope + rope) wide, kv_b gives each head (nope + v) rows.
        latent = latent_dims(ctx.family, ctx.config)
        q_rows = _rows(roles.get(Role.ATTN_Q_B, [])) or _rows(roles.get(Role.ATTN_Q, []))
        kv_rows = _rows(roles.get(Role.ATTN_KV_B, []))
        q_dim, kv_dim = latent.q_head_dim, latent.kv_head_dim
        if q_dim is None or kv_dim is None:
            findings.append(
                finding("head_dim_unknown", layer=index, variant="latent")
            )
        return (
            _heads(q_rows, q_dim, _name(roles.get(Role.ATTN_Q_B, []), roles.get(Role.ATTN_Q, [])), index, findings),
            _heads(kv_rows, kv_dim, _name(roles.get(Role.ATTN_KV_B, [])), index, findings),
            q_dim,
            "mla",
        )
    head_dim = ctx.head_dim
    fused = _rows(roles.get(Role.ATTN_QKV_FUSED, []))
    if fused is not None:
        # q and kv split of a fused projection: o_proj takes exactly the q rows as input.
        if o_cols is None or fused < o_cols or (fused - o_cols) % 2:
            findings.append(
                finding("fused_qkv_ambiguous", layer=index, rows=fused)
            )
            return None, None, head_dim, "full"
        q_rows, kv_rows = o_cols, (fused - o_cols) // 2
    else:
        # A projection that is not read (absent under the family's spellings, or a shape that
        # says nothing) leaves its heads unknown, not 0: 0 rows stored is a removal, and only that.
        q_rows = _rows(roles.get(Role.ATTN_Q, []))
        kv_rows = _rows(roles.get(Role.ATTN_K, []))
        if q_rows is None or kv_rows is None:
            # Say which heads are unknown and why: a renamed projection is named by
            # unrecognized_tensors as well, an absent one only here.
            stored = _name(*(roles.get(role, []) for role in (Role.ATTN_O, Role.ATTN_V, Role.ATTN_K, Role.ATTN_Q)))
            if q_rows is None:
                findings.append(finding("attn_heads_unknown", layer=index, tensor=stored))
            if kv_rows is None:
                findings.append(finding("attn_heads_unknown", layer=index, variant="key", tensor=stored))
        if o_cols and q_rows == 2 * o_cols and (head_dim is None or o_cols % head_dim == 0):
            # A gated query projection (Qwen3-Next): query and output gate, o_proj takes the query half.
            q_rows = o_cols
        if o_cols is not None and q_rows is not None and o_cols != q_rows:
            findings.append(
                finding(
                    "attn_dims_disagree", layer=index, o_cols=o_cols, q_rows=q_rows,
                    o_tensor=_name(roles.get(Role.ATTN_O, [])), q_tensor=_name(roles.get(Role.ATTN_Q, [])),
                )  # fmt: skip
            )
    head_dim = (_per_head_norm(roles, q_rows) if q_rows else None) or head_dim
    fused_qkv = roles.get(Role.ATTN_QKV_FUSED, [])
    q_heads = _heads(q_rows, head_dim, _name(roles.get(Role.ATTN_Q, []), fused_qkv), index, findings)
    kv_heads = _heads(kv_rows, head_dim, _name(roles.get(Role.ATTN_K, []), fused_qkv), index, findings)
    return q_heads, kv_heads, head_dim, "full"


def _per_head_norm(roles: dict[Role, list[Module]], q_rows: int) -> int | None:
    """This layer's head_dim when its q norm is one head wide and a whole number of heads fits
    the query rows (Gemma 4's global layers have 512-wide heads where the others have the config's
    head_dim). A norm over the whole projection (OLMo-2: as long as the query rows) says nothing."""
    for module in roles.get(Role.ATTN_Q_NORM, []):
        shape = module.shape
        if shape is not None and len(shape) == 1 and 0 < shape[0] < q_rows and q_rows % shape[0] == 0:
            return shape[0]
    return None


def _width(roles: dict[str, list[Module]], gate: str, up: str, down: str, fused: str) -> dict[str, int]:
    """The MLP width each projection implies, keyed by the model's own tensor name and shape
    (``model.layers.0.mlp.up_proj [7337, 4096]``): words of no language, so any report can quote them."""
    widths: dict[str, int] = {}
    for role, axis, parts in ((up, 0, 1), (gate, 0, 1), (down, 1, 1), (fused, 0, 2)):
        for module in roles.get(role, []):
            if module.shape and len(module.shape) == 2:
                widths[f"{module.name} {list(module.shape)}"] = module.shape[axis] // parts
                break
    return widths


def _check_widths(seen: dict[str, int], index: int, findings: list[Finding]) -> None:
    if len(set(seen.values())) > 1:
        findings.append(
            finding("mlp_dims_disagree", layer=index, widths="; ".join(f"{k}: {v}" for k, v in seen.items()))
        )


def _stacked_experts(index: int, roles: dict[str, list[Module]], ctx: "_Context") -> tuple[int | None, list[int | None]] | None:
    """Routed experts stored as one 3-D tensor per projection (gpt_oss ``experts.gate_up_proj``
    ``[E, H, 2I]``, granitemoe ``input_linear`` ``[E, 2I, H]``): (experts, each one's width).

    Which of the two inner sides is the hidden size decides the orientation; both layouts occur.
    When neither is, the width is unknown (null, with a finding naming the tensor), not a guess.
    """
    hidden = ctx.hidden
    for role, halves in ((Role.EXPERT_DOWN, 1), (Role.EXPERT_GATE_UP_FUSED, 2), (Role.EXPERT_UP, 1), (Role.EXPERT_GATE, 1)):
        for module in roles.get(role, []):
            if module.expert is None and module.shape is not None and len(module.shape) == 3:
                experts, first, second = module.shape
                if hidden is not None and hidden not in (first, second):
                    ctx.findings.append(
                        finding(
                            "expert_width_unknown", layer=index, tensor=module.name, shape=list(module.shape), hidden=hidden
                        )
                    )
                    return experts, [None] * experts
                inner = second if first == hidden else first
                return experts, [inner // halves] * experts
    return _flat_experts(index, roles, ctx)


def _flat_experts(index: int, roles: dict[str, list[Module]], ctx: "_Context") -> tuple[int | None, list[int | None]] | None:
    """Routed experts stacked along the rows of one 2-D tensor per projection (DBRX
    ``experts.mlp.w1`` ``[experts x width, hidden]``): the router's rows give the expert count,
    and each expert's width is its share of the stacked side. Without a router that divides the
    stacked side the width is unknown (null, with a finding naming the tensor)."""
    router_rows = _rows(roles.get(Role.ROUTER, []))
    for role in (Role.EXPERT_UP, Role.EXPERT_GATE, Role.EXPERT_DOWN, Role.EXPERT_GATE_UP_FUSED):
        for module in roles.get(role, []):
            if module.expert is not None or module.shape is None or len(module.shape) != 2:
                continue
            stacked = module.shape[1] if role == Role.EXPERT_DOWN else module.shape[0]
            if role == Role.EXPERT_GATE_UP_FUSED:
                stacked //= 2
            if not router_rows or stacked % router_rows:
                ctx.findings.append(
                    finding(
                        "expert_width_unknown", layer=index, tensor=module.name, shape=list(module.shape), hidden=ctx.hidden
                    )
                )
                return router_rows or None, [None] * (router_rows or 1)
            return router_rows, [stacked // router_rows] * router_rows
    return None


def _experts(index: int, roles: dict[str, list[Module]], ctx: "_Context") -> tuple[int | None, list[int | None]]:
    """How many routed experts a layer keeps, and each one's width (in expert order)."""
    findings = ctx.findings
    stacked = _stacked_experts(index, roles, ctx)
    if stacked is not None:
        return stacked
    by_expert: dict[int, dict[str, list[Module]]] = defaultdict(lambda: defaultdict(list))
    for role in EXPERT_ROLES:
        for module in roles.get(role, []):
            if module.expert is not None and module.params:
                by_expert[module.expert][role].append(module)
    widths = []
    for expert in sorted(by_expert):
        seen = _width(by_expert[expert], Role.EXPERT_GATE, Role.EXPERT_UP, Role.EXPERT_DOWN, Role.EXPERT_GATE_UP_FUSED)
        _check_widths(seen, index, findings)
        width = next(iter(seen.values()), None)
        if width is None:  # no projection of this expert is stored as a matrix: unknown, said why
            first = next(m for ms in by_expert[expert].values() for m in ms)
            findings.append(finding("mlp_width_unknown", layer=index, tensor=first.name, shape=list(first.shape or ())))
        widths.append(width)
    return len(by_expert), widths


def _norm_like(template: str) -> bool:
    """A module named as a normalisation (``norm``, ``ln``, ``LayerNorm``, ``dt_layernorm``)."""
    name = template.rsplit(".", 1)[-1].lower()
    return "norm" in name or name.startswith("ln")


def _query_or_key(template: str) -> bool:
    """A per-head norm of the queries or keys (``q_norm``, ``query_layernorm``, ``k_norm``)."""
    return template.rsplit(".", 1)[-1].lower().startswith(("q", "k"))


def _plain_norm(template: str) -> bool:
    """A norm that counts as a norm wherever it sits: any but the queries' and keys'."""
    return _norm_like(template) and not _query_or_key(template)


def _by_parent(
    roles: dict[Role, list[Module]], other: list[Module]
) -> tuple[list[Module], list[Module], list[Module], list[Module]]:
    """What belongs to attention or the MLP by the child of the block it sits in, besides the
    roles: (attention's, the MLP's, the layer's norms, the unclassified rest).

    A part's parameters are those of its child, whatever their names (gpt-oss's attention
    ``sinks``, a learned activation's ``act_fn.alpha``): the role of such a tensor is unknown, so
    it still gets a finding, but which part it belongs to is not. A child holds a part when every
    role in it (norms aside) is of that part. Norms inside a part are norms (DBRX's
    ``norm_attn_norm.norm_1``, Megatron-BERT's ``attention.ln``), except the per-head query and
    key norms of attention, which are attention's (Hunyuan's ``query_layernorm``).
    """
    sides: dict[str | None, set[str]] = {}
    for role, modules in roles.items():
        if role is Role.NORM or role is Role.RESIDUAL:
            continue
        side = "attn" if role in ATTN_ROLES else "mlp" if role in MLP_ROLES else "?"
        for module in modules:
            sides.setdefault(_child(module.template), set()).add(side)
    attn: list[Module] = []
    mlp: list[Module] = []
    norms: list[Module] = []
    rest: list[Module] = []
    for module in roles.get(Role.NORM, []):
        in_attention = sides.get(_child(module.template)) == {"attn"}
        (attn if in_attention and _query_or_key(module.template) else norms).append(module)
    for module in other:
        child = _child(module.template)
        side = sides.get(child) if child is not None else None
        if side in ({"attn"}, {"mlp"}) and _plain_norm(module.template):
            norms.append(module)
        elif side == {"attn"}:
            attn.append(module)
        elif side == {"mlp"}:
            mlp.append(module)
        else:
            rest.append(module)
    return attn, mlp, norms, rest


def _child(template: str) -> str | None:
    """The block's child a module sits in: ``model.layers.{layer}.self_attn.q_proj`` -> ``self_attn``."""
    return _child_parts(template)[0]


@lru_cache(maxsize=4096)
def _child_parts(template: str) -> tuple[str | None, tuple[str, ...]]:
    """(child, the names below the layer) of a template; a model has a few dozen templates and
    tens of thousands of modules, so each is cut once."""
    at = template.find("{layer}.")
    if at < 0:
        return None, ()
    names = tuple(template[at + len("{layer}.") :].split("."))
    return names[0], names


def _mixer_children(layer: LayerModules, buffers: list[Module]) -> dict[str, str]:
    """Children of the block that are a token mixer other than softmax attention, by what they
    store (``MIXER_SIGNATURES``), whatever their modules' roles say: child -> mixer."""
    parts: dict[str, set[str]] = defaultdict(set)
    every = [m for ms in layer.by_role.values() for m in ms] + layer.other + buffers
    for module in every:
        child, names = _child_parts(module.template)
        if child is None:
            continue
        held = parts[child]
        held.update(names)
        held.update(module.tensors)
    kinds = {}
    for child, names in parts.items():
        for kind, needed in MIXER_SIGNATURES:
            if needed <= names:
                kinds[child] = kind
                break
    return kinds


def _signature(layer: LayerModules, buffers: list[Module]) -> tuple:
    """What a layer's reading depends on besides its index and names: its modules' kinds in order
    (roles follow from templates, and the order gives the grouping by role), and its buffers'."""
    if buffers:
        return (*layer.kinds, None, *[(m.template, *m.tensors) for m in buffers])
    return tuple(layer.kinds)


def _at_index(shape: LayerShape, index: int) -> LayerShape:
    """``shape`` as the reading of layer ``index``: a copy of its fields (``replace`` would run
    the frozen class's ``__init__`` over all of them again, once per layer)."""
    copy = object.__new__(LayerShape)
    fields = copy.__dict__
    fields.update(shape.__dict__)
    fields["index"] = index
    if shape.expert_intermediate_sizes is not None:
        fields["expert_intermediate_sizes"] = list(shape.expert_intermediate_sizes)
    return copy


def _layer_shape(index: int, layer: LayerModules, ctx: _Context, kinds: dict[str, str]) -> LayerShape:
    mixer_modules: list[Module] = []
    if kinds:
        # A Mamba / linear-attention / recurrent child: whatever its modules' spellings (out_proj,
        # q_proj), it has no softmax heads; its parameters are the layer's mixer parameters.
        roles: dict[Role, list[Module]] = {}
        inner_norms: list[Module] = []
        for role, ms in layer.by_role.items():
            kept = []
            for m in ms:
                if _child(m.template) not in kinds or role is Role.NORM:
                    kept.append(m)
                elif _plain_norm(m.template):
                    inner_norms.append(m)  # Mamba's gated norm: a norm, as in any other part
                else:
                    mixer_modules.append(m)
            if kept:
                roles[role] = kept
        if inner_norms:
            roles[Role.NORM] = [*roles.get(Role.NORM, []), *inner_norms]
        other = [m for m in layer.other if _child(m.template) not in kinds]
        mixer_modules += [m for m in layer.other if _child(m.template) in kinds]
    else:
        roles, other = layer.by_role, layer.other
    attn_extra, mlp_extra, norms, other = _by_parent(roles, other)
    softmax_params = sum(_params(ms) for role, ms in roles.items() if role in ATTN_ROLES)
    attn_params = softmax_params + _params(mixer_modules) + _params(attn_extra)
    mlp_params = sum(_params(ms) for role, ms in roles.items() if role in MLP_ROLES)
    norm_params = _params(norms)
    residual_params = _params(roles.get(Role.RESIDUAL, []))
    other_params = _params(other)
    mixers = {MIXER_OF_ROLE.get(role, "attention") for role, ms in roles.items() if role in ATTN_ROLES and _params(ms)}
    mixers.update(kinds.values())
    if "attention" in mixers:
        q_heads, kv_heads, head_dim, attn_kind = _attention(index, roles, softmax_params, ctx)
    elif mixers:
        # A Mamba, linear-attention, recurrent... layer: no softmax heads to count (null, not 0),
        # and no key/value cache per token.
        q_heads, kv_heads, head_dim, attn_kind = None, None, None, "none"
    else:
        # No token mixer. Removed (0), unless unclassified modules may be the mixer under a
        # spelling we do not know (then unknown: the unrecognized-tensors finding names them).
        # _absent_by_design turns it to null for architectures whose blocks never have one.
        unread = None if other_params else 0
        q_heads, kv_heads, head_dim = unread, unread, None
        attn_kind = None if other_params else "none"

    experts: int | None = None
    expert_widths: list[int] | None = None
    shared: int | None = None
    mlp_params += _params(mlp_extra)  # after the kind, which only the roles tell
    if not mlp_params:
        # Likewise: no MLP is removed (0) only when no unclassified module may be it.
        intermediate, mlp_kind = (None, None) if other_params else (0, "none")
    elif roles.get(Role.MLP_LINEAR):
        intermediate, mlp_kind = 0, "linear"
    elif any(roles.get(role) for role in EXPERT_ROLES):
        experts, widths = _experts(index, roles, ctx)
        known = [width for width in widths if width is not None]
        # Unknown widths stay unknown: null, never a 0 that would read as "MLP removed".
        intermediate = None if len(known) < len(widths) else max(known, default=0)
        expert_widths = widths if intermediate is not None and len(set(widths)) > 1 else None
        shared_seen = _width(roles, Role.SHARED_GATE, Role.SHARED_UP, Role.SHARED_DOWN, Role.SHARED_GATE_UP_FUSED)
        _check_widths(shared_seen, index, ctx.findings)
        shared = next(iter(shared_seen.values()), None)
        mlp_kind = "moe"
    else:
        seen = _width(roles, Role.MLP_GATE, Role.MLP_UP, Role.MLP_DOWN, Role.MLP_GATE_UP_FUSED)
        _check_widths(seen, index, ctx.findings)
        intermediate = next(iter(seen.values()), None)
        if intermediate is None:  # no projection with a readable shape: unknown, and said why
            first = next(m for role, ms in roles.items() if role in MLP_ROLES for m in ms)
            ctx.findings.append(
                finding("mlp_width_unknown", layer=index, tensor=first.name, shape=list(first.shape or ()))
            )
        mlp_kind = "gated" if roles.get(Role.MLP_GATE) or roles.get(Role.MLP_GATE_UP_FUSED) else "plain"

    input_dim = None
    for role in (Role.ATTN_Q, Role.ATTN_QKV_FUSED, Role.ATTN_Q_A, Role.ATTN_KV_A, Role.ATTN_LINEAR, Role.MLP_UP, Role.MLP_GATE_UP_FUSED, Role.ROUTER):
        input_dim = _cols(roles.get(role, []))
        if input_dim is not None:
            break
    mixer = "+".join(sorted(mixers)) or None
    return LayerShape(
        index=index,
        params=attn_params + mlp_params + norm_params + residual_params + other_params,
        # A part with no module read is unknown (null, shown ?) while unclassified modules may be
        # it: 0 would say it was removed, and its parameters are counted in other_params.
        attn_params=None if attn_kind is None else attn_params,
        mlp_params=None if mlp_kind is None else mlp_params,
        norm_params=norm_params,
        other_params=other_params,
        residual_params=residual_params,
        q_heads=q_heads,
        kv_heads=kv_heads,
        head_dim=head_dim if attn_kind in ("full", "mla") else None,
        intermediate_size=intermediate,
        experts=experts,
        attn_kind=attn_kind,
        mlp_kind=mlp_kind,
        expert_intermediate_sizes=expert_widths,
        shared_intermediate_size=shared,
        input_dim=input_dim,
        mixer=mixer,
    )


def _holds(layer: LayerModules, roles: frozenset[Role]) -> bool:
    return any(role in roles for role in layer.by_role)


def _absent_by_design(layers: list[LayerShape], stubs: list[tuple[bool, bool]]) -> list[LayerShape]:
    """A missing token mixer or MLP is "removed" (0) only where the architecture has one: it is
    null in blocks that never hold it (Mamba blocks without an MLP, Nemotron-H's blocks that are
    only a mixer or only an MLP). That is read from the other layers: an MLP is missing by design
    when no layer with the same mixer has one, a mixer when no layer with the same kind of MLP
    (dense or routed) has one. A layer with neither (or a block removed whole) was pruned."""

    def moe(layer: LayerShape) -> bool:
        return layer.mlp_kind == "moe"

    with_mlp = {layer.mixer for layer in layers if layer.mlp_params}
    with_mixer = {moe(layer) for layer in layers if layer.mixer is not None and layer.mlp_params}
    result = []
    for layer, (mixer_stub, mlp_stub) in zip(layers, stubs):
        has_mixer, has_mlp = layer.mixer is not None, bool(layer.mlp_params)
        if has_mixer and not has_mlp and not mlp_stub and layer.intermediate_size == 0 and layer.mixer not in with_mlp:
            layer = replace(layer, intermediate_size=None)
        elif has_mlp and not has_mixer and not mixer_stub and layer.q_heads == 0 and moe(layer) not in with_mixer:
            layer = replace(layer, q_heads=None, kv_heads=None)
        result.append(layer)
    return result
