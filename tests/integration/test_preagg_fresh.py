"""A rollup answers only while it is fresh: any change to its base tables after the last refresh sends queries
to the base tables (never a stale figure) until refresh() runs again; partial refreshes equal full ones."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from semantic.catalog import CATALOG
from semantic.compiler import Compiler, QueryResult
from semantic.picker import RollupPicker
from semantic.preagg import freshness, refresh
from semantic.query import Query, Span
from semantic.rollups import ROLLUPS
from semantic.sources import SOURCES
from tests.integration.preagg_helpers import answer, rollup_rows
from warehouse.schema import MMachine, TSo

DECEMBER = Span(start=date(2024, 12, 1), end=date(2024, 12, 27))
BY_CUSTOMER = Query(metrics=["sales", "orders"], group_by=["customer"], period=DECEMBER)
BY_MACHINE = Query(metrics=["oee"], group_by=["machine"], period=DECEMBER)


def ask(engine: Engine, query: Query, today: date) -> tuple[QueryResult, QueryResult]:
    """The query with rollups, then without."""
    with Session(engine) as session:
        rolled = Compiler(today, rollups=RollupPicker()).run(session, query)
        return rolled, Compiler(today).run(session, query)


def fresh(engine: Engine) -> dict[str, bool]:
    with engine.connect() as conn:
        return freshness(conn)


def booked_order(session: Session) -> TSo:
    """The sample's approved order of 27 December (SO-202412-0004)."""
    return session.scalars(select(TSo).where(TSo.doc_no == "SO-202412-0004")).one()


def new_order(cust_id: int, stamp: datetime) -> TSo:
    """An approved order of 26 December as an ERP load would write it, with its own timestamps."""
    return TSo(
        uuid=uuid.uuid4(),
        doc_no="SO-ERP-0001",
        cust_id=cust_id,
        order_dt=date(2024, 12, 26),
        total_amt=Decimal("5000000"),
        status="Approved",
        created_at=stamp,
        updated_at=stamp,
    )


def test_never_refreshed_means_base_tables(seeded_engine: Engine, spec_today: date) -> None:
    assert not any(fresh(seeded_engine).values())
    rolled, base = ask(seeded_engine, BY_CUSTOMER, spec_today)
    assert rolled.sources == {"sales": "so", "orders": "so"}
    assert answer(rolled) == answer(base)


def test_a_changed_order_falls_back_until_refreshed(seeded_engine: Engine, spec_today: date) -> None:
    refresh(seeded_engine)
    rolled, _ = ask(seeded_engine, BY_CUSTOMER, spec_today)
    assert rolled.sources["sales"] == "agg_sales_cust"
    with Session(seeded_engine) as session:
        booked_order(session).total_amt += Decimal(1000)
        session.commit()
    assert fresh(seeded_engine) == {r.name: r.name.startswith("agg_prod") for r in ROLLUPS}
    stale, base = ask(seeded_engine, BY_CUSTOMER, spec_today)
    assert stale.sources["sales"] == "so"
    assert answer(stale) == answer(base)
    assert base.total["sales"] == rolled.total["sales"] + 1000  # not the rollup's old figure
    refresh(seeded_engine)
    again, base = ask(seeded_engine, BY_CUSTOMER, spec_today)
    assert again.sources["sales"] == "agg_sales_cust" and answer(again) == answer(base)


def test_a_backdated_insert_is_seen(seeded_engine: Engine, spec_today: date) -> None:
    """An ERP load that carries its own, older timestamps still changes max(id)."""
    refresh(seeded_engine)
    old = datetime(2020, 1, 1, tzinfo=UTC)
    with Session(seeded_engine) as session:
        cust_id = booked_order(session).cust_id
        session.add(new_order(cust_id, old))
        session.commit()
    assert not fresh(seeded_engine)["agg_sales_cust"]
    rolled, base = ask(seeded_engine, BY_CUSTOMER, spec_today)
    assert rolled.sources["sales"] == "so" and answer(rolled) == answer(base)


