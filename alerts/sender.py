"""The port the dispatcher sends through; channels/whatsapp/rest.py TwilioRest is the real adapter."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from channels.whatsapp.rest import Sent


class Sender(Protocol):
    """Send a WhatsApp message, and find one sent earlier after an unknown outcome."""

    def send(
        self,
        to: str,
        *,
        body: str | None = None,
        content_sid: str | None = None,
        content_vars: dict[str, str] | None = None,
    ) -> Sent:
        """Send; raise channels.whatsapp.rest.TwilioError on failure."""
        ...

    def find_sent(
        self,
        to: str,
        *,
        since: datetime,
        body: str | None = None,
        content_sid: str | None = None,
        content_vars: dict[str, str] | None = None,
    ) -> str | None:
        """The provider id of a matching message created since `since`, if any."""
        ...
