"""One sync cycle in process (no NATS): extract -> load per page, watermark advanced in the load's commit."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from erp.events import Change
from erp.extract import Mark, advance, changes, read_marks, save_mark
from erp.load import BatchResult, Failure, apply_batch, refresh_derived
from erp.mapping import TABLES
from erp.reconcile import gone
from erp.status import record_run
from warehouse.schema import SyncDead
from warehouse.types import utcnow

Progress = Callable[[str, int], None]


@dataclass
class Options:
    """Sync knobs: overlap window, page size, attempts before an event is dead-lettered."""

    overlap: timedelta = timedelta(minutes=2)
    page: int = 1000
    max_attempts: int = 3
    ack_wait_s: float = 60.0  # JetStream redelivers an event not acked this long after delivery
    tables: tuple[str, ...] = tuple(t.erp for t in TABLES)
    reconcile: bool = True  # compare key sets this cycle: rows DELETEd in the ERP (erp/reconcile.py)


@dataclass
class RunReport:
    """What one cycle moved."""

    extracted: int = 0
    applied: int = 0
    gone: int = 0  # delete events of rows DELETEd in the ERP (key reconciliation)
    stale: int = 0
    dead: int = 0
    per_table: dict[str, int] = field(default_factory=dict)
    lag_s: float | None = None
    seconds: float = 0.0


def _quiet(_table: str, _n: int) -> None:
    pass


def run_once(
    erp: Engine, wh: Engine, tz: ZoneInfo, opts: Options | None = None, progress: Progress = _quiet
) -> RunReport:
    """Extract every table from its watermark and load it, page by page; retry failures, then dead-letter."""
    opts, report, started = opts or Options(), RunReport(), utcnow()
    with Session(wh) as session:
        marks = read_marks(session)
    pending: list[Failure] = []
    days: set[date] = set()
    oldest: str | None = None
    with erp.connect() as src:
        for table in TABLES:
            if table.erp not in opts.tables:
                continue
            mark = marks[table.erp]
            for page in changes(src, table, mark, opts.overlap, opts.page):
                if mark.ts and page[0].ts > mark.ts and (oldest is None or page[0].ts < oldest):
                    oldest = page[0].ts  # the first change this cycle had not seen before
                result = _load(wh, tz, page, table.erp, mark := advance(mark, page))
                report.extracted += len(page)
                report.per_table[table.erp] = report.per_table.get(table.erp, 0) + len(page)
                _count(report, result)
                days |= result.days
                pending += result.failures
                progress(table.erp, len(page))
            if opts.reconcile:
                with Session(wh) as session:
                    deletes, after = gone(src, session, table, mark, tz, opts.page * 10)
                if deletes:
                    result = _load(wh, tz, deletes, table.erp, mark := after)
                    report.gone += len(deletes)
                    report.extracted += len(deletes)
                    _count(report, result)
                    days |= result.days
                    pending += result.failures
    for attempt in range(2, opts.max_attempts + 1):  # parents that arrived later in this cycle
        if not (retry := [f.change for f in pending if f.retryable]):
            break
        with Session(wh) as session, session.begin():
            result = apply_batch(session, retry, tz)
        _count(report, result)
        days |= result.days
        pending = [f for f in pending if not f.retryable] + result.failures
        if attempt == opts.max_attempts:
            break
    report.dead = len(pending)
    if days:  # the rollups once per cycle, not per page: until then queries read the base tables
        with Session(wh) as session, session.begin():
            refresh_derived(session, min(days))
    report.lag_s = lag_seconds(oldest, tz)
    with Session(wh) as session, session.begin():
        for failure in pending:
            dead_letter(session, failure, opts.max_attempts if failure.retryable else 1)
        report.seconds = (utcnow() - started).total_seconds()
        record_run(
            session,
            started=started,
            mode="inproc",
            extracted=report.extracted,
            loaded=report.applied,
            dead=report.dead,
            lag_s=report.lag_s,
        )
    return report


def lag_seconds(oldest: str | None, tz: ZoneInfo) -> float | None:
    """Seconds from the oldest new ERP change (local time) to now, when it is committed; None: none."""
    if oldest is None:
        return None
    lag = utcnow() - datetime.fromisoformat(oldest).replace(tzinfo=tz).astimezone(UTC)
    return max(0.0, lag.total_seconds())  # an ERP clock ahead of ours reads as no lag


def _load(wh: Engine, tz: ZoneInfo, page: list[Change], table: str, mark: Mark) -> BatchResult:
    with Session(wh) as session, session.begin():
        result = apply_batch(session, page, tz)
        save_mark(session, table, mark)  # same commit as the rows: a crash loses both or neither
    return result


def _count(report: RunReport, result: BatchResult) -> None:
    report.applied += result.applied
    report.stale += result.stale


def dead_letter(session: Session, failure: Failure, attempts: int) -> None:
    """Record an event the loader gave up on (once per message id)."""
    change = failure.change
    if session.query(SyncDead).filter_by(msg_id=change.msg_id).first() is None:
        session.add(
            SyncDead(
                msg_id=change.msg_id,
                erp_table=change.table[:40],
                erp_key=change.key[:200],
                attempts=attempts,
                reason=failure.reason,
                payload=json.dumps(change.row, sort_keys=True),
            )
        )
