"""The local model server inherits none of our settings (llama_cpp.server reads PORT, API_KEY... too)."""

from __future__ import annotations

from models.sidecar import server_env


def test_only_process_basics_pass_to_the_model_server() -> None:
    ours = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "LC_ALL": "C.UTF-8",
        "VIRTUAL_ENV": "/app/.venv",
        "PORT": "8765",
        "HOST": "0.0.0.0",
        "API_KEY": "secret",
        "MODEL": "x",
        "N_CTX": "99",
        "DATABASE_URL": "postgresql://u:pw@db/x",
        "TWILIO_AUTH_TOKEN": "t",
    }
    env = server_env(ours)
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "LC_ALL": "C.UTF-8",
        "VIRTUAL_ENV": "/app/.venv",
        "PYTHONUNBUFFERED": "1",
    }
