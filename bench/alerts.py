"""`make bench` section "alerts": 10,000 alert messages through the outbox to the loopback fake Twilio.

On a scratch PostgreSQL database, 100 machine alerts are fired for 100 recipients through the real path
(rule -> engine -> routing -> outbox). The same volume is then delivered four ways, each against a fresh
fake Twilio server: raw sends with no outbox (the baseline: what the fake and the HTTP client allow), one
in-process dispatcher, two `sentient worker` processes, and two workers while the fake fails 5 % of sends.
Every outbox run is checked: zero lost (every row has a provider id and reached the fake) and zero
duplicated (no recipient got the same text twice). BENCH_ALERT_MESSAGES scales the volume.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from alerts.config import AlertConfig, DispatchConfig
from alerts.dispatcher import Dispatcher
from bench import seed_scale
from bench.alerts_load import add_operators, queue_load, spawn_worker
from channels.whatsapp.fake_twilio import FakeTwilio
from channels.whatsapp.rest import TwilioRest
from warehouse.db import make_session_factory
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

TZ = ZoneInfo("Asia/Jakarta")
TEMPLATE = "HX" + "b" * 32
SEED_RECIPIENTS = 4  # admin, director, jane.smith and operator1 hear a High machine alert
THREADS = 8  # send threads per worker
STARTUP_S = 8.0  # a worker process imports and connects in about 3 s on 2 busy cores
RUNS = (("raw", 0.0), ("one_worker", 0.0), ("two_workers", 0.0), ("two_workers_5pct", 0.05))
WAITING = "kind = 'alert' AND (status = 'queued' OR (status = 'sending' AND provider_sid IS NULL))"


def _config() -> AlertConfig:
    dispatch = DispatchConfig(batch=200, threads=THREADS, template_sid=TEMPLATE, backoff_s=0.05)
    return AlertConfig(tz=TZ, today=lambda: SPEC_TODAY, dispatch=dispatch)


def _client(fake: FakeTwilio) -> TwilioRest:
    return TwilioRest(fake.url, fake.account_sid, fake.auth_token, "+15550000001", timeout_s=5)


def _raw(fake: FakeTwilio, rows: list[tuple[str, dict[str, str]]]) -> float:
    """Baseline: the same messages posted straight to the fake by 2 x THREADS threads; seconds taken."""
    rest = _client(fake)
    started = time.perf_counter()
    with ThreadPoolExecutor(2 * THREADS) as pool:
        list(pool.map(lambda r: rest.send(r[0], content_sid=TEMPLATE, content_vars=r[1]), rows))
    seconds = time.perf_counter() - started
    rest.close()
    return seconds


def _one_worker(engine: Engine, fake: FakeTwilio) -> float:
    rest = _client(fake)
    dispatcher = Dispatcher(make_session_factory(engine), rest, _config().dispatch)
    started = time.perf_counter()
    while _waiting(engine):
        if not dispatcher.step().handled:
            time.sleep(0.02)
    seconds = time.perf_counter() - started
    dispatcher.close()
    rest.close()
    return seconds


def _two_workers(engine: Engine, fake: FakeTwilio, logs: Path, queue: Callable[[], int]) -> float:
    """Two `sentient worker` processes, started (and idle) before the messages are queued; seconds from
    the commit of the queue to the last message accepted."""
    settings = {"alert_batch": "200", "alert_send_threads": str(THREADS), "alert_poll_s": "0.05"}
    settings |= {"alert_backoff_s": "0.05", "alert_backoff_max_s": "0.5", "alert_max_attempts": "50"}
    with (logs / "w1.log").open("w") as l1, (logs / "w2.log").open("w") as l2:
        workers = [spawn_worker(engine, fake, log, TEMPLATE, **settings) for log in (l1, l2)]
        time.sleep(STARTUP_S)
        queue()
        started = time.perf_counter()
        while _waiting(engine):
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        for w in workers:
            w.terminate()
            w.communicate(timeout=60)
    return seconds


def _waiting(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(f"SELECT count(*) FROM msg_outbox WHERE {WAITING}")) or 0)


def _check(engine: Engine, fake: FakeTwilio, prefix: str) -> dict[str, int]:
    """Lost: rows without a provider id or never seen by the fake; duplicated: the same text twice."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.provider_sid FROM msg_outbox o JOIN ai_alert a ON a.id = o.alert_id "
                "WHERE a.dedup_key LIKE :p"
            ),
            {"p": f"{prefix}:%"},
        ).all()
    sids = {m.sid for m in fake.messages}
    seen = Counter((m.to, m.content_variables) for m in fake.messages)
    lost = sum(1 for (sid,) in rows if not sid or sid not in sids)
    return {"messages": len(rows), "lost": lost, "duplicated": sum(n - 1 for n in seen.values())}


