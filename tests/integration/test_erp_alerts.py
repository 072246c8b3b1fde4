"""The assistant notices ERP changes (issue 14): one sync cycle fires or clears alerts and changes answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from agent.factory import make_agent
from channels.identity import load_caller
from erp.demo import init_demo
from erp.erpdb import erp_table
from erp.mapping import BY_NAME
from erp.pipeline import run_once
from erp.verify import verify
from tests.erputil import fresh_erp
from tests.integration.alerts_helpers import cleared_keys, evaluate, open_keys
from textkit.format import money
from warehouse.schema import LogSla, LogStatus, TDo, TPo, TSo, TWo
from warehouse.seed.calendar import SPEC_TODAY

TZ = ZoneInfo("Asia/Jakarta")
OVERSOLD = "stock_oversold:ITM-002:WH-A1"


@pytest.fixture
def erp() -> Iterator[tuple[Engine, Engine]]:
    """(writer, read-only reader) on a fresh MariaDB ERP holding the sample business."""
    with fresh_erp() as (writer, reader):
        init_demo(writer, SPEC_TODAY, TZ)
        yield writer, reader


def _erp_edit(writer: Engine, table: str, where: object, **values: object) -> None:
    now = datetime.now(TZ).replace(tzinfo=None, microsecond=0)
    with writer.begin() as conn:
        conn.execute(update(erp_table(BY_NAME[table])).where(where).values(**values, last_modified=now))


def test_sync_into_the_seeded_warehouse_adopts_its_rows(erp, seeded_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    _writer, reader = erp
    report = run_once(reader, seeded_engine, TZ)
    assert report.dead == 0
    assert all(d.equal for d in verify(reader, seeded_engine, TZ))  # no line doubled, no order twice


def test_an_oversold_item_and_a_payment_from_the_erp_fire_and_clear_alerts(
    erp, seeded_engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    writer, reader = erp
    run_once(reader, seeded_engine, TZ)
    evaluate(seeded_engine, "stock", "ar_overdue")
    assert OVERSOLD not in open_keys(seeded_engine)
    assert "ar_overdue:CUST-004" in open_keys(seeded_engine)

    stock = erp_table(BY_NAME["stock"])
    _erp_edit(
        writer, "stock", (stock.c.item_code == "ITM-002") & (stock.c.loc_code == "WH-A1"), reserved=999_999
    )
    invoice = erp_table(BY_NAME["invoice"])
    _erp_edit(writer, "invoice", invoice.c.cust_code == "CUST-004", paid_date=SPEC_TODAY, inv_status="P")
    run_once(reader, seeded_engine, TZ)  # one sync cycle
    evaluate(seeded_engine, "stock", "ar_overdue")
    assert open_keys(seeded_engine)[OVERSOLD] == "Medium"
    assert "ar_overdue:CUST-004" in cleared_keys(seeded_engine)

    _erp_edit(writer, "stock", (stock.c.item_code == "ITM-002") & (stock.c.loc_code == "WH-A1"), reserved=0)
    run_once(reader, seeded_engine, TZ)
    evaluate(seeded_engine, "stock")
    assert OVERSOLD in cleared_keys(seeded_engine)


def test_an_erp_edit_changes_the_next_answer(erp, seeded_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    writer, reader = erp
    run_once(reader, seeded_engine, TZ)
    agent = make_agent(sessionmaker(seeded_engine), SPEC_TODAY)
    with sessionmaker(seeded_engine)() as s:
        director = load_caller(s, "director")
    question = "What is the credit limit of PT Global Tech?"
    assert money(Decimal(1_000_000_000), "en") in agent.ask(director, question, "c1").answer
    customer = erp_table(BY_NAME["customer"])
    _erp_edit(writer, "customer", customer.c.cust_code == "CUST-005", credit_limit=Decimal(1_234_000_000))
    run_once(reader, seeded_engine, TZ)
    assert money(Decimal(1_234_000_000), "en") in agent.ask(director, question, "c2").answer


def test_a_warehouse_fed_only_by_the_sync_keeps_status_history_and_sla_clocks(
    erp, empty_engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    writer, reader = erp
    run_once(reader, empty_engine, TZ)
    with Session(empty_engine) as s:
        docs = {("SO", r.id): r.status for r in s.scalars(select(TSo))}
        docs |= {("PO", r.id): r.status for r in s.scalars(select(TPo))}
        docs |= {("DO", r.id): r.status for r in s.scalars(select(TDo))}
        docs |= {("WO", r.id): r.status for r in s.scalars(select(TWo))}
        logged = {(r.entity_type, r.entity_id): r.new_status for r in s.scalars(select(LogStatus))}
        pending = s.execute(
            select(TSo.doc_no, TSo.order_dt).where(TSo.status == "Pending").order_by(TSo.doc_no)
        ).all()
    assert logged == docs  # one entry per document, its current status
    late = [doc for doc, day in pending if day < SPEC_TODAY - timedelta(days=1)]  # a day to approve
    assert late, pending
    evaluate(empty_engine, "sla")
    assert {f"sla:{doc}:Approval" for doc in late} <= set(open_keys(empty_engine, "sla:"))

    orders = erp_table(BY_NAME["sales_order"])
    _erp_edit(writer, "sales_order", orders.c.so_no == late[0], so_status="A", approved_date=SPEC_TODAY)
    run_once(reader, empty_engine, TZ)
    run_once(reader, empty_engine, TZ)  # a second cycle (and the overlap's re-read) adds nothing
    with Session(empty_engine) as s:
        so_id = s.scalars(select(TSo.id).where(TSo.doc_no == late[0])).one()
        history = s.execute(
            select(LogStatus.old_status, LogStatus.new_status)
            .where(LogStatus.entity_type == "SO", LogStatus.entity_id == so_id)
            .order_by(LogStatus.changed_at)
        ).all()
        clock = s.scalars(select(LogSla).where(LogSla.entity_type == "SO", LogSla.entity_id == so_id)).one()
    assert [tuple(h) for h in history] == [(None, "Pending"), ("Pending", "Approved")]
    assert clock.completed_at is not None and clock.is_breached and clock.actual_min is not None
    evaluate(empty_engine, "sla")
    assert f"sla:{late[0]}:Approval" in cleared_keys(empty_engine)
