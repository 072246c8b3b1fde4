"""Finance tools (receivables, payables_due, cash_position) against independent SQL and the seed's facts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

import agent.compose.finance  # noqa: F401  (registers the composers)
import tools.finance  # noqa: F401  (registers the tools)
from agent.compose.base import COMPOSERS, Style
from tests.integration.toolkit import amount, as_date, ok, rows
from textkit.format import day, money

M = Decimal(1_000_000)


# --- receivables -------------------------------------------------------------------------------------------


def expected_receivables(engine: Engine, today: date, customer: str | None = None) -> dict[str, Any]:
    """Totals, ageing buckets, over-30 figures and per-customer sums from the raw open invoices."""
    open_rows = rows(
        engine,
        "SELECT a.inv_no, c.code, a.amt, a.due_dt FROM t_ar a JOIN m_cust c ON c.id = a.cust_id "
        "WHERE a.paid_dt IS NULL AND a.deleted_at IS NULL" + (" AND c.code = :c" if customer else ""),
        c=customer,
    )
    buckets: dict[str, list[Any]] = {b: [0, Decimal(0)] for b in ("current", "1-30", "31-60", "61-90", ">90")}
    per_customer: dict[str, list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), None])
    over_30: set[str] = set()
    over_30_total = Decimal(0)
    for _inv, cust, amt, due in open_rows:
        late, amt = (today - as_date(due)).days, amount(amt)
        name = (
            "current"
            if late <= 0
            else "1-30"
            if late <= 30
            else "31-60"
            if late <= 60
            else "61-90"
            if late <= 90
            else ">90"
        )
        buckets[name][0] += 1
        buckets[name][1] += amt
        per_customer[cust][0] += amt
        if late > 0:
            per_customer[cust][1] += amt
            per_customer[cust][2] = max(late, per_customer[cust][2] or 0)
        if late > 30:
            over_30.add(cust)
            over_30_total += amt
    return {
        "open_total": sum((b[1] for b in buckets.values()), Decimal(0)),
        "overdue_total": sum((b[1] for n, b in buckets.items() if n != "current"), Decimal(0)),
        "buckets": {n: (c, a) for n, (c, a) in buckets.items()},
        "over_30_customers": len(over_30),
        "over_30_total": over_30_total,
        "customers": {c: tuple(v) for c, v in per_customer.items()},
    }


def _got_receivables(data: Any) -> dict[str, Any]:
    return {
        "open_total": data.open_total,
        "overdue_total": data.overdue_total,
        "buckets": {n: (b.count, b.amount) for n, b in data.buckets.items()},
        "over_30_customers": data.over_30_customers,
        "over_30_total": data.over_30_total,
        "customers": {c.code: (c.open, c.overdue, c.oldest_days_overdue) for c in data.customers},
    }


def test_receivables_match_sql_and_the_seed(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    data = ok(run("receivables", {}))
    assert _got_receivables(data) == expected_receivables(seeded_engine, spec_today)
    # The spec's sample: Rp 185,000,000 overdue from three customers, all more than 30 days.
    assert data.overdue_total == 185 * M and data.over_30_total == 185 * M and data.over_30_customers == 3
    assert data.buckets["61-90"].count == 3 and data.buckets["61-90"].amount == 185 * M
    assert [c.overdue for c in data.customers] == sorted((c.overdue for c in data.customers), reverse=True)
    assert [i.days_overdue > 0 for i in data.invoices] == [True] * 3 + [False] * (len(data.invoices) - 3)
    assert [i.due_dt for i in data.invoices] == sorted(i.due_dt for i in data.invoices)
    first = data.invoices[0]
    assert (first.customer_code, first.amt, first.days_overdue) == ("CUST-001", 115 * M, 79)
    assert first.so_doc_no.startswith("SO-") and "cust_id" not in first.model_dump()


def test_ageing_buckets_at_their_edges(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    moves = {"INV-202409-0001": 30, "INV-202409-0002": 31, "INV-202409-0003": 91, "INV-202411-0002": 0}
    with seeded_engine.begin() as conn:
        for inv, late in moves.items():
            conn.execute(
                text("UPDATE t_ar SET due_dt = :d WHERE inv_no = :i"),
                {"d": spec_today - timedelta(late), "i": inv},
            )
        conn.execute(text("UPDATE t_ar SET paid_dt = :d WHERE inv_no = 'INV-202412-0001'"), {"d": spec_today})
    data = ok(run("receivables", {}))
    assert _got_receivables(data) == expected_receivables(seeded_engine, spec_today)
    counts = {n: b.count for n, b in data.buckets.items()}
    assert counts == {"current": 2, "1-30": 1, "31-60": 1, "61-90": 0, ">90": 1}
    assert data.over_30_customers == 2 and data.over_30_total == 70 * M


def test_one_customer_and_overdue_only(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    one = ok(run("receivables", {"customer": "CUST-001"}))
    assert _got_receivables(one) == expected_receivables(seeded_engine, spec_today, "CUST-001")
    assert (one.open_total, one.overdue_total, one.invoice_count) == (Decimal("147500000"), 115 * M, 2)
    late = ok(run("receivables", {"overdue_only": True}))
    assert late.open_total == ok(run("receivables", {})).open_total  # totals still cover the whole book
    assert {i.customer_code for i in late.invoices} == {"CUST-001", "CUST-002", "CUST-004"}
    assert all(i.days_overdue > 0 for i in late.invoices) and late.customer_count == 3
    assert all(c.open == c.overdue for c in late.customers)


def test_receivables_errors(run: Any) -> None:
    assert run("receivables", {"customer": "CUST-404"}).error == "not_found"
    assert run("receivables", {"overdue": True}).error == "invalid_args"
    assert run("receivables", {}, role="OPERATOR").error == "forbidden"
    assert run("receivables", {}, role="MANAGER_SALES").ok


# --- payables_due ------------------------------------------------------------------------------------------


def expected_payables(
    engine: Engine, today: date, days: int
) -> tuple[Decimal, list[tuple[str, int]], Decimal]:
    due = rows(
        engine,
        "SELECT bill_no, amt, due_dt FROM t_ap WHERE paid_dt IS NULL AND deleted_at IS NULL "
        "AND due_dt >= :a AND due_dt <= :b ORDER BY due_dt, bill_no",
        a=today,
        b=today + timedelta(days=days),
    )
    late = rows(
        engine,
        "SELECT SUM(amt) FROM t_ap WHERE paid_dt IS NULL AND deleted_at IS NULL AND due_dt < :a",
        a=today,
    )[0][0]
    total = sum((amount(a) for _b, a, _d in due), Decimal(0))
    return total, [(b, (as_date(d) - today).days) for b, _a, d in due], amount(late)


def test_payables_match_sql_and_the_seed(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    data = ok(run("payables_due", {}))
    total, bills, late = expected_payables(seeded_engine, spec_today, 7)
    assert (data.total, [(b.bill_no, b.days_left) for b in data.bills], data.overdue_total) == (
        total,
        bills,
        late,
    )
    assert data.total == 120 * M and data.count == 2 and data.overdue == []
    assert [(b.vendor_code, b.amt) for b in data.bills] == [("VND-002", 80 * M), ("VND-003", 40 * M)]
    assert all(b.po_doc_no.startswith("PO-") for b in data.bills)
    assert ok(run("payables_due", {"days": 3})).total == 0
    assert ok(run("payables_due", {"vendor": "VND-002"})).total == 80 * M


def test_overdue_payables_listed_apart(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    with seeded_engine.begin() as conn:
        conn.execute(
            text("UPDATE t_ap SET due_dt = :d WHERE amt = 80000000 AND paid_dt IS NULL"),
            {"d": spec_today - timedelta(2)},
        )
    data = ok(run("payables_due", {"days": 7}))
    total, bills, late = expected_payables(seeded_engine, spec_today, 7)
    assert (data.total, [(b.bill_no, b.days_left) for b in data.bills], data.overdue_total) == (
        total,
        bills,
        late,
    )
    assert (data.total, data.overdue_total, data.overdue_count) == (40 * M, 80 * M, 1)
    assert data.overdue[0].days_left == -2


def test_payables_errors(run: Any) -> None:
    assert run("payables_due", {"vendor": "VND-404"}).error == "not_found"
    assert run("payables_due", {"days": 0}).error == "invalid_args"
    assert run("payables_due", {"days": 91}).error == "invalid_args"
    assert run("payables_due", {}, role="OPERATOR").error == "forbidden"
    assert run("payables_due", {}, role="MANAGER_SALES").error == "forbidden"  # AR.READ is not FIN.READ


# --- cash_position -----------------------------------------------------------------------------------------


def expected_cash(engine: Engine, today: date, days: int) -> dict[str, Any]:
    """Posted balance and the day-by-day projection, each day's flows summed by raw SQL."""
    balance = amount(
        rows(
            engine,
            "SELECT SUM(amt) FROM t_cash WHERE status = 'Posted' AND txn_dt <= :t AND deleted_at IS NULL",
            t=today,
        )[0][0]
    )
    running, projection, first_negative = balance, [], None
    for k in range(1, days + 1):
        d = today + timedelta(days=k)
        unpaid = "WHERE paid_dt IS NULL AND deleted_at IS NULL AND due_dt = :d"
        ar = rows(engine, f"SELECT SUM(amt) FROM t_ar {unpaid}", d=d)
        ap = rows(engine, f"SELECT SUM(amt) FROM t_ap {unpaid}", d=d)
        plan = rows(
            engine,
            "SELECT SUM(amt) FROM t_cash WHERE status = 'Planned' AND deleted_at IS NULL AND txn_dt = :d",
            d=d,
        )
        running += amount(ar[0][0]) - amount(ap[0][0]) + amount(plan[0][0])
        projection.append((d, running))
        if running < 0 and first_negative is None:
            first_negative = d
    lowest = min(projection, key=lambda p: (p[1], p[0]))
    return {
        "balance": balance,
        "projection": projection,
        "first_negative_dt": first_negative,
        "lowest": lowest,
        "end_balance": running,
    }


