"""One served app (`sentient serve` on a seeded SQLite warehouse) and one headless Chromium per session.

Chromium is Debian's /usr/bin/chromium driven by Playwright (never `playwright install`). Without it the
tests skip, unless REQUIRE_BROWSER=1 (CI), where they must run. Screenshots go to $ARTIFACTS_DIR or
tests/browser/artifacts/ (ignored by git).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.procutil import wait_http
from warehouse.db import make_engine

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
TODAY = "2024-12-27"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Served:
    """The running service: its base URL and an engine on its warehouse (for independent SQL)."""

    base: str
    engine: Engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sentient(env: dict[str, str], *args: str) -> None:
    exe = Path(sys.executable).with_name("sentient")
    subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=180, check=True)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots are kept."""
    where = Path(os.environ.get("ARTIFACTS_DIR") or Path(__file__).with_name("artifacts"))
    where.mkdir(parents=True, exist_ok=True)
    return where


# Package scope, not session: Playwright's sync API keeps an event loop running on the main thread while
# it is open, and under xdist other tests share this process (asyncio.run would then refuse to start).
@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`sentient serve` with the model off (LLM_BASE_URL=off) on the seeded sample day."""
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    data = tmp_path_factory.mktemp("browser-data")
    env = {
        **os.environ,
        "DATA_DIR": str(data),
        "FACTORY_TODAY": TODAY,
        "DATABASE_URL": "",
        "LLM_BASE_URL": "off",
        "APP_ENV": "test",
        "WHATSAPP_WORKER": "off",
    }
    env.pop("API_KEY", None)
    _sentient(env, "db", "upgrade")
    _sentient(env, "seed")
    port = _free_port()
    exe = str(Path(sys.executable).with_name("sentient"))
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", proc, "sentient serve")  # fails loudly; never yields a server not up
        engine = make_engine(f"sqlite:///{data / 'sentient.db'}")
        yield Served(base, engine)
        engine.dispose()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="package")
def browser(served: Served) -> Iterator[object]:
    """One headless Chromium for the browser tests, closed when they are done."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
