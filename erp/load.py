"""The loader: maps change events to warehouse rows and UPSERTs them idempotently, in the caller's commit.

An event older than the version already applied to its row (a redelivery, a replay from the start, a
nak'd event overtaken by a newer one) changes nothing: sync_key holds the last version applied to each
ERP key, and the batch locks the rows of its keys (FOR UPDATE, in key order) before comparing.

A batch first runs in one savepoint with its sync_key rows written together at the end (the fast path).
If the database refuses anything (another loader inserted the same row first), that savepoint is rolled
back and the batch runs again with a savepoint per event, so the one event fails alone and is retried.
Mapping errors are found before any write and never need a savepoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table as SaTable
from sqlalchemy import and_, bindparam, exists, func, insert, select, tuple_, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from erp.events import Change
from erp.history import KINDS, Touched, record_history
from erp.mapping import BY_NAME, CODE_COLUMN, TABLES, MappingError, MissingRef, Table, to_warehouse_value
from semantic.preagg import refresh
from warehouse.base import Base
from warehouse.schema import AggRefresh, SyncKey, TSo
from warehouse.types import utcnow

ORDER = {t.erp: i for i, t in enumerate(TABLES)}  # parents before children
# Which day a row of a rolled-up table counts on (semantic/rollups.py sums sales and shift logs by day).
ROLLUP_DAY = {"t_so": "order_dt", "t_shift_log": "log_dt"}
_REFRESH_LOCK = 0x5E4EC1  # one loader at a time rebuilds rollups (pg_advisory_xact_lock)
_KEYS: SaTable = SyncKey.__table__  # type: ignore[assignment]


@dataclass
class Failure:
    """An event that could not be applied, why, and whether a later try may succeed."""

    change: Change
    reason: str
    retryable: bool


@dataclass
class BatchResult:
    """What one batch did: rows written, events already applied (skipped), failures, rollup days touched."""

    applied: int = 0
    stale: int = 0
    failures: list[Failure] = field(default_factory=list)
    days: set[date] = field(default_factory=set)
    oldest_new: str | None = None  # the oldest ERP change time (local) of the new changes applied
    changed: list[Change] = field(default_factory=list, repr=False)  # the applied events themselves

    def applied_one(self, change: Change) -> None:
        """Count an applied event (and its ERP time, for the lag, when it is new to the sync)."""
        self.applied += 1
        self.changed.append(change)
        if change.new and (self.oldest_new is None or change.ts < self.oldest_new):
            self.oldest_new = change.ts


@dataclass
class _Known:
    wh_id: int
    src_ts: str
    src_hash: str = ""  # the message id of the version applied: the same row re-read changes nothing
    new: bool = False
    dirty: bool = False


class _Refs:
    """Business code -> warehouse id, and order id -> order date, cached for one batch."""

    def __init__(self, session: Session) -> None:
        self.session, self.cache, self.order_day = session, dict[tuple[str, str], int](), dict[int, date]()

    def id_of(self, table: str, code: str) -> int:
        if (table, code) not in self.cache:
            wh = Base.metadata.tables[table]
            found = self.session.scalar(select(wh.c.id).where(wh.c[CODE_COLUMN[table]] == code))
            if found is None:
                raise MissingRef(f"{table} has no row with {CODE_COLUMN[table]} {code!r} yet")
            self.cache[(table, code)] = found
        return self.cache[(table, code)]

    def prefetch_order_days(self, so_ids: set[int]) -> None:
        wanted = sorted(so_ids - self.order_day.keys())
        for start in range(0, len(wanted), 1000):
            query = select(TSo.id, TSo.order_dt).where(TSo.id.in_(wanted[start : start + 1000]))
            self.order_day.update({i: d for i, d in self.session.execute(query)})

    def day_of_order(self, so_id: int) -> date | None:
        if so_id not in self.order_day:
            day = self.session.scalar(select(TSo.order_dt).where(TSo.id == so_id))
            if day is None:
                return None
            self.order_day[so_id] = day
        return self.order_day[so_id]


def apply_batch(session: Session, batch: list[Change], tz: ZoneInfo) -> BatchResult:
    """Apply a batch in the session's transaction (parents first, stream order per key); caller commits."""
    ordered = sorted(batch, key=lambda c: ORDER.get(c.table, len(ORDER)))
    try:
        with session.begin_nested():
            return _run(session, ordered, tz, careful=False)
    except DBAPIError:  # a conflict somewhere in the batch: again, one savepoint per event
        return _run(session, ordered, tz, careful=True)


