"""Inbound messages: parse Twilio's form, claim the MessageSid exactly once, and claim work for the worker."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from channels.whatsapp.outbox import insert_ignore
from channels.whatsapp.text import clean_inbound, normalize_phone
from channels.whatsapp.window import touch_inbound
from warehouse.schema.messaging import WaInbound

# The form fields worth keeping; anything else Twilio (or anyone) sends is ignored.
KNOWN = (
    "MessageSid",
    "AccountSid",
    "MessagingServiceSid",
    "From",
    "To",
    "Body",
    "NumMedia",
    "MediaUrl0",  # a photo of the alarm screen (channels/whatsapp/alarm_photo.py)
    "MediaContentType0",
    "ProfileName",
    "WaId",
    "NumSegments",
    "ButtonPayload",
)
SID_MAX = 64


@dataclass(frozen=True)
class Inbound:
    """One parsed inbound message."""

    message_sid: str
    phone: str
    body: str
    params: dict[str, Any] = field(default_factory=dict)


class BadInbound(ValueError):
    """The form lacks what every message has (MessageSid, From)."""


def parse_form(items: Iterable[tuple[str, Any]], max_body: int) -> Inbound:
    """An Inbound from form items (repeated keys: the last wins); bodies over `max_body` are flagged."""
    form: dict[str, str] = {}
    for key, value in items:
        if key in KNOWN and isinstance(value, str):
            form[key] = value
    sid = clean_inbound(form.get("MessageSid", ""))
    phone = normalize_phone(clean_inbound(form.get("From", "")))
    if not sid or len(sid) > SID_MAX or not phone.startswith("+") or len(phone) > 32:
        raise BadInbound("MessageSid and a whatsapp:+E.164 From are required")
    body = clean_inbound(form.get("Body", ""))
    params: dict[str, Any] = {k: clean_inbound(v)[:256] for k, v in form.items() if k != "Body"}
    if len(body) > max_body:
        params["_oversize"] = len(body)
        body = body[:max_body]
    return Inbound(message_sid=sid, phone=phone, body=body, params=params)


def claim_sid(session: Session, msg: Inbound, now: datetime) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on the MessageSid; True only for the first delivery."""
    values = {
        "message_sid": msg.message_sid,
        "phone": msg.phone,
        "body": msg.body,
        "params": msg.params,
        "status": "received",
        "attempts": 0,
        "received_at": now,
    }
    inserted = insert_ignore(session, WaInbound.__table__, values, ["message_sid"])  # type: ignore[arg-type]
    if inserted:
        touch_inbound(session, msg.phone, None, now)  # the message opens the 24-hour window
    return inserted


def _workable(now: datetime, stale_s: float) -> Any:
    return or_(
        WaInbound.status == "received",
        # A worker died (or failed) mid-way: retry once the claim is stale.
        and_(WaInbound.status == "processing", WaInbound.claimed_at < now - timedelta(seconds=stale_s)),
    )


def claim_work(session: Session, now: datetime, stale_s: float, limit: int = 20) -> list[int]:
    """Claim received (or stale) messages for processing; the conditional UPDATE makes each claim unique."""
    ids = session.scalars(
        select(WaInbound.id).where(_workable(now, stale_s)).order_by(WaInbound.id).limit(limit)
    ).all()
    claimed = []
    for inbound_id in ids:
        result = session.execute(
            update(WaInbound)
            .where(WaInbound.id == inbound_id, _workable(now, stale_s))
            .values(status="processing", claimed_at=now, attempts=WaInbound.attempts + 1)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(inbound_id)
    session.commit()
    return claimed


def finish(session: Session, inbound_id: int, claimed_at: datetime, status: str, now: datetime) -> bool:
    """Close a claim we still hold (status and claim time unchanged); False if another worker took over."""
    result = session.execute(
        update(WaInbound)
        .where(
            WaInbound.id == inbound_id, WaInbound.status == "processing", WaInbound.claimed_at == claimed_at
        )
        .values(status=status, answered_at=now, error=None)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
