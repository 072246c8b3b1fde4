"""Rollup rows make up every period exactly once: whole quarters, months and weeks from their own rows, the
days left over from daily rows; a query grouped by a time grain reads only rows inside one group. Checked
on an in-memory SQLite table of every day, week, month and quarter built with the rollups' own SQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, create_engine, func, insert, literal_column, select
from sqlalchemy.pool import StaticPool

from semantic.grains import UNITS, pieces, readable, start_expr, unit_start
from semantic.query import Span
from semantic.rollups import ALL_GRAINS, rows_of
from warehouse.schema import AggSales

FIRST, LAST = date(2022, 11, 1), date(2025, 2, 28)
ALL_DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


@pytest.fixture(scope="module")
def calendar() -> Iterator[Engine]:
    """agg_sales with a daily row per day and W, M, Q rows rolled up from them by start_expr."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    AggSales.__table__.create(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(AggSales), [{"grain": "D", "day": d, "sales_amt": 1, "order_count": 1} for d in ALL_DAYS]
        )
        for grain in ("W", "M", "Q"):
            start = start_expr(grain, AggSales.day, "sqlite")
            rows = (
                select(literal_column(f"'{grain}'"), start, func.sum(AggSales.sales_amt), func.count())
                .where(AggSales.grain == "D")
                .group_by(start)
            )
            conn.execute(insert(AggSales).from_select(["grain", "day", "sales_amt", "order_count"], rows))
    yield engine
    engine.dispose()


def read(engine: Engine, span: Span | None, time_grains: set[str] = frozenset()) -> list[tuple[str, date]]:
    grains = readable(ALL_GRAINS, set(time_grains))
    if span is None:
        plan = [(grains[0], date.min, date.max)]
    else:
        found = pieces(span.start, span.end + timedelta(days=1), grains)
        assert found is not None
        plan = found
    where = rows_of(AggSales, plan, all_time=span is None)
    if span is not None:
        where.append(AggSales.day.between(span.start, span.end))  # as the compiler adds it
    with engine.connect() as conn:
        return [(g, d) for g, d in conn.execute(select(AggSales.grain, AggSales.day).where(*where))]


def days_of(rows: list[tuple[str, date]]) -> list[date]:
    """Every day the rows cover (a day twice if two rows cover it)."""
    out = []
    for grain, day in rows:
        stop = UNITS[grain][1](day)
        out += [day + timedelta(days=i) for i in range((stop - day).days)]
    return sorted(out)


def every_day(span: Span) -> list[date]:
    return [span.start + timedelta(days=i) for i in range((span.end - span.start).days + 1)]


def test_stored_keys_are_the_first_days_of_their_units(calendar: Engine) -> None:
    with calendar.connect() as conn:
        for grain, day, days in conn.execute(select(AggSales.grain, AggSales.day, AggSales.sales_amt)):
            assert unit_start(grain, day) == day, (grain, day)
            whole = (UNITS[grain][1](day) - day).days
            assert days == whole or day < FIRST or UNITS[grain][1](day) > LAST + timedelta(days=1)


CASES = [
    ("2024-01-01", "2024-12-31", {"Q"}),  # whole quarters only
    ("2024-02-01", "2024-02-29", {"M"}),  # one whole (leap) month
    ("2024-01-01", "2024-08-28", {"Q", "M", "W", "D"}),  # this year to date
    ("2023-03-10", "2024-06-20", {"Q", "M", "W", "D"}),  # partial, quarters, partial
    ("2024-08-05", "2024-08-18", {"W"}),  # two whole weeks
    ("2024-08-03", "2024-08-17", {"W", "D"}),  # inside one month
    ("2024-12-31", "2024-12-31", {"D"}),  # one day, a month's last
]


@pytest.mark.parametrize(("start", "end", "grains"), CASES)
def test_each_day_of_the_period_exactly_once(
    calendar: Engine, start: str, end: str, grains: set[str]
) -> None:
    span = Span(start=date.fromisoformat(start), end=date.fromisoformat(end))
    rows = read(calendar, span)
    assert days_of(rows) == every_day(span)
    assert {g for g, _ in rows} == grains


@pytest.mark.parametrize("time_grain", [None, "year", "quarter", "month", "week", "day"])
def test_random_periods_are_covered_exactly(calendar: Engine, time_grain: str | None) -> None:
    rng, grouped = random.Random(17), {time_grain} if time_grain else set()
    for _ in range(150):
        start = FIRST + timedelta(days=rng.randrange((LAST - FIRST).days - 400))
        span = Span(start=start, end=start + timedelta(days=rng.randrange(400)))
        rows = read(calendar, span, grouped)
        assert days_of(rows) == every_day(span), span
        if time_grain in ("month", "quarter", "year"):  # no row straddles two groups
            assert all(g != "W" for g, _ in rows)
        if time_grain in ("week", "day"):
            assert all(g in ("W", "D") if time_grain == "week" else g == "D" for g, _ in rows)


def test_all_time_reads_the_coarsest_rows_it_may(calendar: Engine) -> None:
    assert {g for g, _ in read(calendar, None)} == {"Q"}
    assert days_of(read(calendar, None, {"month"}))[:3] == ALL_DAYS[:3]
    assert {g for g, _ in read(calendar, None, {"week"})} == {"W"}
    assert {g for g, _ in read(calendar, None, {"day"})} == {"D"}


def test_a_monthly_only_rollup_answers_whole_months_only() -> None:
    monthly = ("M",)
    assert pieces(date(2024, 1, 1), date(2024, 9, 1), monthly) == [("M", date(2024, 1, 1), date(2024, 9, 1))]
    assert pieces(date(2024, 1, 1), date(2024, 8, 29), monthly) is None
    assert readable(monthly, {"week"}) == ()
