"""Who may talk to the agent over WhatsApp, decided per inbound message before any model work.

Order: unknown or inactive numbers (one notice per N hours), bad input (too long, media), STOP/START,
opted-out users, the per-number rate limit, then the e-mailed one-time code for a number not yet confirmed.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from channels.whatsapp import otp
from channels.whatsapp.media import PHOTO_TYPES
from channels.whatsapp.notices import START_WORDS, STOP_WORDS, text
from channels.whatsapp.ratelimit import RateLimiter
from channels.whatsapp.window import ensure_session
from warehouse.schema import AdmUser, LogAudit
from warehouse.schema.messaging import WaInbound, WaSession

log = logging.getLogger(__name__)
CODE = re.compile(r"^\s*(\d{6})\s*$")


@dataclass(frozen=True)
class Decision:
    """What to do with one inbound message."""

    action: Literal["chat", "reply", "drop"]
    status: Literal["answered", "rejected"] = "answered"
    reply: str = ""
    kind: str = "notice"  # outbox kind of the reply
    user_id: int | None = None
    photo: bool = False  # "chat" on a photo of the alarm screen: read it first
    lang: str | None = None  # the user's language, for texts the worker writes itself


@dataclass
class GatePolicy:
    """The gate's settings and collaborators."""

    secret: str
    limiter: RateLimiter
    mailer: otp.Mailer | None
    max_body: int = 4096
    notice_every: timedelta = timedelta(hours=24)
    require_otp: bool = True
    verify_for: timedelta = timedelta(days=90)
    photos: bool = False  # alarm-screen photos are read (Twilio configured and tesseract installed)


def audit(
    session: Session, row: WaInbound, reason: str, user_id: int | None, action: str = "WA_REJECT"
) -> None:
    """One log_audit row for a rejected or notable inbound message."""
    detail = {"reason": reason, "phone": row.phone, "message_sid": row.message_sid}
    session.add(
        LogAudit(
            user_id=user_id,
            action=action,
            entity_type="wa_inbound",
            entity_id=row.id,
            new_value=json.dumps(detail),
        )
    )


def decide(session: Session, policy: GatePolicy, row: WaInbound, now: datetime) -> Decision:
    """Decide for one claimed inbound message; writes audit, opt-in, notice and OTP rows in `session`."""
    user = session.scalar(select(AdmUser).where(AdmUser.phone == row.phone))
    params = row.params or {}
    if user is None or not user.is_active or user.deleted_at is not None:
        return _unknown(session, policy, row, now, user)
    lang, uid = user.lang, user.id

    def reject(reason: str, key: str | None) -> Decision:
        audit(session, row, reason, uid)
        if key is None:
            return Decision("drop", "rejected", user_id=uid)
        return Decision("reply", "rejected", text(key, lang), user_id=uid)

    if params.get("_oversize"):
        return reject("too_long", "too_long")
    media = str(params.get("NumMedia") or "0")
    photo = (
        policy.photos
        and media == "1"
        and str(params.get("MediaContentType0") or "") in PHOTO_TYPES
        and bool(params.get("MediaUrl0"))
    )
    if not photo and (not media.isdigit() or int(media) > 0):  # anything else but a plain 0 is media
        return reject("media", "media")
    word = row.body.strip().lower()
    if word in STOP_WORDS or word in START_WORDS:
        on = word in START_WORDS
        session.execute(update(AdmUser).where(AdmUser.id == uid).values(wa_opt_in=on, wa_opt_at=now))
        audit(session, row, "opt_in" if on else "opt_out", uid, action="WA_OPT_IN" if on else "WA_OPT_OUT")
        return Decision("reply", "answered", text("started" if on else "stopped", lang), user_id=uid)
    if not user.wa_opt_in:
        return reject("opted_out", None)
    # Judged in the minute the message arrived and once per MessageSid: a retry is not counted again.
    verdict = policy.limiter.hit(row.phone, (row.received_at or now).timestamp(), token=row.message_sid)
    if not verdict.allowed:
        return reject("rate_limited", "throttled" if verdict.first_refusal else None)
    if policy.require_otp and not _verified(session, policy, row.phone, uid, now):
        return _otp_step(session, policy, row, user, now)
    if not row.body.strip() and not photo:
        return Decision("reply", "answered", text("empty", lang), user_id=uid)
    return Decision("chat", "answered", kind="reply", user_id=uid, photo=photo, lang=lang)