def _run(session: Session, ordered: list[Change], tz: ZoneInfo, careful: bool) -> BatchResult:
    out, refs = BatchResult(), _Refs(session)
    known = _prefetch(session, ordered)
    old_days = _old_days(session, known)
    fresh: dict[tuple[str, str], tuple[Change, dict[str, Any]]] = {}  # new keys of the current table
    for change in ordered:
        table = BY_NAME.get(change.table)
        if fresh and (table is None or next(iter(fresh))[0] != table.erp):  # parents before children
            _insert_new(session, fresh, known, refs, out)
        if table is not None and change.gone:  # DELETEd in the ERP: soft-delete the row it became
            if fresh:  # a key inserted earlier in this batch must be known first
                _insert_new(session, fresh, known, refs, out)
            if _gone(session, table, change, known, tz, refs, old_days, out.days, careful):
                out.applied_one(change)
            else:
                out.stale += 1
            continue
        try:
            if table is None:
                raise MappingError(f"unknown ERP table {change.table!r}")
            values = _values(table, change, tz, refs)
        except MissingRef as exc:
            out.failures.append(Failure(change, str(exc), retryable=True))
            continue
        except (MappingError, KeyError) as exc:
            out.failures.append(Failure(change, f"{type(exc).__name__}: {exc}", retryable=False))
            continue
        mark = (table.erp, change.key)
        seen = known.get(mark)
        if seen is not None and (seen.src_ts >= change.version or _same(seen, change)):
            out.stale += 1  # this version (or a newer one) is already in the warehouse
            continue
        if careful:
            before = (seen.src_ts, seen.src_hash) if seen is not None else ("", "")
            try:
                with session.begin_nested():
                    wh_id = _write(session, table, values, seen)
                    entry = _remember(known, mark, seen, wh_id, change)
                    _save_keys(session, {mark: entry})
            except DBAPIError as exc:  # e.g. a second loader inserted the same row first
                out.failures.append(Failure(change, f"database: {str(exc.orig)[:300]}", retryable=True))
                refs.cache.clear()  # ids cached from rows the savepoint rolled back
                if seen is None:
                    known.pop(mark, None)
                else:
                    seen.src_ts, seen.src_hash = before
                continue
        elif seen is None:  # a key new to the warehouse: written with the rest of its table's new keys
            if mark not in fresh or fresh[mark][0].version < change.version:
                fresh[mark] = (change, values)
            out.applied_one(change)
            continue
        else:
            wh_id = _write(session, table, values, seen)
            _remember(known, mark, seen, wh_id, change)
        _days(table, values, old_days.get((table.wh, wh_id)), refs, out.days)
        out.applied_one(change)
    if fresh:
        _insert_new(session, fresh, known, refs, out)
    if not careful:
        _save_keys(session, known)
    record_history(session, _documents(out.changed, known, tz), tz)
    return out


def _documents(changed: list[Change], known: dict[tuple[str, str], _Known], tz: ZoneInfo) -> list[Touched]:
    """The applied changes to documents whose status history the warehouse keeps (SO, PO, DO, WO)."""
    out = []
    for change in changed:
        table = BY_NAME.get(change.table)
        seen = known.get((change.table, change.key))
        if table is not None and table.wh in KINDS and seen is not None and not change.gone:
            out.append(Touched(KINDS[table.wh], seen.wh_id, _utc(change.ts, tz)))
    return out


def _gone(
    session: Session,
    table: Table,
    change: Change,
    known: dict[tuple[str, str], _Known],
    tz: ZoneInfo,
    refs: _Refs,
    old_days: dict[tuple[str, int], date],
    days: set[date],
    careful: bool,
) -> bool:
    """Apply a delete event: deleted_at on the key's row, unless the warehouse holds no newer version."""
    seen = known.get((table.erp, change.key))
    if seen is None or seen.src_ts >= change.version or _same(seen, change):
        return False  # never loaded, or re-inserted in the ERP after the delete was seen
    wh = Base.metadata.tables[table.wh]
    stmt = update(wh).where(wh.c.id == seen.wh_id).values(deleted_at=_utc(change.ts, tz), updated_at=utcnow())
    if careful:
        with session.begin_nested():
            session.execute(stmt)
            _save_keys(
                session,
                {
                    (table.erp, change.key): _remember(
                        known, (table.erp, change.key), seen, seen.wh_id, change
                    )
                },
            )
    else:
        session.execute(stmt)
        _remember(known, (table.erp, change.key), seen, seen.wh_id, change)
    if table.wh == "t_so_detail":  # the order's day loses the line
        so_id = session.scalar(select(wh.c.so_id).where(wh.c.id == seen.wh_id))
        day = refs.day_of_order(so_id) if so_id is not None else None
    else:
        day = old_days.get((table.wh, seen.wh_id))
    if day is not None:
        days.add(day)
    return True


