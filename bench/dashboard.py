"""`python -m bench.run --only dashboard`: the web dashboard page at --scale N on PostgreSQL, and /metrics.

A real `sentient serve` (model off) on a scaled warehouse; a signed-in client times GET / (KPI cards, alerts
and three SVG charts, all through the tools), the other pages, and a /metrics scrape. Baselines measured in
the same run: GET /healthz (the HTTP floor) and GET /api/dashboard/summary (the same figures as JSON).
The scaled database is kept as `sf_bench_dashboard_s<N>` and reused (bench/seed_scale.cached_scaled_db).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

import httpx2 as httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from bench import seed_scale
from bench.agent_latency import _serve
from warehouse.seed.access import DEV_PASSWORD
from warehouse.seed.calendar import SPEC_TODAY

REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
PAGES = ("/", "/machines", "/finance", "/alerts", "/inventory")
QUIET_ENV = {"LOG_LEVEL": "WARNING"}  # _serve already turns the model and the WhatsApp worker off
console = Console()


def _time(client: httpx.Client, path: str, repeat: int = REPEAT) -> dict[str, float]:
    """p50 / p95 / max milliseconds of GET path (after one warm-up), checking every answer is 200."""
    client.get(path)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1),
        "max_ms": round(samples[-1], 1),
    }


def run_dashboard_bench(engine: Engine) -> dict[str, Any]:
    """Serve the warehouse and time the pages, the JSON summary, /healthz and /metrics."""
    proc, base = _serve(engine.url.render_as_string(hide_password=False), SPEC_TODAY, QUIET_ENV)
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            signed = http.post("/login", data={"username": "director", "password": DEV_PASSWORD, "next": "/"})
            if signed.status_code != 303:
                raise RuntimeError(f"sign-in failed: {signed.status_code}")
            rows = {"GET /healthz (baseline)": _time(http, "/healthz")}
            rows["GET /api/dashboard/summary (baseline)"] = _time(http, "/api/dashboard/summary")
            for page in PAGES:
                rows[f"GET {page}"] = _time(http, page)
            rows["GET /metrics (scrape)"] = _time(http, "/metrics")
            size = len(http.get("/metrics").content)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    summary = rows["GET /api/dashboard/summary (baseline)"]["p95_ms"]
    return {
        "repeat": REPEAT,
        "rows": rows,
        "dashboard_p95_ms": rows["GET /"]["p95_ms"],
        "dashboard_vs_summary_p95": round(rows["GET /"]["p95_ms"] / summary, 2) if summary else None,
        "metrics_scrape_p95_ms": rows["GET /metrics (scrape)"]["p95_ms"],
        "metrics_bytes": size,
    }


def print_table(figures: dict[str, Any], scale: int, server: str) -> None:
    """One row per request: p50, p95, max and p95 against the JSON summary baseline."""
    table = Table(
        "request",
        "p50 ms",
        "p95 ms",
        "max ms",
        "p95 / summary",
        title=f"web dashboard, --scale {scale}, {server}",
    )
    base = figures["rows"]["GET /api/dashboard/summary (baseline)"]["p95_ms"] or 1
    for name, row in figures["rows"].items():
        table.add_row(
            name,
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['max_ms']:.1f}",
            f"{row['p95_ms'] / base:.2f}x",
        )
    console.print(table)
    console.print(f"/metrics body: {figures['metrics_bytes']:,} bytes; {figures['repeat']} requests per row")


def dashboard_section(args: argparse.Namespace) -> dict[str, Any]:
    """The `dashboard` section of bench.run."""
    server, figures = seed_scale.on_scaled_db("dashboard", args.scale, run_dashboard_bench)
    print_table(figures, args.scale, server)
    return {"scale": args.scale, "server": server, **figures}


if __name__ == "__main__":  # python -m bench.dashboard [--scale N]
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100)
    dashboard_section(parser.parse_args())
    sys.exit(0)
