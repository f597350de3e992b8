"""Quantized weights: which stored tensors are parameters, and the logical shape they stand for.

Quantized checkpoints do not show logical shapes (DESIGN.md §2). Each scheme below says where it
was seen and how its packed tensor maps back to the dense ``[out, in]``:

* GPTQ (auto-gptq / optimum / gptqmodel): ``qweight`` I32 ``[in * bits / 32, out]``, packed on
  the input dim; ``qzeros``, ``scales``, ``g_idx`` beside it.
* AWQ (autoawq, GEMM kernels): ``qweight`` I32 ``[in, out * bits / 32]``, packed on the output dim;
  ``scales`` is ``[in / group, out]`` and tells the two apart without a config.
* compressed-tensors ``pack-quantized`` (llm-compressor): ``weight_packed`` I32
  ``[out, in * bits / 32]`` with ``weight_scale``, ``weight_zero_point``, ``weight_shape``.
* bitsandbytes 4-bit (transformers ``load_in_4bit`` then ``save_pretrained``): ``weight`` U8
  ``[out * in / 2, 1]`` with ``weight.absmax``, ``weight.quant_map`` and
  ``weight.quant_state.bitsandbytes__nf4``; the logical shape comes from the hidden size.
* bitsandbytes 8-bit: ``weight`` I8 ``[out, in]`` plus ``SCB`` and ``weight_format``.
* FP8 (DeepSeek-V3 block scales, llm-compressor / vLLM per-tensor): ``weight`` F8_E4M3
  ``[out, in]`` plus ``weight_scale_inv`` or ``weight_scale`` / ``input_scale``.

Scales, zeros, ``g_idx``, absmax and quant state are stored bytes, never parameters.
"""

from __future__ import annotations


from .model import TensorInfo
from .safetensors_header import DTYPE_BITS
from .values import Value

# Stored beside a quantized weight; bytes, not parameters.
AUX_NAMES = frozenset(
    {
        "qzeros", "scales", "g_idx", "SCB", "weight_format", "weight_scale", "weight_scale_inv",
        "input_scale", "output_scale", "weight_zero_point", "weight_shape", "weight_g_idx", "k_scale", "v_scale",
    }
)  # fmt: skip
PACKED_NAMES = frozenset({"qweight", "weight_packed"})
# bitsandbytes 4-bit keeps its quant state under "<module>.weight.<...>".
BNB_PREFIX = "weight."


def split_param(name: str) -> tuple[str, str]:
    """A tensor name -> (module path, parameter name), aware of bitsandbytes' dotted state names.

    >>> split_param("model.layers.0.mlp.up_proj.weight.quant_state.bitsandbytes__nf4")
    ('model.layers.0.mlp.up_proj', 'weight.quant_state.bitsandbytes__nf4')
    >>> split_param("lm_head.weight")
    ('lm_head', 'weight')
    """
    if ".weight." in name:
        module, _, rest = name.partition(".weight.")
        return module, BNB_PREFIX + rest
    module, _, param = name.rpartition(".")
    return module, param


def is_aux(param: str) -> bool:
    """True for a quantization side tensor (scales, zeros, absmax, quant state)."""
    return param in AUX_NAMES or param.startswith(BNB_PREFIX)


class QuantConfig(Value, positional=True):
    """What ``config.quantization_config`` says (method and bits), when it says anything."""

    method: str | None = None
    bits: int | None = None


