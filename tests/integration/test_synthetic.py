"""Synthetic history (`sentient seed --scale N`): volumes, consistency, dating, determinism, idempotency.

Every check re-derives its expectation with independent SQL; scale 1 keeps the tests fast.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Date, Engine, func, select, text
from sqlalchemy.orm import Session

from tests.dbutil import fresh_database
from warehouse.base import Base
from warehouse.schema import TSo
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY, history_start, month_start
from warehouse.seed.synthetic import SyntheticReport, add_synthetic_history, synthetic_scale
from warehouse.types import UTCDateTime

TZ = ZoneInfo("Asia/Jakarta")
HS = history_start(SPEC_TODAY)
WINDOW_DAYS = (HS - month_start(HS, 24)).days
# The design at scale 1: per-unit masters, 2,500 orders x 4 lines, 100 POs x 2 lines, 5 machines x 3 shifts.
EXPECTED_SCALE_1 = {
    "m_cust": 10,
    "m_item": 5,
    "m_vendor": 1,
    "m_machine": 2,
    "t_so": 2_500,
    "t_so_detail": 10_000,
    "t_do": 2_500,
    "t_ar": 2_500,
    "t_po": 100,
    "t_po_detail": 200,
    "t_ap": 100,
    "t_inv_move": 400,
    "t_shift_log": (3 + 2) * 3 * WINDOW_DAYS,
}
TABLES = tuple(EXPECTED_SCALE_1)
# Due dates may fall after history_start: the invoices and bills are paid before it all the same.
UNDATED = {("t_ar", "due_dt"), ("t_ap", "due_dt")}


@dataclass
class Loaded:
    """A warehouse with the base seed plus scale-1 history, and what the load reported."""

    engine: Engine
    report: SyntheticReport
    base_max: dict[str, int]
    progress: dict[str, list[tuple[int, int]]]


def max_ids(engine: Engine) -> dict[str, int]:
    """max(id) of every table touched by the synthetic history."""
    with engine.connect() as conn:
        return {t: int(conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {t}")) or 0) for t in TABLES}


def load(engine: Engine, scale: int = 1) -> Loaded:
    """Add synthetic history to a base-seeded warehouse, recording ids before and progress calls."""
    base_max, calls = max_ids(engine), defaultdict(list)
    report = add_synthetic_history(
        engine, scale, SPEC_TODAY, progress=lambda stage, done, total: calls[stage].append((done, total))
    )
    return Loaded(engine, report, base_max, dict(calls))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """One scale-1 warehouse per backend, shared by the read-only checks of this module."""
    with fresh_database(str(request.param), tmp_path_factory.mktemp("synthetic")) as engine:
        seed_base(engine, SPEC_TODAY, TZ)
        yield load(engine)


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    """One value of a query."""
    with engine.connect() as conn:
        return conn.scalar(text(sql), params)


def rows(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """All rows of a query, as tuples."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def test_rows_per_table_follow_the_design(loaded: Loaded) -> None:
    assert loaded.report.rows == EXPECTED_SCALE_1
    for table, count in EXPECTED_SCALE_1.items():
        added = scalar(loaded.engine, f"SELECT count(*) FROM {table} WHERE id > :m", m=loaded.base_max[table])
        assert added == count, table
    assert synthetic_scale(loaded.engine) == 1


def test_progress_reaches_every_stage_total(loaded: Loaded) -> None:
    finals = {stage: calls[-1] for stage, calls in loaded.progress.items()}
    assert finals == {
        "masters": (1, 1),
        "sales orders": (2_500, 2_500),
        "purchase orders": (100, 100),
        "shift logs": (24, 24),
        "statistics": (1, 1),
    }
    assert all(calls[0][0] == 0 for calls in loaded.progress.values())


