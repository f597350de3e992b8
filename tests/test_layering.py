"""The dependency direction of DESIGN.md section 1, checked on the package's imports.

``cli -> api -> {sources, archs, infer, compare, findings} -> {locales} -> model -> errors``;
``report -> {model, locales}``; ``cli`` imports only ``api``, ``report``, ``errors``, ``locales``, ``model``.
Every ``import`` in every module counts, including imports inside functions (lazy imports are
still dependencies), with relative imports resolved to full module names.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hubprune"


def module_name(path: Path) -> str:
    parts = ["hubprune", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Full names of every module ``path`` imports (``from x import y`` counts ``x`` and ``x.y``)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            found.add(source)
            # "from . import cli" imports the submodule hubprune.cli.
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


MODULES = {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def importers_of(prefix: str) -> set[str]:
    """Modules that import ``prefix`` or anything under it."""
    return {
        module
        for module, imported in MODULES.items()
        if any(name == prefix or name.startswith(prefix + ".") for name in imported)
    }


def within(modules: set[str], *allowed: str) -> set[str]:
    """The modules of ``modules`` that are outside every ``allowed`` prefix."""
    return {m for m in modules if not any(m == a or m.startswith(a + ".") for a in allowed)}


def test_the_walk_sees_the_package() -> None:
    # Guard against a walk that checks nothing: known modules and a known edge must be present.
    assert {"hubprune", "hubprune.cli", "hubprune.sources.local", "hubprune.report"} <= MODULES.keys()
    assert "hubprune.cli" in MODULES["hubprune.__main__"]
    assert "typer" in MODULES["hubprune.cli"]


# (third-party or package module, the only places allowed to import it, why)
RULES = [
    ("typer", ["hubprune.cli"], "the CLI is the only module that reads options, prints or exits"),
    ("huggingface_hub", ["hubprune.sources"], "the Hub client belongs to the sources"),
    ("httpx2", ["hubprune.sources"], "HTTP belongs to the sources"),
    ("httpx", ["hubprune.sources"], "HTTP belongs to the sources"),
    ("tabulate", ["hubprune.report"], "tables are rendering"),
    ("hubprune.cli", ["hubprune.__main__"], "nothing is built on top of the command line"),
    ("pydantic", ["hubprune.schema"], "the JSON Schemas are printed or tested, never built to read a model"),
    ("hubprune.schema", ["hubprune.cli"], "only `hubprune schema` builds the schema models"),
]


@pytest.mark.parametrize(("imported", "allowed", "why"), RULES, ids=[rule[0] for rule in RULES])
def test_only_allowed_modules_import(imported: str, allowed: list[str], why: str) -> None:
    assert within(importers_of(imported), *allowed) == set(), why


@pytest.mark.parametrize("upper", ["hubprune.sources", "hubprune.cli", "hubprune.infer", "hubprune.findings", "hubprune.comparison", "hubprune.api"])
def test_report_renders_values_and_imports_nothing_above_the_model(upper: str) -> None:
    # Renderers are pure: they get a value object, so they never need a source, the CLI or the API.
    report = {m for m in MODULES if m == "hubprune.report" or m.startswith("hubprune.report.")}
    assert report and {m for m in report if upper in MODULES[m] or any(n.startswith(upper + ".") for n in MODULES[m])} == set()
    assert not any("hubprune" in MODULES[m] for m in report), "report imports the API package"


def _package_imports(module: str) -> set[str]:
    """The hubprune modules ``module`` imports, each named by its top module under hubprune."""
    own = {n for n in MODULES[module] if n.startswith("hubprune.")}
    return {".".join(n.split(".")[:2]) for n in own}


def test_the_cli_is_a_client_of_the_api() -> None:
    # The command line calls the library's API and renders; it never reaches into the layers below.
    # "schema" builds the JSON Schemas for `hubprune schema` only (pydantic stays off the hot path).
    allowed = {"hubprune.api", "hubprune.report", "hubprune.errors", "hubprune.locales", "hubprune.model", "hubprune.schema"}
    assert _package_imports("hubprune.cli") - allowed == set()


def test_the_report_reads_values_and_strings_only() -> None:
    report = [m for m in MODULES if m == "hubprune.report" or m.startswith("hubprune.report.")]
    assert len(report) >= 7
    for module in report:
        assert _package_imports(module) - {"hubprune.report", "hubprune.model", "hubprune.locales", "hubprune.errors"} == set(), module


@pytest.mark.parametrize(
    ("lower", "may_import"),
    [
        ("hubprune.errors", set()),
        # The base of every value type knows nothing of hubprune.
        ("hubprune.values", set()),
        # The other commands' result types are model types defined apart, named by the model.
        ("hubprune.model", {"hubprune.errors", "hubprune.results", "hubprune.values"}),
        ("hubprune.results", {"hubprune.model", "hubprune.errors", "hubprune.values"}),
        # The language files are data every layer reads; they know the model's types and the errors at most.
        ("hubprune.locales", {"hubprune.model", "hubprune.errors"}),
        ("hubprune.locales.en", set()),
        ("hubprune.locales.zh", set()),
    ],
)
def test_the_bottom_layers_import_nothing_above_them(lower: str, may_import: set[str]) -> None:
    own = {n for n in MODULES[lower] if n == "hubprune" or n.startswith("hubprune.")}
    # "from .errors import X" records hubprune.errors and hubprune.errors.X: both are the same edge.
    assert {n for n in own if not any(n == m or n.startswith(m + ".") for m in may_import)} == set()


def test_the_checker_resolves_relative_imports() -> None:
    # hubprune/sources/local.py says "from ..errors import ..." and "from ..model import ...".
    assert {"hubprune.errors", "hubprune.model"} <= MODULES["hubprune.sources.local"]


# What a command may load is part of its cost: a local JSON inspect and --help must not pay for
# the Hub client, for renderers they do not use, or for pydantic (whose model building alone
# used to cost more than reading a 405B checkpoint's headers).
LAZY_SCRIPT = r"""
import json, sys
from typer.testing import CliRunner
from hubprune.cli import app
runner = CliRunner()
result = runner.invoke(app, sys.argv[1:])
assert result.exit_code == 0, result.output
heavy = ("huggingface_hub", "httpx2", "httpx", "tabulate", "hubprune.sources.hub", "hubprune.report.text",
         "hubprune.report.markdown", "hubprune.report.html", "hubprune.report.csv")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy or m in heavy)))
"""


@pytest.mark.parametrize(
    "args",
    [["--help"], ["inspect", "fixtures/taylor_only_5000", "--format", "json"]],
    ids=["help", "local-inspect-json"],
)
def test_commands_do_not_load_what_they_do_not_use(args: list[str]) -> None:
    root = PACKAGE.parent
    result = subprocess.run([sys.executable, "-c", LAZY_SCRIPT, *args], capture_output=True, text=True, cwd=root, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
