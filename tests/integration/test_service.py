"""The README's path end to end: `sentient db upgrade`, `sentient seed`, `sentient serve`, then HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import Engine

from tests.integration.independent_sql import as_json_numbers, expected_summary
from tests.procutil import wait_http
from warehouse.db import make_engine
from warehouse.migrate import head_revision

TODAY = "2024-12-27"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sentient(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("sentient")
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    data = tmp_path_factory.mktemp("data")
    env = {**os.environ, "DATA_DIR": str(data), "FACTORY_TODAY": TODAY, "DATABASE_URL": ""}
    env.pop("API_KEY", None)
    _sentient(env, "db", "upgrade")
    seeded = _sentient(env, "seed")
    assert "sample data loaded" in seeded.stderr
    port = _free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("sentient")), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", proc, "sentient serve")  # fails loudly; never yields a server not up
        yield base, make_engine(f"sqlite:///{data / 'sentient.db'}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_served_summary_is_rederived_by_sql(service: tuple[str, Engine]) -> None:
    base, engine = service
    body = httpx.get(f"{base}/api/dashboard/summary", timeout=5).json()
    assert body == as_json_numbers(expected_summary(engine, date.fromisoformat(TODAY)))


def test_readiness_reports_the_database(service: tuple[str, Engine]) -> None:
    base, _ = service
    ready = httpx.get(f"{base}/readyz", timeout=5)
    assert ready.status_code == 200
    db = ready.json()["checks"]["database"]
    assert db["ok"] is True and db["backend"] == "sqlite" and db["revision"] == head_revision()


def test_errors_have_one_shape(service: tuple[str, Engine]) -> None:
    base, _ = service
    missing = httpx.get(f"{base}/api/nothing-here", timeout=5)
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Not Found"}}


def test_readiness_fails_on_an_unmigrated_database(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sentient.app import create_app
    from sentient.settings import Settings

    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "sentient db upgrade" in ready.json()["checks"]["database"]["error"]
