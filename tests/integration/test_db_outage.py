"""A database blip on real PostgreSQL (issue 16, item 3): `sentient serve` answers a stream of /api/chat
requests while (a) the test database's backends are terminated in bursts and (b) a proxy in front of
PostgreSQL refuses connections for 5 s. Only 200 or 503 with Retry-After, never 500 or a reset; every 200
is in ai_chat exactly once in the end; /readyz goes 503 and comes back by itself."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from models.sidecar import free_port
from tests.dbutil import PG_ADMIN_URL, fresh_database
from tests.integration.tcp_proxy import TcpProxy
from tests.procutil import BIN, start, stop, wait_http
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
KEY = "outage-key"


@dataclass
class Outcome:
    """One /api/chat request as the client saw it."""

    started: float
    status: int  # 0: the connection broke (reset, refused, protocol error)
    request_id: str
    retry_after: str | None = None
    code: str | None = None


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Engine, TcpProxy]]:
    """`sentient serve` on a fresh seeded database, reached through a proxy the test can close."""
    with fresh_database("postgres", tmp_path) as engine:
        seed_base(engine, SPEC_TODAY, ZoneInfo("Asia/Jakarta"))
        proxy = TcpProxy((engine.url.host or "127.0.0.1", engine.url.port or 5432))
        proxy.open()
        url = engine.url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "DATA_DIR": str(tmp_path / "data"),
            "CHROMA_PATH": str(tmp_path / "chroma"),
            "FACTORY_TODAY": SPEC_TODAY.isoformat(),
            "API_KEY": KEY,
            "LLM_BASE_URL": "off",
            "WHATSAPP_WORKER": "off",
            "REDIS_URL": "",
            "CHATLOG_FLUSH_S": "0.5",
            "DB_RETRY_DEADLINE_S": "2",
            "DB_CONNECT_TIMEOUT_S": "2",
            "DB_POOL_SIZE": "4",
        }
        proc = start([str(BIN / "sentient"), "serve", "--port", str(port)], env, tmp_path / "serve.log")
        try:
            wait_http(f"http://127.0.0.1:{port}/readyz", proc, "sentient serve")
            yield f"http://127.0.0.1:{port}", engine, proxy
        finally:
            proxy.close()  # first: a query hung on the proxy would otherwise hold up the server's shutdown
            assert not stop([proc], grace_s=30), "sentient serve did not stop within 30 s of SIGTERM"


class Load:
    """Client threads posting /api/chat on keep-alive connections, and a /readyz poller."""

    def __init__(self, base: str, clients: int = 3) -> None:
        self.base, self.stop = base, threading.Event()
        self.outcomes: list[Outcome] = []
        self.ready: list[tuple[float, int]] = []
        self.threads = [threading.Thread(target=self._chat) for _ in range(clients)]
        self.threads.append(threading.Thread(target=self._readyz))

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def _chat(self) -> None:
        body = {"user": "director", "message": "Berapa penjualan bulan ini?"}
        with httpx.Client(base_url=self.base, timeout=30, headers={"X-API-Key": KEY}) as client:
            while not self.stop.is_set():
                rid, started = uuid.uuid4().hex, time.monotonic()
                try:
                    r = client.post("/api/chat", json=body, headers={"X-Request-ID": rid})
                    code = r.json().get("error", {}).get("code") if r.status_code != 200 else None
                    out = Outcome(started, r.status_code, rid, r.headers.get("retry-after"), code)
                except httpx.HTTPError:
                    out = Outcome(started, 0, rid)
                self.outcomes.append(out)

    def _readyz(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            while not self.stop.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    self.ready.append((time.monotonic(), client.get("/readyz").status_code))
                time.sleep(0.2)


def terminate_backends(database: str, seconds: float) -> int:
    """Kill every backend of `database` again and again for `seconds`; how many were killed."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    killed, until = 0, time.monotonic() + seconds
    sql = text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :db")
    with admin.connect() as conn:
        while time.monotonic() < until:
            killed += int(conn.execute(sql, {"db": database}).scalar_one())
            time.sleep(0.05)
    admin.dispose()
    return killed


def test_database_blips_give_200_or_503_and_lose_no_chat_log(
    served: tuple[str, Engine, TcpProxy],
) -> None:
    base, engine, proxy = served
    with Load(base) as load:
        time.sleep(2)
        killed = terminate_backends(engine.url.database or "", 3)  # two 3-second bursts, as in the issue
        time.sleep(1)
        killed += terminate_backends(engine.url.database or "", 3)
        time.sleep(2)
        proxy.refuse()
        time.sleep(5)
        proxy.open()
        reopened = time.monotonic()
        deadline = reopened + 30
        while not any(t > reopened and s == 200 for t, s in load.ready) and time.monotonic() < deadline:
            time.sleep(0.1)
        back = min((t for t, s in load.ready if t > reopened and s == 200), default=None)
        time.sleep(3)
    outcomes, statuses = load.outcomes, [o.status for o in load.outcomes]
    figures = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"\noutage: {len(outcomes)} requests, statuses {figures}, {killed} backends terminated")
    assert back is not None, "/readyz did not come back to 200 after the database returned"
    assert any(s == 503 for t, s in load.ready if t < reopened), "/readyz never reported the outage"
    assert set(statuses) <= {200, 503}, figures  # no 500, no reset
    for o in outcomes:
        if o.status == 503:
            assert o.retry_after and int(o.retry_after) > 0 and o.code == "database_unavailable", o
    after = [o for o in outcomes if o.started > back]
    assert after and all(o.status == 200 for o in after), "a request after recovery failed"
    ok = {o.request_id for o in outcomes if o.status == 200}
    assert_logged_once(engine, ok)


def assert_logged_once(engine: Engine, request_ids: set[str], timeout_s: float = 30) -> None:
    """Every answered turn reaches ai_chat (the spool flushes within the timeout), none twice."""
    deadline = time.monotonic() + timeout_s
    while True:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT request_id, count(*) FROM ai_chat GROUP BY request_id")).all()
        counts = {rid: n for rid, n in rows}
        missing = request_ids - counts.keys()
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert not missing, f"{len(missing)} answered turns never reached ai_chat"
    assert all(n == 1 for n in counts.values()), "a turn was logged twice"
