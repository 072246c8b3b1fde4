"""The alert dispatcher: claim due outbox rows (FOR UPDATE SKIP LOCKED on PostgreSQL), send them through the
WhatsApp channel, record the provider id, retry with backoff, and look up an unknown outcome before resending.

Any number of dispatchers (threads or `sentient worker` processes) may run against one database: a row is
claimed by exactly one of them, and a claim left behind by a dead worker is taken over after the lease.
"""

from __future__ import annotations

import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.config import DispatchConfig
from alerts.outcomes import Outcome, Result, Tally, record
from alerts.sender import Sender
from channels.whatsapp.rest import TwilioError
from channels.whatsapp.window import choose_shape, open_windows
from warehouse.schema import MsgOutbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A claimed row, and since when an earlier attempt may already have reached the provider."""

    id: int
    kind: str
    phone: str
    body: str
    content_sid: str | None
    content_vars: dict[str, str] | None
    attempts: int  # including this one
    alert_id: int | None
    lookup_since: datetime | None  # set when the last attempt's outcome is unknown
    window_open: bool  # the recipient wrote to us within 24 hours: free-form text is allowed
    claimed_at: datetime | None = None  # this claim's time: outcomes are written only while it holds


def _due(kinds: tuple[str, ...], now: datetime, lease_s: float) -> ColumnElement[bool]:
    stale = now - timedelta(seconds=lease_s)
    return and_(
        MsgOutbox.kind.in_(kinds),
        or_(
            and_(MsgOutbox.status == "queued", MsgOutbox.next_attempt_at <= now),
            # A worker died mid-send: no provider id and an old claim; the outcome is unknown.
            and_(
                MsgOutbox.status == "sending",
                MsgOutbox.provider_sid.is_(None),
                MsgOutbox.claimed_at < stale,
            ),
        ),
    )


def claim(session: Session, config: DispatchConfig, now: datetime) -> list[Job]:
    """Claim up to `batch` due rows and commit; rows other workers hold are skipped, not waited on."""
    due = _due(config.kinds, now, config.lease_s)
    picked = session.execute(
        select(MsgOutbox.id, MsgOutbox.status, MsgOutbox.claimed_at, MsgOutbox.last_error_code)
        .where(due)
        .order_by(MsgOutbox.next_attempt_at, MsgOutbox.id)
        .limit(config.batch)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serialises writers and ignores this
    ).all()
    if not picked:
        session.rollback()
        return []
    ids = [p.id for p in picked]
    # The conditional UPDATE is the claim on every backend: only rows still due change hands.
    claimed = session.scalars(
        update(MsgOutbox)
        .where(MsgOutbox.id.in_(ids), due)
        .values(status="sending", claimed_at=now, attempts=MsgOutbox.attempts + 1, updated_at=now)
        .returning(MsgOutbox),
        execution_options={"synchronize_session": False},
    ).all()
    session.commit()
    before = {p.id: p for p in picked}
    windows = open_windows(session, {row.phone for row in claimed}, now)
    session.rollback()
    jobs = []
    for row in claimed:
        old = before[row.id]
        unknown = old.status == "sending" or old.last_error_code == "unknown"
        jobs.append(
            Job(
                id=row.id,
                kind=row.kind,
                phone=row.phone,
                body=row.body,
                content_sid=row.content_sid,
                content_vars=row.content_vars,
                attempts=row.attempts,
                alert_id=row.alert_id,
                lookup_since=old.claimed_at if unknown else None,  # UTCDateTime: always aware
                window_open=row.phone in windows,
                claimed_at=now,
            )
        )
    return jobs


class Dispatcher:
    """Sends claimed alert messages through a Sender with a small thread pool."""

    def __init__(self, sessions: sessionmaker[Session], sender: Sender, config: DispatchConfig) -> None:
        self.sessions, self.sender, self.config = sessions, sender, config
        self._pool = ThreadPoolExecutor(max_workers=config.threads, thread_name_prefix="alert-send")

    def close(self) -> None:
        """Wait for sends in flight and stop the pool."""
        self._pool.shutdown(wait=True)

    def step(self, now: datetime | None = None) -> Tally:
        """Claim one batch, send it, record the outcomes in one commit; empty when nothing was due."""
        now = now or datetime.now(UTC)
        with self.sessions() as session:
            jobs = claim(session, self.config, now)
        if not jobs:
            return Tally()
        # A send starts only in the first half of the lease: after the lease another worker may take the
        # rows over and send them itself, so a late start could send twice. The rest are handed back.
        start_by = time.monotonic() + self.config.lease_s / 2
        outcomes = list(self._pool.map(lambda job: self._deliver(job, start_by), jobs))
        with self.sessions() as session:
            record(session, outcomes, datetime.now(UTC), self.config.backoff_s, self.config.backoff_max_s)
        for o in outcomes:
            if o.result == "failed":
                log.warning("alert message %s failed: %s %s", o.outbox_id, o.code, o.error)
        return Tally.of(outcomes)

    def drain(self, max_steps: int = 1_000_000) -> Tally:
        """Send until nothing is due right now (messages waiting for a retry time stay queued)."""
        total = Tally()
        for _ in range(max_steps):
            one = self.step()
            if not one.handled:
                break
            total.add(one)
        return total

    def _deliver(self, job: Job, start_by: float = math.inf) -> Outcome:
        """One message, network only: look up an unknown earlier outcome, else send (if still in time)."""
        if time.monotonic() > start_by:
            return self._outcome(job, "released")
        shape = choose_shape(
            kind=job.kind,
            body=job.body,
            content_sid=job.content_sid,
            content_vars=job.content_vars,
            window_open=job.window_open,
            templates={"alert": self.config.template_sid} if self.config.template_sid else {},
        )
        if shape is None:  # outside the window with no approved template: WhatsApp would refuse it
            return self._outcome(job, "failed", code="63016", error="outside the 24-hour window, no template")
        try:
            if job.lookup_since is not None:
                found = self.sender.find_sent(
                    job.phone,
                    since=job.lookup_since,
                    body=shape.body,
                    content_sid=shape.content_sid,
                    content_vars=shape.content_vars,
                )
                if found:
                    return self._outcome(job, "found", sid=found)
            sent = self.sender.send(
                job.phone, body=shape.body, content_sid=shape.content_sid, content_vars=shape.content_vars
            )
        except TwilioError as exc:
            return self._failure(job, exc)
        return self._outcome(job, "sent", sid=sent.sid)

    def _failure(self, job: Job, exc: TwilioError) -> Outcome:
        # "unknown" makes the next attempt look the message up before sending it again.
        code = exc.outcome_code
        retry = exc.retryable and exc.code != 21610 and job.attempts < self.config.max_attempts
        return self._outcome(job, "retry" if retry else "failed", code=code, error=exc.message)

    @staticmethod
    def _outcome(job: Job, result: Result, **details: str) -> Outcome:
        claim = job.claimed_at
        return Outcome(job.id, job.alert_id, job.phone, job.attempts, result, claimed_at=claim, **details)
