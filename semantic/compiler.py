"""The compiler: a Query becomes bound-parameter SQLAlchemy Core statements, run on either database.

Each metric is computed on the first source that has every dimension the query groups or filters by
(a ratio on a source holding both its parts); metrics on different sources are merged on the group keys.
Nothing from a question's text is ever pasted into SQL: filter values are bound parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Integer, Select, cast, func, select
from sqlalchemy.orm import Session

from semantic.catalog import CATALOG
from semantic.model import Metric, RollupSource, Source
from semantic.query import Query, Span
from semantic.sources import SOURCES

Key = tuple[str, ...]
ONE_DECIMAL = Decimal("0.1")
CENT = Decimal("0.01")


@dataclass
class Row:
    """One group: its keys (codes), display labels and metric values (None: no data / no denominator)."""

    key: Key
    labels: tuple[str, ...]
    values: dict[str, Decimal | None] = field(default_factory=dict)
    previous: dict[str, Decimal | None] = field(default_factory=dict)


@dataclass
class QueryResult:
    """What a query returned: grouped rows (ordered, limited), totals, and the periods it ran over."""

    query: Query
    rows: list[Row]
    total: dict[str, Decimal | None]
    previous_total: dict[str, Decimal | None]
    as_of: date
    sources: dict[str, str]  # metric -> source (or rollup) it was computed on

    def as_json(self) -> dict[str, Any]:
        """The result as JSON-able data (Reply.data): every figure an answer may show is in it."""
        num = lambda v: None if v is None else str(v)  # noqa: E731
        changes = {m: num(change_pct(v, self.previous_total.get(m))) for m, v in self.total.items()}
        return {
            "query": self.query.model_dump(mode="json", exclude_none=True),
            "as_of": self.as_of.isoformat(),
            "total": {k: num(v) for k, v in self.total.items()},
            "previous_total": {k: num(v) for k, v in self.previous_total.items()},
            "change_pct": changes if self.previous_total else {},
            "rows": [
                {
                    "key": list(r.key),
                    "labels": list(r.labels),
                    "values": {k: num(v) for k, v in r.values.items()},
                    "previous": {k: num(v) for k, v in r.previous.items()},
                    "change_pct": {k: num(change_pct(v, r.previous.get(k))) for k, v in r.values.items()}
                    if r.previous
                    else {},
                }
                for r in self.rows
            ],
            "sources": self.sources,
        }


# Given (base source name, the summable metrics asked of it, the query, the period) a picker may return a
# pre-aggregate computing exactly the same figures; None: the base tables.
Picker = Callable[[str, list[str], Query, Span | None], RollupSource | None]


class Rollups(Protocol):
    """The rollup hook (semantic/picker.py RollupPicker): a picker bound to one run's session."""

    def bind(self, session: Session) -> Picker:
        """A picker for one query run (it may read freshness once through `session`)."""
        ...


def pick_source(metric: Metric, dims: set[str]) -> str:
    """The first source of a metric that has every needed dimension."""
    for name in metric.sources(CATALOG.metrics):
        src = SOURCES[name]
        if dims <= set(src.dims) | (_grains() if src.time is not None else set()):
            return name
    raise ValueError(f"{metric.name} cannot be split or filtered by {', '.join(sorted(dims))}")


def _grains() -> set[str]:
    return {d.name for d in CATALOG.dimensions.values() if d.time_grain}


def _base_metrics(name: str) -> list[str]:
    """The summable metrics a metric is made of (itself, or a ratio's two parts)."""
    metric = CATALOG.metrics[name]
    return [name] if metric.ratio is None else [p for part in metric.ratio for p in _base_metrics(part)]


def grain_expr(grain: str, col: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """A time column cut to a grain, as a sortable text label ('2024-12', '2024-Q4', '2024-12-23')."""
    if dialect == "postgresql":
        fmt = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "quarter": 'YYYY-"Q"Q', "year": "YYYY"}
        if grain == "week":
            return func.to_char(func.date_trunc("week", col), "YYYY-MM-DD")
        return func.to_char(col, fmt[grain])
    if grain == "week":  # SQLite: the Monday of the week
        return func.date(col, "weekday 0", "-6 days")
    if grain == "quarter":
        quarter = (cast(func.strftime("%m", col), Integer) + 2) / 3  # integer division in SQLite
        return func.printf("%s-Q%d", func.strftime("%Y", col), quarter)
    fmt = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
    return func.strftime(fmt[grain], col)


