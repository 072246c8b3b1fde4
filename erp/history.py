"""Status history and SLA clocks of synced documents, derived in the warehouse from the status changes the
sync applies (the ERP keeps neither): what `sentient seed` writes for the sample data, the sync now keeps
for a warehouse fed from an ERP, so the SLA alert and the status questions work on it too.

Idempotent by construction: a document's log gets a row only when its current status differs from the
last one logged, and a clock opens only when none of its kind is open; a replayed or re-read event finds
nothing to add. The loader holds the documents' sync keys locked (FOR UPDATE) while this runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.schema import LogSla, LogStatus, TDo, TPo, TSo, TWo
from warehouse.seed.activity import APPROVAL_SLA_MIN  # the same clocks as the seeded sample data

# Warehouse table -> the entity_type its log rows carry.
KINDS = {"t_so": "SO", "t_po": "PO", "t_do": "DO", "t_wo": "WO"}
_PENDING = {"Pending", "Pending Director"}
_BEFORE_APPROVAL = _PENDING | {"Draft", "Cancel"}
Document = TSo | TPo | TDo | TWo
_MODELS: dict[str, type[Document]] = {"SO": TSo, "PO": TPo, "DO": TDo, "WO": TWo}


@dataclass(frozen=True)
class Touched:
    """A document the batch changed, and when the ERP changed it (UTC)."""

    kind: str
    doc_id: int
    at: datetime


def record_history(session: Session, touched: list[Touched], tz: ZoneInfo) -> int:
    """Log each touched document's status change and move its SLA clocks; returns log rows added."""
    added = 0
    latest: dict[tuple[str, int], Touched] = {}
    for t in touched:  # one look per document: its last change in the batch carries the time
        key = (t.kind, t.doc_id)
        if key not in latest or latest[key].at <= t.at:
            latest[key] = t
    for t in sorted(latest.values(), key=lambda x: (x.kind, x.doc_id)):
        row = cast("Document | None", session.get(_MODELS[t.kind], t.doc_id))
        if row is None:
            continue
        last = session.scalars(
            select(LogStatus)
            .where(LogStatus.entity_type == t.kind, LogStatus.entity_id == t.doc_id)
            .order_by(LogStatus.changed_at.desc(), LogStatus.id.desc())
            .limit(1)
        ).first()
        if last is not None and last.new_status == row.status:
            continue
        since = last.changed_at if last is not None else None
        session.add(
            LogStatus(
                entity_type=t.kind,
                entity_id=t.doc_id,
                old_status=last.new_status if last is not None else None,
                new_status=row.status,
                changed_at=t.at,
                duration_min=int((t.at - since).total_seconds() // 60) if since else None,
            )
        )
        added += 1
        _clocks(session, t, row, tz, first=last is None)
    session.flush()
    return added


def _clocks(session: Session, t: Touched, row: Document, tz: ZoneInfo, *, first: bool) -> None:
    """Open or stop the document's SLA clock for the status it has just entered."""
    status = row.status
    if isinstance(row, TSo | TPo):
        if status in _PENDING:
            # First seen already pending (the first sync): its clock ran from the order's day, as the
            # seeded data has it, not from whenever the ERP row was last touched.
            start = min(t.at, _local(row.order_dt, 9, tz)) if first and row.order_dt else t.at
            _open(session, t, "Approval", start, APPROVAL_SLA_MIN[t.kind])
        elif status not in _BEFORE_APPROVAL:
            _stop(session, t, "Approval")
    elif isinstance(row, TDo):
        so = session.get(TSo, row.so_id)
        if so is not None and so.order_dt and so.deadline_dt:  # from the order to its promised day
            start, end = _local(so.order_dt, 9, tz), _local(so.deadline_dt, 17, tz)
            _open(session, t, "Delivery", start, int((end - start).total_seconds() // 60))
        if status == "Delivered":
            _stop(session, t, "Delivery")
    elif isinstance(row, TWo):
        if status == "In Progress" and row.end_dt:  # from the start to the planned end
            end = _local(row.end_dt, 17, tz)
            _open(session, t, "Processing", t.at, max(0, int((end - t.at).total_seconds() // 60)))
        elif status == "Completed":
            _stop(session, t, "Processing")


def _open(session: Session, t: Touched, sla_type: str, start: datetime, target_min: int) -> None:
    if _clock(session, t, sla_type) is None:
        session.add(
            LogSla(
                entity_type=t.kind,
                entity_id=t.doc_id,
                sla_type=sla_type,
                start_at=start,
                target_at=start + timedelta(minutes=target_min),
                target_min=target_min,
                is_breached=False,
            )
        )


def _stop(session: Session, t: Touched, sla_type: str) -> None:
    clock = _clock(session, t, sla_type)
    if clock is not None and clock.completed_at is None:
        clock.completed_at = t.at
        clock.actual_min = int((t.at - clock.start_at).total_seconds() // 60)
        clock.is_breached = t.at > clock.target_at


def _clock(session: Session, t: Touched, sla_type: str) -> LogSla | None:
    return session.scalars(
        select(LogSla)
        .where(LogSla.entity_type == t.kind, LogSla.entity_id == t.doc_id, LogSla.sla_type == sla_type)
        .order_by(LogSla.id.desc())
        .limit(1)
    ).first()


def _local(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tz).astimezone(ZoneInfo("UTC"))
