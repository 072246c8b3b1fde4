"""`python -m bench.run --only load`: the served app under load from a C/Go load generator, answer vs health.

A real `sentient serve` (model off) on a seeded PostgreSQL scratch database. `hey` (Debian package `hey`)
sends BENCH_LOAD_REQUESTS (default 2,000) requests over 16 connections, first to GET /healthz (the HTTP
floor, the baseline), then to POST /api/chat with an executive's question. The figure to watch is the
ratio of their throughputs: an answer costs N health checks, and that N must not grow as the brain grows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
from typing import Any
from zoneinfo import ZoneInfo

from bench import seed_scale
from bench.agent_latency import _serve
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

REQUESTS = int(os.environ.get("BENCH_LOAD_REQUESTS", "2000"))
CONNECTIONS = 16
QUESTION = {"user": "director", "message": "berapa penjualan bulan ini?"}
# The per-user chat limit would turn most of the run into 429s; the bench measures the answer path.
SERVE_ENV = {"RATE_CHAT_PER_MIN": "1000000", "LOG_LEVEL": "WARNING"}


def hey(url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run hey once; requests/s, p50/p99 latency (ms) and the status-code counts."""
    cmd = ["hey", "-n", str(REQUESTS), "-c", str(CONNECTIONS)]
    if body is not None:
        cmd += ["-m", "POST", "-T", "application/json", "-d", json.dumps(body)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=600, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {m.group(1): float(m.group(2)) * 1000 for m in re.finditer(r"(\d+)%+ in ([\d.]+) secs", out)}
    codes = {m.group(1): int(m.group(2)) for m in re.finditer(r"\[(\d{3})\]\s+(\d+) responses", out)}
    return {"rps": rps, "p50_ms": lat.get("50", 0.0), "p99_ms": lat.get("99", 0.0), "codes": codes}


def load_section(args: argparse.Namespace) -> dict[str, Any]:
    """/healthz and /api/chat under the same load, in one run; skipped with the reason without hey."""
    if shutil.which("hey") is None:
        print("skipped: the load generator `hey` is not installed (apt-get install hey)")
        return {"skipped": "hey not installed"}
    admin = os.environ.get("TEST_DATABASE_URL", seed_scale.DEFAULT_ADMIN_URL)
    with seed_scale.scratch_database(admin) as engine:
        seed_base(engine, SPEC_TODAY, ZoneInfo("Asia/Jakarta"))
        proc, base = _serve(engine.url.render_as_string(hide_password=False), SPEC_TODAY, SERVE_ENV)
        try:
            health = hey(f"{base}/healthz")
            chat = hey(f"{base}/api/chat", QUESTION)
        finally:
            proc.terminate()
            proc.wait(10)
    ratio = health["rps"] / chat["rps"] if chat["rps"] else float("nan")
    print(f"{REQUESTS:,} requests, {CONNECTIONS} connections, hey, model off, PostgreSQL")
    print(f"{'endpoint':<16} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  status codes")
    for name, row in (("GET /healthz", health), ("POST /api/chat", chat)):
        print(f"{name:<16} {row['rps']:>9,.0f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f}  {row['codes']}")
    print(f"an answer costs {ratio:.1f} health checks (baseline: /healthz in the same run)")
    return {"healthz": health, "chat": chat, "ratio": ratio, "requests": REQUESTS}
