"""What became of each claimed alert message, written back for a whole batch in one transaction.

One commit per batch instead of per message: a worker that dies before this commit leaves its rows
'sending' without a provider id, and whoever takes them over looks them up at the provider first, so
batching costs a few look-ups after a crash, never a duplicate. Every write is conditional on the claim
being still this batch's (same `claimed_at`): a batch that outlived its lease, whose rows another worker
took over, writes nothing over that worker's outcome.
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

# released: not attempted (the batch ran out of its lease before this send started); due again at once.
Result = Literal["sent", "found", "retry", "failed", "released"]
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
    claimed_at: datetime | None = None  # the claim this outcome belongs to; record() writes only under it


@dataclass
class Tally:
    """What dispatching did: sent, found already sent, retried later, failed for good."""

    sent: int = 0
    found: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0

    def add(self, other: Tally) -> None:
        """Sum another tally into this one."""
        self.sent += other.sent
        self.found += other.found
        self.retried += other.retried
        self.failed += other.failed
        self.released += other.released

    @property
    def handled(self) -> int:
        """Rows this tally covers."""
        return self.sent + self.found + self.retried + self.failed + self.released

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> Tally:
        """Count outcomes by result."""
        results = [o.result for o in outcomes]
        return cls(
            results.count("sent"),
            results.count("found"),
            results.count("retry"),
            results.count("failed"),
            results.count("released"),
        )


def record(session: Session, outcomes: list[Outcome], now: datetime, base_s: float, max_s: float) -> None:
    """Write a batch's outcomes, each only while its row is still under this batch's claim; commit once."""
    if any(o.claimed_at is None for o in outcomes):
        raise ValueError("an outcome without its claim time cannot be recorded safely")
    sent = [o for o in outcomes if o.result in ("sent", "found")]
    _executemany(
        session,
        update(OUTBOX)
        .where(OUTBOX.c.id == bindparam("o_id"), _STILL_OURS)
        .values(provider_sid=bindparam("o_sid"), sent_at=now, updated_at=now, last_error=None),
        [_key(o) | {"o_sid": o.sid} for o in sent],
    )
    alerts = sorted({o.alert_id for o in sent if o.alert_id is not None})
    if alerts:  # an alert counts as sent once any of its messages went out
        session.execute(
            update(AiAlert).where(AiAlert.id.in_(alerts), AiAlert.sent.is_(False)).values(sent=True)
        )
    _executemany(
        session,
        update(OUTBOX)
        .where(OUTBOX.c.id == bindparam("o_id"), _STILL_OURS)
        .values(status="queued", next_attempt_at=bindparam("o_at"), updated_at=now)
        .values(last_error_code=bindparam("o_code"), last_error=bindparam("o_error")),
        [
            _error_row(o)
            | {"o_at": now + timedelta(seconds=backoff_delay(o.attempts, base_s=base_s, max_s=max_s))}
            for o in outcomes
            if o.result == "retry"
        ],
    )
    _executemany(  # never attempted: hand the row back as it was, due now, the attempt not counted
        session,
        update(OUTBOX)
        .where(OUTBOX.c.id == bindparam("o_id"), _STILL_OURS)
        .values(status="queued", next_attempt_at=now, claimed_at=None, updated_at=now)
        .values(attempts=OUTBOX.c.attempts - 1),
        [_key(o) for o in outcomes if o.result == "released"],
    )
    failed = [o for o in outcomes if o.result == "failed"]
    _executemany(
        session,
        update(OUTBOX)
        .where(OUTBOX.c.id == bindparam("o_id"), _STILL_OURS)
        .values(status="failed", updated_at=now, last_error_code=bindparam("o_code"))
        .values(last_error=bindparam("o_error")),
        [_error_row(o) for o in failed],
    )
    for phone in sorted({o.phone for o in failed if o.code == "21610"}):  # unsubscribed: nothing more
        fail_recipient(session, phone, "21610", now)
    session.commit()
    for o in outcomes:  # after the commit, so a batch that failed to record is not counted
        if o.result != "released":
            status = "sent" if o.result == "found" else o.result
            metrics.OUTBOUND_MESSAGES.labels(channel="whatsapp", status=status).inc()


# The row is still under the claim the outcome came from (the claim's timestamp is its token).
_STILL_OURS = OUTBOX.c.claimed_at == bindparam("o_claimed", type_=OUTBOX.c.claimed_at.type)


def _key(o: Outcome) -> dict[str, Any]:
    return {"o_id": o.outbox_id, "o_claimed": o.claimed_at}


def _error_row(o: Outcome) -> dict[str, Any]:
    return _key(o) | {"o_code": (o.code or "")[:12], "o_error": (o.error or "")[:500]}


def _executemany(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(statement, rows)