def _got_cash(data: Any) -> dict[str, Any]:
    return {
        "balance": data.balance,
        "projection": [(d.dt, d.balance) for d in data.projection],
        "first_negative_dt": data.first_negative_dt,
        "lowest": (data.lowest_dt, data.lowest_balance),
        "end_balance": data.end_balance,
    }


@pytest.mark.parametrize("days", [7, 14])
def test_cash_matches_sql_and_goes_negative(
    run: Any, seeded_engine: Engine, spec_today: date, days: int
) -> None:
    data = ok(run("cash_position", {"days": days}))
    assert _got_cash(data) == expected_cash(seeded_engine, spec_today, days)
    assert data.balance == 1250 * M
    assert data.first_negative_dt == date(2025, 1, 2)  # the spec's CASHFLOW alert: negative within 7 days
    assert data.total_outflow == 1390 * M
    assert data.total_inflow == (155 * M if days == 14 else 0)  # PT Maju Jaya's invoice falls due on 10 Jan
    assert data.big_items[0].category == "PAYROLL" and data.big_items[0].amt == -850 * M
    assert sum(d.inflow - d.outflow for d in data.projection) == data.end_balance - data.balance


def test_cash_follows_planned_receipts(run: Any, seeded_engine: Engine, spec_today: date) -> None:
    with seeded_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO t_cash (txn_dt, acct, category, amt, status) "
                "VALUES (:d, 'BANK-BCA-OPS', 'AR_RECEIPT', 200000000, 'Planned')"
            ),
            {"d": spec_today + timedelta(3)},
        )
    data = ok(run("cash_position", {}))
    assert _got_cash(data) == expected_cash(seeded_engine, spec_today, 7)
    assert data.first_negative_dt is None and data.lowest_balance == 60 * M
    assert data.total_inflow == 200 * M


