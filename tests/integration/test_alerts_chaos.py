"""Chaos: two `sentient worker` processes drain the alert outbox on PostgreSQL while the fake Twilio fails a
share of sends and times some out; one worker is killed mid-batch. Every recipient receives each message
exactly once, as recorded by the fake, and nothing is lost."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import Engine, text

from bench.alerts_load import add_operators, queue_load, spawn_worker
from channels.whatsapp.fake_twilio import FakeTwilio
from tests.integration.alerts_helpers import config

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def backend() -> str:
    """FOR UPDATE SKIP LOCKED across processes: PostgreSQL only."""
    return "postgres"


TEMPLATE = "HX" + "c" * 32
WAITING = "status = 'queued' OR (status = 'sending' AND provider_sid IS NULL)"


def _worker(engine: Engine, fake: FakeTwilio, log: IO[str]) -> subprocess.Popen[str]:
    return spawn_worker(
        engine,
        fake,
        log,
        TEMPLATE,
        twilio_timeout_s="0.5",
        alert_lease_s="3",
        alert_backoff_s="0.05",
        alert_backoff_max_s="0.3",
        alert_batch="40",
        alert_send_threads="8",
        alert_poll_s="0.1",
        alert_max_attempts="50",
    )


def _count(engine: Engine, where: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(f"SELECT count(*) FROM msg_outbox WHERE {where}")) or 0)


def _run_chaos(engine: Engine, fake: FakeTwilio, total: int, logs: Path) -> str:
    """Start two workers, kill one once a fifth is sent, let the other finish; the survivor's stdout."""
    with (logs / "victim.log").open("w") as vlog, (logs / "survivor.log").open("w") as slog:
        victim, survivor = _worker(engine, fake, vlog), _worker(engine, fake, slog)
        try:
            deadline = time.monotonic() + 30
            while len(fake.messages) < total // 5 and time.monotonic() < deadline:
                time.sleep(0.02)
            victim.send_signal(signal.SIGKILL)  # mid-batch: its claimed rows stay 'sending'
            victim.communicate(timeout=10)
            # The kill left claimed, unanswered rows behind (taken over after the lease).
            assert _count(engine, "status = 'sending' AND provider_sid IS NULL") > 0
            deadline = time.monotonic() + 90
            while _count(engine, WAITING) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            survivor.send_signal(signal.SIGTERM)
            out, _ = survivor.communicate(timeout=30)
            if victim.poll() is None:
                victim.kill()
                victim.communicate(timeout=10)
    assert survivor.returncode == 0, (logs / "survivor.log").read_text()[-2000:]
    return out


def test_two_workers_one_killed_every_message_exactly_once(seeded_engine: Engine, tmp_path: Path) -> None:
    phones = add_operators(seeded_engine, 25)
    total = queue_load(seeded_engine, config(template_sid=TEMPLATE), alerts=40).messages
    assert total >= 40 * len(phones)
    with FakeTwilio(fail_rate=0.2, fail_codes=("429", "500", "503"), delay_s=0.01) as fake:
        fake.timeout_delay_s = 1.0
        fake.script.extend(["timeout"] * 3)  # accepted, answered too late: must be looked up, not resent
        out = _run_chaos(seeded_engine, fake, total, tmp_path)
        with seeded_engine.connect() as conn:
            rows = list(conn.execute(text("SELECT phone, content_vars, provider_sid FROM msg_outbox")))
            summary = conn.execute(text("SELECT status, count(*) FROM msg_outbox GROUP BY status")).all()
        assert len(rows) == total and all(sid for *_, sid in rows), f"a message was lost: {summary}"
        received = Counter((m.to.removeprefix("whatsapp:"), m.content_variables) for m in fake.messages)
        assert max(received.values()) == 1, "a recipient got a message twice"
        expected = {(p, json.dumps(v, ensure_ascii=False)) for p, v, _ in rows}
        assert set(received) == expected and len(fake.messages) == total
        assert {m.sid for m in fake.messages} == {sid for *_, sid in rows}
        assert json.loads(out.strip().splitlines()[-1])["sent"] > 0