def test_headers_equal_the_sum_of_their_lines(loaded: Loaded) -> None:
    e = loaded.engine
    so_off = """SELECT count(*) FROM t_so s WHERE abs(s.total_amt - coalesce(
                  (SELECT sum(d.line_amt) FROM t_so_detail d WHERE d.so_id = s.id), 0)) > 0.001"""
    po_off = """SELECT count(*) FROM t_po p WHERE abs(p.total_amt - coalesce(
                  (SELECT sum(d.line_amt) FROM t_po_detail d WHERE d.po_id = p.id), 0)) > 0.001"""
    line_off = """SELECT count(*) FROM t_so_detail
                  WHERE abs(line_amt - round(qty * unit_price * (100 - disc_pct) / 100, 2)) > 0.001"""
    po_line_off = "SELECT count(*) FROM t_po_detail WHERE abs(line_amt - round(qty * unit_price, 2)) > 0.001"
    assert [scalar(e, q) for q in (so_off, po_off, line_off, po_line_off)] == [0, 0, 0, 0]
    assert (
        scalar(
            e,
            "SELECT count(*) FROM t_so s WHERE s.id > :m AND NOT EXISTS "
            "(SELECT 1 FROM t_so_detail d WHERE d.so_id = s.id)",
            m=loaded.base_max["t_so"],
        )
        == 0
    )


def test_every_order_is_delivered_and_paid_exactly_once(loaded: Loaded) -> None:
    e, m = loaded.engine, loaded.base_max
    assert rows(e, "SELECT DISTINCT status FROM t_so WHERE id > :m", m=m["t_so"]) == [("Closed",)]
    bad_so = """SELECT count(*) FROM t_so s WHERE s.id > :m AND (
        (SELECT count(*) FROM t_do d WHERE d.so_id = s.id) <> 1
        OR (SELECT count(*) FROM t_do d WHERE d.so_id = s.id AND d.status = 'Delivered') <> 1
        OR (SELECT count(*) FROM t_ar a WHERE a.so_id = s.id) <> 1
        OR (SELECT count(*) FROM t_ar a WHERE a.so_id = s.id AND a.status = 'Paid' AND a.paid_dt IS NOT NULL
            AND abs(a.amt - s.total_amt) < 0.001 AND a.cust_id = s.cust_id) <> 1)"""
    bad_po = """SELECT count(*) FROM t_po p WHERE p.id > :m AND (p.status <> 'Received'
        OR (SELECT count(*) FROM t_ap a WHERE a.po_id = p.id) <> 1
        OR (SELECT count(*) FROM t_ap a WHERE a.po_id = p.id AND a.status = 'Paid' AND a.paid_dt IS NOT NULL
            AND abs(a.amt - p.total_amt) < 0.001 AND a.vendor_id = p.vendor_id) <> 1)"""
    assert scalar(e, bad_so, m=m["t_so"]) == 0
    assert scalar(e, bad_po, m=m["t_po"]) == 0


def test_every_synthetic_row_is_dated_before_history_start(loaded: Loaded) -> None:
    midnight = datetime(HS.year, HS.month, HS.day, tzinfo=UTC)
    checked = 0
    with loaded.engine.connect() as conn:
        for name in TABLES:
            table = Base.metadata.tables[name]
            for col in table.columns:
                if (name, col.name) in UNDATED or not isinstance(col.type, Date | UTCDateTime):
                    continue
                latest = conn.scalar(select(func.max(col)).where(table.c.id > loaded.base_max[name]))
                if latest is not None:
                    checked += 1
                    assert latest < (midnight if isinstance(col.type, UTCDateTime) else HS), (name, col.name)
    assert checked >= 30  # order, delivery, payment, move and audit dates of every table were looked at


def test_deliveries_are_mostly_on_time_and_in_date_order(loaded: Loaded) -> None:
    [(total, on_time, ordered)] = rows(
        loaded.engine,
        """
        SELECT count(*), sum(CASE WHEN d.actual_dt <= s.deadline_dt THEN 1 ELSE 0 END),
               sum(CASE WHEN s.order_dt < d.ship_dt AND d.ship_dt < d.actual_dt
                         AND d.actual_dt <= a.inv_dt AND a.inv_dt <= a.paid_dt THEN 1 ELSE 0 END)
        FROM t_so s JOIN t_do d ON d.so_id = s.id JOIN t_ar a ON a.so_id = s.id WHERE s.id > :m""",
        m=loaded.base_max["t_so"],
    )
    assert total == 2_500 and ordered == total
    assert 0.85 <= on_time / total < 0.99  # mostly on time, a few late


