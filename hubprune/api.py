"""The library API: read a model, infer its shape, run the findings, estimate its costs.

Every public entry point of hubprune is here; the CLI is one client of it, Python callers another.

    >>> from hubprune.api import compare, inspect
    >>> report = inspect("fixtures/taylor_only_5000")
    >>> report.shape.total_params, report.shape.layers[2].q_heads, report.shape.layers[2].intermediate_size
    (4015140864, 28, 10349)
    >>> round(compare("fixtures/Llama-3-8B-Instruct", "fixtures/taylor_only_5000").totals.decoder_pruned_pct, 2)
    57.53

A reference is a local path when it exists or is written as one (``./org/name``), else a Hub repo
id ``org/name[@revision]`` or ``name``; ``hf://org/name`` is always the Hub.

How a model is read (revision, token, header cache, progress) is one ``ReadOptions`` value that
every function takes after its references; its fields may also be given as keywords, which win:

    >>> from hubprune.model import ReadOptions
    >>> inspect("fixtures/taylor_only_5000", ReadOptions(use_cache=False)).shape.num_layers
    32
    >>> inspect("fixtures/taylor_only_5000", use_cache=False).shape.num_layers
    32
"""

from __future__ import annotations

import functools
import os

from .archs.detect import detect_family
from .archs.schema import Family, all_families, load_family
from ._version import __version__
from .findings import (
    by_severity,
    check_findings,
    inspect_findings,
    pickle_only_finding,
    scan_findings,
    unreadable_header_finding,
)
from .errors import HeaderError, NoSafetensorsError, UsageError
from .estimates import download_bytes, estimate, latent_kv_dim, routed_params_by_layer, top_k_experts
from .classify import classify, collector_paused, remembered
from .infer import infer_shape
from .model import Estimates, Finding, InspectReport, ModelShape, ReadOptions, Snapshot
from .sources import notices_to_stderr
from .sources.paths import name_of
from .sources.refs import Where, file_format, locate
from .values import replace

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any, TypeVar

    from .atomic import remove_pending, write_output
    from .model import Progress
    from .results import CheckReport, Comparison, FamilyList, TensorListing

    F = TypeVar("F", bound=Callable[..., Any])

# A local inspect reads and reports; what only writing, comparing or a Hub read needs (temporary
# files, a thread pool, logging) is imported where it is used, so a short run does not load it.
# The command line's helpers for writing output are re-exported here, loaded on first use.
_LAZY = {"remove_pending": ".atomic", "write_output": ".atomic"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __package__), name)
    globals()[name] = value
    return value


__all__ = [
    "Progress",
    "ReadOptions",
    "check",
    "compare",
    "families",
    "inspect",
    "notices_to_stderr",
    "read_snapshot",
    "remove_pending",
    "write_output",
    "tensors",
    "write_skeleton",
]

# The weight formats ``ReadOptions.weights`` may name (None: what transformers would load).
WEIGHTS = (None, "safetensors", "bin", "gguf")

def _entry_point(function: F) -> F:
    """What every public call of the library runs inside:

    * the cyclic garbage collector paused, its state restored after. A read builds objects per
      tensor that all live until the report is made and form no cycles worth collecting: each
      pass of the collector over that growing heap is pure cost (a quarter of a library inspect
      of 200,000 tensors). A caller that paused it already keeps it paused.
    * the tensor walk remembered for the call (inference and the checks share one) and dropped
      when it returns: a caller keeps only the report.
    """

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        with collector_paused(), remembered():
            return function(*args, **kwargs)

    return call  # type: ignore[return-value]


def _options(options: ReadOptions | None, read: dict[str, Any]) -> ReadOptions:
    """``options`` with the ``ReadOptions`` fields given as keywords on top (a misspelt one is a TypeError)."""
    return replace(options or ReadOptions(), **read)


def _check_weights_of_file(where: Where, weights: str | None) -> None:
    """``weights`` chooses among the formats of a folder or repo; a reference that names one file
    has chosen already, and a different choice would be silently ignored."""
    named = where.file if where.hub else (where.ref if os.path.isfile(where.ref) else None)
    if weights is None or named is None:
        return
    kind = file_format(named)
    if kind != weights:
        raise UsageError(
            f"{{option.weights:{weights}}} chooses the weights of a folder or repo, but {named} is a {kind} file",
            hint="drop {option.weights}, or give the folder or repo",
        )