class Compiler:
    """Compiles and runs queries for one business date; `rollups` may swap a source for a pre-aggregate."""

    def __init__(self, today: date, rollups: Rollups | None = None) -> None:
        self.today, self.rollups = today, rollups

    def statement(
        self,
        source_name: str,
        metrics: list[str],
        query: Query,
        span: Span | None,
        dialect: str,
        pick: Picker | None = None,
    ) -> tuple[Select[Any], Source]:
        """One grouped SELECT of summable metrics on a source (or the rollup `pick` stands in for it)."""
        source: Source = SOURCES[source_name]
        if pick is not None:
            source = pick(source_name, metrics, query, span) or source
        keys: list[ColumnElement[Any]] = []
        for dim in query.group_by:
            grain = CATALOG.dimensions[dim].time_grain
            if grain:
                assert source.time is not None
                label = grain_expr(grain, source.time, dialect)
                keys += [label, label]
            else:
                keys += list(source.dims[dim])
        aggs = [self._expr(source, m).label(m) for m in metrics]
        stmt = select(*keys, *aggs).select_from(source.from_()).where(*source.where(self.today))
        if span is not None and source.time is not None:
            stmt = stmt.where(source.time.between(span.start, span.end))
        for dim, values in query.filters.items():
            if CATALOG.dimensions[dim].time_grain:
                continue
            stmt = stmt.where(source.dims[dim][0].in_(values))
        if keys:
            stmt = stmt.group_by(*keys)
        return stmt, source

    def _expr(self, source: Source, metric: str) -> ColumnElement[Any]:
        exprs = CATALOG.metrics[metric].exprs
        if isinstance(source, RollupSource):  # a rollup names its own expressions
            return source.metric_exprs[metric](self.today)
        return exprs[source.name](self.today)

    def run(self, session: Session, query: Query) -> QueryResult:
        """Run a query: rows per group (ordered and limited as asked), totals, and the comparison."""
        dialect = session.get_bind().dialect.name
        pick = self.rollups.bind(session) if self.rollups is not None else None
        dims = set(query.group_by) | set(query.filters)
        plan: dict[str, list[str]] = {}
        used: dict[str, str] = {}
        for name in query.metrics:
            src = pick_source(CATALOG.metrics[name], dims)
            used[name] = src
            for base in _base_metrics(name):
                if base not in plan.setdefault(src, []):
                    plan[src].append(base)
        ungrouped = query.model_copy(update={"group_by": []})
        current = self._collect(session, plan, query, query.period, dialect, pick, used)
        # an ungrouped query's one row is its total: not asked of the database twice
        totals = (
            current
            if not query.group_by
            else self._collect(session, plan, ungrouped, query.period, dialect, pick)
        )
        previous: dict[Key, dict[str, Decimal | None]] = {}
        prev_total: dict[str, Decimal | None] = {}
        if query.compare is not None:
            prev_rows = self._collect(session, plan, query, query.compare, dialect, pick)
            previous = {k: v for k, (_, v) in prev_rows.items()}
            prev_total = _only(
                prev_rows
                if not query.group_by
                else self._collect(session, plan, ungrouped, query.compare, dialect, pick)
            )
        for key, labels in self._named_but_empty(session, query, plan, current).items():
            current[key] = (labels, _zeros(query.metrics))
            if query.compare is not None and key not in previous:
                previous[key] = _zeros(query.metrics)
        derive = self._derive
        rows = [
            Row(key, labels, derive(values, query.metrics), derive(previous.get(key, {}), query.metrics))
            for key, (labels, values) in current.items()
        ]
        if query.compare is None:
            for row in rows:
                row.previous = {}
        rows = self._order(rows, query)
        total_values = _only(totals)
        return QueryResult(
            query,
            rows,
            self._derive(total_values, query.metrics),
            self._derive(prev_total, query.metrics) if query.compare is not None else {},
            self.today,
            used,
        )

    def _collect(
        self,
        session: Session,
        plan: dict[str, list[str]],
        query: Query,
        span: Span | None,
        dialect: str,
        pick: Picker | None,
        used: dict[str, str] | None = None,
    ) -> dict[Key, tuple[tuple[str, ...], dict[str, Decimal | None]]]:
        """Every source's grouped sums, merged on the group keys."""
        merged: dict[Key, tuple[tuple[str, ...], dict[str, Decimal | None]]] = {}
        width = len(query.group_by)
        for src, metrics in plan.items():
            stmt, source = self.statement(src, metrics, query, span, dialect, pick)
            if used is not None and source.name != src:
                for metric, name in used.items():
                    if name == src:
                        used[metric] = source.name
            for row in session.execute(stmt).all():
                cells = list(row)
                key = tuple(str(cells[2 * i]) for i in range(width))
                labels = tuple(str(cells[2 * i + 1]) for i in range(width))
                values = {m: _dec(v) for m, v in zip(metrics, cells[2 * width :], strict=True)}
                old = merged.get(key)
                merged[key] = (labels, {**(old[1] if old else {}), **values})
        return merged

    @staticmethod
    def _named_but_empty(
        session: Session,
        query: Query,
        plan: dict[str, list[str]],
        current: dict[Key, tuple[tuple[str, ...], dict[str, Decimal | None]]],
    ) -> dict[Key, tuple[str, ...]]:
        """Members the question names that have no rows in the period ("VIP vs Regular" in a month with
        no Regular orders): kept, at zero, so a comparison never silently drops one side."""
        if len(query.group_by) != 1 or CATALOG.dimensions[query.group_by[0]].time_grain:
            return {}
        dim = query.group_by[0]
        missing = [c for c in query.filters.get(dim, []) if (c,) not in current]
        if not missing:
            return {}
        key_col, label_col = SOURCES[next(iter(plan))].dims[dim]
        found: dict[str, Any] = dict(
            session.execute(select(key_col, label_col).where(key_col.in_(missing)).distinct()).all()
        )
        return {(code,): (str(found.get(code, code)),) for code in missing}

    @staticmethod
    def _derive(values: dict[str, Decimal | None], wanted: list[str]) -> dict[str, Decimal | None]:
        """The asked metrics from summed parts: ratios computed here, from sums, never averaged."""
        out: dict[str, Decimal | None] = {}
        for name in wanted:
            out[name] = _value(name, values)
        return out

    @staticmethod
    def _order(rows: list[Row], query: Query) -> list[Row]:
        if not query.group_by:
            return rows
        grains = any(CATALOG.dimensions[d].time_grain for d in query.group_by)
        first = query.metrics[0]
        if grains and query.order is None:  # a time series (one per member) reads in time order
            rows.sort(key=lambda r: r.key)
        else:
            present = sorted((r for r in rows if r.values.get(first) is not None), key=lambda r: r.key)
            absent = sorted((r for r in rows if r.values.get(first) is None), key=lambda r: r.key)
            # stable: ties keep the code order; groups without a value (no denominator) go last
            present.sort(key=lambda r: r.values[first] or Decimal(0), reverse=query.order != "asc")
            rows = present + absent
        return rows[: query.limit] if query.limit else rows


