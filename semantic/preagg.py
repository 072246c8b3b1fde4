"""Pre-aggregations: rebuild the rollups with INSERT ... SELECT, and tell whether each is fresh.

Freshness. When a rollup is rebuilt, agg_refresh records the version of each base table it reads:
max(updated_at) and max(id), read first, in the same transaction as the rebuild (REPEATABLE READ on
PostgreSQL, so the rollup and its version come from one snapshot), and a hash of the SQL that built it.
Before answering from a rollup, the picker (semantic/picker.py) reads the same figures (two index
look-ups per table, once per query) and uses the rollup only if they and the hash are unchanged;
otherwise the query runs on the base tables: slower, never stale. The hash makes rows built by older
code stale (a status newly counted as booked, a changed measure) until the next refresh. We chose an
exact version match over an age limit because a rollup is either exactly right or not, whatever its
age, and over triggers that count writes because those would serialise every writer on one counter row.

What this sees: every insert (a new id, or a new updated_at, even one backdated as the synthetic seed
writes them), every update and soft delete (PostgreSQL's trigger sets updated_at on UPDATE; the ORM does
on SQLite), and emptied tables (`seed --reset`). What it cannot see: a hard DELETE of a row other than
the newest, an UPDATE on SQLite in raw SQL that leaves updated_at alone, or a writer's transaction that
began before a rebuild and commits after it with an older updated_at and id than the rebuild saw. A
writer that may do these (the ERP sync) calls refresh() when it has loaded, for the days it touched.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    Select,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session

from semantic.catalog import CATALOG
from semantic.grains import start_expr, unit_start
from semantic.rollups import ROLLUPS, Rollup
from semantic.sources import SOURCES
from warehouse.base import Base
from warehouse.schema import AggRefresh
from warehouse.seed.bulk import analyze
from warehouse.types import utcnow

ProgressFn = Callable[[str, int, int], None]
# Rollups hold period metrics of sources whose filters ignore the business date (test_preagg_fresh.py
# checks it), so their rows are the same whatever day they are built on.
ANY_DAY = date.min


@dataclass
class RefreshReport:
    """Rows per rollup after a refresh, and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    since: date | None = None


def refresh(
    target: Engine | Session | Connection,
    since: date | None = None,
    progress: ProgressFn | None = None,
    rollups: Iterable[Rollup] = ROLLUPS,
) -> RefreshReport:
    """Rebuild the rollups (all rows, or the days from `since` on) and record what they were built from.

    An Engine gets its own transaction (committed here), then on PostgreSQL a VACUUM of the rollups: the
    replaced rows' index entries would otherwise slow every read until autovacuum came by. A Session or
    Connection runs in the caller's transaction (autovacuum cleans up after it). With `since`, rows
    before it are kept: the caller vouches that no base row dated before it changed.
    """
    rollups = tuple(rollups)
    if not isinstance(target, Engine):
        conn = target.connection() if isinstance(target, Session) else target
        return _refresh(conn, since, progress, rollups)
    with target.connect() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            out = _refresh(conn, since, progress, rollups)
    if pg:
        started, report = time.perf_counter(), progress or _quiet
        report("vacuum", 0, 1)
        with target.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text(f"VACUUM (ANALYZE) {', '.join(r.name for r in rollups)}"))
        report("vacuum", 1, 1)
        out.seconds += time.perf_counter() - started
    return out


def _quiet(_stage: str, _done: int, _total: int) -> None:
    pass


def _refresh(
    conn: Connection, since: date | None, progress: ProgressFn | None, rollups: tuple[Rollup, ...]
) -> RefreshReport:
    started, report = time.perf_counter(), progress or _quiet
    versions = table_versions(conn, {t for r in rollups for t in r.tables})  # before any row is read
    out = RefreshReport(since=since)
    for rollup in rollups:
        report(rollup.name, 0, 1)
        out.rows[rollup.name] = _rebuild(conn, rollup, since)
        conn.execute(delete(AggRefresh).where(AggRefresh.name == rollup.name))
        conn.execute(
            insert(AggRefresh).values(
                name=rollup.name,
                base_version=version_of(rollup, versions, conn.dialect),
                rows=out.rows[rollup.name],
                refreshed_at=utcnow(),
            )
        )
        report(rollup.name, 1, 1)
    analyze(conn, [r.name for r in rollups])
    out.seconds = time.perf_counter() - started
    return out


# What each grain is summed from: the finest stored grain that nests in it (a week is seven days, but a
# month is not whole weeks), else the base source.
NESTS = {"D": (), "W": ("D",), "M": ("D",), "Q": ("M", "D")}