@_entry_point
def read_snapshot(
    ref: str,
    options: ReadOptions | None = None,
    *,
    list_files: bool = False,
    abandon: threading.Event | None = None,
    **read: Any,
) -> Snapshot:
    """Read the headers, config and index of a local path or a Hub repo (header bytes only).

    ``read`` are ``ReadOptions`` fields (``revision``, ``token``, ``use_cache``, ``progress``).
    ``list_files`` also lists a Hub repo's files (one more request; local folders always are).
    ``abandon`` stops a Hub read at its next step once set.
    """
    options = _options(options, read)
    if options.weights not in WEIGHTS:
        raise UsageError(f"no weights format {options.weights!r}", hint="use safetensors, bin or gguf")
    where = locate(ref, options.revision)
    _check_weights_of_file(where, options.weights)
    if not where.hub:
        if where.shadows:
            import logging

            logging.getLogger("hubprune").warning(
                f"read the local folder {ref}, not the Hub repo of that name (write hf://{ref} for the Hub)"
            )
        # The local reader brings the .bin and GGUF readers along: a Hub run does not load them.
        from .sources.local import read_local

        return read_local(ref, options.weights)
    # huggingface_hub is needed for Hub reads only: a local run does not pay for importing it.
    from .sources.hub import read_hub

    progress = options.progress
    on_shard = (lambda done, total: progress(ref, done, total)) if progress else None
    return read_hub(
        where.ref, revision=options.revision, token=options.token, use_cache=options.use_cache, progress=on_shard,
        list_files=list_files, abandon=abandon, weights=options.weights, file=where.file,
    )  # fmt: skip


@_entry_point
def inspect(
    ref: str, options: ReadOptions | None = None, *, context: int | None = None, batch: int = 1, **read: Any
) -> InspectReport:
    """Per-layer heads, KV heads, widths and parameter counts of one model, with findings.

    ``context``/``batch`` size the KV-cache estimate; ``read`` are ``ReadOptions`` fields.
    """
    snapshot = read_snapshot(ref, options, **read)
    return inspect_snapshot(snapshot, context=context, batch=batch)


def inspect_snapshot(
    snapshot: Snapshot, *, context: int | None = None, batch: int = 1, head_dim_hint: int | None = None
) -> InspectReport:
    """The inspect report of a snapshot already read.

    ``head_dim_hint`` settles head_dim where the config cannot (``compare`` passes the base's).
    """
    family, shape, detect_notes = _analyse(snapshot, head_dim_hint)
    return InspectReport(
        shape=shape,
        findings=[*detect_notes, *shape.findings, *inspect_findings(shape, family, snapshot)],
        estimates=_estimates(shape, family, snapshot, context, batch),
    )


def _analyse(snapshot: Snapshot, head_dim_hint: int | None = None) -> tuple[Family, ModelShape, list[Finding]]:
    family, notes = detect_family(snapshot.config, snapshot.tensors)
    return family, infer_shape(snapshot, family, head_dim_hint), notes


def _estimates(shape: ModelShape, family: Family, snapshot: Snapshot, context: int | None, batch: int) -> Estimates:
    return estimate(
        shape,
        download=download_bytes(snapshot.files),
        context=context,
        batch=batch,
        latent_kv_dim=latent_kv_dim(snapshot.config, family),
        experts_per_token=top_k_experts(load_family(shape.family), snapshot.config),
        routed_params=routed_params_by_layer(classify(snapshot, family)),
    )


@_entry_point
def tensors(ref: str, pattern: str = "*", options: ReadOptions | None = None, **read: Any) -> TensorListing:
    """The tensors of a model whose names match ``pattern`` (a glob such as ``"*.q_proj.*"``).

    >>> listing = tensors("fixtures/taylor_only_5000", "model.layers.23.*")
    >>> len(listing.tensors), listing.tensors[0].name
    (5, 'model.layers.23.input_layernorm.weight')
    """
    from fnmatch import fnmatchcase

    from .results import TensorEntry, TensorListing

    snapshot = read_snapshot(ref, options, **read)
    return TensorListing(
        name=snapshot.display_name,
        source=snapshot.source,
        commit=snapshot.commit,
        pattern=pattern,
        tensors=[
            TensorEntry(name=t.name, dtype=t.dtype, shape=list(t.shape), file=t.file)
            for t in snapshot.tensors.values()
            if fnmatchcase(t.name, pattern)
        ],
    )


