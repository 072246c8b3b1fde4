"""Scale-out on one machine: two `sentient serve` replicas and two reply workers, as separate processes, on
one PostgreSQL, one Redis and a Chroma server (`chroma run`), with a fake Twilio on loopback.

What must hold (docs/deployment.md): a WhatsApp conversation whose turns alternate between the replicas
keeps its follow-ups and its rate limit and gets exactly one reply per message; manuals ingested by one
process are found through either replica; killing a replica mid-stream loses no message.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import pytest
from redis import Redis
from sqlalchemy import Engine, text
from twilio.request_validator import RequestValidator

from channels.whatsapp.fake_twilio import FakeTwilio
from models.sidecar import free_port
from tests.dbutil import fresh_database
from tests.integration.wa_harness import DIRECTOR, PUBLIC, SENDER, new_sid
from tests.procutil import BIN, start, stop, wait_http
from tests.redisutil import live_redis
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
REDIS_DB = 11
# Redis is shared by everything on the machine: the other xdist worker's cluster, another checkout's tests.
# Its keys are per number (wa:rl:<phone>:<minute>, sentient:memory:wa:<phone>), so each cluster's director
# writes from a number of its own, and flushing the database (someone else's counts) is never needed.
RATE_PER_MIN = 6


@dataclass
class Cluster:
    """The processes and the shared services of one deployment."""

    replicas: list[str]  # base URLs
    procs: dict[str, subprocess.Popen[bytes]]
    fake: FakeTwilio
    env: dict[str, str]
    tmp: Path
    phone: str  # the director's number in this cluster's warehouse

    def post(self, replica: int, body: str, sid: str | None = None) -> tuple[str, int]:
        """Twilio's signed webhook post to one replica; (MessageSid, status or 0 on a broken connection)."""
        sid = sid or new_sid()
        form = {
            "MessageSid": sid,
            "AccountSid": self.fake.account_sid,
            "From": f"whatsapp:{self.phone}",
            "To": f"whatsapp:{SENDER}",
            "Body": body,
            "NumMedia": "0",
        }
        path = "/webhooks/twilio/whatsapp"
        signature = RequestValidator(self.fake.auth_token).compute_signature(PUBLIC + path, form)
        headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
        try:
            response = httpx.post(self.replicas[replica] + path, content=urlencode(form), headers=headers)
        except httpx.TransportError:
            return sid, 0
        return sid, response.status_code

    def replies(self) -> list[str]:
        return [m.body or m.content_variables or "" for m in self.fake.sent_to(self.phone)]

    def wait_replies(self, n: int, timeout_s: float = 90) -> list[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and len(self.replies()) < n:
            time.sleep(0.2)
        got = self.replies()
        assert len(got) >= n, f"{len(got)} replies of {n}: {got}\n{self.logs()}"
        return got

    def logs(self, lines: int = 40) -> str:
        """The tail of every process's log: what a failed wait needs to be understood."""
        tails = []
        for log in sorted(self.tmp.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(tails)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    live_redis()  # skips (or fails in CI) without a server
    redis = Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
    phone = f"+62819{uuid.uuid4().int % 10**8:08d}"
    chroma_port = free_port()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with fresh_database("postgres", tmp_path) as engine, FakeTwilio() as fake:
        seed_base(engine, SPEC_TODAY, ZoneInfo("Asia/Jakarta"))
        with engine.begin() as conn:
            moved = conn.execute(
                text("UPDATE adm_user SET phone = :new WHERE phone = :old"), {"new": phone, "old": DIRECTOR}
            )
            assert moved.rowcount == 1
        procs["chroma"] = start(
            [str(BIN / "chroma"), "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1",
             "--port", str(chroma_port)],
            os.environ.copy(), tmp_path / "chroma.log",
        )  # fmt: skip
        env = cluster_env(engine, fake, tmp_path, chroma_port)
        try:
            wait_http(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", procs["chroma"], "chroma run")
            replicas = []
            for i in (0, 1):
                port = free_port()
                cmd = [str(BIN / "sentient"), "serve", "--port", str(port)]
                procs[f"replica{i}"] = start(cmd, env, tmp_path / f"replica{i}.log")
                replicas.append(f"http://127.0.0.1:{port}")
            for i in (0, 1):
                procs[f"worker{i}"] = start(
                    [str(BIN / "sentient"), "whatsapp-worker"], env, tmp_path / f"worker{i}.log"
                )
            for i, url in enumerate(replicas):
                wait_http(f"{url}/readyz", procs[f"replica{i}"], f"replica {i}")
            yield Cluster(replicas, procs, fake, env, tmp_path, phone)
        finally:
            stop(list(procs.values()))
            engine.dispose()
    for key in redis.scan_iter(match=f"*{phone}*"):  # this cluster's counts and memory, no one else's
        redis.delete(key)
    redis.close()


def cluster_env(engine: Engine, fake: FakeTwilio, tmp: Path, chroma_port: int) -> dict[str, str]:
    """One deployment's settings, shared by every process (as a compose file would)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "LLM_", "API_KEY"))}
    env.update(
        {
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "CHROMA_URL": f"http://127.0.0.1:{chroma_port}",
            "DATA_DIR": str(tmp / "data"),
            "SECRET_KEY": "scale-out-test-shared-secret-0123456789abcdef",
            "FACTORY_TODAY": SPEC_TODAY.isoformat(),
            "LLM_BASE_URL": "off",
            "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_WHATSAPP_FROM": SENDER,
            "TWILIO_API_BASE_URL": fake.url,
            "PUBLIC_BASE_URL": PUBLIC,
            "WHATSAPP_WORKER": "off",  # the web replicas only take webhooks; the two workers answer
            "WHATSAPP_REQUIRE_OTP": "false",
            "WHATSAPP_RATE_PER_MIN": str(RATE_PER_MIN),
            "WHATSAPP_POLL_S": "0.2",
            # A claim whose worker failed is retried after this long: well inside the tests' waits.
            "WHATSAPP_STALE_S": "20",
            "RETRIEVAL_REFRESH_S": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def test_a_conversation_alternating_between_replicas(cluster: Cluster) -> None:
    # Turn 1 on replica 0, its follow-up on replica 1: the conversation lives in Redis, not in a process.
    _, status = cluster.post(0, "berapa penjualan bulan ini?")
    assert status == 200
    first = cluster.wait_replies(1)[0]
    assert "Rp 463.700.000" in first
    _, status = cluster.post(1, "kalau bulan lalu?")
    assert status == 200
    follow = cluster.wait_replies(2)[1]
    assert "bulan lalu" in follow.lower() and "Rp" in follow and "463.700.000" not in follow

    # The same MessageSid delivered to both replicas (Twilio retries): one reply.
    sid, status = cluster.post(0, "berapa penjualan bulan ini?")
    _, again = cluster.post(1, "berapa penjualan bulan ini?", sid=sid)
    assert (status, again) == (200, 200)
    cluster.wait_replies(3)
    time.sleep(2)  # time for a duplicate reply to show up, if one were queued
    assert len(cluster.replies()) == 3


def test_the_rate_limit_is_shared_by_the_replicas(cluster: Cluster) -> None:
    # One minute window: send limit + 3 messages quickly, alternating; the window must not roll over.
    start_window = int(time.time() // 60)
    if time.time() % 60 > 40:
        time.sleep(61 - time.time() % 60)
        start_window = int(time.time() // 60)
    for i in range(RATE_PER_MIN + 3):
        _, status = cluster.post(i % 2, f"berapa penjualan bulan ini? ({i})")
        assert status == 200
    assert int(time.time() // 60) == start_window
    # limit answers plus one polite notice for the window, counted across both replicas and workers
    replies = cluster.wait_replies(RATE_PER_MIN + 1)
    time.sleep(3)
    replies = cluster.replies()
    assert len(replies) == RATE_PER_MIN + 1, f"{replies}\n{cluster.logs()}"
    assert sum("463.700.000" in r for r in replies) == RATE_PER_MIN


def test_manuals_ingested_by_one_process_are_found_through_both_replicas(cluster: Cluster) -> None:
    query = {"q": "zorbulator torque flange", "k": "3"}
    before = [httpx.get(f"{url}/api/search", params=query, timeout=30) for url in cluster.replicas]
    assert all(r.status_code == 200 for r in before)  # both built their index before the new manual
    manual = cluster.tmp / "manuals" / "mch-009-test" / "zorbulator.en.md"
    manual.parent.mkdir(parents=True)
    manual.write_text(
        "# Zorbulator Z9 operator manual\n\n## Torque flange\n\n"
        "Tighten the zorbulator torque flange to 45 Nm in a star pattern before each shift.\n"
    )
    done = subprocess.run(
        [str(BIN / "sentient"), "ingest", str(manual.parent)],
        env=cluster.env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for url in cluster.replicas:
        hits = httpx.get(f"{url}/api/search", params=query, timeout=30).json()
        assert any("zorbulator" in str(h).lower() for h in hits["results"]), (url, hits)

    # A corrected value, the same number of chunks: the replicas' keyword index must see the new text too
    # (they once compared chunk counts only, and kept answering from the old version until a restart).
    manual.write_text(manual.read_text().replace("45 Nm", "57 Nm"))
    done = subprocess.run(
        [str(BIN / "sentient"), "ingest", str(manual.parent)],
        env=cluster.env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for url in cluster.replicas:
        found = httpx.get(f"{url}/api/search", params={**query, "mode": "bm25"}, timeout=30).json()["results"]
        texts = " ".join(str(h) for h in found)
        assert "57 Nm" in texts and "45 Nm" not in texts, (url, found)


def test_killing_a_replica_mid_stream_loses_no_message(cluster: Cluster) -> None:
    sids: list[str] = []
    for i in range(RATE_PER_MIN - 1):
        replica = 0 if i < 2 else 1 if i == 2 else 0
        if i == 2:
            os.killpg(cluster.procs["replica0"].pid, signal.SIGKILL)  # mid-stream, no goodbye
        sid, status = cluster.post(replica, f"status SO-202412-000{i + 1}?")
        if status != 200:  # Twilio retries a failed delivery; the load balancer sends it to a live replica
            sid, status = cluster.post(1, f"status SO-202412-000{i + 1}?", sid=sid)
        assert status == 200
        sids.append(sid)
    replies = cluster.wait_replies(len(sids))
    time.sleep(2)
    assert len(cluster.replies()) == len(sids) and all(r.strip() for r in replies)


def test_tools_exist() -> None:
    assert shutil.which(str(BIN / "chroma")), "chromadb's `chroma` command is part of the install"
