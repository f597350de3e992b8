"""The command line. The only module that reads options, prints, or exits.

Each command: parse options, call one library function, render, write, exit. Library errors are
turned into one line and an exit code here, in ``EXIT_CODES``, and nowhere else.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from . import api
from ._version import __version__
from .errors import HubpruneError, InputError, UsageError
from .locales import DEFAULT, LANGS, for_locale
from .model import Severity
from .report import render

# Exit codes (DESIGN.md §4): 0 ok, 1 check found problems, 2 usage, 3 input unreadable.
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INPUT = 0, 1, 2, 3
EXIT_CODES: list[tuple[type[HubpruneError], int]] = [
    (InputError, EXIT_INPUT),
    (UsageError, EXIT_USAGE),
    (HubpruneError, EXIT_INPUT),
]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="What a pruned LLM checkpoint really contains, from safetensors headers alone (local or Hub).",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"
    html = "html"
    csv = "csv"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"


# One choice per language file in hubprune/locales.
Lang = Enum("Lang", {lang: lang for lang in LANGS}, type=str)


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Report format.")]
LangOpt = Annotated[Optional[Lang], typer.Option("--lang", help="Report language (default: from the locale; zh_TW, zh_HK and zh_MO get en).")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to FILE instead of stdout.")]
RevisionOpt = Annotated[Optional[str], typer.Option("--revision", help="Hub revision (branch, tag or commit).")]
TokenOpt = Annotated[
    Optional[str], typer.Option("--token", help="Hub token (default: HF_TOKEN or the saved login).", show_default=False)
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Bypass the on-disk header cache.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Say on stderr what was read.")]
ContextOpt = Annotated[
    Optional[int], typer.Option("--context", min=0, help="Size the KV-cache estimate for N tokens of context.", show_default=False)
]
BatchOpt = Annotated[int, typer.Option("--batch", min=1, help="Sequences held at once, for the KV-cache estimate.")]
def _unicode_ok(output: Path | None) -> bool:
    """Whether bar charts may use block characters: files are UTF-8; a terminal must encode them."""
    if output is not None:
        return True
    try:
        "\u2588\u258f\u2591".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def fail(error: HubpruneError) -> NoReturn:
    """Map a library error to its one line on stderr and its exit code."""
    code = next(code for kind, code in EXIT_CODES if isinstance(error, kind))
    typer.echo(f"hubprune: error: {error}", err=True)
    raise typer.Exit(code)


def write_output(text: str, output: Path | None) -> None:
    """stdout, or FILE as ``atomic.write_output`` writes it (never half-written, never a traceback)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from .atomic import write_output as write_file

    try:
        write_file(output, text)
    except HubpruneError as error:
        fail(error)


def default_lang(environ: dict[str, str] | None = None) -> str:
    """The language of the locale (LC_ALL, LC_MESSAGES, LANG: first set wins); ``en`` without one.

    >>> default_lang({"LANG": "zh_CN.UTF-8"}), default_lang({"LANG": "C.UTF-8"}), default_lang({"LANG": "zh_TW.UTF-8"})
    ('zh', 'en', 'en')
    """
    env = os.environ if environ is None else environ
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key)
        if value:
            return for_locale(value)
    return DEFAULT


def _lang(lang: Lang | None) -> str:
    return lang.value if lang else default_lang()


def _say_read(shape, verbose: bool) -> None:
    if verbose:
        skeletons = f", {shape.skeleton_files} header-only skeleton(s)" if shape.skeleton_files else ""
        at = f" at commit {shape.commit}" if shape.commit else ""
        typer.echo(f"hubprune: read {shape.name}{at}: {shape.files} file(s){skeletons}, family {shape.family}", err=True)


# Below this many shards a Hub read is over before a progress line would help.
PROGRESS_MIN_SHARDS = 8


