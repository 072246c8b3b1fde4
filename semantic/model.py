"""The semantic layer's vocabulary: sources, metrics, dimensions and entity attributes, declared as data.

Modelled on Cube's measures/dimensions and WrenAI's MDL, kept small: a *source* is a set of joined tables
with its row filter and time column; a *metric* is an aggregate over one or more sources (the compiler
takes the first source that has every dimension a query asks for); a *dimension* is a column a metric can
be grouped or filtered by; an *attribute* is a fact about one entity (a customer's credit limit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, FromClause

Unit = Literal["money", "qty", "pct", "int", "min", "days", "date", "text"]
# How a metric relates to time: summed over the asked period, or read as of today (a balance).
TimeKind = Literal["period", "snapshot"]


@dataclass(frozen=True)
class Source:
    """Joined tables a metric aggregates over: FROM clause, row filter, time column and dimension columns."""

    name: str
    from_: Callable[[], FromClause]
    where: Callable[[date], list[ColumnElement[bool]]]
    time: Any  # a date column; None: a snapshot source (balances as of today)
    # dimension name -> (key column, label column); the key is what filters compare against (codes)
    dims: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class RollupSource(Source):
    """A pre-aggregate standing in for a base source: it names its own aggregate per metric."""

    metric_exprs: dict[str, Callable[[date], ColumnElement[Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Words:
    """What people call a thing: its label and the phrases (Indonesian and English) that name it."""

    id: str
    en: str
    synonyms: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """The label in the answer's language."""
        return self.en if lang == "en" else self.id


@dataclass(frozen=True)
class Metric:
    """A figure the warehouse can answer: an aggregate per source, or a ratio of two other metrics."""

    name: str
    words: Words
    unit: Unit
    permission: str | tuple[str, ...]
    time: TimeKind
    # source name -> aggregate expression (given today, for "overdue" style conditions)
    exprs: dict[str, Callable[[date], ColumnElement[Any]]] = field(default_factory=dict)
    ratio: tuple[str, str] | None = None  # (numerator metric, denominator metric), times `scale`
    scale: int = 1
    better: Literal["higher", "lower"] = "higher"
    hidden: bool = False  # a building block (e.g. OEE's ideal output), never offered to people
    # Words that make this the reading of a question naming a shared word (e.g. "overdue" -> overdue AR).
    entity: str | None = None  # the entity whose attribute-like questions this metric also answers

    def sources(self, catalog_metrics: dict[str, Metric]) -> list[str]:
        """Source names this metric can be computed on (a ratio: where both parts can)."""
        if self.ratio is None:
            return list(self.exprs)
        num, den = (catalog_metrics[m].sources(catalog_metrics) for m in self.ratio)
        return [s for s in num if s in den]


@dataclass(frozen=True)
class Dimension:
    """A way to group or filter: an entity (customer, machine...) or a plain column (segment, shift)."""

    name: str
    words: Words
    entity: bool = False  # filter values are business codes resolved from names in the database
    time_grain: str | None = None  # day, week, month, quarter, year: grouped by the source's time column
    # A closed set of values and what people call each ("non-VIP" is Regular): the parser reads them as
    # filters; an entity's members come from the database instead.
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Attribute:
    """A fact about one entity (credit limit of a customer, capacity of a machine), with its permission."""

    name: str
    entity: str  # customer, item, vendor, machine, warehouse
    words: Words
    unit: Unit
    permission: str | tuple[str, ...]
    # the value, as a column of the entity's table (or a correlated subquery over its history)
    column: Callable[[date], ColumnElement[Any]]
