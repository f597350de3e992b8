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


# Modules a Hub read of safetensors repos never needs: the .bin and GGUF readers (the findings only
# read the keys their headers carry, from formats.to_headers), the local reader, the skeleton
# writer, the renderers of formats not asked for, and huggingface_hub's token lookup when there is
# no saved login to look up.
NOT_ON_THE_HUB_PATH = (
    "hubprune.formats.pickle_walk",
    "hubprune.formats.torch_checkpoint",
    "hubprune.formats.gguf",
    "hubprune.formats.zip_directory",
    "hubprune.sources.local",
    "hubprune.sources.other_formats",
    "hubprune.skeleton",
    "hubprune.report.text",
    "hubprune.report.markdown",
    "hubprune.report.html",
    "hubprune.report.csv",
    "huggingface_hub.utils._auth",
)

LOADED_AFTER = r"""
import json, sys
sys.argv = ["hubprune", *json.loads(sys.argv[1])]
from hubprune.cli import main
try:
    main()
except SystemExit as exit:
    code = exit.code
with open(OUT, "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def _loaded_after(args: list[str], tmp_path: Path, env: dict[str, str]) -> tuple[int, set[str]]:
    out = tmp_path / "modules.json"
    script = LOADED_AFTER.replace("OUT", repr(str(out)))
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(args)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert out.exists(), result.stderr[-2000:]
    answer = json.loads(out.read_text())
    return answer["code"], set(answer["modules"])


def test_the_library_api_loads_no_reader_until_one_is_needed() -> None:
    script = "import json, sys, hubprune.api; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(json.loads(result.stdout))
    unwanted = {"hubprune.sources.hub", "hubprune.sources.local", "hubprune.skeleton", "huggingface_hub", "httpx2"}
    assert not loaded & unwanted
    assert not {m for m in loaded if m.startswith(NOT_ON_THE_HUB_PATH)}


# What a local inspect never needs: writing files (temporary files, signal handling), comparing two
# models (a thread pool), logging (only a notice sends one), the package-data loader (the family
# files are read beside their module), the result types of the other commands, the Unicode
# database (file names in ASCII are checked without it).
NOT_ON_THE_LOCAL_INSPECT_PATH = (
    "unicodedata",
    "logging",
    "concurrent.futures",
    "tempfile",
    "shutil",
    "importlib.resources",
    "hubprune.atomic",
    "hubprune.comparison",
    "hubprune.results",
    "hubprune.sources.hub",
)


def _modules(script: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize("how", ["import", "inspect"])
def test_a_local_inspect_loads_nothing_it_does_not_use(how: str) -> None:
    # Measured against a bare interpreter's modules: an environment that loads one at start-up
    # (a sitecustomize) does not make hubprune load it.
    listed = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    bare = _modules(listed)
    # An absolute path: a relative one that is also a repo id (fixtures/x) gets a notice, through logging.
    model = str(ROOT / "fixtures" / "taylor_only_5000")
    run = "import hubprune.api" if how == "import" else f"import hubprune; hubprune.inspect({model!r})"
    loaded = _modules(f"{run}; {listed}") - bare
    assert not {m for m in loaded if m.startswith(NOT_ON_THE_LOCAL_INSPECT_PATH)}


def test_a_hub_compare_loads_nothing_of_the_other_readers(tmp_path: Path) -> None:
    import os

    from .hubserver import FakeHub, fixture_repos

    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_DISABLE_TELEMETRY": "1"}
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "HF_TOKEN_PATH", "HF_OIDC_RESOURCE"):
        env.pop(name, None)
    args = ["compare", "meta-llama/Meta-Llama-3-8B-Instruct", "prune-lab/taylor_only_5000", "-f", "json"]
    with FakeHub(fixture_repos(ROOT / "fixtures")) as hub:
        env["HF_ENDPOINT"] = hub.endpoint
        for run in ("cold", "warm"):
            code, loaded = _loaded_after(args, tmp_path, env)
            assert code == 0, run
            assert "hubprune.sources.hub" in loaded and "hubprune.report.json" in loaded  # it did read the Hub
            assert not {m for m in loaded if m.startswith(NOT_ON_THE_HUB_PATH)}, run
        assert len(hub.log) > 2  # the cold run read the Hub, the warm one asked it again
