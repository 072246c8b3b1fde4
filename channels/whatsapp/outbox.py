"""msg_outbox: queue outbound messages once (by dedup key), claim due rows, record outcomes and callbacks.

The table is general (replies, OTP notices, alerts); any channel worker may drain it.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from telemetry import metrics
from warehouse.schema.messaging import OUTBOX_ORDER, OUTBOX_TERMINAL, MsgOutbox

# Twilio delivery statuses -> ours; those before "sending" (queued, accepted, scheduled) move nothing.
TWILIO_STATUS = {
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "undelivered",
    "canceled": "failed",
}


def insert_ignore(session: Session, table: Table, values: dict[str, Any], conflict: list[str]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL or SQLite; True when the row was inserted."""
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    result = session.execute(ins.values(**values).on_conflict_do_nothing(index_elements=conflict))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def enqueue(
    session: Session,
    *,
    kind: str,
    phone: str,
    dedup_key: str,
    body: str = "",
    user_id: int | None = None,
    inbound_id: int | None = None,
    alert_id: int | None = None,
    content_sid: str | None = None,
    content_vars: dict[str, str] | None = None,
    part: int = 1,
    now: datetime,
) -> bool:
    """Queue one message unless its dedup key is already queued; True when newly queued."""
    values = {
        "uuid": uuid.uuid4(),
        "kind": kind,
        "channel": "wa",
        "phone": phone,
        "user_id": user_id,
        "body": body,
        "content_sid": content_sid,
        "content_vars": content_vars,
        "inbound_id": inbound_id,
        "alert_id": alert_id,
        "part": part,
        "dedup_key": dedup_key,
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }
    return insert_ignore(session, MsgOutbox.__table__, values, ["dedup_key"])  # type: ignore[arg-type]


@dataclass(frozen=True)
class Claimed:
    """A claimed outbox row, detached from its session."""

    id: int
    kind: str
    phone: str
    user_id: int | None
    body: str
    content_sid: str | None
    content_vars: dict[str, str] | None
    attempts: int
    claimed_at: datetime
    created_at: datetime
    unknown_before: bool  # a previous attempt ended with an unknown outcome: look it up first


def _due(now: datetime, stale_before: datetime) -> Any:
    return or_(
        and_(MsgOutbox.status == "queued", MsgOutbox.next_attempt_at <= now),
        # A worker died mid-send: no provider SID and an old claim. Its outcome is unknown.
        and_(
            MsgOutbox.status == "sending",
            MsgOutbox.provider_sid.is_(None),
            MsgOutbox.claimed_at < stale_before,
        ),
    )


# The kinds the WhatsApp reply worker sends; alerts have their own dispatcher (alerts/dispatcher.py).
REPLY_KINDS = ("reply", "otp", "notice")


def _in_flight(stale_before: datetime) -> Any:
    """Recipients with a live send under way: their next message waits, so parts keep their order."""
    return select(MsgOutbox.phone).where(
        MsgOutbox.status == "sending", MsgOutbox.provider_sid.is_(None), MsgOutbox.claimed_at >= stale_before
    )


