"""An in-memory Sender for unit tests: records sends, fails on a script, answers look-ups from its record."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from channels.whatsapp.rest import Sent, TwilioError


@dataclass
class FakeSender:
    """Accepts every send unless `errors` holds one for it; `sent` lists (sid, to, body, vars, when)."""

    errors: deque[TwilioError] = field(default_factory=deque)
    sent: list[tuple[str, str, str | None, dict[str, str] | None, datetime]] = field(default_factory=list)
    lookups: int = 0

    def send(
        self,
        to: str,
        *,
        body: str | None = None,
        content_sid: str | None = None,
        content_vars: dict[str, str] | None = None,
    ) -> Sent:
        """Record the message (or raise the next scripted error)."""
        if self.errors:
            raise self.errors.popleft()
        sid = f"SMfake{len(self.sent):06d}"
        self.sent.append((sid, to, body, content_vars, datetime.now(UTC)))
        return Sent(sid=sid, status="queued")

    def find_sent(
        self,
        to: str,
        *,
        since: datetime,
        body: str | None = None,
        content_sid: str | None = None,
        content_vars: dict[str, str] | None = None,
    ) -> str | None:
        """The recorded message to `to` since `since` with the same text or variables."""
        self.lookups += 1
        for sid, phone, text, variables, when in self.sent:
            if phone == to and when >= since and (text, variables) == (body, content_vars):
                return sid
        return None
