"""hubprune: what a pruned LLM checkpoint really contains, from safetensors headers alone.

Library API (the CLI is a thin layer over these)::

    >>> import hubprune
    >>> shape = hubprune.inspect("fixtures/taylor_only_5000")
    >>> shape.total_params, shape.layers[2].q_heads, shape.layers[2].intermediate_size
    (4015140864, 28, 10349)
    >>> report = hubprune.compare("fixtures/Llama-3-8B-Instruct", "fixtures/taylor_only_5000")
    >>> round(report.totals.decoder_pruned_pct, 2)
    57.53

A reference is a local path when it exists or is written as one (``./org/name``), else a Hub repo
id ``org/name[@revision]`` or ``name``; ``hf://org/name`` is always the Hub.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

# The submodule hubprune.compare shares its name with the API function compare() below. Importing
# it first means the function definition is the binding that stays: a later
# "from .compare import ..." finds the module in sys.modules and does not rebind the attribute.
from . import compare as _compare_module  # noqa: F401
from .model import CheckReport, Comparison, Finding, HeaderSet, ModelShape

if TYPE_CHECKING:
    from .errors import HeaderError

__version__ = "0.1.0"
__all__ = ["__version__", "check", "compare", "inspect", "read_headers", "CheckReport", "Comparison", "ModelShape", "HeaderSet"]


# progress(model, done, total): called as shard headers of a Hub repo arrive.
Progress = Callable[[str, int, int], None]


def read_headers(
    ref: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    list_files: bool = False,
    abandon: Any = None,
) -> HeaderSet:
    """Read the headers, config and index of a local path or a Hub repo (header bytes only).

    ``list_files`` also lists a Hub repo's files (one more request; local folders always are).
    ``abandon`` (a ``threading.Event``) stops a Hub read at its next step once set.
    """
    from .sources.refs import locate

    where = locate(ref, revision)
    if not where.hub:
        from .sources.local import read_local

        if where.shadows:
            import logging

            logging.getLogger("hubprune").warning(
                f"read the local folder {ref}, not the Hub repo of that name (write hf://{ref} for the Hub)"
            )
        return read_local(ref)
    from .sources.hub import read_hub

    on_shard = (lambda done, total: progress(ref, done, total)) if progress else None
    return read_hub(
        where.ref, revision=revision, token=token, use_cache=use_cache, progress=on_shard, list_files=list_files, abandon=abandon
    )


def inspect(
    ref: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    context: int | None = None,
    batch: int = 1,
    tensors: str | None = None,
) -> ModelShape:
    """Per-layer heads, KV heads, widths and parameter counts of one model, with findings.

    ``context``/``batch`` size the KV-cache estimate; ``tensors`` (a glob such as ``"*.q_proj.*"``)
    adds a listing of the matching tensors with dtype and shape.
    """
    headers = _read_while_importing(ref, revision=revision, token=token, use_cache=use_cache, progress=progress)
    return _shape_report(headers, context=context, batch=batch, tensors=tensors)


def _shape_report(
    headers: HeaderSet,
    *,
    context: int | None = None,
    batch: int = 1,
    tensors: str | None = None,
    base_head_dim: int | None = None,
) -> ModelShape:
    """The inspect result of headers already read: shape, findings, estimates, tensor listing."""
    from .findings import inspect_findings

    family, shape, detect_notes = _analyse(headers, base_head_dim)
    findings = [*detect_notes, *shape.findings, *inspect_findings(shape, family, headers)]
    return shape.model_copy(
        update={
            "findings": findings,
            "estimates": _estimates(shape, headers, context, batch),
            "tensors": None if tensors is None else _tensor_listing(headers, tensors),
        }
    )


def _read_while_importing(ref: str, **options) -> HeaderSet:
    """``read_headers``; for a Hub repo, the analysis modules (~50 ms) are imported while the
    headers travel instead of before or after."""
    from .sources.refs import locate

    if not locate(ref, options.get("revision")).hub:
        return read_headers(ref, **options)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(read_headers, ref, **options)
        from . import estimates, findings, infer  # noqa: F401
        from .archs import detect  # noqa: F401

        return pending.result()


def _analyse(headers: HeaderSet, base_head_dim: int | None = None):
    """(family, shape, detection notes) of a model's headers."""
    from .archs.detect import detect_family
    from .infer import infer_shape

    family, notes = detect_family(headers.config, headers.tensors)
    return family, infer_shape(headers, family, base_head_dim), notes


def _estimates(shape: ModelShape, headers: HeaderSet, context: int | None, batch: int):
    from .archs.schema import load_family
    from .estimates import download_bytes, estimate, latent_kv_dim, top_k_experts

    return estimate(
        shape,
        download=download_bytes(headers.files),
        context=context,
        batch=batch,
        latent_kv_dim=latent_kv_dim(headers.config),
        experts_per_token=top_k_experts(load_family(shape.family), headers.config),
    )


def _tensor_listing(headers: HeaderSet, pattern: str):
    from fnmatch import fnmatchcase

    from .model import TensorEntry

    return [
        TensorEntry(name=t.name, dtype=t.dtype, shape=list(t.shape), file=t.file)
        for t in headers.tensors.values()
        if fnmatchcase(t.name, pattern)
    ]


