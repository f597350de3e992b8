"""Value types that flow through hubprune: a snapshot in, shapes, reports and comparisons out.

All but ``TensorInfo`` are frozen values (``values.py``), built once by the module that knows
their values (change one with ``hubprune.values.replace``). A large checkpoint has thousands of
tensors, and each ``TensorInfo`` is a slotted object that costs little more than its JSON.
Report-side types turn into the ``--format json`` contract (DESIGN.md §4) with ``to_dict()``; every
instance is built by our own code from validated headers, so they validate nothing at runtime (the
JSON Schemas in ``hubprune/schemas`` describe what ``to_dict()`` returns). The results of the
other commands (compare, check, tensors, families) are defined in ``results.py`` and named here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from enum import Enum
from operator import attrgetter
from .values import JsonValue, Value, field, plain


SCHEMA_VERSION = 1


# Weight files that Python unpickles to load (running whatever code they carry). Matched
# case-insensitively: a repo's "PyTorch_Model.BIN" is just as much a pickle.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


def pickle_files(names: Iterable[str]) -> list[str]:
    """File names that hold pickled weights (loading them can run arbitrary code).

    >>> pickle_files(["model.safetensors", "pytorch_model.bin", "original/consolidated.00.pth"])
    ['original/consolidated.00.pth', 'pytorch_model.bin']
    """
    return sorted(name for name in names if name.lower().endswith(PICKLE_SUFFIXES))


# Largest count a config or index may state: past it (10**400 in a hostile config) a number says
# nothing about a real model and would only be printed in full.
MAX_COUNT = 2**63 - 1


def as_int(value: object) -> int | None:
    """A config value as a count, or None: JSON ``true`` is a bool, and a count is never negative
    or past ``MAX_COUNT``."""
    return value if type(value) is int and 0 <= value <= MAX_COUNT else None


class ReadOptions(Value):
    """How a model is read: at which revision, with which token, through the header cache or not.

    Every API function takes one, or its fields as keywords on top of it:
    ``inspect(ref, revision="v1")`` is ``inspect(ref, ReadOptions(revision="v1"))``.

    >>> ReadOptions(revision="v1", token="hf_secret")
    ReadOptions(revision='v1', use_cache=True, progress=None, weights=None)
    """

    revision: str | None = None  # branch, tag or commit; ``org/name@rev`` in the reference also works
    token: str | None = field(default=None, repr=False)  # a secret: never in a repr or a traceback
    use_cache: bool = True  # False reads past the on-disk header cache
    progress: Progress | None = None
    weights: str | None = None  # "safetensors", "bin" or "gguf"; None: what transformers would load


class TensorInfo:
    """One entry of a safetensors header.

    Not frozen: one is built per tensor (200,000 in a large checkpoint), and a constructor that
    must step around its own ``__setattr__`` was the biggest single cost of reading such a header.
    Nothing changes one after the header scan built it, so it still hashes by value.

    >>> TensorInfo("lm_head.weight", "BF16", (128256, 4096), 0, 1050673152, "model-00004-of-00004.safetensors").numel
    525336576
    """

    __slots__ = ("name", "dtype", "shape", "begin", "end", "file", "nbytes")

    def __init__(self, name: str, dtype: str, shape: tuple[int, ...], begin: int, end: int, file: str) -> None:
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.begin = begin
        self.end = end
        self.file = file
        # Stored, not a property: the walk describes every tensor by it (repeated layers).
        self.nbytes = end - begin

    def _key(self) -> tuple:
        return (self.name, self.dtype, self.shape, self.begin, self.end, self.file)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"TensorInfo(name={self.name!r}, dtype={self.dtype!r}, shape={self.shape!r}, "
            f"begin={self.begin!r}, end={self.end!r}, file={self.file!r})"
        )

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


class HeaderProblem(Value, positional=True):
    """One fault the safetensors header scanner found in a file: the finding ``code`` it becomes
    with its ``args``, the strict reader's own words for it, and whether that reader refuses the
    file for it (``fatal``) or reads it and lets the findings say it."""

    code: str
    message: str
    fatal: bool
    args: dict[str, Any] = field(default_factory=dict)


class HeaderFile(Value, positional=True):
    """What one ``.safetensors`` file's header says, plus what we learnt about the file itself."""

    name: str
    header_len: int  # length of the JSON part, as the 8-byte prefix states
    tensors: tuple[TensorInfo, ...]
    metadata: dict[str, str]
    data_len: int  # bytes of tensor data the header describes
    file_size: int | None = None  # None when unknown (remote file whose size was not reported)
    unknown_dtypes: tuple[str, ...] = ()
    gaps: int = 0  # bytes of data region not covered by any tensor
    marked_skeleton: bool = False  # listed in the folder's hubprune-skeleton.json
    problems: tuple[HeaderProblem, ...] = ()  # what the header scanner found (none of them fatal)

    @property
    def data_start(self) -> int:
        return 8 + self.header_len

    @property
    def full_size(self) -> int:
        """Size of the complete file, as the header implies."""
        return self.data_start + self.data_len

    @property
    def is_skeleton(self) -> bool:
        """Header-only on purpose: cut right after its header, and marked as a skeleton."""
        return self.marked_skeleton and self.file_size == self.data_start and self.data_len > 0

    @property
    def is_truncated(self) -> bool:
        """Shorter than its header says, and not a marked skeleton: a download cut short."""
        if self.file_size is None or not self.file_size < self.full_size:
            return False
        return self.data_start < self.file_size or not self.is_skeleton


