"""What the sources state: their text, numbers (with list lengths and column totals) and dates."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from guardrails.dates import as_date, find_dates, strip_dates
from guardrails.numbers import find_numbers, to_decimal

_DIGIT = re.compile(r"\d")
MAX_BASE = 600  # distinct source numbers kept for pairwise sums and ratios; bounds the check's cost


def plain(value: Any) -> Any:
    """A source as plain JSON-like data (pydantic models and dataclasses unpacked)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


_SCALARS = (str, int, float, bool, type(None))


def _walk(value: Any) -> Iterator[Any]:
    if not isinstance(value, _SCALARS):
        value = plain(value)
    yield value
    if isinstance(value, dict):
        for key, item in value.items():
            yield _Key(str(key))
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


class _Key(str):
    """A dict key: its words count as source text and its digits ("61-90", "over_30") as figures."""


@dataclass
class Facts:
    """Everything an answer may cite, collected once per check."""

    text: str = ""
    numbers: list[Decimal] = field(default_factory=list)
    derived: list[Decimal] = field(default_factory=list)
    days: set[tuple[int, int, int]] = field(default_factory=set)
    months: set[tuple[int, int]] = field(default_factory=set)

    @classmethod
    def of(cls, sources: list[Any]) -> Facts:
        """Collect the facts of a list of sources (tool results, passages, plain strings)."""
        facts, texts = cls(), []
        numbers: set[Decimal] = set()
        derived: set[Decimal] = set()
        for node in _walk(list(sources)):
            if isinstance(node, date | datetime):
                node = node.isoformat()
            if isinstance(node, _Key):
                texts.append(node.replace("_", " "))
                derived.update(Decimal(d) for d in re.findall(r"\d+", node))
                continue
            if isinstance(node, str):
                texts.append(node)
                if to_decimal(node) is None and _DIGIT.search(node):  # only text with digits holds figures
                    facts._add_dates(node, derived)  # date parts match as themselves, never in arithmetic
                    for _, reads in find_numbers(strip_dates(node)):
                        numbers.update(abs(r.value) for r in reads)
            elif isinstance(node, list):
                derived.add(Decimal(len(node)))
                derived.update(_column_totals(node))
            if (number := to_decimal(node)) is not None:
                numbers.add(abs(number))
        facts.text = "\n".join(texts).lower()
        facts.numbers = sorted(numbers)[-MAX_BASE:]  # the largest: money, not counts, carry arithmetic
        facts.derived = sorted(derived | numbers)
        return facts

    def _add_dates(self, text: str, parts_out: set[Decimal]) -> None:
        for _, parts in find_dates(text):
            year, month, _day = parts
            if year:
                self.months.add((year, month))
                parts_out.add(Decimal(year))
            if (full := as_date(parts)) is not None:
                self.days.add((full.year, full.month, full.day))
                parts_out.update((Decimal(full.day), Decimal(full.month)))

    def has_number(self, value: Decimal, tol: Decimal, pool: list[Decimal] | None = None) -> bool:
        """A number within `tol` of `value` is in the pool (sorted; default: stated and derived figures)."""
        pool = self.derived if pool is None else pool
        i = bisect.bisect_left(pool, value - tol)
        return i < len(pool) and pool[i] <= value + tol


def _column_totals(rows: list[Any]) -> set[Decimal]:
    """Sums and averages of each numeric key across a list of dicts, and the sum of a list of numbers."""
    out: set[Decimal] = set()
    plain_rows = [plain(r) for r in rows]
    nums = [n for n in (to_decimal(r) for r in plain_rows) if n is not None]
    if nums:
        out.update({_total(nums), _total(nums) / len(nums)})
    keys = {k for r in plain_rows if isinstance(r, dict) for k in r}
    for key in keys:
        col = [
            n for r in plain_rows if isinstance(r, dict) for n in [to_decimal(r.get(key))] if n is not None
        ]
        if len(col) > 1:
            out.update({_total(col), _total(col) / len(col)})
    return out


def _total(values: list[Decimal]) -> Decimal:
    return abs(sum(values, Decimal(0)))