def claim_due(
    session: Session, now: datetime, stale_s: float, limit: int = 50, kinds: tuple[str, ...] = REPLY_KINDS
) -> list[Claimed]:
    """Claim due rows of these kinds, the oldest per recipient only (parts go out in order); commits."""
    stale_before = now - timedelta(seconds=stale_s)
    rows = session.execute(
        select(MsgOutbox.id, MsgOutbox.phone, MsgOutbox.status, MsgOutbox.last_error_code)
        .where(
            _due(now, stale_before), MsgOutbox.kind.in_(kinds), ~MsgOutbox.phone.in_(_in_flight(stale_before))
        )
        .order_by(MsgOutbox.id)
        .limit(limit)
    ).all()
    first: dict[str, tuple[int, bool]] = {}
    for row_id, phone, status, code in rows:
        # Reclaimed from "sending" (a worker died mid-call) or a timeout last time: the outcome is unknown.
        first.setdefault(phone, (row_id, status == "sending" or code == "unknown"))
    claimed: list[Claimed] = []
    for row_id, unknown in first.values():
        # The conditional UPDATE is the claim: of two workers, only one sees rowcount 1.
        result = session.execute(
            update(MsgOutbox)
            .where(MsgOutbox.id == row_id, _due(now, stale_before))
            .values(status="sending", claimed_at=now, attempts=MsgOutbox.attempts + 1, updated_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        row = session.get(MsgOutbox, row_id)
        assert row is not None
        claimed.append(
            Claimed(
                id=row.id,
                kind=row.kind,
                phone=row.phone,
                user_id=row.user_id,
                body=row.body,
                content_sid=row.content_sid,
                content_vars=row.content_vars,
                attempts=row.attempts,
                claimed_at=now,
                created_at=row.created_at,
                unknown_before=unknown,
            )
        )
    session.commit()
    return claimed


def _held(row_id: int, claimed_at: datetime | None) -> Any:
    """The row, while still under this claim (when given): a worker whose claim was taken over after the
    lease writes nothing over the new holder's outcome."""
    if claimed_at is None:
        return MsgOutbox.id == row_id
    return and_(MsgOutbox.id == row_id, MsgOutbox.claimed_at == claimed_at)


def mark_sent(
    session: Session, row_id: int, provider_sid: str, now: datetime, claimed_at: datetime | None = None
) -> None:
    """Twilio accepted the message: store its SID (callbacks then move the status)."""
    session.execute(
        update(MsgOutbox)
        .where(_held(row_id, claimed_at))
        .values(provider_sid=provider_sid, sent_at=now, updated_at=now, last_error=None)
    )
    metrics.OUTBOUND_MESSAGES.labels(channel="whatsapp", status="sent").inc()


def mark_failed(
    session: Session, row_id: int, code: str, error: str, now: datetime, claimed_at: datetime | None = None
) -> None:
    """Give up on this message."""
    session.execute(
        update(MsgOutbox)
        .where(_held(row_id, claimed_at))
        .values(status="failed", last_error_code=code[:12], last_error=error[:500], updated_at=now)
    )
    metrics.OUTBOUND_MESSAGES.labels(channel="whatsapp", status="failed").inc()


def release(session: Session, row: Claimed, now: datetime) -> bool:
    """Hand a claimed row back unattempted (its send would have started too late in the lease): queued,
    due now, the attempt not counted. False when the claim was already taken over."""
    result = session.execute(
        update(MsgOutbox)
        .where(_held(row.id, row.claimed_at), MsgOutbox.status == "sending", MsgOutbox.provider_sid.is_(None))
        .values(status="queued", next_attempt_at=now, claimed_at=None, updated_at=now)
        .values(attempts=MsgOutbox.attempts - 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def backoff_delay(
    attempts: int, rng: random.Random | None = None, *, base_s: float = 2.0, max_s: float = 600.0
) -> float:
    """Seconds before the next try: doubling from base_s (2 s), capped at max_s (10 minutes), +-25 %
    jitter. Replies use the defaults; the alert dispatcher passes its configured base and cap."""
    base = min(max_s, base_s * 2 ** max(0, attempts - 1))
    return base * (0.75 + 0.5 * (rng or random).random())


def mark_retry(session: Session, row: Claimed, code: str, error: str, now: datetime) -> datetime:
    """Back off this recipient only: the row and the recipient's other queued rows wait until `at`."""
    at = now + timedelta(seconds=backoff_delay(row.attempts))
    session.execute(
        update(MsgOutbox)
        .where(_held(row.id, row.claimed_at))
        .values(status="queued", next_attempt_at=at, last_error_code=code[:12])
        .values(last_error=error[:500], updated_at=now)
    )
    session.execute(
        update(MsgOutbox)
        .where(MsgOutbox.phone == row.phone, MsgOutbox.status == "queued", MsgOutbox.next_attempt_at < at)
        .values(next_attempt_at=at)
    )
    metrics.OUTBOUND_MESSAGES.labels(channel="whatsapp", status="retry").inc()
    return at


def fail_recipient(session: Session, phone: str, code: str, now: datetime) -> int:
    """Fail every queued message to a recipient who unsubscribed; returns how many."""
    result = session.execute(
        update(MsgOutbox)
        .where(MsgOutbox.phone == phone, MsgOutbox.status == "queued")
        .values(status="failed", last_error_code=code, last_error="recipient unsubscribed", updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def apply_status(session: Session, provider_sid: str, twilio_status: str, error_code: str | None) -> bool:
    """Move a row forward on a delivery callback; stale, repeated or backward callbacks change nothing."""
    new = TWILIO_STATUS.get(twilio_status.lower())
    if new is None:
        return False
    if new in OUTBOX_TERMINAL:
        # Failure is final, but never overrides a confirmed delivery or read.
        allowed = ["queued", "sending", "sent"]
    else:
        allowed = list(OUTBOX_ORDER[: OUTBOX_ORDER.index(new)])
    values: dict[str, Any] = {"status": new}
    if error_code:
        values["last_error_code"] = error_code[:12]
    result = session.execute(
        update(MsgOutbox)
        .where(MsgOutbox.provider_sid == provider_sid, MsgOutbox.status.in_(allowed))
        .values(**values)
    )
    moved = bool(result.rowcount)  # type: ignore[attr-defined]
    if moved:  # delivery callbacks: delivered / read / undelivered / failed as Twilio reports them
        metrics.OUTBOUND_MESSAGES.labels(channel="whatsapp", status=new).inc()
    return moved


def requeue_as_template(
    session: Session, provider_sid: str, templates: dict[str, str], now: datetime
) -> bool:
    """Twilio failed a free-form message with 63016 after accepting it: send it again as a template."""
    row = session.scalar(select(MsgOutbox).where(MsgOutbox.provider_sid == provider_sid))
    if row is None or not row.body or not templates.get(row.kind) or row.status in ("delivered", "read"):
        return False
    row.content_sid = row.content_sid or templates[row.kind]
    row.content_vars = row.content_vars or {"1": row.body[:1000]}
    # An empty body makes the sender use the template even while our window still looks open.
    row.body, row.status, row.provider_sid, row.claimed_at = "", "queued", None, None
    row.next_attempt_at, row.last_error_code, row.updated_at = now, "63016", now
    return True
