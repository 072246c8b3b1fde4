"""`make bench`: seed a scratch PostgreSQL database at --scale N, then time deterministic answers on it."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from sqlalchemy import text

from bench import agent_latency, seed_scale

RESULTS = Path(__file__).parent / "results" / "bench.json"


def main(argv: list[str] | None = None) -> None:
    """Run every benchmark on one scratch database and save the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", "100")))
    args = parser.parse_args(argv)
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
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"seed": seed, "agent_latency": latency}, indent=1) + "\n")
    print(f"figures saved to {RESULTS}")


if __name__ == "__main__":
    main()