def _rebuild(conn: Connection, rollup: Rollup, since: date | None) -> int:
    """Replace the rollup's rows, finest grain first: each from the base source or from finer rows.

    With `since`: only the rows of units (days, weeks, months, quarters) from the one holding it."""
    table, dialect = rollup.table, conn.dialect.name
    cols = ["grain", "day", *(k.name for k, _ in rollup.keys), *(c.name for c in rollup.measures.values())]
    for grain in (g for g in ("D", "W", "M", "Q") if g in rollup.grains):
        first = unit_start(grain, since) if since else None
        gone = delete(table).where(table.grain == grain, *([table.day >= first] if first else []))
        conn.execute(gone)
        finer = next((g for g in NESTS[grain] if g in rollup.grains), None)
        rows = (
            _from_base(rollup, grain, first, dialect)
            if finer is None
            else _roll_up(rollup, grain, finer, first, dialect)
        )
        conn.execute(insert(table).from_select(cols, rows))
    return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def _from_base(rollup: Rollup, grain: str, first: date | None, dialect: str) -> Select[Any]:
    """Rows of one grain summed from the base source with the catalog's own aggregates, in day order
    (rows of a day together: a period reads few pages)."""
    base = SOURCES[rollup.base]
    day = base.time if grain == "D" else start_expr(grain, base.time, dialect)
    keys = [b for _, b in rollup.keys]
    sums = [CATALOG.metrics[m].exprs[rollup.base](ANY_DAY) for m in rollup.measures]
    return (
        select(literal_column(f"'{grain}'"), day, *keys, *sums)
        .select_from(base.from_())
        .where(*base.where(ANY_DAY), *([base.time >= first] if first else []))
        .group_by(day, *keys)
        .order_by(day)
    )


def _roll_up(rollup: Rollup, grain: str, finer: str, first: date | None, dialect: str) -> Select[Any]:
    """Rows of one grain as sums of the rollup's rows of a finer grain (from `first` on)."""
    table = rollup.table
    day, keys = start_expr(grain, table.day, dialect), [k for k, _ in rollup.keys]
    return (
        select(literal_column(f"'{grain}'"), day, *keys, *(func.sum(c) for c in rollup.measures.values()))
        .where(table.grain == finer, *([table.day >= first] if first else []))
        .group_by(day, *keys)
        .order_by(day)
    )


def _version_cells(tables: list[str]) -> list[Any]:
    cols = [getattr(Base.metadata.tables[t].c, col) for t in tables for col in ("updated_at", "id")]
    return [select(func.max(col)).scalar_subquery() for col in cols]


def _versions(row: Any, offset: int, tables: list[str]) -> dict[str, str]:
    return {t: f"{row[offset + 2 * i]}:{row[offset + 2 * i + 1]}" for i, t in enumerate(tables)}


def table_versions(conn: Connection, tables: Iterable[str]) -> dict[str, str]:
    """'max(updated_at):max(id)' of each base table, in one round trip of index look-ups."""
    names = sorted(set(tables))
    return _versions(conn.execute(select(*_version_cells(names))).one(), 0, names)


def definition(rollup: Rollup, dialect: Dialect) -> str:
    """A short hash of the SQL that builds the rollup's rows: rows built by another definition (a status
    now counted as booked, a new measure) are stale."""
    key = (id(rollup), dialect.name)
    if key not in _DEFINITIONS:
        stmt = _from_base(rollup, min(rollup.grains, key="DWMQ".index), None, dialect.name)
        sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        columns = [k.name for k, _ in rollup.keys] + [c.name for c in rollup.measures.values()]
        text_ = f"{rollup.name} {rollup.grains} {columns} {sql}"
        digest = hashlib.sha256(text_.encode()).hexdigest()[:12]
        _DEFINITIONS[key] = (rollup, digest)
    return _DEFINITIONS[key][1]


# Compiled once per rollup and dialect (the rollup is kept, so its id is never reused by another).
_DEFINITIONS: dict[tuple[int, str], tuple[Rollup, str]] = {}


def version_of(rollup: Rollup, versions: dict[str, str], dialect: Dialect) -> str:
    """What agg_refresh records: the rollup's definition and the versions of its base tables."""
    return definition(rollup, dialect) + "|" + ",".join(f"{t}={versions[t]}" for t in rollup.tables)


def freshness(conn: Connection, rollups: Iterable[Rollup] = ROLLUPS) -> dict[str, bool]:
    """Whether each rollup was built from its base tables as they are now (one round trip)."""
    rollups = tuple(rollups)
    names = sorted({t for r in rollups for t in r.tables})
    rows = conn.execute(select(AggRefresh.name, AggRefresh.base_version, *_version_cells(names))).all()
    if not rows:
        return {r.name: False for r in rollups}
    marks, versions = {row[0]: row[1] for row in rows}, _versions(rows[0], 2, names)
    return {r.name: marks.get(r.name) == version_of(r, versions, conn.dialect) for r in rollups}
