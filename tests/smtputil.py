"""A real SMTP server on loopback (aiosmtpd) that keeps every message, for OTP and alarm e-mail tests."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.mails: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message; accept it."""
        self.mails.append(envelope.content.decode())
        return "250 OK"

    def codes(self) -> list[str]:
        """The six-digit one-time codes in the messages, in order."""
        return [m for mail in self.mails for m in re.findall(r"code is (\d{6})", mail)]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """(inbox, port) of a live SMTP server on 127.0.0.1 for the block."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
