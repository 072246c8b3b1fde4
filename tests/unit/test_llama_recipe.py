"""One portable recipe for the embedded model's native code, used by every install path, keyed by content."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "install-llama.sh"
INSTALL_PATHS = ("Makefile", "Dockerfile")


def wheel_dir(tmp_path: Path, **env: str) -> str:
    """Where the script would keep the wheel for this environment (it builds nothing with --print-dir)."""
    full = os.environ | {"SENTIENT_WHEEL_CACHE": str(tmp_path), **env}
    done = subprocess.run(
        [str(SCRIPT), "--print-dir", sys.executable], env=full, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_every_install_path_builds_through_the_one_script() -> None:
    for name in INSTALL_PATHS:
        text = (ROOT / name).read_text()
        assert "scripts/install-llama.sh" in text, name
        assert "CMAKE_ARGS" not in text and "GGML_" not in text, f"{name} has its own copy of the recipe"
    assert "make test" in (ROOT / ".ci" / "run").read_text()  # CI installs through the Makefile
    recipe = SCRIPT.read_text()
    assert "-DGGML_NATIVE=OFF" in recipe and "-DGGML_AMX_TILE=OFF" in recipe and "-DGGML_AVX512=OFF" in recipe


def test_the_makefile_stamp_covers_the_recipe() -> None:
    makefile = (ROOT / "Makefile").read_text()
    inputs = next(line for line in makefile.splitlines() if line.startswith("INSTALL_INPUTS"))
    assert "scripts/install-llama.sh" in inputs and "constraints.txt" in inputs


def test_the_cached_wheel_is_keyed_by_recipe_and_version(tmp_path: Path) -> None:
    default = wheel_dir(tmp_path)
    assert default == wheel_dir(tmp_path)  # stable: a second install reuses the wheel
    assert default.startswith(str(tmp_path)) and "llama-cpp-python-0.3.36-" in default
    native = wheel_dir(tmp_path, LLAMA_CMAKE_ARGS="-DGGML_NATIVE=ON")
    assert native != default  # a wheel from another recipe is never picked up
    pinned = (ROOT / "constraints.txt").read_text()
    assert "llama-cpp-python==0.3.36" in pinned  # the version is part of the key (and pinned)
