"""Drain msg_outbox through Twilio: window-aware shape, lookup before resend, per-recipient backoff."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from channels.whatsapp import outbox
from channels.whatsapp.rest import TwilioError, TwilioRest
from channels.whatsapp.window import Shape, choose_shape, in_window
from warehouse.schema import AdmUser
from warehouse.types import utcnow

log = logging.getLogger(__name__)


class Dispatcher:
    """Sends due outbox rows; one recipient's trouble never holds up the others."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        rest: TwilioRest,
        *,
        templates: dict[str, str] | None = None,
        stale_s: float = 120.0,
        max_attempts: int = 6,
        parallel: int = 8,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions, self.rest, self.templates = sessions, rest, templates or {}
        self.stale_s, self.max_attempts, self.clock = stale_s, max_attempts, clock
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="wa-send")

    def close(self) -> None:
        """Stop the send threads."""
        self._pool.shutdown(wait=True)

    def dispatch_once(self, limit: int = 50) -> int:
        """Claim due rows (one per recipient) and send them in parallel; returns how many were handled."""
        with self.sessions() as session:
            claimed = outbox.claim_due(session, self.clock(), self.stale_s, limit)
        # A send starts only in the first half of the claim's lease: after it another worker may take the
        # row over and send it itself. Rows whose turn comes later are handed back, unattempted.
        start_by = time.monotonic() + self.stale_s / 2
        list(self._pool.map(lambda row: self._send_one(row, start_by), claimed))
        return len(claimed)

    def _send_one(self, row: outbox.Claimed, start_by: float = math.inf) -> None:
        try:
            if time.monotonic() > start_by:
                self._finish(lambda s: outbox.release(s, row, self.clock()))
                return
            self._deliver(row)
        except Exception:  # one bad row must not stop the batch; the stale claim retries it later
            log.exception("outbox row %s failed unexpectedly", row.id)

    def _deliver(self, row: outbox.Claimed) -> None:
        now = self.clock()
        with self.sessions() as session:
            window_open = in_window(session, row.phone, now)
        shape = self._shape(row, window_open)
        if shape is None:
            closed = "window closed"
            self._finish(lambda s: outbox.mark_failed(s, row.id, "no_template", closed, now, row.claimed_at))
            return
        if row.unknown_before and self._already_sent(row, shape):
            return
        try:
            sent = self._post(row, shape)
        except TwilioError as exc:
            if exc.code == 63016 and shape.body is not None:
                # Twilio says the window is closed (our clock or a missed inbound): go again as a template.
                shape = self._shape(row, False)
                if shape is None:
                    self._failure(row, exc)
                    return
                try:
                    sent = self._post(row, shape)
                except TwilioError as again:
                    self._failure(row, again)
                    return
            else:
                self._failure(row, exc)
                return
        self._finish(lambda s: outbox.mark_sent(s, row.id, sent, self.clock(), row.claimed_at))

    def _shape(self, row: outbox.Claimed, window_open: bool) -> Shape | None:
        return choose_shape(
            kind=row.kind,
            body=row.body,
            content_sid=row.content_sid,
            content_vars=row.content_vars,
            window_open=window_open,
            templates=self.templates,
        )

    def _post(self, row: outbox.Claimed, shape: Shape) -> str:
        return self.rest.send(
            row.phone, body=shape.body, content_sid=shape.content_sid, content_vars=shape.content_vars
        ).sid

    def _already_sent(self, row: outbox.Claimed, shape: Shape) -> bool:
        """After an unknown outcome, ask Twilio whether the message exists before sending it again."""
        try:
            sid = self.rest.find_sent(
                row.phone, since=row.created_at, body=shape.body, content_sid=shape.content_sid
            )
        except TwilioError as exc:
            self._failure(row, exc)
            return True  # cannot tell yet: try again later rather than risk a duplicate
        if sid is None:
            return False
        self._finish(lambda s: outbox.mark_sent(s, row.id, sid, self.clock(), row.claimed_at))
        return True

    def _failure(self, row: outbox.Claimed, exc: TwilioError) -> None:
        now = self.clock()
        code = exc.outcome_code
        if exc.code == 21610:  # the user unsubscribed (STOP): record it and stop sending to them

            def unsubscribed(s: Session) -> None:
                outbox.mark_failed(s, row.id, "21610", exc.message, now, row.claimed_at)
                outbox.fail_recipient(s, row.phone, "21610", now)
                s.execute(
                    update(AdmUser).where(AdmUser.phone == row.phone).values(wa_opt_in=False, wa_opt_at=now)
                )

            self._finish(unsubscribed)
        elif exc.retryable and row.attempts < self.max_attempts:
            self._finish(lambda s: outbox.mark_retry(s, row, code, exc.message, now))
        else:
            self._finish(lambda s: outbox.mark_failed(s, row.id, code, exc.message, now, row.claimed_at))

    def _finish(self, change: Callable[[Session], object]) -> None:
        with self.sessions() as session, session.begin():
            change(session)
