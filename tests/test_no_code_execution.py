"""hubprune never unpickles, loads marshalled code or evaluates strings: checked on its source.

The tool exists to read checkpoints it does not trust. A pickle is a program, so the package's own
source must not import a module that unpickles, nor call ``eval``/``exec``/``compile`` or
``torch.load``. The check walks every module's syntax tree (imports inside functions included,
and ``importlib.import_module("pickle")``-style dynamic imports); a second test runs real commands
under an audit hook and fails if any unpickling or marshal load happened at all.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import LLAMA, TAYLOR

PACKAGE = Path(__file__).resolve().parent.parent / "hubprune"

# Modules whose purpose is to turn bytes into objects by running code (or that wrap pickle).
FORBIDDEN_MODULES = {"pickle", "_pickle", "cPickle", "pickletools", "marshal", "shelve", "dill", "cloudpickle", "joblib", "torch"}
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__"}
# attribute calls: (receiver, attribute)
FORBIDDEN_ATTRIBUTE_CALLS = {("torch", "load"), ("builtins", "eval"), ("builtins", "exec"), ("builtins", "compile")}


# The one module allowed to import pickletools, and the one function of it that it may use:
# ``genops`` decodes opcodes and their arguments without executing any of them.
OPCODE_DECODER = "formats/pickle_walk.py"
OPCODE_DECODER_USES = {"genops"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def violations(source: str, where: str) -> list[str]:
    """Every forbidden import or call in one module's source."""
    found = []
    tree = ast.parse(source)
    if where == OPCODE_DECODER:
        found += opcode_decoder_violations(tree, where)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                f"{where}:{node.lineno} import {a.name}"
                for a in node.names
                if a.name.split(".")[0] in FORBIDDEN_MODULES and not (where == OPCODE_DECODER and a.name == "pickletools" and a.asname is None)
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"{where}:{node.lineno} from {node.module} import ...")
        elif isinstance(node, ast.ImportFrom) and node.module is None:
            continue
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in FORBIDDEN_BUILTINS:
                found.append(f"{where}:{node.lineno} {function.id}(...)")
            elif isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
                if (function.value.id, function.attr) in FORBIDDEN_ATTRIBUTE_CALLS:
                    found.append(f"{where}:{node.lineno} {function.value.id}.{function.attr}(...)")
            # importlib.import_module("pickle") / __import__("marshal"): a dynamic import by name.
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                name = node.args[0].value
                called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
                if called in {"import_module", "__import__"} and name.split(".")[0] in FORBIDDEN_MODULES:
                    found.append(f"{where}:{node.lineno} dynamic import of {name}")
        elif isinstance(node, ast.Name) and node.id in {"eval", "exec"} and isinstance(node.ctx, ast.Load):
            found.append(f"{where}:{node.lineno} reference to {node.id}")  # e.g. f = eval; f(text)
    return found


def opcode_decoder_violations(tree: ast.AST, where: str) -> list[str]:
    """In the opcode decoder, ``pickletools`` may only be used as ``pickletools.genops``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "pickletools":
            if node.attr not in OPCODE_DECODER_USES:
                found.append(f"{where}:{node.lineno} pickletools.{node.attr}")
        elif isinstance(node, ast.Name) and node.id == "pickletools":
            parent_ok = any(
                isinstance(parent, ast.Attribute) and parent.value is node for parent in ast.walk(tree)
            )
            if not parent_ok:
                found.append(f"{where}:{node.lineno} pickletools used as a value")
    return found


def test_the_package_is_not_empty() -> None:
    # Guard against the walk silently checking nothing (a moved package, a wrong path).
    names = {p.relative_to(PACKAGE).as_posix() for p in modules()}
    assert {"cli.py", "safetensors_header.py", "sources/local.py"} <= names


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_unpickles_or_evaluates(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8"), path.relative_to(PACKAGE).as_posix()) == []


def test_only_the_opcode_decoder_may_import_pickletools() -> None:
    assert violations("import pickletools", "formats/gguf.py")
    assert violations("import pickletools as p", OPCODE_DECODER)
    assert violations("import pickletools\npickletools.dis(b'')", OPCODE_DECODER)
    assert violations("import pickletools\nf = pickletools", OPCODE_DECODER)
    assert violations("import pickle", OPCODE_DECODER)
    assert violations("import pickletools\nfor op in pickletools.genops(b''): pass", OPCODE_DECODER) == []


# The checker itself must catch each spelling; otherwise the test above proves nothing.
CAUGHT = [
    ("import pickle", "plain import"),
    ("import torch.serialization", "submodule import"),
    ("from marshal import loads", "from-import"),
    ("def f():\n    import _pickle", "import inside a function"),
    ("eval('1')", "eval call"),
    ("exec('x = 1')", "exec call"),
    ("compile('1', 'f', 'eval')", "compile call"),
    ("torch.load(path)", "torch.load"),
    ("import builtins\nbuiltins.eval('1')", "builtins.eval"),
    ("importlib.import_module('pickle')", "dynamic import"),
    ("__import__('marshal')", "__import__"),
    ("run = eval", "eval taken as a value"),
]


@pytest.mark.parametrize(("source", "spelling"), CAUGHT, ids=[c[1] for c in CAUGHT])
def test_the_checker_catches(source: str, spelling: str) -> None:
    assert violations(source, "x.py"), spelling


@pytest.mark.parametrize(
    "source",
    ["import json\njson.loads('1')", "import re\nre.compile('a')", "from .compare import compare_shapes", "x.load(f)"],
)
def test_the_checker_allows_ordinary_code(source: str) -> None:
    assert violations(source, "x.py") == []


# Runs commands in a fresh interpreter with an audit hook; prints the forbidden events it saw.
AUDIT_SCRIPT = r"""
import json, sys
seen = []