@pytest.mark.parametrize(
    ("prefix", "sql"),
    [
        ("SO", "SELECT doc_no, order_dt FROM t_so WHERE id > :m"),
        ("DO", "SELECT doc_no, ship_dt FROM t_do WHERE id > :m"),
        ("INV", "SELECT inv_no, inv_dt FROM t_ar WHERE id > :m"),
        ("PO", "SELECT doc_no, order_dt FROM t_po WHERE id > :m"),
    ],
)
def test_document_numbers_run_per_month_from_one(loaded: Loaded, prefix: str, sql: str) -> None:
    table = sql.split(" FROM ")[1].split()[0]
    by_month: dict[str, list[int]] = defaultdict(list)
    for doc, day in rows(loaded.engine, sql, m=loaded.base_max[table]):
        match = re.fullmatch(rf"{prefix}-(\d{{6}})-(\d{{4,}})", doc)
        assert match, doc
        assert match[1] == f"{_as_date(day):%Y%m}", (doc, day)
        by_month[match[1]].append(int(match[2]))
    assert len(by_month) >= 24
    for month, seqs in by_month.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), month


def test_bills_are_numbered_after_their_purchase_orders(loaded: Loaded) -> None:
    pairs = rows(
        loaded.engine,
        "SELECT a.bill_no, p.doc_no FROM t_ap a JOIN t_po p ON p.id = a.po_id WHERE a.id > :m",
        m=loaded.base_max["t_ap"],
    )
    assert len(pairs) == 100
    assert all(bill == f"BILL-{po[3:]}" for bill, po in pairs)


def test_synthetic_customers_know_their_last_order(loaded: Loaded) -> None:
    mismatched = rows(
        loaded.engine,
        """
        SELECT c.code FROM m_cust c WHERE c.code LIKE 'CUST-S%' AND (c.last_order_dt IS NULL
            OR c.last_order_dt <> (SELECT max(s.order_dt) FROM t_so s WHERE s.cust_id = c.id))""",
    )
    assert mismatched == []


def test_new_rows_get_fresh_ids_after_the_load(loaded: Loaded) -> None:
    """Identity sequences were moved past the explicit ids (PostgreSQL), so an ordinary insert works."""
    top = scalar(loaded.engine, "SELECT max(id) FROM t_so")
    cust = int(scalar(loaded.engine, "SELECT id FROM m_cust WHERE code = 'CUST-001'"))
    with Session(loaded.engine) as session:
        so = TSo(doc_no="SO-TEST-0001", cust_id=cust, order_dt=SPEC_TODAY, status="Draft")
        session.add(so)
        session.flush()
        assert so.id > top
        session.rollback()


def test_base_figures_are_unchanged(seeded_engine: Engine) -> None:
    before = base_figures(seeded_engine)
    load(seeded_engine)
    after = base_figures(seeded_engine)
    assert after == before
    assert stock_nets(seeded_engine) == stock_on_hand(seeded_engine)


def test_same_scale_gives_identical_rows(seeded_engine: Engine, backend: str, tmp_path: Path) -> None:
    first = load(seeded_engine)
    with fresh_database(backend, tmp_path) as other:
        seed_base(other, SPEC_TODAY, TZ)
        second = load(other)
        assert second.base_max == first.base_max
        assert fingerprint(other, second.base_max) == fingerprint(seeded_engine, first.base_max)


def test_second_run_is_a_no_op_and_another_scale_is_refused(seeded_engine: Engine) -> None:
    load(seeded_engine)
    counts = max_ids(seeded_engine)
    again = add_synthetic_history(seeded_engine, 1, SPEC_TODAY)
    assert again.rows == {} and again.scale == 1
    assert max_ids(seeded_engine) == counts
    with pytest.raises(ValueError, match=r"scale 1 is already present.*seed --reset --yes --scale 2"):
        add_synthetic_history(seeded_engine, 2, SPEC_TODAY)
    assert max_ids(seeded_engine) == counts and synthetic_scale(seeded_engine) == 1


