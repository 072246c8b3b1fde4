"""Sales tools (so_status, sales_summary, top_customers, late_orders, pending_approvals) and their
composers, against independent SQL and the sample data's known facts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

import agent.compose.dashboard
import agent.compose.sales  # noqa: F401  (registers the composers)
import tools.sales  # noqa: F401  (registers the tools)
from agent.compose.base import COMPOSERS, Style
from tests.integration.toolkit import amount, as_date, ok, rows
from textkit.format import day, money, pct, qty
from tools.dashboard import dashboard_summary
from tools.sales_base import previous_period

BOOKED = "s.deleted_at IS NULL AND s.status IN ('Approved', 'Closed') AND s.order_dt BETWEEN :a AND :b"
STYLES = [Style(lang, tier) for lang in ("id", "en") for tier in ("executive", "manager")]


@pytest.fixture
def default_role() -> str:
    """Tools run as the sales manager unless a test names another role."""
    return "MANAGER_SALES"


def render(name: str, data: Any, style: Style) -> str:
    return COMPOSERS[name](data, style)


# --- so_status ---------------------------------------------------------------------------------------------


def test_so_status_matches_sql_for_every_order(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    orders = rows(
        seeded_engine,
        "SELECT s.doc_no, c.code, s.total_amt, s.status, s.deadline_dt, "
        "(SELECT SUM(d.line_amt) FROM t_so_detail d WHERE d.so_id = s.id AND d.deleted_at IS NULL), "
        "(SELECT MAX(o.actual_dt) FROM t_do o WHERE o.so_id = s.id AND o.status = 'Delivered'), "
        "(SELECT COUNT(*) FROM t_do o WHERE o.so_id = s.id), "
        "(SELECT MAX(a.inv_no) FROM t_ar a WHERE a.so_id = s.id) "
        "FROM t_so s JOIN m_cust c ON c.id = s.cust_id WHERE s.deleted_at IS NULL",
    )
    assert len(orders) == 18
    for doc_no, cust, total, status, deadline, lines, done, n_do, inv in orders:
        data = ok(run("so_status", {"doc_no": doc_no}))
        assert (data.customer_code, data.total_amt, data.status) == (cust, amount(total), status)
        assert sum(ln.line_amt for ln in data.lines) == amount(lines)
        assert len(data.deliveries) == n_do
        assert (data.invoice.inv_no if data.invoice else None) == inv
        deadline, done = as_date(deadline, nullable=True), as_date(done, nullable=True)
        assert deadline is not None  # every sample order has one
        if done:  # delivered: late when it arrived after the deadline
            assert data.late == (done > deadline) and data.delivery_status == "delivered"
        elif status in ("Pending", "Approved"):
            assert data.late == (deadline < spec_today)


def test_so_status_of_the_sample_order_in_transit(run: Any, seeded_engine: Engine) -> None:
    data = ok(run("so_status", {"doc_no": "SO-202412-0004"}))
    assert (data.customer_name, data.segment, data.total_amt) == ("PT Global Tech", "VIP", 431_200_000)
    assert (data.status, data.approved, data.delivery_status) == ("Approved", True, "in transit")
    assert (data.deadline_dt, data.eta_dt) == (date(2024, 12, 29), date(2024, 12, 30))
    assert (data.late, data.at_risk, data.days_left, data.invoice) == (False, True, 2, None)
    assert data.deliveries[0].driver == "Pak Joko" and data.deliveries[0].doc_no == "DO-202412-0002"
    line = data.lines[0]
    assert (line.item_code, line.qty, line.unit_price, line.disc_pct) == ("ITM-005", 2000, 220_000, 2)
    uuid = rows(seeded_engine, "SELECT uuid FROM t_so WHERE doc_no = 'SO-202412-0004'")[0][0]
    assert ok(run("so_status", {"uuid": str(uuid)})).doc_no == "SO-202412-0004"


def test_so_status_late_delivery_and_errors(run: Any) -> None:
    late = ok(run("so_status", {"doc_no": "SO-202411-0006"}))
    assert (late.late, late.days_late, late.delivered_dt) == (True, 3, date(2024, 11, 28))
    missing = run("so_status", {"doc_no": "SO-202412-0099"})
    assert (missing.ok, missing.error) == (False, "not_found") and "SO-202412-0099" in (missing.message or "")
    assert run("so_status", {}).error == "invalid_args"
    assert run("so_status", {"doc_no": "SO-202412-0004", "uuid": "x"}).error == "invalid_args"
    assert run("so_status", {"doc_no": "SO-202412-0004"}, role="OPERATOR").error == "forbidden"


# --- sales_summary and top_customers ---------------------------------------------------------------------


def test_previous_period_rule() -> None:
    d = date
    assert previous_period(d(2024, 12, 1), d(2024, 12, 27)) == (d(2024, 11, 1), d(2024, 11, 27))
    assert previous_period(d(2024, 12, 1), d(2024, 12, 31)) == (d(2024, 11, 1), d(2024, 11, 30))
    assert previous_period(d(2024, 3, 1), d(2024, 3, 31)) == (d(2024, 2, 1), d(2024, 2, 29))
    assert previous_period(d(2024, 3, 1), d(2024, 3, 30)) == (d(2024, 2, 1), d(2024, 2, 29))  # clamped
    assert previous_period(d(2024, 7, 1), d(2024, 9, 30)) == (d(2024, 4, 1), d(2024, 6, 30))
    assert previous_period(d(2024, 1, 1), d(2024, 12, 31)) == (d(2023, 1, 1), d(2023, 12, 31))
    assert previous_period(d(2024, 12, 21), d(2024, 12, 27)) == (d(2024, 12, 14), d(2024, 12, 20))


def _revenue(engine: Engine, a: date, b: date) -> tuple[Decimal, int]:
    total, n = rows(
        engine, f"SELECT COALESCE(SUM(s.total_amt), 0), COUNT(*) FROM t_so s WHERE {BOOKED}", a=a, b=b
    )[0]
    return amount(total), int(n)


def test_sales_summary_month_to_date(run: Any, seeded_engine: Engine) -> None:
    data = ok(run("sales_summary", {"start": "2024-12-01", "end": "2024-12-27", "label": "bulan ini"}))
    assert (data.total, data.orders) == _revenue(seeded_engine, date(2024, 12, 1), date(2024, 12, 27))
    assert (data.total, data.orders) == (463_700_000, 2)  # the dashboard's revenue_mtd
    assert (data.previous.start, data.previous.end) == (date(2024, 11, 1), date(2024, 11, 27))
    assert data.previous.total == _revenue(seeded_engine, date(2024, 11, 1), date(2024, 11, 27))[0]
    assert data.growth_pct == Decimal("-20.1")


BY_CUSTOMER = f"FROM t_so s JOIN m_cust c ON c.id = s.cust_id WHERE {BOOKED}"
BY_ITEM = (
    "FROM t_so s JOIN t_so_detail d ON d.so_id = s.id AND d.deleted_at IS NULL "
    f"JOIN m_item i ON i.id = d.item_id WHERE {BOOKED}"
)


@pytest.mark.parametrize(
    ("group_by", "sql"),
    [
        ("customer", f"SELECT c.code, SUM(s.total_amt), COUNT(*) {BY_CUSTOMER} GROUP BY c.code"),
        ("segment", f"SELECT c.segment, SUM(s.total_amt), COUNT(*) {BY_CUSTOMER} GROUP BY c.segment"),
        ("item", f"SELECT i.code, SUM(d.line_amt), COUNT(DISTINCT s.id) {BY_ITEM} GROUP BY i.code"),
    ],
)
def test_sales_summary_groups(run: Any, seeded_engine: Engine, group_by: str, sql: str) -> None:
    a, b = date(2024, 9, 1), date(2024, 12, 27)
    data = ok(run("sales_summary", {"start": a.isoformat(), "end": b.isoformat(), "group_by": group_by}))
    expected = {code: (amount(amt), int(n)) for code, amt, n in rows(seeded_engine, sql, a=a, b=b)}
    assert {g.code: (g.amount, g.orders) for g in data.groups} == expected
    assert [g.amount for g in data.groups] == sorted((g.amount for g in data.groups), reverse=True)
    assert sum(g.amount for g in data.groups) == data.total and data.group_count == len(expected)


def test_sales_summary_filters(run: Any, seeded_engine: Engine) -> None:
    args = {"start": "2024-11-01", "end": "2024-11-30"}
    item = ok(run("sales_summary", {**args, "item": "ITM-003"}))
    expected = rows(
        seeded_engine,
        "SELECT SUM(d.line_amt), COUNT(DISTINCT s.id) FROM t_so s JOIN t_so_detail d ON d.so_id = s.id "
        f"JOIN m_item i ON i.id = d.item_id WHERE {BOOKED} AND i.code = 'ITM-003'",
        a=date(2024, 11, 1),
        b=date(2024, 11, 30),
    )[0]
    assert (item.total, item.orders, item.basis) == (amount(expected[0]), expected[1], "line_amt")
    cust = ok(run("sales_summary", {**args, "customer": "CUST-005"}))
    assert (cust.total, cust.orders, cust.customer_name) == (306_000_000, 2, "PT Global Tech")
    vip = ok(run("sales_summary", {**args, "segment": "VIP"}))
    assert vip.total == 78_000_000 + 155_000_000 + 132_000_000 + 174_000_000
    for bad in ({"customer": "CUST-999"}, {"item": "ITM-999"}):
        result = run("sales_summary", {**args, **bad})
        assert (result.error, next(iter(bad.values())) in (result.message or "")) == ("not_found", True)
    assert run("sales_summary", {**args, "group_by": "region"}).error == "invalid_args"
    assert run("sales_summary", args, role="OPERATOR").error == "forbidden"


def test_top_customers(run: Any, seeded_engine: Engine) -> None:
    a, b = date(2024, 9, 1), date(2024, 12, 27)
    data = ok(run("top_customers", {"start": a.isoformat(), "end": b.isoformat(), "limit": 3}))
    ranked = rows(
        seeded_engine,
        "SELECT c.code, SUM(s.total_amt) AS amt, COUNT(*) FROM t_so s JOIN m_cust c ON c.id = s.cust_id "
        f"WHERE {BOOKED} GROUP BY c.code ORDER BY amt DESC, c.code LIMIT 3",
        a=a,
        b=b,
    )
    assert [(c.code, c.amount, c.orders) for c in data.customers] == [
        (r[0], amount(r[1]), r[2]) for r in ranked
    ]
    assert data.total == _revenue(seeded_engine, a, b)[0]
    top = data.customers[0]
    expected_share = (top.amount * 100 / data.total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert (top.name, top.share_pct) == ("PT Global Tech", expected_share)
    assert (
        run("top_customers", {"start": "2024-12-01", "end": "2024-12-27", "limit": 0}).error == "invalid_args"
    )


# --- late_orders and pending_approvals -------------------------------------------------------------------


def _expected_late(engine: Engine, today: date, horizon: int) -> tuple[set[str], set[str]]:
    """Late and at-risk order numbers from raw rows, by the rules in late_orders' description."""
    found = rows(
        engine,
        "SELECT s.doc_no, s.deadline_dt, "
        "(SELECT COUNT(*) FROM t_do d WHERE d.so_id = s.id AND d.status = 'Delivered' "
        "AND d.deleted_at IS NULL), (SELECT MAX(d.eta_dt) FROM t_do d WHERE d.so_id = s.id "
        "AND d.status <> 'Delivered' AND d.deleted_at IS NULL) "
        "FROM t_so s WHERE s.deleted_at IS NULL AND s.status IN ('Pending', 'Approved')",
    )
    late, risky = set(), set()
    for doc_no, deadline, delivered, eta in found:
        deadline, eta = as_date(deadline, nullable=True), as_date(eta, nullable=True)
        if delivered or deadline is None:
            continue
        if deadline < today:
            late.add(doc_no)
        elif deadline <= today + timedelta(days=horizon) or (eta is not None and eta > deadline):
            risky.add(doc_no)
    return late, risky


