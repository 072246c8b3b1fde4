"""Router pieces without a database: periods, language, formatting, entities and intent routing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from agent.entities import Entities, Gazetteer, extract
from agent.periods import find_period
from agent.router import route
from textkit.format import day, money, pct, qty
from textkit.language import detect_language

TODAY = date(2024, 12, 27)
GAZ = Gazetteer(
    {
        "customer": [("pt maju jaya", "CUST-003"), ("maju jaya", "CUST-003"), ("pt global tech", "CUST-005")],
        "item": [("motor dc 12v", "ITM-005"), ("motor dc", "ITM-005")],
        "machine": [("welding robot c1", "MCH-003"), ("welding robot", "MCH-003"), ("cnc", "MCH-001")],
        "vendor": [("pt baja makmur", "VND-001"), ("baja makmur", "VND-001")],
        "warehouse": [("gudang wip", "WH-C1")],
    }
)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("penjualan bulan ini", date(2024, 12, 1), TODAY),
        ("sales last month", date(2024, 11, 1), date(2024, 11, 30)),
        ("omzet bln lalu", date(2024, 11, 1), date(2024, 11, 30)),
        ("Q3 2024", date(2024, 7, 1), date(2024, 9, 30)),
        ("kuartal 1 2024", date(2024, 1, 1), date(2024, 3, 31)),
        ("penjualan November 2024", date(2024, 11, 1), date(2024, 11, 30)),
        ("juni", date(2024, 6, 1), date(2024, 6, 30)),
        ("kemarin", date(2024, 12, 26), date(2024, 12, 26)),
        ("this week", date(2024, 12, 23), TODAY),
        ("minggu lalu", date(2024, 12, 16), date(2024, 12, 22)),
        ("7 hari terakhir", date(2024, 12, 21), TODAY),
        ("tahun lalu", date(2023, 1, 1), date(2023, 12, 31)),
        ("2024-12-01 sampai 2024-12-10", date(2024, 12, 1), date(2024, 12, 10)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    period = find_period(text.lower(), TODAY)
    assert period is not None and (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["may I see the stock?", "status SO-202412-0004", "hello"])
def test_no_period(text: str) -> None:
    assert find_period(text.lower(), TODAY) is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Berapa penjualan bulan ini?", "id"),
        ("brp omzet bln ini", "id"),
        ("gmn status SO-202412-0004?", "id"),
        ("How much did we sell this month?", "en"),
        ("is SO-202412-0004 shipped?", "en"),
        ("which orders are late?", "en"),
        ("stok motor dc di gudang", "id"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert detect_language(text, "id" if lang == "en" else "en") == lang


def test_language_tie_goes_to_preference() -> None:
    assert detect_language("SO-202412-0004", "en") == "en"
    assert detect_language("SO-202412-0004", "id") == "id"


def test_formatting_for_people() -> None:
    assert money(Decimal(1_250_000_000), "id") == "Rp 1.250.000.000"
    assert money(Decimal(1_250_000_000), "en") == "IDR 1,250,000,000"
    assert money(Decimal("-140000000.50"), "id") == "-Rp 140.000.000,50"
    assert qty(Decimal("2500.000"), "id") == "2.500" and qty(Decimal("12.5"), "en") == "12.5"
    assert pct(Decimal("8.5"), "id") == "8,5%" and pct(Decimal("-20.1"), "en") == "-20.1%"
    assert day(date(2024, 12, 27), "id") == "27 Desember 2024" and day(date(2024, 12, 27), "en") == (
        "27 December 2024"
    )


def test_entities() -> None:
    ents = extract("status so-202412-0004 untuk PT Maju Jaya, motor dc, MCH-001", GAZ)
    assert (ents.doc_kind, ents.doc_no) == ("SO", "SO-202412-0004")
    assert ents.codes == {"customer": "CUST-003", "item": "ITM-005", "machine": "MCH-001"}
    assert extract("kalau welding robot?", GAZ).codes == {"machine": "MCH-003"}
    assert extract("nothing here", GAZ).any() is False


def _plan(text: str, last=None):  # type: ignore[no-untyped-def]
    lang = detect_language(text)
    return route(text, lang, TODAY, extract(text, GAZ), last)


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("Berapa penjualan bulan ini?", "sales_summary", {"start": "2024-12-01", "end": "2024-12-27"}),
        ("sales per customer last month", "sales_summary", {"group_by": "customer", "start": "2024-11-01"}),
        ("penjualan PT Maju Jaya Q3 2024", "sales_summary", {"customer": "CUST-003", "start": "2024-07-01"}),
        ("top 3 customer tahun ini", "top_customers", {"limit": 3, "start": "2024-01-01"}),
        ("is SO-202412-0004 shipped?", "so_status", {"doc_no": "SO-202412-0004"}),
        ("status PO-202412-0002", "po_status", {"doc_no": "PO-202412-0002"}),
        ("progress WO-202412-0002", "wo_progress", {"doc_no": "WO-202412-0002"}),
        ("which orders are late?", "late_orders", {}),
        ("PO yang menunggu approval", "pending_approvals", {"kind": "PO"}),
        (
            "mesin MCH-003 reject rate hari ini?",
            "machine_performance",
            {"machine": "MCH-003", "start": "2024-12-27"},
        ),
        ("kapan maintenance welding robot berikutnya?", "maintenance_status", {"machine": "MCH-003"}),
        ("stok motor dc", "inventory_status", {"item": "ITM-005"}),
        ("barang apa yang oversold?", "inventory_status", {"only": "oversold"}),
        ("piutang yang sudah jatuh tempo", "receivables", {"overdue_only": True}),
        ("hutang jatuh tempo 14 hari", "payables_due", {"days": 14}),
        ("berapa saldo kas?", "cash_position", {"days": 7}),
        ("ada alert kritis?", "active_alerts", {"severity": "Critical"}),
        ("skor vendor PT Baja Makmur", "vendor_scores", {"vendor": "VND-001"}),
        ("ringkasan hari ini", "dashboard_summary", {}),
    ],
)
def test_routing(text: str, tool: str, args: dict[str, object]) -> None:
    plan = _plan(text)
    assert plan is not None and plan.tool == tool
    assert args.items() <= plan.args.items()


def test_follow_ups_reuse_the_last_question() -> None:
    first = _plan("Berapa penjualan bulan ini?")
    again = _plan("dan bulan lalu?", first)
    assert again is not None and again.tool == "sales_summary"
    assert (again.args["start"], again.args["end"]) == ("2024-11-01", "2024-11-30")
    other = _plan("what about PT Maju Jaya?", again)
    assert other is not None and other.args["customer"] == "CUST-003" and other.args["start"] == "2024-11-01"
    machine = _plan("reject rate MCH-003 hari ini", None)
    switched = _plan("kalau cnc?", machine)
    assert (
        switched is not None
        and switched.tool == "machine_performance"
        and switched.args["machine"] == "MCH-001"
    )


def test_unrelated_question_routes_nowhere() -> None:
    assert _plan("siapa presiden Indonesia?") is None
    assert _plan("what's the weather like?") is None


def test_entities_merge() -> None:
    old = Entities(codes={"customer": "CUST-001", "machine": "MCH-001"})
    new = Entities(codes={"customer": "CUST-003"})
    assert new.merged_over(old).codes == {"customer": "CUST-003", "machine": "MCH-001"}


@pytest.mark.parametrize(
    ("text", "machine"),
    [
        ("MCH-003 stops with a following error, what do I check?", "MCH-003"),
        ("apa arti error E-410 di welding robot?", "MCH-003"),
        ("bagaimana cara reset E-101 di mesin cnc?", "MCH-001"),
        ("how do I replace the wire feeder drive roller?", None),
        ("prosedur lockout sebelum ganti nozzle", None),
    ],
)
def test_technical_questions_go_to_the_manuals(text: str, machine: str | None) -> None:
    plan = _plan(text)
    assert plan is not None and plan.tool == "search_manuals"
    assert plan.args.get("machine") == machine


@pytest.mark.parametrize(
    "text",
    [
        "berapa kali error E-410 minggu ini?",
        "error codes on MCH-003 in the last 7 days",
        "reject rate MCH-003 hari ini",
    ],
)
def test_counting_errors_stays_with_machine_data(text: str) -> None:
    plan = _plan(text)
    assert plan is not None and plan.tool == "machine_performance"
