"""`python -m bench.run --only admin`: the administration service on PostgreSQL with a long audit trail.

A scratch warehouse with the sample seed and AUDIT_ROWS extra log_audit rows; times (p50/p95 of REPEAT
calls after a warm-up) the audit page query with and without filters, the CSV export of 10,000 rows, the
users and roles lists and a previewed edit. Baselines in the same run: the raw SQL of one audit page
(`ORDER BY id DESC LIMIT 50` and a `count(*)`), and the raw rows of the export written by csv.writer.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from bench import seed_scale
from sentient.admin.activity import MAX_ROWS, AuditFilter
from sentient.admin.actor import cli_actor
from sentient.admin.service import AdminService
from sentient.auth.policy import PasswordPolicy
from warehouse.db import make_session_factory
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
AUDIT_ROWS = int(os.environ.get("BENCH_AUDIT_ROWS", "200000"))
FILL = """INSERT INTO log_audit (user_id, action, entity_type, entity_id, new_value, ip_address, created_at)
SELECT g % 6 + 1, (ARRAY['LOGIN','LOGIN_FAILED','USER_UPDATE','WA_REJECT','LOGOUT'])[g % 5 + 1],
       'adm_session', g, '{"i": ' || g || '}', '10.0.0.1',
       TIMESTAMPTZ '2026-01-01' + g * INTERVAL '30 seconds'
FROM generate_series(1, :n) AS g"""
console = Console()


def _time(call: Callable[[], object], repeat: int = REPEAT) -> dict[str, float]:
    """p50 / p95 milliseconds of a call after one warm-up."""
    call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
    }


def _raw_page(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM log_audit")).scalar()
        conn.execute(text("SELECT * FROM log_audit ORDER BY id DESC LIMIT 50")).all()


def _raw_csv(engine: Engine) -> str:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM log_audit ORDER BY id DESC LIMIT {MAX_ROWS}")).all()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _measure(engine: Engine) -> dict[str, dict[str, float]]:
    svc = AdminService(make_session_factory(engine), PasswordPolicy(), timedelta(hours=7))
    actor, day = cli_actor(), date(2026, 1, 10)
    cases: dict[str, Callable[[], object]] = {
        "raw SQL: one audit page + count (baseline)": lambda: _raw_page(engine),
        "audit page, no filter": lambda: svc.audit(actor, AuditFilter(), 50),
        "audit page, user=admin": lambda: svc.audit(actor, AuditFilter(username="admin"), 50),
        "audit page, action=USER_UPDATE": lambda: svc.audit(actor, AuditFilter(action="USER_UPDATE"), 50),
        "audit page, one day": lambda: svc.audit(actor, AuditFilter(since=day, until=day), 50),
        "raw SQL: 10,000 rows to CSV (baseline)": lambda: _raw_csv(engine),
        "audit CSV export, 10,000 rows": lambda: svc.audit_csv(actor, AuditFilter()),
        "users list": lambda: svc.list_users(actor),
        "roles list": lambda: svc.list_roles(actor),
        "previewed edit (rolled back)": lambda: svc.edit_user(actor, "jane.smith", {"lang": "id"}),
    }
    return {name: _time(call, 5 if "CSV" in name else REPEAT) for name, call in cases.items()}


def admin_section(args: argparse.Namespace) -> dict[str, Any]:
    """Seed a scratch PostgreSQL database, add a long audit trail, time the administration queries."""
    admin_url = os.environ.get("TEST_DATABASE_URL", seed_scale.DEFAULT_ADMIN_URL)
    with seed_scale.scratch_database(admin_url) as engine:
        seed_base(engine, SPEC_TODAY, ZoneInfo("Asia/Jakarta"))
        with engine.begin() as conn:
            conn.execute(text(FILL), {"n": AUDIT_ROWS})
            conn.execute(text("ANALYZE log_audit"))
        figures = _measure(engine)
    table = Table("call", "p50 ms", "p95 ms", title=f"administration, {AUDIT_ROWS:,} audit rows (PostgreSQL)")
    for name, row in figures.items():
        table.add_row(name, f"{row['p50_ms']:,.1f}", f"{row['p95_ms']:,.1f}")
    console.print(table)
    return {"audit_rows": AUDIT_ROWS, "calls": figures}
