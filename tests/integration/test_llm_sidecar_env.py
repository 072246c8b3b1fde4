"""The real llama.cpp server stays on its own port and open to us whatever our environment holds:
`make run PORT=8765` once put it on the app's port, and API_KEY would have made it demand our key."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from models.sidecar import Sidecar
from tests.llamautil import local_gguf


def test_our_port_and_api_key_do_not_reach_the_model_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf = local_gguf()
    # The app's port is held (bound, not listening) for the whole test: nothing else on the machine can
    # start answering on it, a connect to it is refused, and a server that wrongly took PORT cannot start.
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    app_port = int(held.getsockname()[1])
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
        held.close()