def quant_config(config: dict | None) -> QuantConfig:
    """Read the quantization method and bit width from a config.

    >>> quant_config({"quantization_config": {"quant_method": "gptq", "bits": 4}})
    QuantConfig(method='gptq', bits=4)
    """
    q = (config or {}).get("quantization_config")
    if not isinstance(q, dict):
        return QuantConfig()
    method = q.get("quant_method") if isinstance(q.get("quant_method"), str) else None
    bits = q.get("bits") or q.get("w_bit")
    if bits is None and isinstance(q.get("config_groups"), dict):
        for group in q["config_groups"].values():
            weights = group.get("weights") if isinstance(group, dict) else None
            if isinstance(weights, dict) and isinstance(weights.get("num_bits"), int):
                bits = weights["num_bits"]
                break
    if bits is None and q.get("load_in_4bit"):
        bits = 4
    if bits is None and q.get("load_in_8bit"):
        bits = 8
    return QuantConfig(method, bits if isinstance(bits, int) and not isinstance(bits, bool) else None)


class Logical(Value, positional=True):
    """A module's weight as the dense model has it: ``[out, in]`` (or 1-D), and its element count."""

    shape: tuple[int, ...] | None
    numel: int
    scheme: str | None  # "gptq", "awq", "pack-quantized", "bnb-4bit", "bnb-8bit", "fp8", or None (dense)
    carrier: TensorInfo


def _unpacked(length: int, tensor: TensorInfo, bits: int) -> int:
    """Values held by ``length`` packed words: 3-bit GPTQ packs 32 values into 3 int32 words, so
    the count is length x word bits / bits, not length x (word bits // bits)."""
    word_bits = DTYPE_BITS.get(tensor.dtype, 32)
    return length * word_bits // bits if bits else length


def logical_weight(
    params: dict[str, TensorInfo],
    quant: QuantConfig,
    *,
    transposed: bool,
    input_width: int | None,
    output_width: int | None,
) -> Logical | None:
    """The logical weight of one module from its stored tensors, or None when it has no weight.

    ``input_width`` / ``output_width`` are the known side of the matrix (usually the hidden size);
    only a bitsandbytes 4-bit weight, stored flat, needs one of them to get its shape back.
    """
    bits = quant.bits or 4
    if "qweight" in params:
        packed = params["qweight"]
        if len(packed.shape) != 2:
            return Logical(None, packed.numel, "gptq", packed)
        rows, cols = packed.shape
        scales = params.get("scales")
        method = quant.method if quant.method in ("gptq", "awq") else None
        if method is None and scales is not None and scales.shape:
            unpacked_cols = _unpacked(cols, packed, bits)
            method = "awq" if scales.shape[-1] == unpacked_cols and scales.shape[-1] != cols else "gptq"
        if method == "awq":
            shape = (_unpacked(cols, packed, bits), rows)
        else:
            method, shape = "gptq", (cols, _unpacked(rows, packed, bits))
        return Logical(shape, shape[0] * shape[1], method, packed)
    if "weight_packed" in params:
        packed = params["weight_packed"]
        if len(packed.shape) != 2:
            return Logical(None, packed.numel, "pack-quantized", packed)
        rows, cols = packed.shape
        shape = (rows, _unpacked(cols, packed, bits))
        return Logical(shape, shape[0] * shape[1], "pack-quantized", packed)
    weight = params.get("weight")
    if weight is None:
        return None
    # Cheap tests first: this runs for every module of every model, and almost none are bnb 4-bit.
    flat_u8 = weight.dtype == "U8" and len(weight.shape) == 2 and weight.shape[1] == 1
    if flat_u8 and any(name.startswith(BNB_PREFIX) for name in params):
        numel = weight.shape[0] * 2  # two 4-bit values per byte
        shape: tuple[int, ...] | None = None
        if output_width and numel % output_width == 0:
            shape = (output_width, numel // output_width)
        elif input_width and numel % input_width == 0:
            shape = (numel // input_width, input_width)
        return Logical(shape, numel, "bnb-4bit", weight)
    scheme = None
    if "SCB" in params:
        scheme = "bnb-8bit"
    elif weight.dtype.startswith("F8_"):
        scheme = "fp8"
    shape = tuple(reversed(weight.shape)) if transposed and len(weight.shape) == 2 else weight.shape
    return Logical(shape, weight.numel, scheme, weight)
