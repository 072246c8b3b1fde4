"""The compiler against hand-written SQL on the seeded warehouse, on SQLite and PostgreSQL: totals, groups,
rankings, comparisons, ratios from sums, snapshots as of today, filters as bound parameters."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from semantic.compiler import Compiler
from semantic.query import Query, Span

TODAY = date(2024, 12, 27)
MONTH = Span(start=date(2024, 12, 1), end=TODAY, label="bulan ini")
YEAR = Span(start=date(2024, 1, 1), end=TODAY, label="tahun ini")
NOV = Span(start=date(2024, 11, 1), end=date(2024, 11, 30), label="November 2024")
BOOKED = "s.status IN ('Approved', 'Closed') AND s.deleted_at IS NULL"

# (query, SQL giving the same figure, params): written apart from semantic/, over the base tables.
TOTALS: list[tuple[Query, str, dict[str, Any]]] = [
    (
        Query(metrics=["sales"], period=MONTH),
        f"SELECT SUM(total_amt) FROM t_so s WHERE {BOOKED} AND order_dt BETWEEN :a AND :b",
        {"a": MONTH.start, "b": TODAY},
    ),
    (
        Query(metrics=["orders"], period=YEAR),
        f"SELECT COUNT(*) FROM t_so s WHERE {BOOKED} AND order_dt BETWEEN :a AND :b",
        {"a": YEAR.start, "b": TODAY},
    ),
    (
        Query(metrics=["qty_sold"], period=YEAR, filters={"item": ["ITM-005"]}),
        "SELECT SUM(d.qty) FROM t_so_detail d JOIN t_so s ON s.id = d.so_id "
        "JOIN m_item i ON i.id = d.item_id "
        f"WHERE {BOOKED} AND d.deleted_at IS NULL AND i.code = 'ITM-005' AND s.order_dt BETWEEN :a AND :b",
        {"a": YEAR.start, "b": TODAY},
    ),
    (
        Query(metrics=["receivables"]),
        "SELECT SUM(amt) FROM t_ar WHERE paid_dt IS NULL AND deleted_at IS NULL",
        {},
    ),
    (
        Query(metrics=["overdue_receivables"]),
        "SELECT SUM(amt) FROM t_ar WHERE paid_dt IS NULL AND deleted_at IS NULL AND due_dt < :t",
        {"t": TODAY},
    ),
    (
        Query(metrics=["receivables_not_due"]),
        "SELECT SUM(amt) FROM t_ar WHERE paid_dt IS NULL AND deleted_at IS NULL AND due_dt >= :t",
        {"t": TODAY},
    ),
    (
        Query(metrics=["payables_not_due"]),
        "SELECT SUM(amt) FROM t_ap WHERE paid_dt IS NULL AND deleted_at IS NULL AND due_dt >= :t",
        {"t": TODAY},
    ),
    (
        Query(metrics=["payables"], filters={"vendor": ["VND-002"]}),
        "SELECT SUM(b.amt) FROM t_ap b JOIN m_vendor v ON v.id = b.vendor_id WHERE b.paid_dt IS NULL "
        "AND b.deleted_at IS NULL AND v.code = 'VND-002'",
        {},
    ),
    (
        Query(metrics=["cash_balance"]),
        "SELECT SUM(amt) FROM t_cash WHERE status = 'Posted' AND deleted_at IS NULL AND txn_dt <= :t",
        {"t": TODAY},
    ),
    (
        Query(metrics=["cash_out"], period=MONTH),
        "SELECT -SUM(amt) FROM t_cash WHERE status = 'Posted' "
        "AND deleted_at IS NULL AND amt < 0 AND txn_dt BETWEEN :a AND :b",
        {"a": MONTH.start, "b": TODAY},
    ),
    (
        Query(metrics=["output"], period=MONTH, filters={"shift": ["2"]}),
        "SELECT SUM(output_qty) FROM t_shift_log WHERE deleted_at IS NULL AND shift = '2' "
        "AND log_dt BETWEEN :a AND :b",
        {"a": MONTH.start, "b": TODAY},
    ),
    (
        Query(metrics=["stock_available"], filters={"warehouse": ["WH-B1"]}),
        "SELECT SUM(i.qty_on_hand - i.qty_reserved) FROM t_inv i JOIN m_wh w ON w.id = i.wh_id "
        "WHERE i.deleted_at IS NULL AND w.code = 'WH-B1'",
        {},
    ),
    (
        Query(metrics=["maint_cost"], period=YEAR, filters={"machine": ["MCH-003"]}),
        "SELECT SUM(m.cost) FROM t_maint m JOIN m_machine k ON k.id = m.machine_id "
        "WHERE m.deleted_at IS NULL "
        "AND k.code = 'MCH-003' AND m.maint_dt BETWEEN :a AND :b",
        {"a": YEAR.start, "b": TODAY},
    ),
]


def one(session: Session, sql: str, params: dict[str, Any]) -> Decimal:
    return Decimal(str(session.execute(text(sql), params).scalar() or 0))


@pytest.mark.parametrize(("query", "sql", "params"), TOTALS, ids=[q.metrics[0] for q, _, _ in TOTALS])
def test_totals_match_hand_written_sql(
    seeded_engine: Engine, query: Query, sql: str, params: dict[str, Any]
) -> None:
    with Session(seeded_engine) as s:
        got = Compiler(TODAY).run(s, query).total[query.metrics[0]]
        expected = one(s, sql, params)
    assert got is not None and expected != 0 and got == expected


def test_ratios_are_computed_from_sums(seeded_engine: Engine) -> None:
    """Reject rate per machine and OEE from summed parts, as the machine tool computes them."""
    query = Query(metrics=["reject_rate", "oee"], group_by=["machine"], period=MONTH)
    sql = (
        "SELECT k.code, SUM(l.reject_qty), SUM(l.output_qty), SUM(k.cap_per_hr * l.plan_min / 60.0) "
        "FROM t_shift_log l JOIN m_machine k ON k.id = l.machine_id WHERE l.deleted_at IS NULL "
        "AND l.log_dt BETWEEN :a AND :b GROUP BY k.code"
    )
    with Session(seeded_engine) as s:
        result = Compiler(TODAY).run(s, query)
        rows = s.execute(text(sql), {"a": MONTH.start, "b": TODAY}).all()
    got = {r.key[0]: r.values for r in result.rows}
    assert set(got) == {row[0] for row in rows}
    for code, rej, out, ideal in rows:
        rej, out, ideal = (Decimal(str(v)) for v in (rej, out, ideal))
        rate = (rej * 100 / out).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        oee = ((out - rej) * 100 / ideal).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        assert got[code]["reject_rate"] == rate and got[code]["oee"] == oee


def test_ranking_comparison_and_limit(seeded_engine: Engine) -> None:
    query = Query(metrics=["sales"], group_by=["customer"], period=MONTH, compare=NOV, order="desc", limit=2)
    sql = (
        "SELECT c.code, SUM(s.total_amt) FROM t_so s JOIN m_cust c ON c.id = s.cust_id "
        f"WHERE {BOOKED} AND s.order_dt BETWEEN :a AND :b GROUP BY c.code ORDER BY 2 DESC, 1"
    )
    with Session(seeded_engine) as s:
        result = Compiler(TODAY).run(s, query)
        now = s.execute(text(sql), {"a": MONTH.start, "b": TODAY}).all()
        before = dict(s.execute(text(sql), {"a": NOV.start, "b": NOV.end}).all())
        total_before = one(
            s,
            f"SELECT SUM(total_amt) FROM t_so s WHERE {BOOKED} AND order_dt BETWEEN :a AND :b",
            {"a": NOV.start, "b": NOV.end},
        )
    assert [r.key[0] for r in result.rows] == [code for code, _ in now[:2]]
    for row in result.rows:
        assert row.previous["sales"] == Decimal(str(before.get(row.key[0], 0) or 0)) or (
            row.key[0] not in before and row.previous["sales"] is None
        )
    assert result.previous_total["sales"] == total_before


def test_named_members_without_rows_are_kept_at_zero(seeded_engine: Engine) -> None:
    """ "VIP vs Regular" in a month with no Regular orders: both rows, Regular at zero (a sum) or no value
    (a ratio), its label from the master table; a member with rows keeps the hand-written figure."""
    by_segment = (
        "SELECT c.segment, SUM(s.total_amt), COUNT(*) FROM t_so s JOIN m_cust c ON c.id = s.cust_id "
        f"WHERE {BOOKED} AND s.order_dt BETWEEN :a AND :b GROUP BY c.segment"
    )
    query = Query(
        metrics=["sales", "avg_order_value"],
        group_by=["segment"],
        filters={"segment": ["Regular", "VIP"]},
        period=MONTH,
        compare=NOV,
    )
    with Session(seeded_engine) as s:
        now = {seg: (amt, n) for seg, amt, n in s.execute(text(by_segment), {"a": MONTH.start, "b": TODAY})}
        before = {seg: amt for seg, amt, _ in s.execute(text(by_segment), {"a": NOV.start, "b": NOV.end})}
        result = Compiler(TODAY).run(s, query)
        names = Compiler(TODAY).run(
            s,
            Query(metrics=["sales"], group_by=["customer"], filters={"customer": ["CUST-002"]}, period=MONTH),
        )
    assert "Regular" not in now and "VIP" in now  # the sample month this test is about
    rows = {r.key[0]: r for r in result.rows}
    assert set(rows) == {"VIP", "Regular"}
    assert rows["VIP"].values["sales"] == Decimal(str(now["VIP"][0]))
    assert rows["Regular"].values == {"sales": Decimal(0), "avg_order_value": None}
    assert rows["Regular"].previous["sales"] == Decimal(str(before["Regular"]))  # November had Regular orders
    assert [r.key[0] for r in result.rows] == ["VIP", "Regular"]  # the quiet one last
    assert [(r.key, r.labels, r.values["sales"]) for r in names.rows] == [
        (("CUST-002",), ("CV XYZ Trading",), Decimal(0))
    ]


def test_monthly_series_on_both_databases(seeded_engine: Engine) -> None:
    query = Query(metrics=["sales"], group_by=["month"], period=YEAR)
    with Session(seeded_engine) as s:
        result = Compiler(TODAY).run(s, query)
        for row in result.rows:
            year, month = (int(x) for x in row.key[0].split("-"))
            end = date(year + month // 12, month % 12 + 1, 1)
            expected = one(
                s,
                f"SELECT SUM(total_amt) FROM t_so s WHERE {BOOKED} AND order_dt >= :a AND order_dt < :b",
                {"a": date(year, month, 1), "b": end},
            )
            assert row.values["sales"] == expected
    assert [r.key[0] for r in result.rows] == sorted(r.key[0] for r in result.rows) and len(result.rows) >= 3


def test_a_filter_value_is_a_bound_parameter_never_sql(seeded_engine: Engine) -> None:
    query = Query(metrics=["receivables"], filters={"customer": ["CUST-001 OR 1-1"]})
    with Session(seeded_engine) as s:
        result = Compiler(TODAY).run(s, query)
    assert result.total["receivables"] is None or result.total["receivables"] == 0


def test_next_service_is_the_maintenance_views_next_due_on_both_databases(seeded_engine: Engine) -> None:
    """The next_service attribute (last preventive + interval, date arithmetic compiled per dialect) gives
    every machine the same date the maintenance tool computes in Python."""
    from semantic.lookup import run_lookup
    from semantic.query import Lookup
    from tools.production_maint import MaintStatusArgs, maintenance_status
    from tools.registry import ToolContext

    with Session(seeded_engine) as s:
        codes = [c for (c,) in s.execute(text("SELECT code FROM m_machine WHERE deleted_at IS NULL"))]
        found = run_lookup(s, Lookup(entity="machine", codes=codes, attributes=["next_service"]), TODAY)
        view = maintenance_status(ToolContext(s, TODAY), MaintStatusArgs(), None)  # type: ignore[arg-type]
    due = {m.code: m.next_due_dt for m in view.machines}
    got = {f.code: f.values["next_service"] for f in found.found}
    assert len(got) == len(codes) >= 3 and all(isinstance(v, date) for v in got.values())
    assert got == due
