"""PyTorch and GGUF readings as the same ``HeaderFile`` a safetensors header gives.

Everything downstream (classification, inspect, compare, check) then works unchanged. GGUF names
are translated to the transformers names they stand for (``formats/data/gguf_names.json``), and
the GGUF hyperparameters become the ``config.json`` keys transformers would have written; a
per-layer array (0 = the block has none) keeps its largest entry as the model-wide value, the
shapes giving each layer's own.
"""

from __future__ import annotations

import json
import re
from functools import cache

from ..errors import UsageError
from ..model import HeaderFile, Snapshot, TensorInfo

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:  # the readers themselves load only when a .bin or GGUF file is read
    from typing import Any

    from .gguf import GGUFFile
    from .torch_checkpoint import TorchCheckpoint

# GGUF type names that are safetensors dtypes too; quantized types keep their GGUF name.
GGUF_DTYPES = {"F32": "F32", "F16": "F16", "BF16": "BF16", "F64": "F64", "I8": "I8", "I16": "I16", "I32": "I32", "I64": "I64"}


@cache
def _names() -> dict[str, Any]:
    from importlib import resources  # only a GGUF's names need the table

    return json.loads(resources.files("hubprune.formats").joinpath("data/gguf_names.json").read_text(encoding="utf-8"))


def _compile(table: dict[str, str]) -> list[tuple[re.Pattern[str], str]]:
    out = []
    for gguf_name, hf_name in table.items():
        pattern = re.escape(gguf_name).replace(re.escape("{n}"), r"(?P<n>\d+)")
        out.append((re.compile(f"^{pattern}$"), hf_name))
    return out


@cache
def _patterns(arch: str | None = None) -> list[tuple[re.Pattern[str], str]]:
    moe = _names()["moe"].get(arch or "", {})
    return _compile({**_names()["tensors"], **moe.get("tensors", {})})


@cache
def _expert_patterns(arch: str | None) -> list[tuple[re.Pattern[str], str]]:
    return _compile(_names()["moe"].get(arch or "", {}).get("experts", {}))


def _match(patterns: list[tuple[re.Pattern[str], str]], gguf_name: str) -> str | None:
    for pattern, hf_name in patterns:
        match = pattern.match(gguf_name)
        if match:
            return hf_name.replace("{n}", match.group("n")) if "n" in pattern.groupindex else hf_name
    return None


def transformers_name(gguf_name: str, arch: str | None = None) -> str:
    """The transformers spelling of a llama.cpp tensor name (unchanged when unknown).

    >>> transformers_name("blk.7.attn_k.weight")
    'model.layers.7.self_attn.k_proj.weight'
    >>> transformers_name("blk.0.ffn_gate_inp.weight", "llama")
    'model.layers.0.block_sparse_moe.gate.weight'
    """
    return _match(_patterns(arch), gguf_name) or gguf_name


def _per_expert(tensor, arch: str | None, name: str, dtype: str, file: str) -> list[TensorInfo] | None:
    """A stacked ``blk.N.ffn_*_exps`` tensor ``[E, rows, cols]`` as the E matrices it holds, each
    at its own bytes (experts are the outermost dimension, so each one is contiguous)."""
    template = _match(_expert_patterns(arch), tensor.name)
    if template is None or len(tensor.shape) != 3 or tensor.shape[0] == 0:
        return None
    experts, rows, cols = tensor.shape
    size = tensor.nbytes
    if size is None or size % experts:
        return None
    each = size // experts
    return [
        TensorInfo(template.replace("{e}", str(e)), dtype, (rows, cols), tensor.offset + e * each, tensor.offset + (e + 1) * each, file)
        for e in range(experts)
    ]


# HeaderFile.metadata keys a non-safetensors file carries: its format, and for a pickle the
# globals loading it would import beyond tensor rebuilding (never resolved), one per line.
FORMAT_KEY = "format"
GLOBALS_KEY = "pickle_globals"


def weights_format(header: HeaderFile) -> str:
    """``safetensors``, ``bin`` or ``gguf``: what kind of file ``header`` was read from."""
    kind = header.metadata.get(FORMAT_KEY, "") if isinstance(header.metadata, dict) else ""
    if kind == "gguf":
        return "gguf"
    return "bin" if kind.startswith("pytorch-") else "safetensors"


def pickle_globals(header: HeaderFile) -> tuple[str, ...]:
    """The unexpected globals recorded by :func:`torch_header` (none for other formats)."""
    text = header.metadata.get(GLOBALS_KEY, "") if weights_format(header) == "bin" else ""
    return tuple(line for line in text.split("\n") if line)


def _data_len(described: int, data_start: int, file_size: int | None) -> int:
    """The data length to record: the whole rest of the file when it holds what the header
    describes (zip members, alignment padding and pickles around the tensors are no fault), or
    what the header describes when the file is shorter, so that it reads as truncated."""
    if file_size is not None and file_size >= data_start + described:
        return file_size - data_start
    return described


def torch_header(checkpoint: TorchCheckpoint, name: str, file_size: int | None = None) -> HeaderFile:
    """A ``torch.save`` file's tensors, laid end to end (offsets are not the file's own).

    A legacy file must hold its pickles and then every storage (an 8-byte count and the
    elements); a zip's records are bounded by its central directory, read already.
    """
    tensors = []
    cursor = 0
    for tensor in checkpoint.tensors:
        size = tensor.nbytes or 0
        tensors.append(TensorInfo(tensor.name, tensor.dtype, tensor.shape, cursor, cursor + size, name))
        cursor += size
    described = cursor
    if checkpoint.container == "legacy":
        storages = {t.storage_key: t for t in checkpoint.tensors}
        from .pickle_walk import DTYPE_BYTES

        stored = sum(8 + t.storage_numel * (DTYPE_BYTES.get(t.dtype) or 0) for t in storages.values())
        described = max(cursor, checkpoint.pickle_bytes + stored - 8)
    metadata = {FORMAT_KEY: f"pytorch-{checkpoint.container}"}
    if checkpoint.unexpected_globals:
        metadata[GLOBALS_KEY] = "\n".join(checkpoint.unexpected_globals)
    return HeaderFile(name, 0, tuple(tensors), metadata, _data_len(described, 8, file_size), file_size)


