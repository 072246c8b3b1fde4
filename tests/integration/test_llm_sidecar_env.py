"""The real llama.cpp server stays on its own port and open to us whatever our environment holds:
`make run PORT=8765` once put it on the app's port, and API_KEY would have made it demand our key."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from models.sidecar import Sidecar, free_port
from tests.llamautil import local_gguf


def test_our_port_and_api_key_do_not_reach_the_model_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf = local_gguf()
    app_port = free_port()
    monkeypatch.setenv("PORT", str(app_port))
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("API_KEY", "the-app-key")
    server = Sidecar(gguf, log_path=tmp_path / "sidecar.log", n_ctx=512)
    server.start()
    try:
        assert server.port != app_port
        resp = httpx.get(f"{server.base_url}/models", timeout=10)  # no key: the app's key is not its key
        assert resp.status_code == 200 and resp.json()["data"]
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{app_port}/v1/models", timeout=2)
    finally:
        server.stop()
