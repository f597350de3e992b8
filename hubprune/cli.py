"""The command line. The only module that reads options, prints, or exits.

Each command: parse options, call one library function, render, write, exit. Library errors are
turned into one line and an exit code here, in ``EXIT_CODES``, and nowhere else.
"""

from __future__ import annotations

import os
import sys
import tempfile
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from . import __version__
from .errors import CannotAlign, HubpruneError, InputError, UsageError

# Exit codes (DESIGN.md §4): 0 ok, 1 check found problems, 2 usage, 3 input unreadable.
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INPUT = 0, 1, 2, 3
EXIT_CODES: list[tuple[type[HubpruneError], int]] = [
    (InputError, EXIT_INPUT),
    (UsageError, EXIT_USAGE),
    (CannotAlign, EXIT_USAGE),
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


class Lang(str, Enum):
    en = "en"
    zh = "zh"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Report format.")]
LangOpt = Annotated[Optional[Lang], typer.Option("--lang", help="Report language (default: from the locale, zh* -> zh).")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to FILE instead of stdout.")]
RevisionOpt = Annotated[Optional[str], typer.Option("--revision", help="Hub revision (branch, tag or commit).")]
TokenOpt = Annotated[
    Optional[str], typer.Option("--token", help="Hub token (default: HF_TOKEN or the saved login).", show_default=False)
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Bypass the on-disk header cache.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Say on stderr what was read.")]


def fail(error: HubpruneError) -> NoReturn:
    """Map a library error to its one line on stderr and its exit code."""
    code = next(code for kind, code in EXIT_CODES if isinstance(error, kind))
    typer.echo(f"hubprune: error: {error}", err=True)
    raise typer.Exit(code)


def write_output(text: str, output: Path | None) -> None:
    """stdout, or FILE written atomically (a temp file renamed into place: never half-written)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output = output.expanduser()
    directory = output.parent if str(output.parent) else Path(".")
    if not directory.is_dir():
        fail(UsageError(f"cannot write {output}", hint=f"folder {directory} does not exist"))
    fd, temp = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, output)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _lang(lang: Lang | None) -> str:
    from .report.strings import default_lang

    return lang.value if lang else default_lang()


def _say_read(shape, verbose: bool) -> None:
    if verbose:
        skeletons = f", {shape.skeleton_files} header-only skeleton(s)" if shape.skeleton_files else ""
        at = f" at commit {shape.commit}" if shape.commit else ""
        typer.echo(f"hubprune: read {shape.name}{at}: {shape.files} file(s){skeletons}, family {shape.family}", err=True)


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
    pass


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
) -> None:
    """Per-layer query heads, KV heads, MLP width and parameters of one model, and what its config gets wrong."""
    import hubprune
    from .report import render

    try:
        shape = hubprune.inspect(model, revision=revision, token=token, use_cache=not no_cache)
    except HubpruneError as error:
        fail(error)
    _say_read(shape, verbose)
    write_output(render(shape, fmt.value, _lang(lang)), output)


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
) -> None:
    """The pruning report: totals, per-layer kept/pruned %, attention vs MLP, heads and widths."""
    import hubprune
    from .report import render

    try:
        comparison = hubprune.compare(base, pruned, token=token, use_cache=not no_cache)
    except HubpruneError as error:
        fail(error)
    _say_read(comparison.base, verbose)
    _say_read(comparison.pruned, verbose)
    write_output(render(comparison, fmt.value, _lang(lang)), output)


@app.command()
def skeleton(
    model: Annotated[str, typer.Argument(help="Local path or Hub repo id.")],
    out: Annotated[Path, typer.Option("--output", "-o", help="Folder to create (must not exist or be empty).")],
    revision: RevisionOpt = None,
    token: TokenOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Write a header-only copy of MODEL (config, index, shard headers): KBs instead of GBs."""
    import hubprune
    from .skeleton import write_skeleton

    try:
        headers = hubprune.read_headers(model, revision=revision, token=token, use_cache=not no_cache)
        written = write_skeleton(headers, out)
    except HubpruneError as error:
        fail(error)
    size = sum(p.stat().st_size for p in written)
    typer.echo(f"hubprune: wrote {len(written)} file(s), {size:,} bytes, to {out}", err=True)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("hubprune: interrupted", err=True)
        sys.exit(130)
