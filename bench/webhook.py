"""`make bench` section "webhook": the signed WhatsApp webhook on loopback against a bare FastAPI endpoint.

Both run in a real uvicorn server process on 127.0.0.1 and get the same bounded load: BENCH_WEBHOOK_N
messages (default 2,000), BENCH_WEBHOOK_CONCURRENCY in flight (default 32). The webhook checks the
signature, claims the MessageSid and opens the window; the worker is off for this part, so the figures
are the acknowledgement alone. Then the end-to-end reply latency: the in-process worker answers
deterministically (LLM off) and the reply reaches the fake Twilio server.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI, Request, Response
from sqlalchemy import Engine, create_engine, text
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator

from bench import seed_scale
from channels.whatsapp.fake_twilio import FakeTwilio
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

PUBLIC = "https://bot.example.com"
PATH = "/webhooks/twilio/whatsapp"
USERS = ["+6281100000001", "+6281100000002", "+6281100000003", "+6281100000004", "+6281100000006"]
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def bare_app() -> FastAPI:
    """The baseline: a FastAPI endpoint that reads the form and answers empty TwiML, nothing else."""
    app = FastAPI()

    @app.post(PATH)
    async def hook(request: Request) -> Response:
        await request.form()
        return Response(EMPTY, media_type="text/xml")

    return app


@contextmanager
def serve(factory: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run an app factory under uvicorn in its own process (its own GIL) on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, cwd=Path(__file__).parent.parent)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{factory} did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def signed_forms(n: int, token: str, account: str, prefix: str) -> list[tuple[str, dict[str, str]]]:
    """n distinct inbound messages with their signatures (computed before timing starts)."""
    validator, out = RequestValidator(token), []
    for i in range(n):
        form = {
            "MessageSid": f"SM{prefix}{i:029d}",  # 34 characters, like a real SID
            "AccountSid": account,
            "From": f"whatsapp:{USERS[i % len(USERS)]}",
            "To": "whatsapp:+14155238886",
            "Body": "Berapa penjualan bulan ini?",
            "NumMedia": "0",
        }
        out.append((validator.compute_signature(PUBLIC + PATH, FormData(list(form.items()))), form))
    return out


async def drive(url: str, forms: list[tuple[str, dict[str, str]]], concurrency: int) -> dict[str, float]:
    """POST every form with at most `concurrency` in flight; latency percentiles and throughput."""
    latencies: list[float] = []
    errors = 0
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def one(signature: str, form: dict[str, str]) -> None:
            nonlocal errors
            headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
            body = urlencode(form)
            async with sem:
                start = time.perf_counter()
                try:
                    resp = await client.post(url + PATH, content=body, headers=headers)
                    errors += resp.status_code != 200
                except httpx.HTTPError:  # counted, not fatal: the figures say how many
                    errors += 1
                latencies.append((time.perf_counter() - start) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(one(s, f) for s, f in forms))
        wall = time.perf_counter() - start
    latencies.sort()
    return {
        "n": len(forms),
        "errors": errors,
        "p50_ms": _pct(latencies, 50),
        "p95_ms": _pct(latencies, 95),
        "p99_ms": _pct(latencies, 99),
        "per_s": len(forms) / wall,
    }


def _pct(values: list[float], p: int) -> float:
    return round(values[min(len(values) - 1, int(len(values) * p / 100))], 2) if values else 0.0


async def end_to_end(url: str, fake: FakeTwilio, n: int) -> dict[str, float]:
    """One message per user at a time (a conversation waits for its answer); time to the reply at Twilio."""
    forms = signed_forms(n, fake.auth_token, fake.account_sid, "e2e")
    latencies: list[float] = []
    queues: dict[str, list[tuple[str, dict[str, str]]]] = {u: [] for u in USERS}
    for signature, form in forms:
        queues[form["From"].removeprefix("whatsapp:")].append((signature, form))
    async with httpx.AsyncClient(timeout=30) as client:

        async def user(phone: str) -> None:
            for signature, form in queues[phone]:
                before = len(fake.sent_to(phone))
                headers = {
                    "X-Twilio-Signature": signature,
                    "Content-Type": "application/x-www-form-urlencoded",
                }
                start = time.perf_counter()
                await client.post(url + PATH, content=urlencode(form), headers=headers)
                while len(fake.sent_to(phone)) <= before:
                    if time.perf_counter() - start > 30:
                        raise RuntimeError(f"no reply for {phone} within 30 s")
                    await asyncio.sleep(0.002)
                latencies.append((time.perf_counter() - start) * 1000)

        await asyncio.gather(*(user(p) for p in USERS))
    latencies.sort()
    return {
        "n": n,
        "p50_ms": _pct(latencies, 50),
        "p95_ms": _pct(latencies, 95),
        "p99_ms": _pct(latencies, 99),
    }


@contextmanager
def database(tmp: Path) -> Iterator[tuple[Engine, str]]:
    """A seeded scratch warehouse: PostgreSQL when reachable (as in production), else a SQLite file."""
    admin = os.environ.get("TEST_DATABASE_URL", seed_scale.DEFAULT_ADMIN_URL)
    try:
        probe = create_engine(admin, connect_args={"connect_timeout": 2})
        with probe.connect():
            pass
        probe.dispose()
    except Exception:  # no server: SQLite keeps the section runnable anywhere
        engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
        upgrade(engine)
        seed_base(engine, SPEC_TODAY, ZoneInfo("Asia/Jakarta"))
        yield engine, "SQLite"
        engine.dispose()
        return
    with seed_scale.scratch_database(admin) as engine:
        seed_base(engine, SPEC_TODAY, ZoneInfo("Asia/Jakarta"))
        yield engine, "PostgreSQL"


def server_env(engine: Engine, tmp: Path, fake: FakeTwilio, worker: str) -> dict[str, str]:
    """Deterministic answers, no OTP, no rate limit in the way: the channel's own cost is measured."""
    return {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FACTORY_TODAY": SPEC_TODAY.isoformat(),
        "DATA_DIR": str(tmp),
        "LLM_BASE_URL": "off",
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_WHATSAPP_FROM": "+14155238886",
        "TWILIO_API_BASE_URL": fake.url,
        "PUBLIC_BASE_URL": PUBLIC,
        "WHATSAPP_WORKER": worker,
        "WHATSAPP_POLL_S": "0.05",
        "WHATSAPP_REQUIRE_OTP": "false",
        "WHATSAPP_RATE_PER_MIN": "1000000",
        "LOG_JSON": "false",
        "LOG_LEVEL": "WARNING",
    }