def _outbox_rows(engine: Engine, prefix: str) -> list[tuple[str, dict[str, str]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.phone, o.content_vars FROM msg_outbox o JOIN ai_alert a ON a.id = o.alert_id "
                "WHERE a.dedup_key LIKE :p"
            ),
            {"p": f"{prefix}:%"},
        ).all()
    return [(phone, dict(vars_)) for phone, vars_ in rows]


def run_alerts_bench(engine: Engine, total: int) -> dict[str, Any]:
    """Queue `total` messages per run and deliver them raw, with one worker, two, and two with failures."""
    seed_base(engine, SPEC_TODAY, TZ)
    alerts = 100
    add_operators(engine, max(1, total // alerts - SEED_RECIPIENTS))
    runs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, fail in RUNS:
            prefix = f"bench_{name}"

            def queue(prefix: str = prefix) -> int:
                return queue_load(engine, _config(), alerts, name=prefix).messages

            with FakeTwilio(fail_rate=fail, fail_codes=("429", "500", "503")) as fake:
                if name.startswith("two_workers"):
                    seconds = _two_workers(engine, fake, Path(tmp), queue)
                    outcome = _check(engine, fake, prefix)
                elif name == "one_worker":
                    queue()
                    seconds = _one_worker(engine, fake)
                    outcome = _check(engine, fake, prefix)
                else:
                    queued = queue()
                    seconds = _raw(fake, _outbox_rows(engine, prefix))
                    outcome = {"messages": queued, "lost": queued - len(fake.messages), "duplicated": 0}
                    _mark_done(engine, prefix)
                runs[name] = {
                    **outcome,
                    "seconds": round(seconds, 2),
                    "per_s": round(outcome["messages"] / seconds, 1),
                    "fail_rate": fail,
                    "fake_requests": len(fake.requests),
                }
    base = runs["raw"]["per_s"]
    for run in runs.values():
        run["vs_raw"] = round(run["per_s"] / base, 2)
    return {"messages_per_run": total, "alerts": alerts, "runs": runs}


def _mark_done(engine: Engine, prefix: str) -> None:
    """The raw run bypasses the outbox: mark its rows done so the next runs see only their own."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE msg_outbox SET status = 'sent', provider_sid = 'raw' WHERE alert_id IN "
                "(SELECT id FROM ai_alert WHERE dedup_key LIKE :p)"
            ),
            {"p": f"{prefix}:%"},
        )


def print_table(figures: dict[str, Any]) -> None:
    """The runs side by side."""
    print(f"alert delivery, {figures['messages_per_run']:,} messages per run ({figures['alerts']} alerts)")
    print(f"{'run':<18}{'seconds':>9}{'msg/s':>9}{'vs raw':>8}{'lost':>6}{'dup':>5}{'requests':>10}")
    for name, r in figures["runs"].items():
        print(
            f"{name:<18}{r['seconds']:>9.2f}{r['per_s']:>9.1f}{r['vs_raw']:>8.2f}"
            f"{r['lost']:>6}{r['duplicated']:>5}{r['fake_requests']:>10,}"
        )


def alerts_section(_args: argparse.Namespace) -> dict[str, Any]:
    """Deliver BENCH_ALERT_MESSAGES (default 10,000) alert messages per run on a scratch PostgreSQL."""
    total = int(os.environ.get("BENCH_ALERT_MESSAGES", "10000"))
    admin = os.environ.get("TEST_DATABASE_URL", seed_scale.DEFAULT_ADMIN_URL)
    with seed_scale.scratch_database(admin) as engine:
        figures = run_alerts_bench(engine, total)
    print_table(figures)
    return figures
