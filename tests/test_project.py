"""House rules: dependencies agree, code is linted, notebooks stay thin and paired."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib

import nbformat
import pytest
from conftest import REPO


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_pyproject_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_name(r) for r in extra if not r.startswith("torture_stats")}
    lines = (REPO / "environment.yml").read_text(encoding="utf-8").splitlines()
    start = lines.index("dependencies:")
    conda = {_name(line.strip().lstrip("- ")) for line in lines[start + 1 :] if line.strip().startswith("- ")}
    assert conda - {"python"} == declared


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(REPO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


NOTEBOOK_SCRIPTS = sorted((REPO / "notebooks").glob("*.py"))


@pytest.mark.parametrize("script", NOTEBOOK_SCRIPTS, ids=[p.name for p in NOTEBOOK_SCRIPTS])
def test_notebooks_are_thin(script):
    source = script.read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda)]
    assert "data/raw" not in source and "read_csv" not in source


@pytest.mark.parametrize("script", NOTEBOOK_SCRIPTS, ids=[p.name for p in NOTEBOOK_SCRIPTS])
def test_notebook_pairs_agree_and_carry_no_outputs(script):
    import jupytext

    paired = script.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} missing: run `make notebooks`"
    notebook = nbformat.read(paired, as_version=4)
    from_script = jupytext.read(script)
    assert [c.source for c in notebook.cells] == [c.source for c in from_script.cells]
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def test_importing_the_package_loads_no_plotting_or_models():
    heavy = "('matplotlib', 'seaborn', 'statsmodels')"
    code = f"import sys, torture_stats; print(sorted(m for m in {heavy} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
