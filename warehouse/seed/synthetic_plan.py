"""Shared state of one synthetic-history run: the dated window, per-unit volumes, ids and document numbers."""

from __future__ import annotations

import itertools
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from warehouse.seed.calendar import history_start, month_end, month_start

# Volumes per scale unit. Line counts are drawn in pairs that add up to a constant, so the number of
# lines is exact: 4 per sales order on average (10,000 per unit), 2 per purchase order.
CUSTOMERS_PER_UNIT = 10
SOLD_ITEMS_PER_UNIT = 4
RAW_ITEMS_PER_UNIT = 1
VENDORS_PER_UNIT = 1
MACHINES_PER_UNIT = 2
ORDERS_PER_UNIT = 2_500
PURCHASES_PER_UNIT = 100
WINDOW_MONTHS = 24  # synthetic history covers this many months before history_start(today)

# Business codes of the base seed's rows the synthetic history refers to.
BASE_REFS = {
    "adm_user": ("john.doe", "director"),
    "m_emp": ("EMP-001", "EMP-002", "EMP-003", "EMP-004", "EMP-005"),
    "m_wh": ("WH-A1",),
    "m_item": ("ITM-001", "ITM-002", "ITM-003", "ITM-004", "ITM-005"),
    "m_vendor": ("VND-001", "VND-002", "VND-003"),
    "m_machine": ("MCH-001", "MCH-002", "MCH-003"),
}


@lru_cache(maxsize=4096)
def stamp(day: date) -> datetime:
    """Audit time of a row of business date `day`: 02:00 UTC (the factory's morning, UTC+7), aware."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def names(spec: str, sep: str | None = None) -> tuple[str, ...]:
    """A tuple of names written as one string: column lists stay on a line or two."""
    return tuple(spec.split(sep))


def split_evenly(total: int, weights: list[int]) -> list[int]:
    """Split `total` into integer parts proportional to `weights` that add up to exactly `total`."""
    whole, parts, acc, prev = sum(weights), [], 0, 0
    for w in weights:
        acc += w
        cut = total * acc // whole
        parts.append(cut - prev)
        prev = cut
    return parts


@dataclass
class Plan:
    """What the generators share: scale, window, base ids, synthetic masters and id/document counters."""

    scale: int
    today: date
    next_ids: dict[str, int]  # first free id per table (max(id) + 1 before the run)
    refs: dict[str, int]  # base rows' ids by business code (or username)
    base_prices: dict[str, Decimal]  # base items' sell price, or std cost when not sold
    customers: list[tuple[int, int]] = field(default_factory=list)  # (id, payment terms in days)
    sold_items: list[tuple[int, Decimal]] = field(default_factory=list)  # (id, sell price)
    raw_items: list[tuple[int, Decimal]] = field(default_factory=list)  # (id, std cost)
    vendors: list[tuple[int, int]] = field(default_factory=list)  # (id, payment terms)
    machines: list[tuple[int, str, Decimal]] = field(default_factory=list)  # (id, model code, cap/hour)
    _counters: dict[str, Iterator[int]] = field(default_factory=dict)
    _seq: defaultdict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))

    @property
    def end(self) -> date:
        """First day NOT covered: every synthetic date is strictly before it."""
        return history_start(self.today)

    @property
    def months(self) -> list[date]:
        """First days of the window's months, oldest first."""
        return [month_start(self.end, back) for back in range(WINDOW_MONTHS, 0, -1)]

    def days_of(self, month: date, lag: int = 0) -> tuple[date, int]:
        """First day of `month` and how many of its days leave `lag` days before the window ends."""
        last = min(month_end(month), self.end - timedelta(days=1 + lag))
        return month, (last - month).days + 1

    def rng(self, *parts: object) -> random.Random:
        """A generator seeded from the scale and the stage only, never from the clock."""
        return random.Random("/".join(("sentient-synthetic", str(self.scale), *map(str, parts))))

    def new_id(self, table: str) -> int:
        """The next id of `table`, counting on from the ids the database already holds."""
        if table not in self._counters:
            self._counters[table] = itertools.count(self.next_ids[table])
        return next(self._counters[table])

    def doc(self, prefix: str, day: date) -> str:
        """The next document number of `day`'s month, such as SO-202301-0001 (calendar.doc_no's format)."""
        key = (prefix, day.year * 100 + day.month)
        seq = self._seq[key] = self._seq[key] + 1
        # Formatted by hand: strftime in calendar.doc_no is the slowest step at a million documents.
        return f"{prefix}-{key[1]}-{seq:04d}"


def pair_counts(rng: random.Random, low: int, high: int) -> tuple[int, int]:
    """Line counts of two documents, each in [low, high] and always low + high together."""
    a = rng.randint(low, high)
    return a, low + high - a


def new_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from `rng`, so reruns produce the same identifiers."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)
