"""Pure estimates: download size, weight memory, KV cache and FLOPs per token, from shapes alone.

These are the numbers someone needs before pulling a checkpoint: how many bytes will arrive, how
much memory the weights take as stored and cast to bf16 / int8 / int4, what each token of context
costs in KV cache, and roughly how much compute a token takes. No I/O.

A mixture-of-experts layer runs only the experts its router picks for a token: FLOPs count its
routed experts at the share that is active (experts per token / experts in the layer), and are
unknown rather than overstated when the config does not say how many experts a token uses.

The KV cache is summed layer by layer from each layer's *own* KV heads and head_dim: pruning that
removes KV heads (or a whole attention block) shrinks the cache, and a uniform formula from the
config would hide exactly that saving.
"""

from __future__ import annotations

from collections.abc import Iterable

from .dims import latent_dims
from .model import Estimates, HeaderFile, LayerShape, ModelShape, pct

from .archs.schema import EXPERT_ROLES

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .archs.schema import Family
    from .classify import ModuleMap
    from .results import EstimatesComparison

# Bytes per cached element. Inference stacks keep the KV cache in the compute dtype, which is
# bf16/fp16 for every released LLM checkpoint we know of; a caller can ask for 1 (fp8 caches).
DEFAULT_KV_DTYPE_BYTES = 2


def download_bytes(files: Iterable[HeaderFile]) -> int:
    """Bytes of the weight files as their headers describe them (prefix + header + data).

    A skeleton or a truncated local file still reports the size of the complete file.

    >>> from hubprune.model import HeaderFile
    >>> download_bytes([HeaderFile("m.safetensors", 120, (), {}, 4096)])
    4224
    """
    return sum(header.full_size for header in files)


def layer_kv_bytes_per_token(
    layer: LayerShape, kv_dtype_bytes: int = DEFAULT_KV_DTYPE_BYTES, latent_kv_dim: int | None = None
) -> int | None:
    """K and V bytes one token adds to this layer's cache; 0 for a layer without attention.

    Multi-head latent attention (DeepSeek-V2/V3) caches one compressed vector per token, shared
    by every head: ``latent_kv_dim`` = kv_lora_rank + qk_rope_head_dim, as MLA-aware engines store
    it (an eager implementation that expands K and V per head needs more). Unknown without it.

    >>> from hubprune.model import LayerShape
    >>> layer = LayerShape(index=0, params=1, attn_params=1, mlp_params=0, norm_params=0,
    ...                    q_heads=32, kv_heads=8, head_dim=128, intermediate_size=0)
    >>> layer_kv_bytes_per_token(layer)
    4096
    """
    if layer.attn_params == 0 or layer.attn_kind == "none" or layer.kv_heads == 0:
        return 0
    if layer.attn_kind == "mla":
        return latent_kv_dim * kv_dtype_bytes if latent_kv_dim else None
    if layer.kv_heads is None or layer.head_dim is None:
        return None
    return 2 * layer.kv_heads * layer.head_dim * kv_dtype_bytes


def matmul_params(shape: ModelShape) -> int:
    """Parameters that take part in a matrix product for every token.

    The input embedding is a table lookup, not a product, so it is left out; with tied embeddings
    the same matrix still serves as the output projection, so it counts once.
    """
    return shape.total_params - shape.embed_params + (shape.embed_params if shape.tied_embeddings else 0)


def top_k_experts(family: "Family", config: dict | None) -> int | None:
    """How many routed experts the router picks per token, read through the family's aliases.

    >>> from hubprune.archs.schema import load_family
    >>> top_k_experts(load_family("mixtral"), {"num_experts_per_tok": 2}), top_k_experts(load_family("mixtral"), {})
    (2, None)
    """
    value = family.config_value(config, "num_experts_per_tok")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def routed_expert_params(layer: LayerShape, hidden: int | None) -> int | None:
    """Parameters of a layer's routed experts; 0 for a dense layer, None when the width is unknown.

    Each routed expert is a gated MLP (gate, up and down: 3 x hidden x its width), as in every MoE
    family hubprune knows (Mixtral, Qwen-MoE, DeepSeek). ``LayerShape`` keeps the experts' widths,
    not their parameters, so the count is rebuilt from those; it never exceeds the layer's MLP.

    >>> layer = LayerShape(index=0, params=0, attn_params=0, mlp_params=10**12, norm_params=0, q_heads=0,
    ...                    kv_heads=0, head_dim=None, intermediate_size=14336, experts=8, mlp_kind="moe")
    >>> routed_expert_params(layer, 4096)
    1409286144
    """
    if not layer.experts:
        return 0
    if not hidden:
        return None
    widths = layer.expert_intermediate_sizes
    if not widths and layer.intermediate_size is None:
        return None  # an expert width that could not be read
    total_width = sum(widths) if widths else layer.intermediate_size * layer.experts
    return min(3 * hidden * total_width, layer.mlp_params or 0)


def routed_params_by_layer(modules: "ModuleMap") -> dict[int, int]:
    """Layer -> parameters of its routed experts, counted on the classified modules: exact for
    every expert layout (per-expert w1/w2/w3, fused gate_up, 3-D stacked tensors, biases).

    >>> from hubprune.classify import classify
    >>> from hubprune.sources.local import read_local
    >>> from hubprune.archs.schema import load_family
    >>> routed_params_by_layer(classify(read_local("fixtures/zoo/mixtral"), load_family("mixtral")))[0] > 0
    True
    """
    routed: dict[int, int] = {}
    counted: dict[int, int | None] = {}  # by identity of the layer read (a repeat reads another)
    for index, layer in modules.layers.items():
        alike = layer.same_as
        key = id(alike)
        if key not in counted:
            groups = [alike.by_role[role] for role in EXPERT_ROLES if role in alike.by_role]
            counted[key] = sum(module.params for group in groups for module in group) if groups else None
        if counted[key] is not None:
            routed[index] = counted[key]  # type: ignore[assignment]
    return routed