def hook(event, args):
    if event == "pickle.find_class":
        seen.append(f"unpickling {args[0]}.{args[1]}")
    elif event in ("marshal.loads", "marshal.load"):
        # The import system loads .pyc files with marshal; any other caller is a violation.
        caller = sys._getframe(1).f_code.co_filename
        if "importlib" not in caller and "<frozen" not in caller:
            seen.append(f"{event} from {caller}")
    elif event in ("exec", "compile"):
        caller = sys._getframe(1).f_code.co_filename
        if "/hubprune/" in caller:
            seen.append(f"{event} from {caller}")

sys.addaudithook(hook)
from hubprune.cli import app
from typer.testing import CliRunner

runner = CliRunner()
for args in json.loads(sys.argv[1]):
    result = runner.invoke(app, args)
    if result.exit_code not in (0, 1):
        seen.append(f"{args} exited {result.exit_code}: {result.output[-300:]}")
print(json.dumps(seen))
"""


def test_commands_never_unpickle_or_evaluate() -> None:
    commands = [
        ["inspect", str(TAYLOR)],
        ["inspect", str(TAYLOR), "--format", "json"],
        ["inspect", str(LLAMA), "--format", "markdown"],
        ["compare", str(LLAMA), str(TAYLOR)],
    ]
    result = subprocess.run(
        [sys.executable, "-c", AUDIT_SCRIPT, json.dumps(commands)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


# Parses every format fixture, the hostile pickle included, under the same audit hook.
FORMATS_AUDIT_SCRIPT = AUDIT_SCRIPT.split("sys.addaudithook(hook)")[0] + r"""
sys.addaudithook(hook)
from pathlib import Path
from hubprune.formats.errors import FormatError
from hubprune.formats.gguf import read_gguf
from hubprune.formats.reading import parse_whole
from hubprune.formats.torch_checkpoint import read_torch

parsed = 0
for path in sorted(Path(sys.argv[2]).rglob("*")):
    parser = read_gguf if path.suffix == ".gguf" else read_torch if path.suffix in (".bin", ".pkl") else None
    if parser is None:
        continue
    try:
        parse_whole(parser, path.read_bytes(), path.name)
    except FormatError:
        pass
    parsed += 1
seen.append(f"parsed {parsed}")
print(json.dumps(seen))
"""


def test_reading_every_format_fixture_never_unpickles(tmp_path: Path) -> None:
    fixtures = PACKAGE.parent / "fixtures"
    result = subprocess.run(
        [sys.executable, "-c", FORMATS_AUDIT_SCRIPT, "[]", str(fixtures)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    parsed = [item for item in seen if item.startswith("parsed ")]
    assert parsed and int(parsed[0].split()[1]) >= 14, seen  # the walk really found the fixtures
    assert [item for item in seen if not item.startswith("parsed ")] == []
    assert not (tmp_path / "hubprune-hostile-marker").exists()