_tensor_name = attrgetter("name")


class Snapshot(Value, positional=True):
    """Everything read from one model at one revision: its headers, config, index and file list.

    ``source`` is what the user typed; ``display_name`` is what reports show.
    """

    source: str
    display_name: str
    files: tuple[HeaderFile, ...]
    config: dict[str, Any] | None = None
    index: dict[str, Any] | None = None
    commit: str | None = None
    other_files: tuple[str, ...] = ()  # names beside the weights (used to spot pickles)
    tensors: dict[str, TensorInfo] = field(default_factory=dict)

    @staticmethod
    def build(source: str, display_name: str, files: list[HeaderFile], **kwargs: Any) -> "Snapshot":
        tensors: dict[str, TensorInfo] = {}
        for header in files:
            tensors.update(zip(map(_tensor_name, header.tensors), header.tensors))
        if len(tensors) < sum(len(header.tensors) for header in files):
            # A tensor in two shards is a finding (the findings package); the first occurrence
            # wins here. (Within one header a name is never given twice: the scanner refuses it.)
            tensors = {}
            for header in files:
                for tensor in header.tensors:
                    tensors.setdefault(tensor.name, tensor)
        return Snapshot(source, display_name, tuple(files), tensors=tensors, **kwargs)


def pct(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole``; 0 when there is nothing to take a share of.

    Every percentage in a comparison is one of these, so reports only format them.

    >>> pct(1, 8), pct(-1, 8), pct(3, 0)
    (12.5, -12.5, 0.0)
    """
    return part / whole * 100 if whole else 0.0


class Severity(str, Enum):
    """How much a finding matters; ordered, so ``finding.severity >= Severity.WARNING`` reads as it says.

    >>> sorted([Severity.WARNING, Severity.ERROR, Severity.INFO])
    [<Severity.INFO: 'info'>, <Severity.WARNING: 'warning'>, <Severity.ERROR: 'error'>]
    >>> Severity("warning") >= Severity.WARNING > "info"
    True
    """

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self.value]

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __lt__(self, other: object) -> bool:
        return self.rank < Severity(other).rank

    def __le__(self, other: object) -> bool:
        return self.rank <= Severity(other).rank

    def __gt__(self, other: object) -> bool:
        return self.rank > Severity(other).rank

    def __ge__(self, other: object) -> bool:
        return self.rank >= Severity(other).rank



_SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


class Finding(JsonValue):
    """One thing worth telling the user: a config that lies, a truncated file, an unknown tensor."""

    severity: Severity
    code: str
    message: str  # in English; reports in other languages fill the code's template from ``args``
    layer: int | None = None
    # The template arguments (JSON values) the message was made from (``findings.finding``).
    # Left out of the hash so that a finding stays hashable.
    args: dict[str, Any] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        self.__dict__["severity"] = Severity(self.severity)

    def to_dict(self) -> dict[str, Any]:
        """The four keys of the JSON contract; ``args`` only serve the reports' translations."""
        return {"severity": self.severity.value, "code": self.code, "message": self.message, "layer": self.layer}


class Estimates(JsonValue):
    """What a model costs to download, hold and run, worked out from its shapes (``estimates.py``).

    KV-cache figures are summed layer by layer from each layer's own KV heads and head_dim, so a
    model whose pruning removed KV heads shows its real saving; they are null when a layer with
    attention has an unknown KV head count.
    """

    download_bytes: int
    weight_bytes: int
    weight_bytes_bf16: int
    weight_bytes_int8: int
    weight_bytes_int4: int
    kv_dtype_bytes: int
    kv_bytes_per_token: int | None
    kv_bytes_per_token_by_layer: list[int | None]
    context: int | None = None
    batch: int = 1
    kv_cache_bytes: int | None = None
    flops_per_token: int | None  # None: an MoE model whose config does not say how many experts a token uses


# A layer's kinds of attention and MLP (``AttnKind`` and ``MlpKind`` for type checkers, below).
ATTN_KINDS = ("full", "none", "linear", "mla")
MLP_KINDS = ("gated", "plain", "moe", "none", "linear")


class LayerShape(JsonValue):
    """One decoder layer as its tensors show it. A removed part gives 0, never null."""

    index: int
    params: int
    attn_params: int | None  # None: no module read as attention, and unclassified ones may be it
    mlp_params: int | None  # None: likewise for the MLP
    norm_params: int
    other_params: int = 0  # in modules no role of the family explains
    residual_params: int = 0  # in residual-path matrices (SliceGPT's shortcut_Q)
    q_heads: int | None
    kv_heads: int | None
    head_dim: int | None
    intermediate_size: int | None
    experts: int | None = None
    attn_kind: AttnKind | None = "full"  # None: unknown (see attn_params)
    mlp_kind: MlpKind | None = "gated"
    # MoE: per-expert widths only when routed experts differ (expert width pruning), and the
    # width of the shared expert(s) (Qwen-MoE shared_expert, DeepSeek shared_experts).
    expert_intermediate_sizes: list[int] | None = None
    shared_intermediate_size: int | None = None
    # Input width of the layer's first projection: differs from hidden_size after SliceGPT-style slicing.
    input_dim: int | None = None
    # The token mixer(s): "attention", "mamba", "linear_attention", joined by "+" when a block
    # runs two in parallel (Falcon-H1); None for a block without one (its attention removed).
    mixer: str | None = "attention"


class ModelShape(JsonValue):
    """A whole model as its tensors show it: what inference (``infer.py``) concludes.

    ``findings`` are inference's own notes; the inspect report adds detection and checks.
    """

    name: str
    source: str
    commit: str | None = None
    family: str
    total_params: int
    params_by_dtype: dict[str, int]
    bytes_by_dtype: dict[str, int]
    embed_params: int
    lm_head_params: int
    tied_embeddings: bool
    decoder_params: int
    other_params: int
    # Stored buffers (rotary inv_freq, causal-mask constants, decay tables): in the files, but not
    # parameters, so in no total above.
    buffer_params: int = 0
    num_layers: int
    hidden_size: int | None
    head_dim: int | None
    vocab_size: int | None
    files: int
    skeleton_files: int = 0
    layers: list[LayerShape]
    findings: list[Finding]
    # e.g. "gptq 4-bit": parameters above are logical (as in the dense model), bytes are as stored.
    quantization: str | None = None


class InspectReport(JsonValue):
    """The ``inspect`` result: the inferred shape, every finding about the model, and its costs.

    Its JSON object is the shape's fields with ``findings`` (all of them) and ``estimates``.
    """

    schema_version: int = SCHEMA_VERSION
    shape: ModelShape
    findings: list[Finding]
    estimates: Estimates | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            **self.shape.to_dict(),
            "findings": plain(self.findings),
            "estimates": plain(self.estimates),
        }


# The results of compare, check, tensors and families are value types like those above, defined in
# ``results.py`` so that a run that only inspects never pays for creating them. They are named
# from here all the same (``hubprune.model.Comparison``), loaded on first use.
_RESULTS = frozenset(
    {"EstimatesComparison", "TensorEntry", "TensorListing", "FamilyInfo", "FamilyList", "LayerComparison", "Totals", "Comparison", "CheckReport"}
)


def __getattr__(name: str) -> Any:
    if name not in _RESULTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import hubprune.results as results

    value = globals()[name] = getattr(results, name)
    return value


# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Literal

    # progress(model, done, total): called as shard headers arrive.
    Progress = Callable[[str, int, int], None]
    AttnKind = Literal["full", "none", "linear", "mla"]  # ATTN_KINDS
    MlpKind = Literal["gated", "plain", "moe", "none", "linear"]  # MLP_KINDS

    from .results import (
        CheckReport,
        Comparison,
        EstimatesComparison,
        FamilyInfo,
        FamilyList,
        LayerComparison,
        TensorEntry,
        TensorListing,
        Totals,
    )
