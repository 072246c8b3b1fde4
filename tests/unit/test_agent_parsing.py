"""The parser and the decision without a database: periods, language, formatting, names and routing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from agent.entities import Entities, extract
from agent.periods import find_period
from agent.router import Plan
from agent.understand.context import Context
from agent.understand.decide import decide
from agent.understand.names import Names
from agent.understand.parse import Parser
from textkit.format import day, money, pct, qty
from textkit.language import detect_language

TODAY = date(2024, 12, 27)
NAMES = Names(
    {
        "customer": [("PT Maju Jaya", "CUST-003"), ("PT Global Tech", "CUST-005")],
        "item": [("Motor DC 12V", "ITM-005"), ("Widget Pro X1", "ITM-001")],
        "machine": [
            ("Welding Robot C1", "MCH-003"),
            ("CNC Milling A1", "MCH-001"),
            ("Injection Molding B2", "MCH-002"),
        ],
        "vendor": [("PT Baja Makmur", "VND-001"), ("PT Global Supply", "VND-003")],
        "warehouse": [("Gudang WIP", "WH-C1")],
    }
)
PARSER = Parser(NAMES)


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
        ("omzet dari awal tahun sampai sekarang", date(2024, 1, 1), TODAY),
        ("since the beginning of the year", date(2024, 1, 1), TODAY),
        ("penjualan sejak januari", date(2024, 1, 1), TODAY),
        ("since march 2024", date(2024, 3, 1), TODAY),
        ("januari sampai maret", date(2024, 1, 1), date(2024, 3, 31)),
        ("from oct to dec", date(2024, 10, 1), TODAY),
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


def test_documents_and_names() -> None:
    ents = extract("status so-202412-0004 untuk MCH-001")
    assert (ents.doc_kind, ents.doc_no) == ("SO", "SO-202412-0004")
    assert ents.codes == {"machine": "MCH-001"}
    meaning = PARSER.parse("stok motor dc untuk PT Maju Jaya di mesin cnc", TODAY, "id")
    assert {(h.kind, h.code) for h in meaning.names} == {
        ("item", "ITM-005"),
        ("customer", "CUST-003"),
        ("machine", "MCH-001"),
    }
    assert {h.code for h in PARSER.parse("kalau welding robot?", TODAY, "id").names} == {"MCH-003"}
    assert not PARSER.parse("nothing here", TODAY, "en").names


def test_names_come_from_the_data_not_a_hand_list() -> None:
    """'las' (Indonesian for welding) reaches the welding robot through the glossary; a name that is not
    in the master data is never found, however machine-like it sounds."""
    assert [h.code for h in PARSER.parse("reject mesin las hari ini", TODAY, "id").names] == ["MCH-003"]
    other = Parser(Names({"machine": [("Lathe Turning D4", "MCH-009")]}))
    assert [h.code for h in other.parse("mesin bubut", TODAY, "id").names] == ["MCH-009"]
    assert other.parse("mesin las", TODAY, "id").names == []


def test_misspelt_names_are_matched_and_said() -> None:
    meaning = PARSER.parse("penjualan PT Global Tek bulan ini", TODAY, "id")
    (hit,) = meaning.names
    assert (hit.code, hit.exact) == ("CUST-005", False)
    plan = _plan("penjualan PT Global Tek bulan ini")
    assert plan is not None and any("PT Global Tech" in note for note in plan.notes)


def _plan(text: str, last: Plan | None = None, may: object = None) -> Plan | None:
    lang = detect_language(text)
    allowed = may if callable(may) else (lambda _p: True)
    return decide(PARSER.parse(text, TODAY, lang), Context(lang, TODAY, last, NAMES, allowed))


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("Berapa penjualan bulan ini?", "sales_summary", {"start": "2024-12-01", "end": "2024-12-27"}),
        ("sales per customer last month", "sales_summary", {"group_by": "customer", "start": "2024-11-01"}),
        ("penjualan PT Maju Jaya Q3 2024", "sales_summary", {"customer": "CUST-003", "start": "2024-07-01"}),
        ("top 3 customer tahun ini", "top_customers", {"limit": 3, "start": "2024-01-01"}),
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "What is the credit limit of PT Global Tech?",
            {"attributes": ["credit_limit"], "codes": ["CUST-005"]},
        ),
        ("which customers owe us the most?", {"metrics": ["receivables"], "group_by": ["customer"]}),
        (
            "hutang kita ke PT Baja Makmur berapa?",
            {"metrics": ["payables"], "filters": {"vendor": ["VND-001"]}},
        ),
        ("berapa kapasitas per jam mesin Injection Molding B2?", {"attributes": ["capacity"]}),
        (
            "kapan terakhir MCH-003 diservis dan berapa biayanya?",
            {"attributes": ["last_service", "last_service_cost"]},
        ),
        (
            "penjualan PT Maju Jaya vs PT Global Tech tahun ini",
            {"group_by": ["customer"], "metrics": ["sales"]},
        ),
        ("siapa supplier paling telat", {"metrics": ["otd_score"], "order": "asc"}),
        (
            "mesin mana yang paling sering error bulan ini",
            {"metrics": ["error_count"], "group_by": ["machine"]},
        ),
        ("how much did we spend on maintenance last quarter?", {"metrics": ["maint_cost"]}),
        ("status mesin semua", {"codes": ["MCH-001", "MCH-002", "MCH-003"]}),
    ],
)
def test_questions_are_read_as_asked(text: str, expected: dict[str, object]) -> None:
    plan = _plan(text)
    assert plan is not None and plan.tool in ("query_metrics", "lookup_attributes"), plan
    assert expected.items() <= plan.args.items()


def test_two_periods_are_compared_and_partial_months_said() -> None:
    plan = _plan("bandingkan penjualan november dan desember")
    assert plan is not None and plan.tool == "query_metrics"
    assert plan.args["period"]["start"] == "2024-12-01" and plan.args["compare"]["start"] == "2024-11-01"
    last = _plan("penjualan kuartal lalu vs kuartal ini")
    assert last is not None and last.args["compare"]["start"] == "2024-07-01"


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("penjulan bln ini brp", "'penjulan' dibaca 'penjualan'"),
        ("reject rate per gudang bulan ini", "tidak bisa dirinci per gudang"),
        ("top 5 pelanggan bulan ini", "diurutkan menurut penjualan"),
    ],
)
def test_what_was_inferred_is_said(text: str, note: str) -> None:
    plan = _plan(text)
    assert plan is not None and any(note in n for n in plan.notes), plan.notes


@pytest.mark.parametrize(
    "text",
    ["biaya bulan ini", "vendor terburuk", "PT Maju Jaya", "berapa kapasitasnya?", "hutang ke PT Global"],
)
def test_unclear_questions_are_asked_back(text: str) -> None:
    plan = _plan(text)
    assert plan is not None and plan.tool == "clarify" and len(plan.options) >= 2
    assert all(o.tool not in ("clarify", "cant") and o.label for o in plan.options)


@pytest.mark.parametrize(
    "text", ["berapa gaji operator bulan ini", "laba bulan ini berapa?", "cuaca hari ini"]
)
def test_unknown_subjects_are_not_answered_as_a_neighbour(text: str) -> None:
    first = _plan("penjualan bulan ini")
    assert _plan(text, first) is None


def test_options_offer_only_what_the_role_may_see() -> None:
    plan = _plan("PT Maju Jaya", may=lambda p: p == "SO.READ" or (isinstance(p, tuple) and "SO.READ" in p))
    assert plan is not None and plan.tool == "clarify"
    assert all("receivables" not in str(o.args) for o in plan.options)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("bandingkan penjualan VIP dan non-VIP tahun ini", ["Regular", "VIP"]),
        ("omzet pelanggan VIP dibanding pelanggan lainnya tahun ini", ["Regular", "VIP"]),
        ("sales of priority customers vs standard ones this year", ["Regular", "VIP"]),
        ("penjualan pelanggan selain VIP tahun ini", ["Regular"]),
    ],
)
def test_segment_words_come_from_the_catalog(text: str, segments: list[str]) -> None:
    """'non-VIP' is Regular (never VIP because it contains the word), 'the rest' is the other segment."""
    plan = _plan(text)
    assert plan is not None
    if plan.tool == "sales_summary" and len(segments) == 2:
        assert plan.args["group_by"] == "segment" and plan.args["segment"] is None
    elif plan.tool == "sales_summary":
        assert plan.args["segment"] == segments[0]
    else:
        assert plan.tool == "query_metrics" and plan.args["filters"]["segment"] == segments
    assert not any("tidak saya pakai" in n or "not used" in n for n in plan.notes)


@pytest.mark.parametrize(
    ("text", "now", "before"),
    [
        ("omzet dibanding tahun lalu", (date(2024, 1, 1), TODAY), (date(2023, 1, 1), date(2023, 12, 31))),
        ("penjualan vs minggu lalu", (date(2024, 12, 23), TODAY), (date(2024, 12, 16), date(2024, 12, 22))),
        ("sales compared to last month", (date(2024, 12, 1), TODAY), (date(2024, 11, 1), date(2024, 11, 30))),
        ("sales vs last quarter", (date(2024, 10, 1), TODAY), (date(2024, 7, 1), date(2024, 9, 30))),
    ],
)
def test_compared_with_a_named_period_means_the_current_one_of_its_grain(
    text: str, now: tuple[date, date], before: tuple[date, date]
) -> None:
    plan = _plan(text)
    assert plan is not None and plan.tool == "query_metrics"
    period, compare = plan.args["period"], plan.args["compare"]
    assert (period["start"], period["end"]) == (now[0].isoformat(), now[1].isoformat())
    assert (compare["start"], compare["end"]) == (before[0].isoformat(), before[1].isoformat())


def test_words_between_vs_and_a_period_are_what_is_compared() -> None:
    """'VIP vs reguler tahun ini' compares two segments over this year, not this month with this year."""
    plan = _plan("penjualan ke pelanggan VIP vs reguler tahun ini")
    assert plan is not None
    args = plan.args
    if plan.tool == "query_metrics":
        assert "compare" not in args and args["period"]["start"] == "2024-01-01"
    else:
        assert (
            plan.tool == "sales_summary" and args["group_by"] == "segment" and args["start"] == "2024-01-01"
        )


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("siapa customer yang belum order bulan ini?", "belum order"),
        ("berapa order yang belum dikirim?", "belum dikirim"),
        ("pelanggan yang tidak beli tahun ini", "tidak beli"),
        ("customers who haven't ordered this month", "haven t ordered"),
    ],
)
def test_a_negated_condition_is_said_back_never_dropped(text: str, phrase: str) -> None:
    """Summing what happened answers the opposite of 'who has not ordered': a can't naming the condition."""
    plan = _plan(text)
    assert plan is not None and plan.tool == "cant" and f"'{phrase}'" in plan.args["message"]


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("invoice yang belum dibayar", "receivables"),
        ("SO yang belum diapprove", "pending_approvals"),
        ("berapa piutang yang belum jatuh tempo?", "query_metrics"),
    ],
)
def test_negations_inside_phrases_we_answer_are_not_conditions(text: str, tool: str) -> None:
    plan = _plan(text)
    assert plan is not None and plan.tool in (tool, "receivables", "query_metrics")
    assert plan.tool != "cant"


