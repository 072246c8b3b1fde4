"""Key reconciliation: rows DELETEd from the ERP (not flagged) are invisible to timestamp polling.

Per table, the keys the warehouse holds (sync_key) are compared with the keys the ERP still has; each
missing one becomes a delete event that travels the same path as any change (JetStream or in process)
and soft-deletes its warehouse row (deleted_at). The pass reads key columns only, in key-ordered pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select, tuple_
from sqlalchemy.orm import Session

from erp.erpdb import erp_table
from erp.events import GONE, Change
from erp.extract import Mark
from erp.mapping import Table, key_of
from warehouse.schema import SyncKey


def synced_keys(session: Session, table: Table, page: int = 5000) -> dict[str, str]:
    """ERP key -> the version last applied, of the table's rows the warehouse holds and has not deleted."""
    out: dict[str, str] = {}
    after = ""
    while True:
        rows = session.execute(
            select(SyncKey.erp_key, SyncKey.src_ts, SyncKey.src_hash)
            .where(SyncKey.erp_table == table.erp, SyncKey.erp_key > after)
            .order_by(SyncKey.erp_key)
            .limit(page)
        ).all()
        out.update({key: ts for key, ts, digest in rows if ":gone:" not in digest})
        if len(rows) < page:
            return out
        after = rows[-1][0]


def erp_keys(conn: Connection, table: Table, page: int = 5000) -> Iterator[str]:
    """Every key the ERP table has (soft-deleted rows too), read by key-ordered pages of key columns."""
    src = erp_table(table)
    cols = [src.c[k] for k in table.key]
    cursor: tuple[object, ...] | None = None
    while True:
        query = select(*cols).order_by(*cols).limit(page)
        if cursor is not None:
            query = query.where(tuple_(*cols) > tuple_(*cursor))
        rows = conn.execute(query).all()
        for row in rows:
            yield key_of(table, dict(zip(table.key, row, strict=True)))
        if len(rows) < page:
            return
        cursor = tuple(rows[-1])


def gone(
    conn: Connection, session: Session, table: Table, mark: Mark, tz: ZoneInfo, page: int = 5000
) -> tuple[list[Change], Mark]:
    """Delete events for the keys the warehouse holds and the ERP no longer has, and the mark counting them.

    The warehouse's keys are read first: a row loaded after that read was in the ERP when the ERP was
    read, so it cannot be taken for a deleted one.
    """
    known = synced_keys(session, table, page)
    if not known:
        return [], mark
    for key in erp_keys(conn, table, page):
        known.pop(key, None)
    now = datetime.now(tz).replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
    out, seq = [], mark.total
    for key, version in sorted(known.items()):
        seq += 1
        # Never older than the version applied (an ERP clock behind ours); same second: the sequence decides.
        ts = max(now, version.split("#", 1)[0])
        out.append(Change(table.erp, key, ts, seq, {"last_modified": ts, "deleted": 1, GONE: 1}))
    return out, Mark(mark.ts, mark.key, seq)


def due(cycle: int, every: int) -> bool:
    """Whether cycle number `cycle` (from 1) runs the pass: every `every`th, never when `every` is 0."""
    return every > 0 and cycle % every == 0