def _insert_new(
    session: Session,
    fresh: dict[tuple[str, str], tuple[Change, dict[str, Any]]],
    known: dict[tuple[str, str], _Known],
    refs: _Refs,
    out: BatchResult,
) -> None:
    """One table's new keys: adopt rows with the same natural key, insert the rest in one statement."""
    table = BY_NAME[next(iter(fresh))[0]]
    wh = Base.metadata.tables[table.wh]
    adopted = _natural_many(session, table, wh, [v for _c, v in fresh.values()])
    inserts: list[tuple[tuple[str, str], Change, dict[str, Any]]] = []
    for mark, (change, values) in fresh.items():
        nat = tuple(values[c] for c in table.natural)
        if table.natural and adopted.get(nat):
            wh_id = adopted[nat].pop(0)
            session.execute(update(wh).where(wh.c.id == wh_id).values(**values, updated_at=utcnow()))
            _remember(known, mark, None, wh_id, change)
        else:
            inserts.append((mark, change, values))
    if inserts:
        stmt = insert(wh).returning(wh.c.id, sort_by_parameter_order=True)
        ids = session.execute(stmt, [v for _m, _c, v in inserts]).scalars().all()
        for (mark, change, _values), wh_id in zip(inserts, ids, strict=True):
            _remember(known, mark, None, int(wh_id), change)
    if table.wh == "t_so_detail":
        refs.prefetch_order_days({v["so_id"] for _c, v in fresh.values()})
    for _change, values in fresh.values():
        _days(table, values, None, refs, out.days)
    fresh.clear()


def _natural_many(
    session: Session, table: Table, wh: SaTable, rows: list[dict[str, Any]]
) -> dict[tuple[Any, ...], list[int]]:
    """Unclaimed warehouse rows sharing a natural key with any of `rows`: natural key -> ids."""
    out: dict[tuple[Any, ...], list[int]] = {}
    if not table.natural:
        return out
    claimed = exists().where(and_(_KEYS.c.erp_table == table.erp, _KEYS.c.wh_id == wh.c.id))
    cols = [wh.c[c] for c in table.natural]
    wanted = sorted({tuple(r[c] for c in table.natural) for r in rows}, key=str)
    for start in range(0, len(wanted), 500):
        query = select(wh.c.id, *cols).where(tuple_(*cols).in_(wanted[start : start + 500]), ~claimed)
        for wh_id, *nat in session.execute(query.order_by(wh.c.id)):
            out.setdefault(tuple(nat), []).append(int(wh_id))
    return out


def _prefetch(session: Session, ordered: list[Change]) -> dict[tuple[str, str], _Known]:
    """The sync_key rows of the batch's keys, locked in key order (two loaders never deadlock on them)."""
    marks = sorted({(c.table, c.key) for c in ordered})
    out: dict[tuple[str, str], _Known] = {}
    for start in range(0, len(marks), 500):
        chunk = marks[start : start + 500]
        query = (
            select(_KEYS.c.erp_table, _KEYS.c.erp_key, _KEYS.c.wh_id, _KEYS.c.src_ts, _KEYS.c.src_hash)
            .where(tuple_(_KEYS.c.erp_table, _KEYS.c.erp_key).in_(chunk))
            .order_by(_KEYS.c.erp_table, _KEYS.c.erp_key)
            .with_for_update()
        )
        for tbl, key, wh_id, src_ts, src_hash in session.execute(query):
            out[(tbl, key)] = _Known(wh_id, src_ts, src_hash)
    return out


def _old_days(session: Session, known: dict[tuple[str, str], _Known]) -> dict[tuple[str, int], date]:
    """The rollup day each known row counts on before this batch changes it."""
    out: dict[tuple[str, int], date] = {}
    for name, column in ROLLUP_DAY.items():
        ids = [k.wh_id for (tbl, _), k in known.items() if BY_NAME[tbl].wh == name]
        wh = Base.metadata.tables[name]
        for start in range(0, len(ids), 1000):
            rows = session.execute(
                select(wh.c.id, wh.c[column]).where(wh.c.id.in_(ids[start : start + 1000]))
            )
            out.update({(name, i): d for i, d in rows if d is not None})
    return out


