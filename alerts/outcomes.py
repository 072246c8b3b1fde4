"""What became of each claimed alert message, written back for a whole batch in one transaction.

One commit per batch instead of per message: a worker that dies before this commit leaves its rows
'sending' without a provider id, and whoever takes them over looks them up at the provider first, so
batching costs a few look-ups after a crash, never a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from channels.whatsapp.outbox import backoff_delay, fail_recipient
from telemetry import metrics
from warehouse.schema import AiAlert, MsgOutbox

Result = Literal["sent", "found", "retry", "failed"]
OUTBOX: Table = MsgOutbox.__table__  # type: ignore[assignment]  # Core table: executemany by id


@dataclass(frozen=True)
class Outcome:
    """One message's result: the provider id when it went out, else the error and whether to retry."""

    outbox_id: int
    alert_id: int | None
    phone: str
    attempts: int
    result: Result
    sid: str | None = None
    code: str | None = None
    error: str | None = None


@dataclass
class Tally:
    """What dispatching did: sent, found already sent, retried later, failed for good."""

    sent: int = 0
    found: int = 0
    retried: int = 0
    failed: int = 0

    def add(self, other: Tally) -> None:
        """Sum another tally into this one."""
        self.sent += other.sent
        self.found += other.found
        self.retried += other.retried
        self.failed += other.failed

    @property
    def handled(self) -> int:
        """Rows this tally covers."""
        return self.sent + self.found + self.retried + self.failed

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> Tally:
        """Count outcomes by result."""
        results = [o.result for o in outcomes]
        return cls(
            results.count("sent"), results.count("found"), results.count("retry"), results.count("failed")
        )


def record(session: Session, outcomes: list[Outcome], now: datetime, base_s: float, max_s: float) -> None:
    """Write every outcome of a batch and commit once."""
    sent = [o for o in outcomes if o.result in ("sent", "found")]
    _executemany(
        session,
        update(OUTBOX)
        .where(OUTBOX.c.id == bindparam("o_id"))
        .values(provider_sid=bindparam("o_sid"), sent_at=now, updated_at=now, last_error=None),
        [{"o_id": o.outbox_id, "o_sid": o.sid} for o in sent],
    )
    alerts = sorted({o.alert_id for o in sent if o.alert_id is not None})
    if alerts:  # an alert counts as sent once any of its messages went out
        session.execute(
            update(AiAlert).where(AiAlert.id.in_(alerts), AiAlert.sent.is_(False)).values(sent=True)
        )
    _executemany(
        session,
        update(OUTBOX)
        .where(OUTBOX.c.id == bindparam("o_id"))
        .values(status="queued", next_attempt_at=bindparam("o_at"), updated_at=now)
        .values(last_error_code=bindparam("o_code"), last_error=bindparam("o_error")),
        [
            _error_row(o)
            | {"o_at": now + timedelta(seconds=backoff_delay(o.attempts, base_s=base_s, max_s=max_s))}
            for o in outcomes
            if o.result == "retry"
        ],
    )
    failed = [o for o in outcomes if o.result == "failed"]
    _executemany(
        session,
        update(OUTBOX)
        .where(OUTBOX.c.id == bindparam("o_id"))
        .values(status="failed", updated_at=now, last_error_code=bindparam("o_code"))
        .values(last_error=bindparam("o_error")),
        [_error_row(o) for o in failed],
    )
    for phone in sorted({o.phone for o in failed if o.code == "21610"}):  # unsubscribed: nothing more
        fail_recipient(session, phone, "21610", now)
    session.commit()
    for o in outcomes:  # after the commit, so a batch that failed to record is not counted
        status = "sent" if o.result == "found" else o.result
        metrics.OUTBOUND_MESSAGES.labels(channel="whatsapp", status=status).inc()


def _error_row(o: Outcome) -> dict[str, Any]:
    return {"o_id": o.outbox_id, "o_code": (o.code or "")[:12], "o_error": (o.error or "")[:500]}


def _executemany(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(statement, rows)