def _progress(fmt: "Format"):
    """A stderr progress line for Hub reads of many shards; none when piping or writing JSON."""
    if fmt.value == "json" or not sys.stderr.isatty():
        return None

    def show(model: str, done: int, total: int) -> None:
        if total >= PROGRESS_MIN_SHARDS:
            end = "\n" if done == total else ""
            sys.stderr.write(f"\rhubprune: {model}: {done}/{total} shard headers{end}")
            sys.stderr.flush()

    return show


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hubprune {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    api.notices_to_stderr()


@app.command()
def inspect(
    model: Annotated[str, typer.Argument(help="Local folder or .safetensors file, or Hub repo id org/name[@revision].")],
    fmt: FormatOpt = Format.text,
    lang: LangOpt = None,
    output: OutputOpt = None,
    revision: RevisionOpt = None,
    token: TokenOpt = None,
    no_cache: NoCacheOpt = False,
    verbose: VerboseOpt = False,
    context: ContextOpt = None,
    batch: BatchOpt = 1,
) -> None:
    """Per-layer query heads, KV heads, MLP width and parameters of one model, and what its config gets wrong."""
    try:
        report = api.inspect(
            model, revision=revision, token=token, use_cache=not no_cache, progress=_progress(fmt),
            context=context, batch=batch,
        )
    except HubpruneError as error:
        fail(error)
    _say_read(report.shape, verbose)
    write_output(render(report, fmt.value, _lang(lang), unicode=_unicode_ok(output)), output)


@app.command()
def tensors(
    model: Annotated[str, typer.Argument(help="Local folder or .safetensors file, or Hub repo id org/name[@revision].")],
    pattern: Annotated[
        str, typer.Argument(metavar="[GLOB]", help="Only tensors whose name matches, e.g. '*.q_proj.*' (default: all).")
    ] = "*",
    fmt: FormatOpt = Format.text,
    lang: LangOpt = None,
    output: OutputOpt = None,
    revision: RevisionOpt = None,
    token: TokenOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """List the tensors of MODEL (all, or those matching GLOB) with dtype, shape and file."""
    try:
        listing = api.tensors(
            model, pattern, revision=revision, token=token, use_cache=not no_cache, progress=_progress(fmt)
        )
    except HubpruneError as error:
        fail(error)
    write_output(render(listing, fmt.value, _lang(lang), unicode=_unicode_ok(output)), output)


@app.command()
def compare(
    base: Annotated[str, typer.Argument(help="The original model (path or org/name[@revision]).")],
    pruned: Annotated[str, typer.Argument(help="The pruned model (path or org/name[@revision]).")],
    fmt: FormatOpt = Format.text,
    lang: LangOpt = None,
    output: OutputOpt = None,
    token: TokenOpt = None,
    no_cache: NoCacheOpt = False,
    verbose: VerboseOpt = False,
    context: ContextOpt = None,
    batch: BatchOpt = 1,
    layer_map: Annotated[
        Optional[str],
        typer.Option(
            "--layer-map",
            help="Base layer of each pruned layer, e.g. 0-20,29-31, for depth-pruned models whose layers were renumbered.",
        ),
    ] = None,
) -> None:
    """The pruning report: totals, per-layer kept/pruned %, attention vs MLP, heads and widths."""
    try:
        # Different layer counts without a map give the totals-only report, which says so.
        comparison = api.compare(
            base, pruned, token=token, use_cache=not no_cache, progress=_progress(fmt), context=context, batch=batch,
            layer_map=layer_map, allow_unaligned=True,
        )  # fmt: skip
    except HubpruneError as error:
        fail(error)
    _say_read(comparison.base.shape, verbose)
    _say_read(comparison.pruned.shape, verbose)
    write_output(render(comparison, fmt.value, _lang(lang), unicode=_unicode_ok(output)), output)


@app.command()
def check(
    model: Annotated[str, typer.Argument(help="Local folder or .safetensors file, or Hub repo id org/name[@revision].")],
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is this severe or worse.")
    ] = FailOn.error,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = None,
    output: OutputOpt = None,
    revision: RevisionOpt = None,
    token: TokenOpt = None,
    no_cache: NoCacheOpt = False,
    context: ContextOpt = None,
    batch: BatchOpt = 1,
) -> None:
    """Before you download: will it load, will it fit, is it sound. Exit 1 on findings at --fail-on, 3 if unreadable."""
    try:
        report = api.check(
            model, revision=revision, token=token, use_cache=not no_cache, progress=_progress(fmt),
            context=context, batch=batch,
        )
    except HubpruneError as error:
        fail(error)
    write_output(render(report, fmt.value, _lang(lang), unicode=_unicode_ok(output)), output)
    if any(finding.severity >= Severity(fail_on.value) for finding in report.findings):
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def families(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text or json.")] = Format.text,
    lang: LangOpt = None,
) -> None:
    """The model families hubprune knows: how each is recognised and which config keys it reads."""
    if fmt not in (Format.text, Format.json):
        fail(UsageError(f"families has no {fmt.value} listing", hint="use --format text or json"))
    write_output(render(api.families(), fmt.value, _lang(lang)), None)


@app.command()
def skeleton(
    model: Annotated[str, typer.Argument(help="Local path or Hub repo id.")],
    out: Annotated[Path, typer.Option("--output", "-o", help="Folder to create (must not exist or be empty).")],
    revision: RevisionOpt = None,
    token: TokenOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Write a header-only copy of MODEL (config, index, shard headers): KBs instead of GBs."""
    try:
        written = api.write_skeleton(model, out, revision=revision, token=token, use_cache=not no_cache)
    except HubpruneError as error:
        fail(error)
    size = sum(p.stat().st_size for p in written)
    typer.echo(f"hubprune: wrote {len(written)} file(s), {size:,} bytes, to {out}", err=True)


class SchemaName(str, Enum):
    inspect = "inspect"
    compare = "compare"
    check = "check"
    tensors = "tensors"
    families = "families"
    family = "family"


@app.command()
def schema(
    name: Annotated[SchemaName, typer.Argument(help="Which JSON output (or 'family' for a family file).")],
) -> None:
    """Print the JSON Schema of a --format json output, or of a family file."""
    from .schema import schema_text

    write_output(schema_text(name.value), None)


def _interrupted(signum: int, frame: object) -> None:
    """SIGINT/SIGTERM: remove this run's temporary files, say so, exit 128 + the signal number.

    Exits at once (``os._exit``) rather than unwinding: Hub reads may still be waiting in worker
    threads, and typer turns a KeyboardInterrupt into its own silent exit.
    """
    import os
    import signal

    from .atomic import remove_pending

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)
    remove_pending()
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    os.write(2, b"hubprune: interrupted\n")
    os._exit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    import signal

    # A terminal that cannot show some characters (an ASCII locale and a Chinese report) gets
    # "?" for them rather than a traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _interrupted)
    app()
