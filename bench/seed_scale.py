"""`python -m bench.seed_scale [--scale N]`: time `seed --scale N` into a fresh PostgreSQL database.

The baseline, measured in the same run and database, is PostgreSQL alone bulk-loading as many rows into
a plain table of about the width of t_so_detail (INSERT ... SELECT generate_series, primary key only):
the ratio says how far the seed is from what the server can ingest with no client, indexes or checks.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from semantic.preagg import freshness, refresh
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY
from warehouse.seed.synthetic import SyntheticReport, add_synthetic_history

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RESULTS = Path(__file__).parent / "results" / "seed_scale.json"
BASELINE_DDL = """CREATE TABLE bench_baseline (id bigint PRIMARY KEY, so_id bigint, item_id bigint,
    qty numeric(18, 3), unit_price numeric(18, 2), disc_pct numeric(7, 2), line_amt numeric(18, 2),
    created_at timestamptz, updated_at timestamptz)"""
BASELINE_LOAD = """INSERT INTO bench_baseline SELECT g, g / 4, g % 400 + 1, g % 80 + 1, 65000, g % 3,
    (g % 80 + 1) * 65000, now(), now() FROM generate_series(1, :n) AS g"""
console = Console()
T = TypeVar("T")


@contextmanager
def scratch_database(admin_url: str) -> Iterator[Engine]:
    """A new, migrated PostgreSQL database, dropped afterwards whatever happens."""
    name = f"sf_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cached_scaled_db(admin_url: str, scale: int, purpose: str) -> Engine:
    """A warehouse seeded at `scale`, kept as `sf_bench_<purpose>_s<scale>`: reused once its seed completed
    (migrated forward, stale rollups refreshed), else built from scratch (minutes, with progress)."""
    name = f"sf_bench_{purpose}_s{scale}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if exists and not _complete(url):  # a half-built database from an interrupted run
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                exists = None
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    engine = make_engine(url)
    upgrade(engine)  # a cached database migrates forward; its rows stay
    if exists:
        console.print(f"reusing cached {name}")
    else:
        run_seed(engine, scale)
        with engine.begin() as conn:  # marks the seed complete (an interrupted seed has no marker)
            conn.execute(text("CREATE TABLE bench_marker (scale int)"))
            conn.execute(text("INSERT INTO bench_marker VALUES (:s)"), {"s": scale})
    with engine.connect() as conn:
        stale = not all(freshness(conn).values())
    if stale:  # the answers read rollups only when fresh: a bench on stale ones would time base tables
        report = refresh(engine)
        console.print(f"rollups refreshed in {report.seconds:.1f} s: {report.rows}")
    return engine


def _complete(url: str) -> bool:
    """Whether a cached database's seed finished (an interrupted one has no marker)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(text("SELECT count(*) FROM bench_marker")))
    except Exception:  # no marker table: the seed never finished
        return False
    finally:
        engine.dispose()


def on_scaled_db(purpose: str, scale: int, run: Callable[[Engine], T]) -> tuple[str, T]:
    """Run a bench on its cached scaled database (TEST_DATABASE_URL's server): (server version, result)."""
    admin = os.environ.get("TEST_DATABASE_URL", DEFAULT_ADMIN_URL)
    engine = cached_scaled_db(admin, scale, purpose)
    try:
        with engine.connect() as conn:
            server = f"PostgreSQL {conn.scalar(text('SHOW server_version'))}"
        return server, run(engine)
    finally:
        engine.dispose()


def run_seed(engine: Engine, scale: int) -> SyntheticReport:
    """The base seed, then synthetic history with a progress bar per stage."""
    seed_base(engine, SPEC_TODAY, ZoneInfo("Asia/Jakarta"))
    columns = (TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return add_synthetic_history(engine, scale, SPEC_TODAY, progress=report)


def run_baseline(engine: Engine, n_rows: int) -> float:
    """Seconds PostgreSQL takes to load n_rows generated rows into a plain table, committed."""
    with engine.begin() as conn:
        conn.execute(text(BASELINE_DDL))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(BASELINE_LOAD), {"n": n_rows})
    return time.perf_counter() - started


def summarize(report: SyntheticReport, baseline_s: float, server: str) -> dict[str, Any]:
    """The figures of one run, as printed and saved."""
    total = sum(report.rows.values())
    return {
        "bench": "seed_scale",
        "scale": report.scale,
        "rows": total,
        "seconds": round(report.seconds, 2),
        "rows_per_s": round(total / report.seconds),
        "baseline_seconds": round(baseline_s, 2),
        "baseline_rows_per_s": round(total / baseline_s),
        "ratio": round(report.seconds / baseline_s, 2),
        "rows_by_table": report.rows,
        "server": server,
    }


def print_table(summary: dict[str, Any]) -> None:
    """Rows per table, then time, throughput and the baseline."""
    table = Table("table", "rows", title=f"seed --scale {summary['scale']} into PostgreSQL")
    for name, count in summary["rows_by_table"].items():
        table.add_row(name, f"{count:,}")
    table.add_section()
    table.add_row("[bold]total rows", f"[bold]{summary['rows']:,}")
    table.add_row("seconds", f"{summary['seconds']:,.1f}")
    table.add_row("rows/s", f"{summary['rows_per_s']:,}")
    table.add_row("baseline seconds (INSERT…SELECT)", f"{summary['baseline_seconds']:,.1f}")
    table.add_row("baseline rows/s", f"{summary['baseline_rows_per_s']:,}")
    table.add_row("ratio seed / baseline (time)", f"{summary['ratio']:.2f}x")
    console.print(table)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the table and a JSON line, save the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", "100")))
    args = parser.parse_args(argv)
    with scratch_database(os.environ.get("TEST_DATABASE_URL", DEFAULT_ADMIN_URL)) as engine:
        with engine.connect() as conn:
            server = str(conn.scalar(text("SHOW server_version")))
        report = run_seed(engine, args.scale)
        summary = summarize(report, run_baseline(engine, sum(report.rows.values())), f"PostgreSQL {server}")
    print_table(summary)
    line = json.dumps(summary)
    print(line)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(line + "\n")
    return summary


if __name__ == "__main__":
    main()