def compare(
    base: str,
    pruned: str,
    *,
    revision: str | None = None,
    pruned_revision: str | None = None,
    token: str | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    context: int | None = None,
    batch: int = 1,
    layer_map: str | list[int] | None = None,
    allow_unaligned: bool = True,
) -> Comparison:
    """The pruning report of ``pruned`` against ``base``, with what pruning saves in memory.

    ``layer_map`` (``"0-20,29-31"`` or a list) gives the base index of each pruned layer, for
    depth-pruned models whose layers were renumbered. Without one, models with different layer
    counts get a totals-only report that says so (``allow_unaligned=False`` raises instead).
    """
    from concurrent.futures import ThreadPoolExecutor

    from .estimates import compare_estimates

    if isinstance(layer_map, str):  # a malformed map is a usage error before anything is read
        layer_map = _compare_module.parse_layer_map(layer_map)

    # Both models are read at once: over the Hub the whole compare then costs two round trips,
    # not four. When one side fails, the other is abandoned at its next step, not read to the end.
    import threading
    from concurrent.futures import FIRST_EXCEPTION, wait

    abandon = threading.Event()
    options = {"token": token, "use_cache": use_cache, "progress": progress, "abandon": abandon}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(_read_while_importing, ref, revision=rev, **options)
            for ref, rev in ((base, revision), (pruned, pruned_revision))
        ]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.exception() is not None for f in done):
            abandon.set()
            wait(futures)  # the other side stops at its next step; no thread outlives the call
            from .sources.hub import Abandoned

            errors = [f.exception() for f in futures if f.exception() is not None]
            raise next((e for e in errors if not isinstance(e, Abandoned)), errors[0])
        base_headers, pruned_headers = (future.result() for future in futures)
    base_shape = _shape_report(base_headers, context=context, batch=batch)
    # Pruning removes whole heads and keeps head_dim: where the pruned config cannot tell it
    # (a rewritten num_attention_heads, no head_dim key), the base model's settles it.
    pruned_shape = _shape_report(pruned_headers, context=context, batch=batch, base_head_dim=base_shape.head_dim)
    comparison = _compare_module.compare_shapes(base_shape, pruned_shape, layer_map, allow_unaligned=allow_unaligned)
    saved = compare_estimates(comparison.base.estimates, comparison.pruned.estimates)
    return comparison.model_copy(update={"estimates": saved})


def check(
    ref: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    context: int | None = None,
    batch: int = 1,
) -> CheckReport:
    """Will it load, will it fit, is it sound: findings about one checkpoint, before downloading it.

    A header that breaks the format or a model with only pickle weights is the check's answer
    (an error finding), not an exception; a model that cannot be reached still raises.

    >>> report = check("fixtures/Llama-3-8B-Instruct")
    >>> [f.code for f in report.findings], report.estimates.weight_bytes
    ([], 16060522496)
    """
    from .findings import by_severity, check_findings, pickle_only_finding, unreadable_header_finding
    from .errors import HeaderError, NoSafetensorsError

    try:
        headers = _read_while_importing(
            ref, revision=revision, token=token, use_cache=use_cache, progress=progress, list_files=True
        )
    except NoSafetensorsError as error:
        if not error.pickles:
            raise
        return CheckReport(name=_display(ref), source=ref, findings=[pickle_only_finding(error.where, error.pickles)])
    except HeaderError as error:
        local = Path(ref).exists()
        found = _salvage_local(Path(ref), error) if local else [unreadable_header_finding(error.file, error.problem)]
        return CheckReport(name=_display(ref), source=ref, findings=by_severity(found))
    family, shape, detect_notes = _analyse(headers)
    findings = [*detect_notes, *shape.findings, *check_findings(shape, family, headers)]
    return CheckReport(
        name=shape.name,
        source=ref,
        commit=shape.commit,
        family=family.name,
        files=len(headers.files),
        findings=by_severity(findings),
        estimates=_estimates(shape, headers, context, batch),
    )


def _display(ref: str) -> str:
    path = Path(ref)
    return path.name if path.exists() else ref


def _salvage_local(path: Path, error: HeaderError) -> list[Finding]:
    """Read the local safetensors headers leniently, so that ``check`` can name each fault.

    The strict reader stops at the first malformed header (``error``); a check should list them
    all. The files are the ones the strict reader chose, and when the lenient read finds no error
    of its own, ``error`` is the answer: a file the strict reader rejected never passes the check.
    """
    import stat

    from .findings import raw_header_findings, unreadable_header_finding
    from .safetensors_header import MAX_HEADER_LEN, PREFIX_LEN

    try:
        files = _weight_files(path)
    except OSError:
        files = []

    def unreadable(file: Path, why: str) -> Finding:
        # For the file the strict reader stopped at, its own words.
        return unreadable_header_finding(file.name, error.problem if file.name == error.file else why)

    findings: list[Finding] = []
    for file in files:
        try:
            info = file.stat()
            if not stat.S_ISREG(info.st_mode):  # a folder cannot be opened, a FIFO would block forever
                findings.append(unreadable(file, "is not a regular file"))
                continue
            with file.open("rb") as handle:
                prefix = handle.read(PREFIX_LEN)
                length = int.from_bytes(prefix, "little") if len(prefix) == PREFIX_LEN else 0
                raw = handle.read(min(length, MAX_HEADER_LEN))
        except OSError as exc:  # no permission, gone meanwhile
            findings.append(unreadable(file, f"cannot be read ({exc.strerror or exc})"))
            continue
        findings += raw_header_findings(file.name, prefix, raw, info.st_size)
    if not any(f.severity == "error" for f in findings):
        findings.append(unreadable_header_finding(error.file, error.problem))
    return findings


def _weight_files(path: Path) -> list[Path]:
    """The safetensors files ``read_local`` reads for ``path`` (same rule, same function)."""
    from .errors import InputError
    from .sources.local import _snapshot_folder, weight_files

    if not path.is_dir():
        return [path]
    folder = _snapshot_folder(path)
    try:
        return weight_files(folder)[0]
    except InputError:  # an unreadable index: the strict reader reported it; look at every file
        return sorted(folder.glob("*.safetensors"))
