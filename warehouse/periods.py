"""Calendar helpers shared by the seed and the tools: month boundaries of a business date."""

from __future__ import annotations

from datetime import date, timedelta


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of the month `months_back` months before `day`'s month."""
    index = day.year * 12 + (day.month - 1) - months_back
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date, months_back: int = 0) -> date:
    """The last day of the month `months_back` months before `day`'s month."""
    return month_start(day, months_back - 1) - timedelta(days=1)
