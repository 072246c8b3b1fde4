"""Date anchors of the seed: everything is placed relative to one business "today"."""

from __future__ import annotations

from datetime import date, timedelta

# The spec's sample data (section 1.8) is written as of this day; seeding with it reproduces the spec.
SPEC_TODAY = date(2024, 12, 27)


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of the month `months_back` months before `day`'s month."""
    index = day.year * 12 + (day.month - 1) - months_back
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date, months_back: int = 0) -> date:
    """The last day of the month `months_back` months before `day`'s month."""
    return month_start(day, months_back - 1) - timedelta(days=1)


def in_month(day: date, months_back: int, dom: int) -> date:
    """Day-of-month `dom` of an earlier month, clamped to that month's length."""
    start = month_start(day, months_back)
    return min(start.replace(day=min(dom, 28)) + timedelta(days=max(dom - 28, 0)), month_end(day, months_back))


def history_start(today: date) -> date:
    """First day the hand-written base history covers; synthetic history (`seed --scale`) ends before it."""
    return month_start(today, 3)


def doc_no(prefix: str, day: date, seq: int) -> str:
    """A document number such as SO-202412-0001 (four digits, more when a month needs them)."""
    return f"{prefix}-{day:%Y%m}-{seq:04d}"
