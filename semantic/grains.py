"""Calendar grains of rollup rows: a period cut into whole quarters, months and weeks, and the days left.

A rollup keeps rows per day ('D'), ISO week ('W', keyed by its Monday), month ('M') and quarter ('Q',
keyed by their first day). A period is read as its whole quarters, then the whole months, then the whole
weeks of what is left at either end, then single days: at most nine ranges of the (grain, day) key, every
day exactly once. A query grouped by a time grain reads only rows that fall inside one of its groups.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Integer, cast, func

Piece = tuple[str, date, date]  # (grain, first day, day after the last) of rows read
COARSE_FIRST = ("Q", "M", "W")
# Grains of stored rows that lie inside one group of a time grain (a week can straddle two months).
READABLE: dict[str, set[str]] = {
    "year": {"Q", "M", "D"},
    "quarter": {"Q", "M", "D"},
    "month": {"M", "D"},
    "week": {"W", "D"},
    "day": {"D"},
}


def month_after(day: date) -> date:
    """The first day of the month after `day`."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _quarter_after(day: date) -> date:
    return month_after(month_after(month_after(_quarter_start(day))))


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


UNITS: dict[str, tuple[Callable[[date], date], Callable[[date], date]]] = {
    "Q": (_quarter_start, _quarter_after),
    "M": (lambda d: d.replace(day=1), month_after),
    "W": (_week_start, lambda d: _week_start(d) + timedelta(days=7)),
    "D": (lambda d: d, lambda d: d + timedelta(days=1)),
}


def unit_start(grain: str, day: date) -> date:
    """The first day of the grain's unit holding `day` (the key of its row)."""
    return UNITS[grain][0](day)


def readable(stored: tuple[str, ...], time_grains: set[str]) -> tuple[str, ...]:
    """The stored grains a query grouped by these time grains may read, coarsest first."""
    allowed = set(stored)
    for grain in time_grains:
        allowed &= READABLE[grain]
    return tuple(g for g in (*COARSE_FIRST, "D") if g in allowed)


def pieces(start: date, stop: date, grains: tuple[str, ...]) -> list[Piece] | None:
    """[start, stop) as ranges of whole units of the given grains, coarsest first; None: not possible."""
    if start >= stop:
        return []
    if not grains:
        return None
    grain, rest = grains[0], grains[1:]
    floor, after = UNITS[grain]
    first = start if floor(start) == start else after(start)
    last = floor(stop)  # units in [first, last) lie wholly inside
    if first >= last:
        return pieces(start, stop, rest)
    head, tail = pieces(start, first, rest), pieces(last, stop, rest)
    if head is None or tail is None:
        return None
    return [*head, (grain, first, last), *tail]


def start_expr(grain: str, col: Any, dialect: str) -> Any:
    """SQL: the first day of the grain's unit holding a date column, as a date."""
    if dialect == "postgresql":
        unit = {"W": "week", "M": "month", "Q": "quarter"}[grain]
        return cast(func.date_trunc(unit, col), Date)
    if grain == "W":
        return func.date(col, "weekday 0", "-6 days")  # the Monday of the week (Sunday: six days back)
    if grain == "M":
        return func.date(col, "start of month")
    back = (cast(func.strftime("%m", col), Integer) - 1) % 3
    return func.date(col, "start of month", func.printf("-%d months", back))