@pytest.mark.parametrize(
    ("text", "tool", "order"),
    [
        ("supplier yang suka terlambat kirim", "query_metrics", "asc"),
        ("vendor mana yang paling sering telat kirim?", "query_metrics", "asc"),
        ("apakah PT Baja Makmur sering telat?", "vendor_scores", None),
    ],
)
def test_a_vendors_lateness_is_its_on_time_score_never_our_late_orders(
    text: str, tool: str, order: str | None
) -> None:
    plan = _plan(text)
    assert plan is not None and plan.tool == tool
    if tool == "query_metrics":
        assert plan.args["metrics"] == ["otd_score"] and plan.args["order"] == order
    assert not any("not used" in n or "tidak saya pakai" in n for n in plan.notes)


def test_a_follow_up_narrows_or_regroups_or_says_why_not() -> None:
    """'yang VIP saja' narrows the last question; 'per segmen' after a rich tool that cannot split so is
    a compiled query; a segment after the stock is said back, never dropped."""
    sales = _plan("penjualan bulan lalu per pelanggan")
    vip = _plan("yang VIP saja", sales)
    assert vip is not None and vip.tool == "sales_summary"
    assert (vip.args["segment"], vip.args["group_by"], vip.args["start"]) == ("VIP", "customer", "2024-11-01")
    receivables = _plan("piutang")
    per_segment = _plan("per segmen", receivables)
    assert per_segment is not None and per_segment.tool == "query_metrics"
    assert per_segment.args["metrics"] == ["receivables"] and per_segment.args["group_by"] == ["segment"]
    stock = _plan("stok per gudang")
    assert stock is not None and stock.tool == "query_metrics"
    refused = _plan("yang VIP saja", stock)
    assert refused is not None and refused.tool == "cant" and "segmen" in refused.args["message"]
    regrouped = _plan("per pelanggan", _plan("piutang jatuh tempo per segmen"))
    assert regrouped is not None and regrouped.args["group_by"] == ["customer"]


