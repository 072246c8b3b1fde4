"""The extractor: per ERP table, the rows changed since the watermark, in (last_modified, key) order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, select, tuple_
from sqlalchemy.orm import Session

from erp.erpdb import erp_table
from erp.events import Change
from erp.mapping import TABLES, Table, key_of
from warehouse.schema import SyncWatermark


@dataclass
class Mark:
    """Where the extractor stands on one table: (last_modified, key) of the last acknowledged row."""

    ts: str = ""
    key: str = ""
    total: int = 0


def read_marks(session: Session) -> dict[str, Mark]:
    """The stored watermark of every ERP table (missing: from the beginning)."""
    stored = {
        w.erp_table: Mark(w.last_ts, w.last_key, w.rows_total) for w in session.scalars(select(SyncWatermark))
    }
    return {t.erp: stored.get(t.erp, Mark()) for t in TABLES}


def save_mark(session: Session, table: str, mark: Mark) -> None:
    """Store a watermark; called only once the events up to it are acknowledged (or loaded)."""
    row = session.get(SyncWatermark, table)
    if row is None:
        session.add(SyncWatermark(erp_table=table, last_ts=mark.ts, last_key=mark.key, rows_total=mark.total))
    else:
        row.last_ts, row.last_key, row.rows_total = mark.ts, mark.key, mark.total


def changes(
    conn: Connection, table: Table, mark: Mark, overlap: timedelta, page: int = 1000
) -> Iterator[list[Change]]:
    """Pages of changes since `mark`'s second less the overlap window (late commits with an older timestamp).

    Keyset paging on (last_modified, key): rows sharing a timestamp are never skipped between pages. Rows
    re-read in the overlap carry the same message id, so JetStream drops them and the loader finds them
    already applied.
    """
    src = erp_table(table)
    order = [src.c.last_modified, *(src.c[k] for k in table.key)]
    seq = mark.total
    # Even with no overlap the watermark's own second is read again: ERP timestamps have one-second
    # resolution, so a row committed later in that second with a smaller key sorts before the watermark
    # (a strict (timestamp, key) cursor lost it). Re-read rows are found already applied.
    start = datetime.fromisoformat(mark.ts) - overlap if mark.ts else None
    cursor: tuple[object, ...] | None = None
    while True:
        query = select(src).order_by(*order).limit(page)
        if cursor is not None:
            query = query.where(tuple_(*order) > tuple_(*cursor))
        elif start is not None:
            query = query.where(and_(src.c.last_modified >= start))
        rows = conn.execute(query).mappings().all()
        if not rows:
            return
        out = []
        for rec in rows:
            seq += 1
            change = Change.of(table.erp, key_of(table, dict(rec)), dict(rec), seq)
            # A change after the watermark is new to the sync (its lag is measured); the first sync's
            # backfill and the overlap's re-reads are not.
            if mark.ts and change.ts > mark.ts:
                change = replace(change, new=True)
            out.append(change)
        cursor = tuple(rows[-1][c.name] for c in order)
        yield out
        if len(rows) < page:
            return


def advance(mark: Mark, batch: list[Change]) -> Mark:
    """The watermark after a batch is acknowledged: its last (timestamp, key), counted."""
    last = batch[-1]
    return Mark(last.ts, last.key, max(mark.total, last.seq))
