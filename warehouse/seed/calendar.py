"""Date anchors of the seed: everything is placed relative to one business "today"."""

from __future__ import annotations

from datetime import date, timedelta

from warehouse.periods import month_end, month_start

# The spec's sample data (section 1.8) is written as of this day; seeding with it reproduces the spec.
SPEC_TODAY = date(2024, 12, 27)

__all__ = ["SPEC_TODAY", "doc_no", "history_start", "in_month", "month_end", "month_start"]


def in_month(day: date, months_back: int, dom: int) -> date:
    """Day-of-month `dom` of an earlier month, clamped to that month's length."""
    start = month_start(day, months_back)
    return min(
        start.replace(day=min(dom, 28)) + timedelta(days=max(dom - 28, 0)), month_end(day, months_back)
    )


def history_start(today: date) -> date:
    """First day the hand-written base history covers; synthetic history (`seed --scale`) ends before it."""
    return month_start(today, 3)


def doc_no(prefix: str, day: date, seq: int) -> str:
    """A document number such as SO-202412-0001 (four digits, more when a month needs them)."""
    return f"{prefix}-{day:%Y%m}-{seq:04d}"