def test_a_model_suffix_names_its_machine_and_an_unresolved_one_is_not_dropped() -> None:
    plan = _plan("reject rate mesin B2 minggu ini")
    assert plan is not None and plan.tool == "machine_performance" and plan.args["machine"] == "MCH-002"
    meaning = PARSER.parse("reject rate mesin Z9 minggu ini", TODAY, "id")
    assert meaning.leftovers == ["z9"]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("reject rate mesin Z9 minggu ini", "Z9"),
        ("stok barang X200", "X200"),
        ("penjualan customer ZZ1", "ZZ1"),
    ],
)
def test_an_unknown_code_after_a_kind_is_not_answered_as_all_of_them(text: str, word: str) -> None:
    """'mesin Z9' is no machine of ours: said, with the ones we know, never the whole factory's figure."""
    plan = _plan(text)
    assert plan is not None and plan.tool == "cant" and f"'{word}'" in plan.args["message"]


def test_the_said_period_is_the_one_the_machine_view_answers_for() -> None:
    plan = _plan("mesin B2 reject berapa")
    assert plan is not None and plan.tool == "machine_performance"
    assert "periode: hari ini" in plan.notes and "periode: bulan ini" not in plan.notes


def test_a_ranking_over_what_a_figure_is_not_recorded_by_is_not_another_ranking() -> None:
    plan = _plan("which item has the highest reject rate?")
    assert plan is not None and plan.tool == "cant" and "reject rate by item" in plan.args["message"]


@pytest.mark.parametrize(
    "text",
    [
        "show me sales for each month this year",
        "omzet masing-masing bulan tahun ini",
        "sales by quarter this year",
    ],
)
def test_every_way_to_ask_for_a_time_grain_groups_by_it(text: str) -> None:
    plan = _plan(text)
    assert (
        plan is not None
        and plan.tool == "query_metrics"
        and plan.args["group_by"] in (["month"], ["quarter"])
    )


def test_a_bare_start_of_the_year_is_not_the_year_to_date() -> None:
    """'awal tahun' alone may mean January: no period is read into it (the answer then says what it used)."""
    assert find_period("penjualan awal tahun", TODAY) is None


def test_a_ranking_after_another_question_is_a_question_of_its_own() -> None:
    terms = _plan("top pelanggan PT Global Tech berapa hari")
    assert (
        terms is not None
        and terms.tool == "lookup_attributes"
        and terms.args["attributes"] == ["payment_terms"]
    )
    ranking = _plan("top 5 pelanggan bulan ini", terms)
    assert ranking is not None and ranking.tool in ("top_customers", "query_metrics")
