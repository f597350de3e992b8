"""``import hubprune`` is cheap: public names resolve on first use, from the module that defines them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import hubprune

ROOT = Path(__file__).resolve().parent.parent

IMPORT_ONLY = r"""
import json, sys
import hubprune
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in
    ("huggingface_hub", "typer", "click", "tabulate", "wcwidth", "pydantic", "httpx") or m.startswith("hubprune."))))
"""


def test_importing_the_package_loads_no_dependency_and_no_submodule_but_the_version() -> None:
    result = subprocess.run([sys.executable, "-c", IMPORT_ONLY], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == ["hubprune._version"]


@pytest.mark.parametrize("name", sorted(set(hubprune.__all__) - {"__version__"}))
def test_every_public_name_resolves_to_the_object_its_module_defines(name: str) -> None:
    module = hubprune._ATTR_TO_SUBMOD[name]
    assert getattr(hubprune, name) is getattr(__import__(f"hubprune.{module}", fromlist=[name]), name)
    assert name in dir(hubprune)


def test_no_public_name_is_also_a_submodule() -> None:
    # Importing a submodule binds it on the package: a function of the same name would be shadowed.
    submodules = {p.stem for p in (ROOT / "hubprune").iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert set(hubprune.__all__) & submodules == set()


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        hubprune.no_such_thing  # noqa: B018
