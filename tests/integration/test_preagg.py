"""Pre-aggregations give exactly the base tables' answers, on SQLite and PostgreSQL, for every metric a rollup
covers by every dimension, filter and period shape; anything a rollup cannot answer goes to the base tables.

One warehouse per backend (the sample data plus scale-1 synthetic history: 24 months of orders and shift
logs), rollups refreshed once; every query runs twice, with and without the rollups, and must agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from semantic.catalog import CATALOG
from semantic.compiler import Compiler, QueryResult, pick_source
from semantic.picker import RollupPicker
from semantic.preagg import refresh
from semantic.query import Query, Span
from tests.conftest import TZ
from tests.dbutil import fresh_database
from tests.integration.preagg_helpers import answer, rollup_rows
from warehouse.schema import MCust, MItem, MMachine, TShiftLog
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY
from warehouse.seed.synthetic import add_synthetic_history

# Written out here, independently of semantic/rollups.py: what each base source's rollups can answer.
COVERED = {
    "so": ({"sales", "orders"}, [set(), {"customer", "segment"}]),
    "so_line": ({"sales", "qty_sold"}, [{"item", "category"}]),
    "shift": ({"output", "rejects", "good_output", "downtime", "ideal_output"}, [{"shift"}, {"machine"}]),
}
MONTHLY_ONLY = {"shift": [{"machine", "shift"}]}  # answers periods of whole months only
PARTS = {"avg_order_value": {"sales", "orders"}, "reject_rate": {"rejects", "output"}}
PARTS["oee"] = {"good_output", "ideal_output"}
METRICS = ["sales", "orders", "avg_order_value", "qty_sold", "output", "rejects", "good_output"]
METRICS += ["reject_rate", "downtime", "oee"]
GROUPS = [
    [],
    ["customer"],
    ["item"],
    ["segment"],
    ["category"],
    ["machine"],
    ["shift"],
    ["month"],
    ["year"],
    ["week"],
    ["quarter"],
    ["item", "week"],
    ["machine", "shift"],
    ["shift", "week"],
    ["segment", "quarter"],
    ["category", "month"],
    ["customer", "item"],
    ["operator"],
]


def span(start: str, end: str) -> Span:
    return Span(start=date.fromisoformat(start), end=date.fromisoformat(end))


# (period, comparison): whole months only, months plus partial ends, inside one month, all time, and two
# comparisons; the spec's December holds the hand-written sample documents.
PERIODS: list[tuple[Span | None, Span | None]] = [
    (None, None),
    (span("2023-01-01", "2023-12-31"), None),
    (span("2024-01-01", "2024-08-15"), None),
    (span("2023-03-10", "2024-06-20"), None),
    (span("2024-08-03", "2024-08-17"), None),
    (span("2024-07-01", "2024-07-31"), span("2024-06-01", "2024-06-30")),
    (span("2024-12-01", "2024-12-27"), span("2024-11-01", "2024-11-27")),
]


@dataclass
class Warehouse:
    """A seeded, refreshed warehouse and filter values that exist in it, per dimension."""

    engine: Engine
    values: dict[str, list[str]]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Warehouse]:
    with fresh_database(str(request.param), tmp_path_factory.mktemp("preagg")) as engine:
        seed_base(engine, SPEC_TODAY, TZ)
        add_synthetic_history(engine, 1, SPEC_TODAY)
        refresh(engine)
        with engine.connect() as conn:
            first = lambda col: [str(v) for v in conn.scalars(select(col).distinct().order_by(col).limit(2))]  # noqa: E731
            values = {
                "customer": first(MCust.code),
                "segment": first(MCust.segment)[:1],
                "item": first(MItem.code),
                "category": first(MItem.category)[:1],
                "machine": first(MMachine.code),
                "shift": first(TShiftLog.shift)[:1],
            }
        yield Warehouse(engine, values)


def run(engine: Engine, query: Query, rollups: bool) -> QueryResult:
    with Session(engine) as session:
        return Compiler(SPEC_TODAY, rollups=RollupPicker() if rollups else None).run(session, query)


def expect_rollup(metric: str, query: Query) -> bool:
    """Whether some rollup should answer this metric (by the tables above, not the picker's code)."""
    dims = set(query.group_by) | set(query.filters)
    plain = {d for d in dims if not CATALOG.dimensions[d].time_grain}
    source = pick_source(CATALOG.metrics[metric], dims)
    covered, dim_sets = COVERED.get(source, (set(), []))
    if not PARTS.get(metric, {metric}) <= covered:
        return False
    if any(plain <= s for s in dim_sets):
        return True
    period = query.period
    months = period is None or (period.start.day == 1 and (period.end + timedelta(days=1)).day == 1)
    by_day = bool({"day", "week"} & set(query.group_by))
    return months and not by_day and any(plain <= s for s in MONTHLY_ONLY.get(source, []))


def queries(metric: str, values: dict[str, list[str]]) -> Iterator[Query]:
    """Every valid combination of a group-by, a filter (none, or one on a dimension) and a period."""
    allowed = CATALOG.dims_of(metric)
    for group in GROUPS:
        if not set(group) <= allowed:
            continue
        filters: list[dict[str, list[str]]] = [{}]
        filters += [{d: v} for d, v in values.items() if d in allowed and d not in group][:2]
        for flt in filters:
            for period, compare in PERIODS:
                if compare is not None and (flt or len(group) > 1):
                    continue  # comparisons once per group-by keep the run short
                order = {"order": "desc", "limit": 3} if group == ["customer"] and flt == {} else {}
                yield Query(
                    metrics=[metric], group_by=group, filters=flt, period=period, compare=compare, **order
                )


@pytest.mark.parametrize("metric", METRICS)
def test_rollups_answer_exactly_as_the_base_tables(warehouse: Warehouse, metric: str) -> None:
    used = 0
    for query in queries(metric, warehouse.values):
        base, rolled = run(warehouse.engine, query, False), run(warehouse.engine, query, True)
        shown = query.model_dump_json(exclude_none=True)
        assert answer(rolled) == answer(base), shown
        on_rollup = rolled.sources[metric].startswith("agg_")
        assert on_rollup == expect_rollup(metric, query), shown
        assert not base.sources[metric].startswith("agg_")
        used += on_rollup
    assert used >= 20  # the comparison above ran on rollups, not only on the base tables


def test_the_checks_see_data(warehouse: Warehouse) -> None:
    """The matrix compares real figures: each period holds sales and output, and groups have many rows."""
    for period, _ in PERIODS[1:]:
        result = run(warehouse.engine, Query(metrics=["sales", "output"], period=period), True)
        assert all(v for v in result.total.values()), period
    by_customer = run(warehouse.engine, Query(metrics=["sales"], group_by=["customer"]), True)
    assert len(by_customer.rows) >= 10 and by_customer.sources["sales"] == "agg_sales_cust"


def test_refresh_twice_gives_the_same_rows(warehouse: Warehouse) -> None:
    before = rollup_rows(warehouse.engine)
    report = refresh(warehouse.engine)
    assert rollup_rows(warehouse.engine) == before
    assert report.rows == {name: len(rows) for name, rows in before.items()}
    assert all(report.rows.values())