def _unknown(
    session: Session, policy: GatePolicy, row: WaInbound, now: datetime, user: AdmUser | None
) -> Decision:
    """An unknown or inactive number: one short notice per period, every message audited."""
    reason = "unknown_number" if user is None else "inactive_user"
    audit(session, row, reason, None)
    wa = ensure_session(session, row.phone, now)
    since = now - policy.notice_every
    # Conditional update: of concurrent messages from one stranger only one wins the notice.
    won = session.execute(
        update(WaSession)
        .where(WaSession.id == wa.id)
        .where((WaSession.notice_at.is_(None)) | (WaSession.notice_at < since))
        .values(notice_at=now)
    )
    if won.rowcount == 1:  # type: ignore[attr-defined]
        return Decision("reply", "rejected", text("unknown", None))
    return Decision("drop", "rejected")


def _verified(session: Session, policy: GatePolicy, phone: str, user_id: int, now: datetime) -> bool:
    """This number was confirmed by this user recently (another user on the number must confirm again)."""
    wa = session.scalar(select(WaSession).where(WaSession.phone == phone))
    return (
        wa is not None
        and wa.verified_user == user_id
        and wa.verified_at is not None
        and now - wa.verified_at < policy.verify_for
    )


def mark_verified(session: Session, phone: str, user_id: int, now: datetime) -> None:
    """Trust this number for this user from now on."""
    ensure_session(session, phone, now)
    session.execute(
        update(WaSession)
        .where(WaSession.phone == phone)
        .values(verified_user=user_id, verified_at=now, user_id=user_id)
    )


def _otp_step(session: Session, policy: GatePolicy, row: WaInbound, user: AdmUser, now: datetime) -> Decision:
    """First contact or a new user on the number: check a code, or e-mail one."""
    uid, lang, email = user.id, user.lang, otp.mask_email(user.email)
    if otp.locked(session, uid, row.phone, now):
        audit(session, row, "otp_locked", uid)
        return Decision("reply", "rejected", text("otp_locked", lang), kind="otp", user_id=uid)
    live = otp.live_otp(session, uid, row.phone, now)
    match = CODE.match(row.body)
    if live is not None and match:
        outcome = otp.verify(session, policy.secret, uid, row.phone, match.group(1), now)
        if outcome == "ok":
            mark_verified(session, row.phone, uid, now)
            audit(session, row, "otp_ok", uid, action="WA_VERIFIED")
            return Decision("reply", "answered", text("otp_ok", lang), kind="otp", user_id=uid)
        audit(session, row, f"otp_{outcome}", uid)
        if outcome == "wrong":
            left = str(otp.MAX_TRIES - live.attempts)
            return Decision("reply", "rejected", text("otp_wrong", lang, left=left), kind="otp", user_id=uid)
        if outcome == "locked":
            return Decision("reply", "rejected", text("otp_locked", lang), kind="otp", user_id=uid)
    elif live is not None:
        audit(session, row, "otp_pending", uid)
        return Decision("reply", "rejected", text("otp_pending", lang, email=email), kind="otp", user_id=uid)
    return _send_code(session, policy, row, user, now)


def _send_code(
    session: Session, policy: GatePolicy, row: WaInbound, user: AdmUser, now: datetime
) -> Decision:
    """Issue a code and e-mail it; the WhatsApp reply only says where it went."""
    uid, lang = user.id, user.lang
    audit(session, row, "otp_required", uid)
    if policy.mailer is None:
        log.error("WhatsApp OTP needed but SMTP_HOST is not set")
        return Decision("reply", "rejected", text("otp_mail_failed", lang), kind="otp", user_id=uid)
    issued, code = otp.issue(session, policy.secret, uid, row.phone, now)
    try:
        policy.mailer.send(
            user.email,
            "Sentient Factory: WhatsApp confirmation code",
            f"Your code is {code}. It is valid for 5 minutes. If you did not ask for it, ignore this e-mail.",
        )
    except OSError:  # smtplib's errors are OSErrors too
        log.exception("could not e-mail the WhatsApp confirmation code")
        issued.used_at = now  # never mailed: the next message must issue a fresh code
        return Decision("reply", "rejected", text("otp_mail_failed", lang), kind="otp", user_id=uid)
    mail = otp.mask_email(user.email)
    return Decision("reply", "rejected", text("otp_sent", lang, email=mail), kind="otp", user_id=uid)
