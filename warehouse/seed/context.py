"""Shared state of one seeding run: the session, the business date and the rows made so far."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from warehouse.seed.calendar import doc_no
from warehouse.types import utcnow

T = TypeVar("T")


@dataclass
class SeedContext:
    """What the seed steps share; `by_code` maps business codes (CUST-001, SO-…) to rows."""

    session: Session
    today: date
    tz: ZoneInfo
    by_code: dict[str, object] = field(default_factory=dict)
    _seq: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def day(self, offset: int) -> date:
        """The business date `offset` days from today (negative: the past)."""
        return self.today + timedelta(days=offset)

    def at(self, day: date, hour: int = 9, minute: int = 0) -> datetime:
        """A factory-local wall-clock time on `day`, as an aware UTC datetime."""
        return datetime.combine(day, time(hour, minute), self.tz).astimezone(UTC)

    def next_doc(self, prefix: str, day: date) -> str:
        """The next document number of the month of `day` (callers go in date order)."""
        key = (prefix, f"{day:%Y%m}")
        self._seq[key] += 1
        return doc_no(prefix, day, self._seq[key])

    def add(self, code: str, row: object) -> object:
        """Add a row to the session and remember it under its business code."""
        self.session.add(row)
        self.by_code[code] = row
        return row

    def get(self, code: str, kind: type[T]) -> T:
        """A row made earlier in this run, by business code, checked to be of the expected table."""
        row = self.by_code[code]
        if not isinstance(row, kind):
            raise TypeError(f"{code} is a {type(row).__name__}, not a {kind.__name__}")
        return row

    @property
    def now(self) -> datetime:
        """The wall-clock time that stands for 'now' on the business date (real time if today)."""
        real = utcnow()
        return real if real.astimezone(self.tz).date() == self.today else self.at(self.today, 15, 0)
