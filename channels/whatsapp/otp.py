"""E-mailed one-time codes confirming a WhatsApp number: single use, 5-minute expiry, 5 tries, then a lock."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warehouse.schema.messaging import WaOtp

TTL = timedelta(minutes=5)
MAX_TRIES = 5
LOCK = timedelta(minutes=15)


@dataclass(frozen=True)
class Mailer:
    """SMTP settings for sending codes (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_FROM)."""

    host: str
    port: int = 25
    sender: str = "sentient@factory.local"
    user: str | None = None
    password: str | None = None
    timeout_s: float = 10.0

    def send(self, to: str, subject: str, text: str) -> None:
        """Send one plain-text e-mail (STARTTLS when the server offers it and a login is configured)."""
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg.set_content(text)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.user:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls()
                smtp.login(self.user, self.password or "")
            smtp.send_message(msg)


def code_hash(secret: str, user_id: int, phone: str, code: str) -> str:
    """Keyed hash of a code, bound to the user and number, so a leaked table reveals no codes."""
    return hmac.new(secret.encode(), f"{user_id}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def live_otp(session: Session, user_id: int, phone: str, now: datetime) -> WaOtp | None:
    """The newest unused code for this user and number that is not expired (or is locked)."""
    row = session.scalar(
        select(WaOtp)
        .where(WaOtp.user_id == user_id, WaOtp.phone == phone, WaOtp.used_at.is_(None))
        .order_by(WaOtp.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    if row.locked_until is not None and row.locked_until > now:
        return row
    return row if row.expires_at > now and row.attempts < MAX_TRIES else None


def locked(session: Session, user_id: int, phone: str, now: datetime) -> datetime | None:
    """Until when this user and number may not get or try codes, if locked."""
    until = session.scalar(
        select(WaOtp.locked_until)
        .where(WaOtp.user_id == user_id, WaOtp.phone == phone, WaOtp.locked_until > now)
        .order_by(WaOtp.locked_until.desc())
        .limit(1)
    )
    return until


def issue(session: Session, secret: str, user_id: int, phone: str, now: datetime) -> tuple[WaOtp, str]:
    """Store a new code (the caller e-mails it); returns the row and the code in clear."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = WaOtp(
        user_id=user_id,
        phone=phone,
        code_hash=code_hash(secret, user_id, phone, code),
        expires_at=now + TTL,
        attempts=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, code


Outcome = Literal["ok", "wrong", "expired", "locked"]


def verify(session: Session, secret: str, user_id: int, phone: str, code: str, now: datetime) -> Outcome:
    """Check a code: ok uses it up; a wrong code costs one try; the fifth wrong one locks."""
    if locked(session, user_id, phone, now):
        return "locked"
    row = live_otp(session, user_id, phone, now)
    if row is None:
        return "expired"
    # Count the try atomically first, so concurrent guesses cannot exceed the limit.
    tried = session.execute(
        update(WaOtp)
        .where(WaOtp.id == row.id, WaOtp.attempts < MAX_TRIES, WaOtp.used_at.is_(None))
        .values(attempts=WaOtp.attempts + 1)
    )
    if tried.rowcount != 1:  # type: ignore[attr-defined]
        return "locked"
    session.refresh(row)
    if hmac.compare_digest(row.code_hash, code_hash(secret, user_id, phone, code)):
        used = session.execute(
            update(WaOtp).where(WaOtp.id == row.id, WaOtp.used_at.is_(None)).values(used_at=now)
        )
        return "ok" if used.rowcount == 1 else "expired"  # type: ignore[attr-defined]
    if row.attempts >= MAX_TRIES:
        row.locked_until = now + LOCK
        return "locked"
    return "wrong"


def mask_email(email: str) -> str:
    """j***@example.com: enough to recognise, not enough to harvest."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"