def test_cash_errors(run: Any) -> None:
    assert run("cash_position", {"days": 0}).error == "invalid_args"
    assert run("cash_position", {"days": 7, "bank": "BCA"}).error == "invalid_args"
    assert run("cash_position", {}, role="OPERATOR").error == "forbidden"
    assert run("cash_position", {}, role="SYSADMIN").ok


# --- composers ---------------------------------------------------------------------------------------------

STYLES = [Style(lang, tier) for lang in ("id", "en") for tier in ("executive", "manager", "operator")]


def test_composers_show_the_figures(run: Any) -> None:
    """Every tier and language, on one seeded warehouse."""
    ar_data, ap_data = ok(run("receivables", {})), ok(run("payables_due", {}))
    cash_data = ok(run("cash_position", {}))
    for style in STYLES:
        check_figures(ar_data, ap_data, cash_data, style)


def check_figures(ar_data: Any, ap_data: Any, cash_data: Any, style: Style) -> None:
    lang, has_money = style.lang, style.tier != "operator"
    ar = COMPOSERS["receivables"](ar_data, style)
    ap = COMPOSERS["payables_due"](ap_data, style)
    cash = COMPOSERS["cash_position"](cash_data, style)
    neg = day(date(2025, 1, 2), lang)
    if not has_money:  # operators get no amounts at all
        assert not any(cur in t for t in (ar, ap, cash) for cur in ("Rp", "IDR"))
        assert neg in cash and "79" in ar and day(date(2024, 12, 31), lang) in ap
        return
    for figure in (money(185 * M, lang), money(Decimal("546500000"), lang), money(115 * M, lang)):
        assert figure in ar
    assert money(185 * M, lang) in ar.splitlines()[0]  # bottom line up front
    for figure in (money(120 * M, lang), money(80 * M, lang), money(40 * M, lang)):
        assert figure in ap
    assert money(120 * M, lang) in ap.splitlines()[0]
    assert money(1250 * M, lang) in cash.splitlines()[0] and neg in cash.splitlines()[0]
    for figure in (money(-140 * M, lang), money(-850 * M, lang), money(1390 * M, lang)):
        assert figure in cash


def test_composers_speak_the_language(run: Any) -> None:
    ar = ok(run("receivables", {}))
    assert "Piutang lewat jatuh tempo" in COMPOSERS["receivables"](ar, Style("id", "executive"))
    assert "Overdue receivables" in COMPOSERS["receivables"](ar, Style("en", "executive"))
    cash = ok(run("cash_position", {}))
    assert "negatif mulai 2 Januari 2025" in COMPOSERS["cash_position"](cash, Style("id", "manager"))
    assert "negative from 2 January 2025" in COMPOSERS["cash_position"](cash, Style("en", "manager"))
    ap = ok(run("payables_due", {"days": 3}))
    assert "Rp 0" in COMPOSERS["payables_due"](ap, Style("id", "executive"))