def _write(session: Session, table: Table, values: dict[str, Any], seen: _Known | None) -> int:
    wh = Base.metadata.tables[table.wh]
    wh_id = seen.wh_id if seen is not None else _natural(session, table, wh, values)
    if wh_id is None:
        return int(session.execute(insert(wh).values(**values).returning(wh.c.id)).scalar_one())
    session.execute(update(wh).where(wh.c.id == wh_id).values(**values, updated_at=utcnow()))
    return wh_id


def _same(seen: _Known, change: Change) -> bool:
    """The version already applied, re-read (the overlap window, a re-extraction): same time, same values."""
    return seen.src_ts.split("#", 1)[0] == change.ts and seen.src_hash == change.msg_id


def _remember(
    known: dict[tuple[str, str], _Known],
    mark: tuple[str, str],
    seen: _Known | None,
    wh_id: int,
    change: Change,
) -> _Known:
    if seen is None:
        seen = known[mark] = _Known(wh_id, change.version, change.msg_id, new=True)
    else:
        seen.src_ts, seen.src_hash, seen.dirty = change.version, change.msg_id, True
    return seen


def _save_keys(session: Session, entries: dict[tuple[str, str], _Known]) -> None:
    """Insert new sync_key rows and move the versions of known ones, a statement per kind."""
    now = utcnow()
    new = [
        {
            "erp_table": t,
            "erp_key": k,
            "wh_id": e.wh_id,
            "src_ts": e.src_ts,
            "src_hash": e.src_hash,
            "loaded_at": now,
        }
        for (t, k), e in entries.items()
        if e.new
    ]
    moved = [
        {"t": t, "k": k, "v": e.src_ts, "h": e.src_hash}
        for (t, k), e in entries.items()
        if e.dirty and not e.new
    ]
    if new:
        session.execute(insert(_KEYS), new)
    if moved:
        stmt = (
            update(_KEYS)
            .where(_KEYS.c.erp_table == bindparam("t"), _KEYS.c.erp_key == bindparam("k"))
            .values(src_ts=bindparam("v"), src_hash=bindparam("h"), loaded_at=now)
        )
        session.connection().execute(stmt, moved)
    for entry in entries.values():
        entry.new = entry.dirty = False


def _values(table: Table, change: Change, tz: ZoneInfo, refs: _Refs) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for col in table.cols:
        value = to_warehouse_value(col, change.row.get(col.erp), tz)
        if col.kind == "ref" and value is not None:
            value = refs.id_of(col.ref, value)
        values[col.wh] = value
    # Soft delete: the ERP's flag becomes deleted_at, the ERP's own change time (deterministic on replay).
    deleted = str(change.row.get("deleted") or "0") not in ("0", "", "N", "False")
    values["deleted_at"] = _utc(change.ts, tz) if deleted else None
    return values


def _utc(local: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=tz).astimezone(UTC)


def _natural(session: Session, table: Table, wh: SaTable, values: dict[str, Any]) -> int | None:
    """A warehouse row with the same natural key (seeded, typed in before the sync): adopted, not doubled."""
    if not table.natural:
        return None
    # Only a row no other ERP key became: an order's second line of the same item is a row of its own.
    claimed = exists().where(and_(_KEYS.c.erp_table == table.erp, _KEYS.c.wh_id == wh.c.id))
    same = [wh.c[c] == values[c] for c in table.natural]
    found = session.scalar(select(wh.c.id).where(*same, ~claimed).limit(1))
    return int(found) if found is not None else None


def _days(table: Table, values: dict[str, Any], old: date | None, refs: _Refs, days: set[date]) -> None:
    """Record the rollup days a row counts on, before and after the change."""
    if table.wh in ROLLUP_DAY:
        new = values[ROLLUP_DAY[table.wh]]
    elif table.wh == "t_so_detail":
        new = refs.day_of_order(values["so_id"])
    else:
        return
    days.update(d for d in (new, old) if d is not None)


def refresh_derived(session: Session, since: date) -> None:
    """Rebuild the semantic layer's rollups from the first touched day (all days if never built)."""
    if session.connection().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_REFRESH_LOCK)))
    built = session.scalar(select(func.count()).select_from(AggRefresh)) or 0
    refresh(session, since=since if built else None)
