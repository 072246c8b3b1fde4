"""Tell an account's owner that someone is guessing their password: WhatsApp (outbox) or e-mail, audited."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from channels.whatsapp import outbox
from channels.whatsapp.otp import Mailer
from sentient.auth import audit as a
from sentient.auth.service import utc_now
from warehouse.schema import AdmUser

log = logging.getLogger(__name__)


def attack_text(username: str, failures: int, minutes: int, ip: str) -> str:
    """The notice: what happened, that the account is not locked, and what to do."""
    return (
        f"Sentient Factory: {failures} wrong passwords were tried for your account '{username}' within "
        f"{minutes} minutes (latest from {ip or 'an unknown address'}). Your account is not locked and you "
        "can sign in as usual. If this was not you, tell your administrator; change your password if it "
        "may be known."
    )


class AttackAlarm:
    """Notifies the owner through the channel they have: WhatsApp when Twilio is set up, else e-mail."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        window_min: int,
        mailer: Mailer | None = None,
        whatsapp: bool = False,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.sessions, self.window_min, self.mailer = sessions, window_min, mailer
        self.whatsapp, self.clock = whatsapp, clock

    def raise_alarm(self, username_key: str, ip: str, failures: int, window: int) -> None:
        """Audit LOGIN_ATTACK and notify each active user with this (normalised) username, once per window."""
        now = self.clock()
        mails: list[tuple[str, str]] = []
        with self.sessions() as s, s.begin():
            users = s.scalars(
                select(AdmUser).where(
                    func.lower(AdmUser.username) == username_key,
                    AdmUser.is_active.is_(True),
                    AdmUser.deleted_at.is_(None),
                )
            ).all()
            for user in users:
                text = attack_text(user.username, failures, self.window_min, ip)
                channel = self._channel(s, user, text, window, now)
                if channel == "email":
                    mails.append((user.email, text))
                a.audit(s, a.LOGIN_ATTACK, now, user.id, ip, failures=failures, channel=channel)
        for to, text in mails:  # after the commit: a slow mail server holds no database transaction
            try:
                self.mailer.send(to, "Failed sign-ins to your Sentient Factory account", text)  # type: ignore[union-attr]
            except Exception:
                log.exception("could not e-mail the sign-in alarm to user %s", username_key)

    def _channel(self, s: Session, user: AdmUser, text: str, window: int, now: datetime) -> str:
        """Queue the WhatsApp notice (deduplicated per user and window) or choose e-mail; "none" otherwise."""
        if self.whatsapp and user.phone:
            key = f"login-attack:{user.id}:{window}"  # replicas counting alone still queue one message
            outbox.enqueue(
                s, kind="notice", phone=user.phone, dedup_key=key, body=text, user_id=user.id, now=now
            )
            return "whatsapp"
        if self.mailer is not None and user.email:
            return "email"
        log.warning("sign-in alarm for user %s: no WhatsApp or e-mail configured", user.username)
        return "none"