def test_late_orders_sample(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    data = ok(run("late_orders", {}))
    assert ({o.doc_no for o in data.late}, {o.doc_no for o in data.at_risk}) == _expected_late(
        seeded_engine, spec_today, 2
    )
    (so4,) = data.at_risk
    assert (so4.doc_no, so4.deadline_dt, so4.eta_dt, so4.days_left) == (
        "SO-202412-0004",
        date(2024, 12, 29),
        date(2024, 12, 30),
        2,
    )
    assert (so4.delivery_doc_no, so4.total_amt, data.at_risk_amt) == (
        "DO-202412-0002",
        431_200_000,
        431_200_000,
    )
    expected = rows(
        seeded_engine,
        "SELECT s.doc_no FROM t_do d JOIN t_so s ON s.id = d.so_id WHERE d.status = 'Delivered' "
        "AND d.actual_dt > s.deadline_dt AND d.actual_dt BETWEEN :a AND :t AND d.deleted_at IS NULL",
        a=spec_today - timedelta(days=30),
        t=spec_today,
    )
    assert [d.doc_no for d in data.late_deliveries] == [r[0] for r in expected] == ["SO-202411-0006"]
    assert data.late_deliveries[0].days_late == 3
    assert run("late_orders", {"horizon_days": 31}).error == "invalid_args"


def test_late_orders_follow_the_warehouse(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    with seeded_engine.begin() as conn:  # the pending order's deadline moves into the past
        conn.execute(
            text("UPDATE t_so SET deadline_dt = :d WHERE doc_no = 'SO-202412-0002'"),
            {"d": date(2024, 12, 24)},
        )
    data = ok(run("late_orders", {"horizon_days": 0}))
    assert [(o.doc_no, o.days_late) for o in data.late] == [("SO-202412-0002", 3)]
    assert [o.doc_no for o in data.at_risk] == ["SO-202412-0004"]  # ETA after its deadline
    assert ({o.doc_no for o in data.late}, {o.doc_no for o in data.at_risk}) == _expected_late(
        seeded_engine, spec_today, 0
    )


def test_pending_approvals_by_role(run: Any) -> None:
    data = ok(run("pending_approvals", {}, role="DIRECTOR"))
    assert [(d.doc_no, d.age_days, d.waiting_for) for d in data.so.items] == [
        ("SO-202412-0002", 5, "Pending")
    ]
    assert [(d.doc_no, d.age_days, d.waiting_for) for d in data.po.items] == [
        ("PO-202412-0002", 7, "Pending Director")
    ]
    assert (data.count, data.amount) == (2, 124_250_000 + 45_000_000)
    assert ok(run("pending_approvals", {"kind": "PO"}, role="DIRECTOR")).so is None
    sales_only = ok(run("pending_approvals", {}, role="STAFF_SALES"))  # SO.READ without PO.READ
    assert (sales_only.so.count, sales_only.po) == (1, None)
    warehouse = ok(run("pending_approvals", {}, role="STAFF_WH"))  # PO.READ without SO.READ
    assert (warehouse.so, warehouse.po.count) == (None, 1)
    assert run("pending_approvals", {"kind": "SO"}, role="STAFF_WH").error == "forbidden"
    assert run("pending_approvals", {}, role="OPERATOR").error == "forbidden"


# --- composers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES, ids=lambda s: f"{s.lang}-{s.tier}")
def test_sales_composers_show_the_figures(run: Any, style: Style) -> None:
    lang = style.lang
    so4 = ok(run("so_status", {"doc_no": "SO-202412-0004"}))
    text_ = render("so_status", so4, style)
    first = text_.splitlines()[0]
    assert first.startswith("*SO-202412-0004* PT Global Tech: " + money(431_200_000, lang))
    assert day(date(2024, 12, 30), lang) in first and day(date(2024, 12, 29), lang) in first
    assert style.t("Disetujui", "Approved") in first and style.t("berisiko", "at risk") in first
    assert (qty(2000, lang) in text_) == (style.tier == "manager")
    summary = ok(run("sales_summary", {"start": "2024-12-01", "end": "2024-12-27", "group_by": "customer"}))
    text_ = render("sales_summary", summary, style)
    for needle in (money(463_700_000, lang), pct(Decimal("-20.1"), lang), money(580_000_000, lang)):
        assert needle in text_
    assert money(431_200_000, lang) in text_ and "PT ABC Manufacturing" in text_
    top = ok(run("top_customers", {"start": "2024-09-01", "end": "2024-12-27"}))
    text_ = render("top_customers", top, style)
    assert all(money(c.amount, lang) in text_ and pct(c.share_pct, lang) in text_ for c in top.customers)
    late = render("late_orders", ok(run("late_orders", {})), style)
    assert "SO-202412-0004" in late and money(431_200_000, lang) in late and "SO-202411-0006" in late
    pending = render("pending_approvals", ok(run("pending_approvals", {}, role="DIRECTOR")), style)
    assert money(169_250_000, lang) in pending and style.t("7 hari", "7 days") in pending
    assert "PO-202412-0002" in pending and style.t("Direktur", "Director") in pending


def test_operator_tier_has_no_money(run: Any) -> None:
    for lang in ("id", "en"):
        style = Style(lang, "operator")
        so4 = render("so_status", ok(run("so_status", {"doc_no": "SO-202412-0004"})), style)
        assert "Rp" not in so4 and "IDR" not in so4 and qty(2000, lang) in so4


def test_dashboard_composer(run: Any, session: Session, spec_today: date) -> None:
    data = ok(run("dashboard_summary", {}, role="DIRECTOR"))
    assert data == dashboard_summary(session, spec_today)  # the director sees every figure
    figures = (data.revenue_last_month, data.cash_balance, data.ar_overdue, data.ap_due_7_days)
    for style in STYLES:
        text_ = render("dashboard_summary", data, style)
        first = text_.splitlines()[0 if style.tier == "executive" else 1]
        assert (
            money(data.revenue_mtd, style.lang) in first and pct(data.revenue_growth_pct, style.lang) in first
        )
        assert all(money(value, style.lang) in text_ for value in figures)
        assert pct(data.production_oee, style.lang) in text_
        assert f": {data.pending_approvals}" in text_ and f": {data.active_alerts} (" in text_
    operator = render("dashboard_summary", data, Style("id", "operator"))
    assert "Rp" not in operator and pct(data.production_oee, "id") in operator
    sales = ok(run("dashboard_summary", {}))  # no FIN.READ: cash and payables are withheld
    text_ = render("dashboard_summary", sales, Style("en", "executive"))
    assert money(data.ar_overdue, "en") in text_ and "Cash" not in text_ and "Payables" not in text_
