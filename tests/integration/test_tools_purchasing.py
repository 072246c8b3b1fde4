"""Purchasing tools (po_status, vendor_scores) and their composers, against independent SQL and the
sample data's known facts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

import agent.compose.purchasing  # noqa: F401  (registers the composers)
import tools.purchasing  # noqa: F401  (registers the tools)
from agent.compose.base import COMPOSERS, Style
from tests.integration.toolkit import amount, as_date, ok, rows
from textkit.format import day, money, pct, qty

STYLES = [Style(lang, tier) for lang in ("id", "en") for tier in ("executive", "manager")]


@pytest.fixture
def default_role() -> str:
    """Tools run as the warehouse staff (PO.READ) unless a test names another role."""
    return "STAFF_WH"


def test_po_status_matches_sql_for_every_order(run: Any, seeded_engine: Engine) -> None:
    orders = rows(
        seeded_engine,
        "SELECT p.doc_no, v.code, p.total_amt, p.status, "
        "(SELECT SUM(d.line_amt) FROM t_po_detail d WHERE d.po_id = p.id AND d.deleted_at IS NULL), "
        "(SELECT MIN(m.move_dt) FROM t_inv_move m WHERE m.ref_doc = p.doc_no AND m.move_type = 'IN'), "
        "(SELECT MAX(a.bill_no) FROM t_ap a WHERE a.po_id = p.id) "
        "FROM t_po p JOIN m_vendor v ON v.id = p.vendor_id WHERE p.deleted_at IS NULL",
    )
    assert len(orders) == 8
    for doc_no, vendor, total, status, lines, received, bill in orders:
        data = ok(run("po_status", {"doc_no": doc_no}))
        assert (data.vendor_code, data.total_amt, data.status) == (vendor, amount(total), status)
        assert sum(ln.line_amt for ln in data.lines) == amount(lines)
        assert (data.received, data.received_dt) == (status == "Received", as_date(received, nullable=True))
        assert (data.bill.bill_no if data.bill else None) == bill


def test_po_status_sample_orders(run: Any, seeded_engine: Engine) -> None:
    pending = ok(run("po_status", {"doc_no": "PO-202412-0002"}))
    assert (pending.vendor_name, pending.status, pending.approved) == (
        "CV Jaya Abadi",
        "Pending Director",
        False,
    )
    assert (pending.total_amt, pending.lines[0].qty, pending.late) == (45_000_000, 3600, False)
    approved = ok(run("po_status", {"doc_no": "PO-202412-0001"}))
    assert (approved.approved, approved.approved_dt, approved.received) == (True, date(2024, 12, 19), False)
    assert (approved.late, approved.days_late) == (True, 2)  # expected 25 December, not received
    received = ok(run("po_status", {"doc_no": "PO-202411-0002"}))
    assert (received.received_dt, received.bill.amt, received.bill.paid) == (
        date(2024, 12, 1),
        80_000_000,
        False,
    )
    uuid = rows(seeded_engine, "SELECT uuid FROM t_po WHERE doc_no = 'PO-202412-0003'")[0][0]
    assert ok(run("po_status", {"uuid": str(uuid)})).status == "Draft"


def test_po_status_errors(run: Any) -> None:
    missing = run("po_status", {"doc_no": "PO-202412-0042"})
    assert (missing.error, "PO-202412-0042" in (missing.message or "")) == ("not_found", True)
    assert run("po_status", {}).error == "invalid_args"
    assert run("po_status", {"doc_no": "PO-202412-0001"}, role="STAFF_SALES").error == "forbidden"


def test_vendor_scores_match_sql(run: Any, seeded_engine: Engine) -> None:
    data = ok(run("vendor_scores", {}))
    expected = rows(
        seeded_engine,
        "SELECT v.code, s.otd_score, s.quality_score, s.price_trend, "
        "(SELECT COUNT(*) FROM t_po p WHERE p.vendor_id = v.id AND p.status NOT IN ('Received', 'Cancel') "
        "AND p.deleted_at IS NULL), (SELECT SUM(p.total_amt) FROM t_po p WHERE p.vendor_id = v.id "
        "AND p.status NOT IN ('Received', 'Cancel') AND p.deleted_at IS NULL) "
        "FROM m_vendor v JOIN ai_vendor_score s ON s.vendor_id = v.id ORDER BY s.otd_score DESC",
    )
    got = [
        (v.code, v.otd_score, v.quality_score, v.price_trend, v.open_po_count, v.open_po_amt)
        for v in data.vendors
    ]
    assert got == [(r[0], amount(r[1]), amount(r[2]), r[3], r[4], amount(r[5])) for r in expected]
    assert [v.code for v in data.vendors] == ["VND-001", "VND-002", "VND-003"]


def test_vendor_scores_latest_run_then_master(run: Any, seeded_engine: Engine) -> None:
    sqlite = seeded_engine.dialect.name == "sqlite"
    with seeded_engine.begin() as conn:  # a newer run for VND-003; VND-002 loses its runs
        conn.execute(
            text(
                "INSERT INTO ai_vendor_score (vendor_id, otd_score, quality_score, price_trend, calc_dt, "
                "created_at) SELECT id, 95, 90, 'Down', :d, :ts FROM m_vendor WHERE code = 'VND-003'"
            ),
            {"d": date(2024, 12, 28), "ts": "2024-12-28 00:00:00" + ("" if sqlite else "+00:00")},
        )
        conn.execute(
            text(
                "DELETE FROM ai_vendor_score "
                "WHERE vendor_id = (SELECT id FROM m_vendor WHERE code = 'VND-002')"
            )
        )
    data = ok(run("vendor_scores", {}))
    first = data.vendors[0]
    assert (first.code, first.otd_score, first.price_trend, first.calc_dt) == (
        "VND-003",
        95,
        "Down",
        date(2024, 12, 28),
    )
    fallback = ok(run("vendor_scores", {"vendor": "VND-002"})).vendors
    assert [(v.otd_score, v.quality_score, v.price_trend) for v in fallback] == [(Decimal("85.0"), 91, None)]
    assert run("vendor_scores", {"vendor": "VND-404"}).error == "not_found"
    assert run("vendor_scores", {}, role="OPERATOR").error == "forbidden"


@pytest.mark.parametrize("style", STYLES, ids=lambda s: f"{s.lang}-{s.tier}")
def test_purchasing_composers_show_the_figures(run: Any, style: Style) -> None:
    lang = style.lang
    text_ = COMPOSERS["po_status"](ok(run("po_status", {"doc_no": "PO-202412-0001"})), style)
    first = text_.splitlines()[0]
    assert first.startswith("*PO-202412-0001* PT Baja Makmur: " + money(75_000_000, lang))
    assert day(date(2024, 12, 25), lang) in first and style.t("terlambat 2 hari", "2 days late") in first
    assert (qty(1000, lang) in text_) == (style.tier == "manager")
    bill = COMPOSERS["po_status"](ok(run("po_status", {"doc_no": "PO-202411-0002"})), style)
    assert "BILL-202411-0002" in bill and day(date(2024, 12, 31), lang) in bill
    pending = COMPOSERS["po_status"](ok(run("po_status", {"doc_no": "PO-202412-0002"})), style)
    assert style.t("Direktur", "Director") in pending.splitlines()[0]
    scores = COMPOSERS["vendor_scores"](ok(run("vendor_scores", {})), style)
    for figure in (pct(Decimal("92.5"), lang), pct(Decimal("88.0"), lang), money(45_000_000, lang)):
        assert figure in scores
    assert style.t("harga naik", "prices rising") in scores
    operator = COMPOSERS["vendor_scores"](ok(run("vendor_scores", {})), Style(lang, "operator"))
    assert "Rp" not in operator and "IDR" not in operator and pct(Decimal("78.5"), lang) in operator
