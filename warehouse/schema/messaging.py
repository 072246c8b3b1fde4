"""Messaging tables: WhatsApp inbound claims, the general outbound outbox, per-number sessions and OTPs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.base import Base, IdMixin, UuidMixin
from warehouse.types import BigId, UTCDateTime, utcnow

# Inbound statuses: received -> processing -> answered | rejected | failed.
INBOUND_STATUSES = ("received", "processing", "answered", "rejected", "failed")
# Outbox kinds and statuses; delivery callbacks only ever move a row forward through OUTBOX_ORDER.
OUTBOX_KINDS = ("reply", "otp", "notice", "alert")
OUTBOX_ORDER = ("queued", "sending", "sent", "delivered", "read")
OUTBOX_TERMINAL = ("failed", "undelivered")


class WaInbound(IdMixin, Base):
    """One inbound WhatsApp message, claimed exactly once by its MessageSid."""

    __tablename__ = "wa_inbound"
    __table_args__ = (Index("ix_wa_inbound_status_claimed_at", "status", "claimed_at"),)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)  # E.164 without the whatsapp: prefix
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("adm_user.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the form Twilio sent, known keys only
    status: Mapped[str] = mapped_column(String(12), default="received")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class MsgOutbox(IdMixin, UuidMixin, Base):
    """One outbound message (reply, OTP, notice, alert) and its delivery state; a worker sends it."""

    __tablename__ = "msg_outbox"
    __table_args__ = (Index("ix_msg_outbox_status_next_at", "status", "next_attempt_at"),)
    kind: Mapped[str] = mapped_column(String(10))  # reply, otp, notice, alert
    channel: Mapped[str] = mapped_column(String(10), default="wa")
    phone: Mapped[str] = mapped_column(String(32), index=True)  # recipient, E.164
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("adm_user.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    # Template to use outside the 24-hour window (or always, when body is empty).
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_vars: Mapped[dict[str, str] | None] = mapped_column(JSON)
    inbound_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wa_inbound.id"), index=True)
    alert_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ai_alert.id"), index=True)
    part: Mapped[int] = mapped_column(Integer, default=1)
    # Idempotency: e.g. "reply:<MessageSid>:<part>" or "alert:<id>:<user>"; a message is queued once.
    dedup_key: Mapped[str] = mapped_column(String(160), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_code: Mapped[str | None] = mapped_column(String(12))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WaSession(IdMixin, Base):
    """Per WhatsApp number: the 24-hour window, OTP verification and notice throttling."""

    __tablename__ = "wa_session"
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("adm_user.id"), index=True)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # OTP confirmed for this user+number
    verified_user: Mapped[int | None] = mapped_column(BigId)  # the user the verification belongs to
    notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last "unknown number" notice
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WaOtp(IdMixin, Base):
    """A one-time code sent by email to confirm a WhatsApp number: single use, short-lived, limited tries."""

    __tablename__ = "wa_otp"
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("adm_user.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