def test_a_soft_delete_is_seen(seeded_engine: Engine, spec_today: date) -> None:
    refresh(seeded_engine)
    before, _ = ask(seeded_engine, BY_CUSTOMER, spec_today)
    with Session(seeded_engine) as session:
        order = booked_order(session)
        order.deleted_at, amount = datetime.now(UTC), order.total_amt
        session.commit()
    rolled, base = ask(seeded_engine, BY_CUSTOMER, spec_today)
    assert rolled.sources["sales"] == "so" and answer(rolled) == answer(base)
    assert base.total["sales"] == before.total["sales"] - amount
    refresh(seeded_engine)
    again, _ = ask(seeded_engine, BY_CUSTOMER, spec_today)
    assert again.sources["sales"] == "agg_sales_cust" and again.total == base.total


def test_a_machine_capacity_change_stales_only_production(seeded_engine: Engine, spec_today: date) -> None:
    """Rated output bakes in cap_per_hr: production rollups go stale with m_machine, sales ones do not."""
    refresh(seeded_engine)
    with Session(seeded_engine) as session:
        session.execute(update(MMachine).where(MMachine.code == "MCH-001").values(cap_per_hr=999))
        session.commit()
    assert fresh(seeded_engine) == {r.name: not r.name.startswith("agg_prod") for r in ROLLUPS}
    rolled, base = ask(seeded_engine, BY_MACHINE, spec_today)
    assert rolled.sources["oee"] == "shift" and answer(rolled) == answer(base)


def test_refresh_since_a_day_equals_a_full_refresh(seeded_engine: Engine, spec_today: date) -> None:
    refresh(seeded_engine)
    with Session(seeded_engine) as session:
        booked_order(session).total_amt += Decimal(7)  # dated 27 December
        session.commit()
    report = refresh(seeded_engine, since=date(2024, 12, 15))
    partial = rollup_rows(seeded_engine)
    assert report.since == date(2024, 12, 15) and all(fresh(seeded_engine).values())
    refresh(seeded_engine)
    assert rollup_rows(seeded_engine) == partial
    rolled, base = ask(seeded_engine, BY_CUSTOMER, spec_today)
    assert rolled.sources["sales"] == "agg_sales_cust" and answer(rolled) == answer(base)


def test_refresh_in_the_callers_transaction(seeded_engine: Engine) -> None:
    """A Session runs the refresh in its own transaction: nothing is kept unless the caller commits."""
    with Session(seeded_engine) as session:
        refresh(session)
        session.rollback()
    assert not any(fresh(seeded_engine).values())
    with Session(seeded_engine) as session:
        refresh(session)
        session.commit()
    assert all(fresh(seeded_engine).values())


def test_a_hard_delete_of_the_newest_order_is_seen(seeded_engine: Engine, spec_today: date) -> None:
    """Freshness is an exact match, not a high-water mark: a version that goes down is a change too."""
    with Session(seeded_engine) as session:
        cust_id = booked_order(session).cust_id
        session.add(new_order(cust_id, datetime.now(UTC)))
        session.commit()
    refresh(seeded_engine)
    with Session(seeded_engine) as session:
        session.execute(delete(TSo).where(TSo.doc_no == "SO-ERP-0001"))
        session.commit()
    assert not fresh(seeded_engine)["agg_sales_cust"]
    rolled, base = ask(seeded_engine, BY_CUSTOMER, spec_today)
    assert rolled.sources["sales"] == "so" and answer(rolled) == answer(base)


def test_a_changed_definition_is_stale(seeded_engine: Engine) -> None:
    """Rows built by other code are stale: here, agg_sales redeclared with monthly rows only."""
    refresh(seeded_engine)
    changed = replace(ROLLUPS[0], grains=("M",))
    with seeded_engine.connect() as conn:
        assert freshness(conn, [ROLLUPS[0]]) == {"agg_sales": True}
        assert freshness(conn, [changed]) == {"agg_sales": False}


def test_rollups_do_not_depend_on_the_business_date() -> None:
    """Rollup rows are built once for every day: their filters and sums must not read `today`."""

    def sql(clause: object) -> str:
        return str(clause.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]

    days = (date(2024, 12, 27), date(2031, 1, 1) - timedelta(days=1))
    for rollup in ROLLUPS:
        source = SOURCES[rollup.base]
        assert len({" ".join(sql(w) for w in source.where(d)) for d in days}) == 1, rollup.name
        for metric in rollup.measures:
            exprs = {sql(CATALOG.metrics[metric].exprs[rollup.base](d)) for d in days}
            assert len(exprs) == 1, (rollup.name, metric)
