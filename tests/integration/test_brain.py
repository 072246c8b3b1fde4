"""The brain on a real warehouse (SQLite and PostgreSQL): the questions of issue 17 are answered as asked
(figures re-derived here with plain SQL), ambiguous ones are asked back with numbered options that a
reply of "1" continues, new subjects start fresh, and refusals leak nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from agent.core import Agent, Reply
from agent.factory import make_agent
from channels.identity import load_caller
from retrieval.machines import machine_names
from retrieval.metadata import find_machines
from semantic.catalog import CATALOG
from textkit.format import day, money, pct, qty
from tools.registry import Caller


def one(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


@pytest.fixture
def agent(seeded_engine: Engine, spec_today: date) -> Agent:
    return make_agent(sessionmaker(seeded_engine), spec_today)


def caller(engine: Engine, user: str) -> Caller:
    with sessionmaker(engine)() as s:
        return load_caller(s, user)


def ask(agent: Agent, who: Caller, question: str, conversation: str = "c") -> Reply:
    return agent.ask(who, question, conversation)


def test_credit_limit_is_an_attribute_not_sales(agent: Agent, seeded_engine: Engine) -> None:
    director = caller(seeded_engine, "director")
    reply = ask(agent, director, "What is the credit limit of PT Global Tech?")
    limit = one(seeded_engine, "SELECT credit_lim FROM m_cust WHERE name = 'PT Global Tech'")
    assert reply.intent == "lookup_attributes" and money(Decimal(str(limit)), "en") in reply.answer
    assert reply.tools[0]["args"]["attributes"] == ["credit_limit"]


def test_who_owes_us_is_receivables_by_customer(agent: Agent, seeded_engine: Engine) -> None:
    reply = ask(agent, caller(seeded_engine, "director"), "which customers owe us the most?")
    args = reply.tools[0]["args"]
    assert args["metrics"] == ["receivables"] and args["group_by"] == ["customer"] and args["order"] == "desc"
    top_name, top_amt = (
        sessionmaker(seeded_engine)()
        .execute(
            text(
                "SELECT c.name, SUM(a.amt) FROM t_ar a JOIN m_cust c ON c.id = a.cust_id "
                "WHERE a.paid_dt IS NULL AND a.deleted_at IS NULL GROUP BY c.name ORDER BY 2 DESC LIMIT 1"
            )
        )
        .one()
    )
    first = reply.answer.splitlines()[1]
    assert first.startswith("1. ") and top_name in first and money(Decimal(str(top_amt)), "en") in first
    assert "payable" not in reply.answer.lower()


def test_capacity_and_last_service_of_a_machine(agent: Agent, seeded_engine: Engine) -> None:
    director = caller(seeded_engine, "director")
    cap = ask(agent, director, "berapa kapasitas per jam mesin Injection Molding B2?")
    rated = one(seeded_engine, "SELECT cap_per_hr FROM m_machine WHERE code = 'MCH-002'")
    assert cap.intent == "lookup_attributes" and qty(Decimal(str(rated)), "id") in cap.answer
    assert "reject" not in cap.answer.lower()
    svc = ask(agent, director, "kapan terakhir MCH-002 diservis dan berapa biayanya?", "c2")
    last_dt, last_cost = (
        sessionmaker(seeded_engine)()
        .execute(
            text(
                "SELECT m.maint_dt, m.cost FROM t_maint m JOIN m_machine k ON k.id = m.machine_id "
                "WHERE k.code = 'MCH-002' AND m.deleted_at IS NULL "
                "ORDER BY m.maint_dt DESC, m.id DESC LIMIT 1"
            )
        )
        .one()
    )
    when = last_dt if isinstance(last_dt, date) else date.fromisoformat(str(last_dt))
    assert day(when, "id") in svc.answer and money(Decimal(str(last_cost)), "id") in svc.answer


def test_what_we_owe_a_vendor_is_every_open_bill(agent: Agent, seeded_engine: Engine) -> None:
    reply = ask(agent, caller(seeded_engine, "director"), "hutang kita ke CV Jaya Abadi berapa?")
    owed = one(
        seeded_engine,
        "SELECT SUM(b.amt) FROM t_ap b JOIN m_vendor v ON v.id = b.vendor_id "
        "WHERE v.name = 'CV Jaya Abadi' AND b.paid_dt IS NULL AND b.deleted_at IS NULL",
    )
    assert reply.tools[0]["args"]["filters"] == {"vendor": ["VND-002"]}
    assert money(Decimal(str(owed)), "id") in reply.answer


def test_compare_two_months(agent: Agent, seeded_engine: Engine, spec_today: date) -> None:
    reply = ask(agent, caller(seeded_engine, "director"), "bandingkan penjualan november dan desember")
    sql = (
        "SELECT COALESCE(SUM(total_amt), 0) FROM t_so WHERE status IN ('Approved', 'Closed') "
        "AND deleted_at IS NULL AND order_dt BETWEEN :a AND :b"
    )
    nov = Decimal(str(one(seeded_engine, sql, a=date(2024, 11, 1), b=date(2024, 11, 30))))
    dec = Decimal(str(one(seeded_engine, sql, a=date(2024, 12, 1), b=spec_today)))
    assert money(nov, "id") in reply.answer and money(dec, "id") in reply.answer
    change = ((dec - nov) * 100 / nov).quantize(Decimal("0.1"))
    assert pct(change, "id") in reply.answer


def test_shorthand_and_typos_are_read_and_said(agent: Agent, seeded_engine: Engine, spec_today: date) -> None:
    reply = ask(agent, caller(seeded_engine, "director"), "penjulan bln ini brp")
    sales = one(
        seeded_engine,
        "SELECT SUM(total_amt) FROM t_so WHERE status IN ('Approved', 'Closed') AND deleted_at IS NULL "
        "AND order_dt BETWEEN :a AND :b",
        a=spec_today.replace(day=1),
        b=spec_today,
    )
    assert money(Decimal(str(sales)), "id") in reply.answer
    assert "'penjulan' dibaca 'penjualan'" in reply.answer


def test_a_new_subject_does_not_inherit_the_document(agent: Agent, seeded_engine: Engine) -> None:
    director = caller(seeded_engine, "director")
    doc = one(seeded_engine, "SELECT doc_no FROM t_so ORDER BY doc_no LIMIT 1 OFFSET 2")
    first = ask(agent, director, f"status {doc}", "conv")
    assert first.intent == "so_status"
    second = ask(agent, director, "What is the credit limit of PT Global Tech?", "conv")
    assert second.intent == "lookup_attributes" and doc not in second.answer


def test_an_unclear_word_is_asked_back_and_a_number_continues(agent: Agent, seeded_engine: Engine) -> None:
    director = caller(seeded_engine, "director")
    question = ask(agent, director, "biaya bulan ini", "clar")
    assert question.intent == "clarify" and not question.tools and "1." in question.answer
    options = [line.split(". ", 1)[1] for line in question.answer.splitlines() if line[:1].isdigit()]
    assert len(options) >= 2
    chosen = ask(agent, director, "2", "clar")
    labels = {CATALOG.metrics[m].words.id: m for m in CATALOG.metrics}
    assert chosen.intent == "query_metrics" and chosen.tools[0]["args"]["metrics"] == [labels[options[1]]]
    again = ask(agent, director, "2", "clar")  # the clarification was answered: "2" alone asks nothing now
    assert again.intent == "unknown" and not again.tools


def test_a_bare_name_is_asked_about(agent: Agent, seeded_engine: Engine) -> None:
    director = caller(seeded_engine, "director")
    reply = ask(agent, director, "PT Maju Jaya", "bare")
    assert reply.intent == "clarify" and "PT Maju Jaya" in reply.answer
    picked = ask(agent, director, "1", "bare")
    assert picked.intent == "query_metrics" and picked.tools[0]["args"]["filters"] == {
        "customer": ["CUST-003"]
    }
    follow = ask(agent, director, "dan bulan lalu?", "bare")
    assert follow.tools[0]["args"]["period"]["start"] == "2024-11-01"
    assert follow.tools[0]["args"]["filters"] == {"customer": ["CUST-003"]}


def test_unknown_words_are_named_never_answered_as_a_neighbour(agent: Agent, seeded_engine: Engine) -> None:
    director = caller(seeded_engine, "director")
    ask(agent, director, "penjualan bulan ini", "oos")
    reply = ask(agent, director, "berapa gaji operator bulan ini", "oos")
    assert reply.intent == "unknown" and not reply.tools and "'gaji'" in reply.answer


def test_a_figure_not_recorded_per_that_thing_is_said(agent: Agent, seeded_engine: Engine) -> None:
    reply = ask(agent, caller(seeded_engine, "director"), "sales of Injection Molding B2 this month")
    assert not reply.tools and "not recorded per machine" in reply.answer


def test_refused_metrics_leak_nothing(agent: Agent, seeded_engine: Engine) -> None:
    operator = caller(seeded_engine, "operator1")
    reply = ask(agent, operator, "which customers owe us the most?")
    total = one(seeded_engine, "SELECT SUM(amt) FROM t_ar WHERE paid_dt IS NULL AND deleted_at IS NULL")
    assert reply.refused and money(Decimal(str(total)), "id") not in reply.answer
    assert money(Decimal(str(total)), "en") not in reply.answer


def test_rankings_and_trends(agent: Agent, seeded_engine: Engine, spec_today: date) -> None:
    director = caller(seeded_engine, "director")
    top = ask(agent, director, "top 3 produk terlaris tahun ini")
    assert top.tools[0]["args"]["group_by"] == ["item"] and top.tools[0]["args"]["limit"] == 3
    best = (
        sessionmaker(seeded_engine)()
        .execute(
            text(
                "SELECT i.name FROM t_so_detail d JOIN t_so s ON s.id = d.so_id "
                "JOIN m_item i ON i.id = d.item_id "
                "WHERE s.status IN ('Approved', 'Closed') AND s.deleted_at IS NULL AND d.deleted_at IS NULL "
                "AND s.order_dt BETWEEN :a AND :b GROUP BY i.name ORDER BY SUM(d.line_amt) DESC LIMIT 1"
            ),
            {"a": date(spec_today.year, 1, 1), "b": spec_today},
        )
        .scalar()
    )
    assert top.answer.splitlines()[1].startswith(f"1. {best}")
    worst = ask(agent, director, "vendor terburuk", "w")
    assert worst.intent == "clarify"
    chosen = ask(agent, director, "1", "w")
    lowest = one(seeded_engine, "SELECT name FROM m_vendor ORDER BY otd_score ASC LIMIT 1")
    assert chosen.tools[0]["args"]["order"] == "asc" and f"1. {lowest}" in chosen.answer
    trend = ask(agent, director, "penjualan per bulan tahun ini")
    assert trend.tools[0]["args"]["group_by"] == ["month"]


def test_manual_machine_names_come_from_the_master_data(seeded_engine: Engine) -> None:
    """Manuals are tagged by the machines' names and models as the warehouse has them (no hand list)."""
    names = dict(machine_names(seeded_engine))
    assert names["engel victory 200"] == "MCH-002" and names["welding robot c1"] == "MCH-003"
    assert find_machines("Check the Engel Victory 200 nozzle", machine_names(seeded_engine)) == {"MCH-002"}
    with seeded_engine.begin() as conn:
        conn.execute(text("UPDATE m_machine SET name = 'Laser Cutter Z9' WHERE code = 'MCH-001'"))
    assert find_machines("the laser cutter z9 lens", machine_names(seeded_engine)) == {"MCH-001"}
