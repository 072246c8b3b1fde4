"""The layering contracts in pyproject.toml hold for the tree, and break on an upward import or a cycle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]
# import-linter's own entry point, run in a child so that it finds the packages of `cwd`, not the ones this
# test process has already imported.
LINT = "import sys, importlinter.cli as c; sys.exit(c.lint_imports(no_cache=True, no_logo=True))"


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the tree under `root` with its pyproject.toml."""
    env = os.environ | {"PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", LINT], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages' Python files and the contracts, to break on purpose."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=_not_python)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def _not_python(folder: str, names: list[str]) -> set[str]:
    """What copytree leaves out: everything but folders and .py files (data, templates, caches)."""
    return {n for n in names if n == "__pycache__" or not (n.endswith(".py") or Path(folder, n).is_dir())}


def inject(path: Path, line: str) -> None:
    """Add an import at the end of a module."""
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_every_package_is_under_contract() -> None:
    tops = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()} - {"tests", "bench"}
    assert tops == set(PACKAGES)


def test_the_tree_keeps_the_contracts(tree: Path) -> None:
    done = lint(tree)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_layers(tree: Path) -> None:
    inject(tree / "agent" / "core.py", "from channels import service  # agent (3) -> channels (2)")
    done = lint(tree)
    assert done.returncode == 1
    assert "agent is not allowed to import channels" in done.stdout
    assert "1 kept, 1 broken" in done.stdout


def test_metrics_stay_a_leaf(tree: Path) -> None:
    inject(tree / "telemetry" / "metrics.py", "from textkit import format")
    done = lint(tree)
    assert done.returncode == 1
    assert "telemetry is not allowed to import textkit" in done.stdout


def test_a_cycle_inside_a_package_breaks_the_build(tree: Path) -> None:
    inject(tree / "textkit" / "roles.py", "from textkit import format")
    inject(tree / "textkit" / "format.py", "from textkit import roles")
    done = lint(tree)
    assert done.returncode == 1
    assert "No cycles are allowed in textkit" in done.stdout