def test_needs_the_base_seed_and_a_matching_date(empty_engine: Engine) -> None:
    assert synthetic_scale(empty_engine) == 0
    with pytest.raises(ValueError, match="base sample data is missing"):
        add_synthetic_history(empty_engine, 1, SPEC_TODAY)
    seed_base(empty_engine, SPEC_TODAY, TZ)
    with pytest.raises(ValueError, match="scale must be at least 1"):
        add_synthetic_history(empty_engine, 0, SPEC_TODAY)
    # Four months later the window would overlap the base seed's own months.
    with pytest.raises(ValueError, match="another business date"):
        add_synthetic_history(empty_engine, 1, SPEC_TODAY + timedelta(days=120))
    assert synthetic_scale(empty_engine) == 0


def base_figures(engine: Engine) -> dict[str, Any]:
    """The base seed's figures, each by its own query: revenue, receivables, cash, stock, OEE inputs."""
    queries = {
        "revenue_by_month": "SELECT order_dt, status, total_amt FROM t_so WHERE order_dt >= :hs ORDER BY id",
        "ar_open": "SELECT inv_no, amt, due_dt, status FROM t_ar WHERE paid_dt IS NULL ORDER BY inv_no",
        "ap_open": "SELECT bill_no, amt, due_dt, status FROM t_ap WHERE paid_dt IS NULL ORDER BY bill_no",
        "cash": "SELECT count(*), sum(amt), min(txn_dt) FROM t_cash",
        "inv": "SELECT item_id, wh_id, qty_on_hand, qty_reserved, min_qty, last_move_dt FROM t_inv "
        "ORDER BY id",
        "shifts": "SELECT count(*), sum(output_qty), sum(reject_qty), sum(downtime_min) FROM t_shift_log "
        "WHERE log_dt >= :hs",
        "alerts": "SELECT count(*) FROM ai_alert",
        "customers": "SELECT code, last_order_dt FROM m_cust WHERE code NOT LIKE 'CUST-S%' ORDER BY code",
        "machines": "SELECT code, status FROM m_machine WHERE deleted_at IS NULL ORDER BY code",
        "open_orders": "SELECT doc_no, status FROM t_so WHERE status NOT IN ('Closed', 'Cancel') "
        "ORDER BY doc_no",
        "deliveries": "SELECT doc_no, status FROM t_do WHERE status <> 'Delivered' ORDER BY doc_no",
    }
    return {name: rows(engine, sql, hs=HS) for name, sql in queries.items()}


def stock_nets(engine: Engine) -> dict[tuple[int, int], Decimal]:
    """Net quantity of the movements per (item, warehouse), zero nets left out."""
    nets: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for item, src, dst, qty in rows(engine, "SELECT item_id, wh_from, wh_to, qty FROM t_inv_move"):
        if dst is not None:
            nets[(item, dst)] += Decimal(qty)
        if src is not None:
            nets[(item, src)] -= Decimal(qty)
    return {key: q.quantize(Decimal("0.001")) for key, q in nets.items() if q}


def stock_on_hand(engine: Engine) -> dict[tuple[int, int], Decimal]:
    """qty_on_hand of t_inv per (item, warehouse)."""
    found = rows(engine, "SELECT item_id, wh_id, qty_on_hand FROM t_inv")
    return {(i, w): Decimal(q).quantize(Decimal("0.001")) for i, w, q in found}


def fingerprint(engine: Engine, base_max: dict[str, int]) -> dict[str, str]:
    """md5 of every synthetic row of every table, in id order: equal fingerprints mean identical rows."""
    out = {}
    with engine.connect() as conn:
        for name in TABLES:
            table = Base.metadata.tables[name]
            result = conn.execute(select(table).where(table.c.id > base_max[name]).order_by(table.c.id))
            digest = hashlib.md5(usedforsecurity=False)
            for row in result:
                digest.update(repr(tuple(row)).encode())
            out[name] = digest.hexdigest()
    return out


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
