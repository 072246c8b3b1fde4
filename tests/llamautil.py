"""The packaged GGUF for real-model tests, or a skip (a failure under REQUIRE_LLAMA=1, as in CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.sidecar import SidecarError, find_gguf, llama_server_available


def local_gguf() -> Path:
    """The SmolLM2 GGUF with llama.cpp's server installed; CI (REQUIRE_LLAMA=1) never skips these tests."""
    why = None
    if not llama_server_available():
        why = "llama-cpp-python[server] is not installed (make install)"
    else:
        try:
            return find_gguf()
        except SidecarError as exc:
            why = str(exc)
    if os.environ.get("REQUIRE_LLAMA") == "1":
        pytest.fail(f"REQUIRE_LLAMA=1 but the local model cannot run: {why}")
    pytest.skip(why)