def webhook_section(args: Any) -> dict[str, Any]:
    """Ack latency and throughput (webhook vs bare endpoint), then end-to-end reply latency."""
    n = int(os.environ.get("BENCH_WEBHOOK_N", "2000"))
    concurrency = int(os.environ.get("BENCH_WEBHOOK_CONCURRENCY", "32"))
    e2e_n = int(os.environ.get("BENCH_WEBHOOK_E2E_N", "200"))
    with tempfile.TemporaryDirectory() as tmpdir, FakeTwilio() as fake:
        tmp = Path(tmpdir)
        with database(tmp) as (engine, backend):
            forms = signed_forms(n, fake.auth_token, fake.account_sid, "ack")
            with serve("bench.webhook:bare_app") as url:
                asyncio.run(drive(url, forms[:200], concurrency))  # warm-up
                bare = asyncio.run(drive(url, forms, concurrency))
            with serve("sentient.app:create_app", server_env(engine, tmp, fake, "off")) as url:
                asyncio.run(
                    drive(url, signed_forms(200, fake.auth_token, fake.account_sid, "warm"), concurrency)
                )
                hook = asyncio.run(drive(url, forms, concurrency))
            with engine.begin() as conn:  # the worker was off: close these so it only sees the e2e ones
                conn.execute(text("UPDATE wa_inbound SET status = 'rejected' WHERE status = 'received'"))
            with serve("sentient.app:create_app", server_env(engine, tmp, fake, "inline")) as url:
                e2e = asyncio.run(end_to_end(url, fake, e2e_n))
    figures = {
        "backend": backend,
        "concurrency": concurrency,
        "bare": bare,
        "webhook": hook,
        "end_to_end": e2e,
    }
    print_table(figures)
    return figures


def print_table(f: dict[str, Any]) -> None:
    """Plain-text table with the webhook / bare ratios."""
    bare, hook, e2e = f["bare"], f["webhook"], f["end_to_end"]
    print(
        f"webhook ack on loopback ({f['backend']}, {hook['n']} signed messages, {f['concurrency']} in flight)"
    )
    print(f"{'':22}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'msg/s':>10}{'errors':>8}")
    for name, row in (("bare FastAPI", bare), ("WhatsApp webhook", hook)):
        print(
            f"{name:22}{row['p50_ms']:>10.2f}{row['p95_ms']:>10.2f}{row['p99_ms']:>10.2f}"
            f"{row['per_s']:>10.0f}{row['errors']:>8}"
        )
    ratios = [hook[k] / max(bare[k], 1e-9) for k in ("p50_ms", "p95_ms", "p99_ms", "per_s")]
    print(f"{'ratio webhook/bare':22}" + "".join(f"{r:>10.1f}" for r in ratios[:3]) + f"{ratios[3]:>10.2f}")
    print(
        f"end-to-end reply via fake Twilio (deterministic, {e2e['n']} messages, 5 users): "
        f"p50 {e2e['p50_ms']:.1f} ms, p95 {e2e['p95_ms']:.1f} ms, p99 {e2e['p99_ms']:.1f} ms"
    )
