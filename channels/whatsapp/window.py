"""The 24-hour customer-service window per number, and the choice between free-form text and a template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from channels.whatsapp.outbox import insert_ignore
from warehouse.schema.messaging import WaSession

WINDOW = timedelta(hours=24)
TEMPLATE_TEXT_LIMIT = 1000  # a template body with substitutions must stay within 1,024 characters


def ensure_session(session: Session, phone: str, now: datetime) -> WaSession:
    """The wa_session row of a number, created on first sight (race-safe)."""
    table = WaSession.__table__
    insert_ignore(session, table, {"phone": phone, "created_at": now}, ["phone"])  # type: ignore[arg-type]
    row = session.scalar(select(WaSession).where(WaSession.phone == phone))
    assert row is not None
    return row


def touch_inbound(session: Session, phone: str, user_id: int | None, at: datetime) -> None:
    """Record an inbound message: it (re)opens the number's 24-hour window."""
    ensure_session(session, phone, at)
    session.execute(
        update(WaSession)
        .where(WaSession.phone == phone)
        .where((WaSession.last_inbound_at.is_(None)) | (WaSession.last_inbound_at < at))
        .values(last_inbound_at=at)
    )
    if user_id is not None:
        session.execute(update(WaSession).where(WaSession.phone == phone).values(user_id=user_id))


def open_windows(session: Session, phones: set[str], now: datetime) -> set[str]:
    """Of these numbers, those inside the 24-hour window (one query for a whole batch)."""
    if not phones:
        return set()
    rows = session.execute(
        select(WaSession.phone).where(WaSession.phone.in_(phones), WaSession.last_inbound_at > now - WINDOW)
    )
    return {phone for (phone,) in rows}


def in_window(session: Session, phone: str, now: datetime) -> bool:
    """True while free-form messages may go to this number (last inbound less than 24 hours ago)."""
    return phone in open_windows(session, {phone}, now)


@dataclass(frozen=True)
class Shape:
    """How one message goes out: free-form body, or a template with variables."""

    body: str | None
    content_sid: str | None
    content_vars: dict[str, str] | None


def choose_shape(
    *,
    kind: str,
    body: str,
    content_sid: str | None,
    content_vars: dict[str, str] | None,
    window_open: bool,
    templates: dict[str, str],
) -> Shape | None:
    """Free-form inside the window; outside it the row's template or the kind's; None when none exists."""
    if window_open and body:
        return Shape(body=body, content_sid=None, content_vars=None)
    sid = content_sid or templates.get(kind)
    if not sid:
        return None
    variables = content_vars or {"1": _clip(body, TEMPLATE_TEXT_LIMIT)}
    return Shape(body=None, content_sid=sid, content_vars=variables)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