def gguf_header(parsed: GGUFFile, name: str, file_size: int | None = None) -> HeaderFile:
    """A GGUF file's tensors at their own offsets: the data section starts where the GGUF header
    ends, so ``data_start`` is the file's own and a cut download reads as truncated."""
    tensors = []
    end = 0
    arch = parsed.architecture
    for tensor in parsed.tensors:
        size = tensor.nbytes or 0
        dtype = GGUF_DTYPES.get(tensor.type_name, tensor.type_name)
        experts = _per_expert(tensor, arch, name, dtype, name)
        if experts is not None:
            tensors += experts
        else:
            tensors.append(TensorInfo(transformers_name(tensor.name, arch), dtype, tensor.shape, tensor.offset, tensor.offset + size, name))
        end = max(end, tensor.offset + size)
    header_len = parsed.data_offset - 8
    return HeaderFile(name, header_len, tuple(tensors), {FORMAT_KEY: "gguf"}, _data_len(end, parsed.data_offset, file_size), file_size)


def gguf_config(parsed: GGUFFile) -> dict[str, Any] | None:
    """The config.json keys the GGUF hyperparameters stand for (None without an architecture)."""
    arch = parsed.architecture
    if arch is None:
        return None
    table = _names()
    config: dict[str, Any] = {"model_type": "llama" if arch == "deci" else arch}
    known = table["architectures"].get(arch)
    if known:
        config["architectures"] = [known]
    for suffix, key in table["config"].items():
        value = parsed.arch_key(suffix)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            config[key] = value
    for suffix, key in table["per_layer_config"].items():
        values = parsed.per_layer(suffix)
        present = [value for value in values or () if value]
        if present:
            config[key] = max(present)
    if "vocab_size" not in config:
        tokens = parsed.metadata.get("tokenizer.ggml.tokens")
        length = getattr(tokens, "length", None) if not isinstance(tokens, list) else len(tokens)
        if isinstance(length, int):
            config["vocab_size"] = length
    moe = table["moe"].get(arch)
    experts = parsed.arch_key("expert_count")
    if moe and isinstance(experts, int) and not isinstance(experts, bool) and experts > 0:
        config["model_type"], config["architectures"] = moe["model_type"], [moe["architecture"]]
        config[moe["expert_count"]] = experts
        for suffix, key in moe["config"].items():
            value = parsed.arch_key(suffix)
            if isinstance(value, int) and not isinstance(value, bool):
                config[key] = value
    config["tie_word_embeddings"] = not any(t.name == "output.weight" for t in parsed.tensors)
    return config


def safetensors_names(names: list[str]) -> dict[str, str]:
    """The safetensors file each ``.bin`` file becomes, as ``save_pretrained`` names them.

    >>> safetensors_names(["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"])
    {'pytorch_model-00001-of-00002.bin': 'model-00001-of-00002.safetensors', 'pytorch_model-00002-of-00002.bin': 'model-00002-of-00002.safetensors'}
    >>> safetensors_names(["pytorch_model.bin"])
    {'pytorch_model.bin': 'model.safetensors'}
    """
    if len(names) == 1:
        return {names[0]: "model.safetensors"}
    return {name: f"model-{number:05d}-of-{len(names):05d}.safetensors" for number, name in enumerate(names, 1)}


def as_safetensors(snapshot: Snapshot) -> Snapshot:
    """A snapshot read from ``.bin`` files as the safetensors checkpoint with the same tensors:
    what a skeleton of it holds. Safetensors snapshots come back unchanged.

    A ``.bin`` state dict converts faithfully: names, dtypes and shapes are the file's own, the
    data laid end to end as the safetensors writer lays it. A GGUF does not: its quantized block
    types have no safetensors dtype, its tensor names and config are translations, so a
    safetensors skeleton would claim a checkpoint that no writer produced. It is refused.
    """
    kinds = {weights_format(header) for header in snapshot.files}
    if kinds <= {"safetensors"}:
        return snapshot
    if "gguf" in kinds:
        raise UsageError(
            f"{snapshot.display_name} is GGUF: a safetensors skeleton of it would be made up (quantized "
            "types have no safetensors dtype, names and config are translated)",
            hint="inspect, compare and check read GGUF directly; skeleton the safetensors model it came from",
        )
    renamed = safetensors_names([header.name for header in snapshot.files])
    files = []
    for header in snapshot.files:
        name = renamed[header.name]
        tensors = tuple(TensorInfo(t.name, t.dtype, t.shape, t.begin, t.end, name) for t in header.tensors)
        end = max((t.end for t in tensors), default=0)
        files.append(HeaderFile(name, 0, tensors, {"format": "pt"}, end, None))
    index = None
    if len(files) > 1:
        index = {
            "metadata": {"total_size": sum(f.data_len for f in files)},
            "weight_map": {t.name: f.name for f in files for t in f.tensors},
        }
    return Snapshot.build(snapshot.source, snapshot.display_name, files, config=snapshot.config, index=index, commit=snapshot.commit)