@_entry_point
def compare(
    base: str,
    pruned: str,
    options: ReadOptions | None = None,
    *,
    pruned_revision: str | None = None,
    context: int | None = None,
    batch: int = 1,
    layer_map: str | list[int] | None = None,
    allow_unaligned: bool = False,
    **read: Any,
) -> Comparison:
    """The pruning report of ``pruned`` against ``base``, with what pruning saves in memory.

    Both are read with ``options`` (and the ``ReadOptions`` fields in ``read``), except that
    ``revision`` is the base's and ``pruned_revision`` the pruned model's.

    ``layer_map`` (``"0-20,29-31"`` or a list) gives the base index of each pruned layer, for
    depth-pruned models whose layers were renumbered. Models with different layer counts and no
    map raise ``CannotAlign``; ``allow_unaligned=True`` gives a totals-only report that says so.
    """
    import threading
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    from .comparison import compare_shapes, parse_layer_map

    if isinstance(layer_map, str):  # a malformed map is a usage error before anything is read
        layer_map = parse_layer_map(layer_map)

    # Both models are read at once: over the Hub the whole compare then costs two round trips,
    # not four. When one side fails, the other is abandoned at its next step, not read to the end.
    abandon = threading.Event()
    base_options = _options(options, read)
    pruned_options = replace(base_options, revision=pruned_revision)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(read_snapshot, ref, how, abandon=abandon)
            for ref, how in ((base, base_options), (pruned, pruned_options))
        ]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f.exception() for f in done if f.exception() is not None]
        if failed:
            abandon.set()
            wait(futures)  # the other side stops at its next step; no thread outlives the call
            raise failed[0]  # the failure itself, not the other side's abandoned read
        base_snapshot, pruned_snapshot = (future.result() for future in futures)
    base_report = inspect_snapshot(base_snapshot, context=context, batch=batch)
    # Pruning removes whole heads and keeps head_dim: where the pruned config cannot tell it
    # (a rewritten num_attention_heads, no head_dim key), the base model's settles it.
    pruned_report = inspect_snapshot(
        pruned_snapshot, context=context, batch=batch, head_dim_hint=base_report.shape.head_dim
    )
    return compare_shapes(base_report, pruned_report, layer_map, allow_unaligned=allow_unaligned)


@_entry_point
def check(
    ref: str, options: ReadOptions | None = None, *, context: int | None = None, batch: int = 1, **read: Any
) -> CheckReport:
    """Will it load, will it fit, is it sound: findings about one checkpoint, before downloading it.

    A header that breaks the format or a model with only pickle weights is the check's answer
    (an error finding), not an exception; a model that cannot be reached still raises.

    >>> report = check("fixtures/Llama-3-8B-Instruct")
    >>> [f.code for f in report.findings], report.estimates.weight_bytes
    ([], 16060522496)
    """
    from .results import CheckReport

    try:
        snapshot = read_snapshot(ref, options, list_files=True, **read)
    except NoSafetensorsError as error:
        if not error.pickles:
            raise
        return CheckReport(name=_display(ref), source=ref, findings=[pickle_only_finding(error.where, error.pickles)])
    except HeaderError as error:
        # Every fault of every file, not only the first the strict reader stopped at. When the
        # files changed meanwhile and the second read finds no error, the first error stands:
        # a file the strict reader refused never passes the check.
        from .sources.local import scan_local

        found = scan_findings(scan_local(ref)) if os.path.exists(ref) else []
        if not any(f.severity == "error" for f in found):
            found.append(unreadable_header_finding(error.file, error.problem))
        return CheckReport(name=_display(ref), source=ref, findings=by_severity(found))
    family, shape, detect_notes = _analyse(snapshot)
    findings = [*detect_notes, *shape.findings, *check_findings(shape, family, snapshot)]
    return CheckReport(
        name=shape.name,
        source=ref,
        commit=shape.commit,
        family=family.name,
        files=len(snapshot.files),
        findings=by_severity(findings),
        estimates=_estimates(shape, family, snapshot, context, batch),
    )


def families() -> FamilyList:
    """The model families hubprune knows: how each is recognised and which config keys it reads.

    >>> next(f for f in families().families if f.name == "llama").architectures[0]
    'LlamaForCausalLM'
    """
    from .results import FamilyInfo, FamilyList

    return FamilyList(
        families=[
            FamilyInfo(
                name=family.name,
                description=family.description,
                architectures=list(family.architectures),
                model_types=list(family.model_types),
                examples=list(family.examples),
                config_keys={fact: list(keys) for fact, keys in family.config_keys.items()},
                heuristic=family.heuristic,
            )
            for family in all_families()
        ]
    )


def write_skeleton(ref: str, target: str | Path, options: ReadOptions | None = None, **read: Any) -> list[Path]:
    """Write a header-only copy of a model (config, index, shard headers) to the folder ``target``.

    A ``.bin`` model's copy is the safetensors checkpoint of the same tensors; a GGUF is refused
    (``UsageError``): its quantized types and translated names have no faithful safetensors form.
    """
    from pathlib import Path

    from . import skeleton
    from .formats.to_headers import as_safetensors

    snapshot = as_safetensors(read_snapshot(ref, options, **read))  # .bin: the same tensors; GGUF: refused
    return skeleton.write_skeleton(snapshot, Path(target))


def _display(ref: str) -> str:
    return name_of(ref) if os.path.exists(ref) else ref