def change_pct(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Change from `before` to `now` in percent, one decimal (None when there is no base to compare)."""
    if now is None or before is None or before == 0:
        return None
    return ((now - before) * 100 / abs(before)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _zeros(metrics: list[str]) -> dict[str, Decimal | None]:
    """The summed parts of metrics over no rows: zero (a ratio over them has no denominator: None)."""
    return {part: Decimal(0) for name in metrics for part in _base_metrics(name)}


def _only(
    merged: dict[Key, tuple[tuple[str, ...], dict[str, Decimal | None]]],
) -> dict[str, Decimal | None]:
    """The values of an ungrouped result (one row, or none)."""
    return next(iter(merged.values()), ((), {}))[1]


def _value(name: str, values: dict[str, Decimal | None]) -> Decimal | None:
    """A metric's value from summed parts, rounded as its unit is shown (ratios rounded once, at the end)."""
    value = _value_raw(name, values)
    return None if value is None else _round(value, CATALOG.metrics[name].unit)


def _value_raw(name: str, values: dict[str, Decimal | None]) -> Decimal | None:
    metric = CATALOG.metrics[name]
    if metric.ratio is None:
        return values.get(name)
    num, den = (_value_raw(p, values) for p in metric.ratio)
    return None if num is None or not den else num * metric.scale / den


def _round(value: Decimal, unit: str) -> Decimal:
    if unit == "pct":
        return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    if unit == "money":
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    return value


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))
