"""`make bench`: every benchmark section in one run, each against a baseline measured in the same run."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench import agent_latency, seed_scale
from bench.admin import admin_section
from bench.alerts import alerts_section
from bench.dashboard import dashboard_section
from bench.erp_sync import erp_sync_section
from bench.guardrails import guardrails_section
from bench.http_load import load_section
from bench.llama_build import llama_section
from bench.llm import llm_section
from bench.retrieval import retrieval_section
from bench.semantic import semantic_section
from bench.webhook import webhook_section

RESULTS = Path(__file__).parent / "results" / "bench.json"


def warehouse_section(args: argparse.Namespace) -> dict[str, Any]:
    """Seed a scratch PostgreSQL database at --scale N, then time deterministic answers on it."""
    admin = os.environ.get("TEST_DATABASE_URL", seed_scale.DEFAULT_ADMIN_URL)
    with seed_scale.scratch_database(admin) as engine:
        with engine.connect() as conn:
            server = f"PostgreSQL {conn.scalar(text('SHOW server_version'))}"
        report = seed_scale.run_seed(engine, args.scale)
        seed = seed_scale.summarize(
            report, seed_scale.run_baseline(engine, sum(report.rows.values())), server
        )
        seed_scale.print_table(seed)
        latency = agent_latency.run_agent_bench(engine)
        agent_latency.print_table(latency)
    return {"seed": seed, "agent_latency": latency}


# Each section prints its own table and returns its figures; `--only a,b` runs a subset.
# A new benchmark adds one entry here (name -> function taking the parsed arguments).
SECTIONS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "warehouse": warehouse_section,
    "semantic": semantic_section,  # semantic queries: rollups, base tables, raw SQL (bench/semantic.py)
    "dashboard": dashboard_section,  # web dashboard p95 and /metrics scrape (bench/dashboard.py)
    "retrieval": retrieval_section,
    "guardrails": guardrails_section,
    "llama": llama_section,  # llama.cpp build: batched vs n_batch=1 prompt tokens/s (bench/llama_build.py)
    "llm": llm_section,  # local model TTFT, tokens/s, grounding pass share, sandwich tokens (bench/llm.py)
    "webhook": webhook_section,  # signed WhatsApp webhook vs bare FastAPI, e2e reply (bench/webhook.py)
    "alerts": alerts_section,  # 10,000 alert messages via the outbox, 1 vs 2 workers vs raw (bench/alerts.py)
    "admin": admin_section,  # administration: audit page and CSV over 200,000 audit rows (bench/admin.py)
    "erp_sync": erp_sync_section,  # 100,000 ERP changes: JetStream, in process, raw (bench/erp_sync.py)
    "load": load_section,  # hey: /api/chat vs /healthz throughput, 16 connections (bench/http_load.py)
}


def main(argv: list[str] | None = None) -> None:
    """Run the selected benchmark sections and save their figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", "100")))
    parser.add_argument(
        "--only",
        default=os.environ.get("BENCH_ONLY", ""),
        help=f"comma-separated sections (default all): {', '.join(SECTIONS)}",
    )
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    figures = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in chosen:
        print(f"\n== {name} ==")
        figures[name] = SECTIONS[name](args)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=1, default=str) + "\n")
    print(f"figures saved to {RESULTS}")


if __name__ == "__main__":
    main()