def flops_per_token(
    shape: ModelShape, experts_per_token: int | None = None, routed_params: dict[int, int] | None = None
) -> int | None:
    """2 x the parameters one token multiplies through, with only the active share of routed experts.

    None for a mixture-of-experts model when ``experts_per_token`` is unknown: counting every
    expert would overstate Mixtral-8x7B's compute 3.6 times. ``routed_params`` (from
    ``routed_params_by_layer``) gives each layer's routed-expert parameters as stored; without it
    they are rebuilt from the widths, assuming gated experts.
    """
    active = matmul_params(shape)
    for layer in shape.layers:
        if not layer.experts:
            continue
        if routed_params is not None and layer.index in routed_params:
            routed: int | None = min(routed_params[layer.index], layer.mlp_params or 0)
        else:
            routed = routed_expert_params(layer, shape.hidden_size or layer.input_dim)
        if routed is None or experts_per_token is None:
            return None
        # Shared experts and the router run for every token; of the routed experts, k of E do.
        chosen = min(experts_per_token, layer.experts)
        active -= routed - routed * chosen // layer.experts
    return 2 * active


def estimate(
    shape: ModelShape,
    *,
    download: int,
    context: int | None = None,
    batch: int = 1,
    kv_dtype_bytes: int = DEFAULT_KV_DTYPE_BYTES,
    latent_kv_dim: int | None = None,
    experts_per_token: int | None = None,
    routed_params: dict[int, int] | None = None,
) -> Estimates:
    """Estimates for one model. ``download`` is the byte size of its weight files.

    FLOPs per token are the usual 2 x parameters of a forward pass (one multiply and one add per
    weight), counting only the ``experts_per_token`` routed experts a token uses in an MoE layer;
    attention-score FLOPs, which grow with the context, are not included.

    >>> import hubprune
    >>> e = estimate(hubprune.inspect("fixtures/Llama-3-8B-Instruct").shape, download=0, context=8192)
    >>> e.kv_bytes_per_token, e.kv_cache_bytes
    (131072, 1073741824)
    """
    if context is not None and context < 0:
        raise ValueError("context must be >= 0")
    if batch < 1:
        raise ValueError("batch must be >= 1")
    by_layer = [layer_kv_bytes_per_token(layer, kv_dtype_bytes, latent_kv_dim) for layer in shape.layers]
    per_token = None if any(b is None for b in by_layer) else sum(b for b in by_layer if b is not None)
    kv_cache = per_token * context * batch if per_token is not None and context is not None else None
    params = shape.total_params
    return Estimates(
        download_bytes=download,
        weight_bytes=sum(shape.bytes_by_dtype.values()),
        weight_bytes_bf16=params * 2,
        weight_bytes_int8=params,
        weight_bytes_int4=(params + 1) // 2,
        kv_dtype_bytes=kv_dtype_bytes,
        kv_bytes_per_token=per_token,
        kv_bytes_per_token_by_layer=by_layer,
        context=context,
        batch=batch,
        kv_cache_bytes=kv_cache,
        flops_per_token=flops_per_token(shape, experts_per_token, routed_params),
    )


def latent_kv_dim(config: dict | None, family: "Family | None" = None) -> int | None:
    """kv_lora_rank + qk_rope_head_dim of a multi-head latent attention config, else None
    (read through the family's aliases when given; ``dims.latent_dims`` owns the rule).

    >>> latent_kv_dim({"kv_lora_rank": 512, "qk_rope_head_dim": 64}), latent_kv_dim({})
    (576, None)
    """
    return latent_dims(family, config).cache_dim


def compare_estimates(base: Estimates, pruned: Estimates) -> EstimatesComparison:
    """What the pruned model saves against its base (negative when it grew).

    >>> import hubprune
    >>> c = hubprune.compare("fixtures/Llama-3-8B-Instruct", "fixtures/taylor_only_5000")
    >>> round(c.estimates.kv_saved_pct, 2)
    35.94
    """
    weight_saved = base.weight_bytes - pruned.weight_bytes
    flops_saved = flops_pct = None
    if base.flops_per_token is not None and pruned.flops_per_token is not None:
        flops_saved = base.flops_per_token - pruned.flops_per_token
        flops_pct = pct(flops_saved, base.flops_per_token)
    kv_saved = None
    kv_pct = None
    if base.kv_bytes_per_token is not None and pruned.kv_bytes_per_token is not None:
        kv_saved = base.kv_bytes_per_token - pruned.kv_bytes_per_token
        kv_pct = pct(kv_saved, base.kv_bytes_per_token)
    cache_saved = None
    if base.kv_cache_bytes is not None and pruned.kv_cache_bytes is not None:
        cache_saved = base.kv_cache_bytes - pruned.kv_cache_bytes
    from .results import EstimatesComparison  # compare's result type, loaded by compare alone

    return EstimatesComparison(
        weight_bytes_saved=weight_saved,
        weight_saved_pct=pct(weight_saved, base.weight_bytes),
        kv_bytes_per_token_saved=kv_saved,
        kv_saved_pct=kv_pct,
        kv_cache_bytes_saved=cache_saved,
        flops_per_token_saved=flops_saved,
        flops_saved_pct=flops_pct,
    )

