"""The outbox writer: an alert's WhatsApp messages, queued in the same transaction as the alert itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from alerts.engine import AlertEvent
from alerts.phrasing import Tone, message
from alerts.routing import QuietHours, Recipient, RoutingPolicy, route
from alerts.types import Finding
from warehouse.schema import MsgOutbox

# (finding, recipient's role code, language, tone) -> the alert sentence for that reader.
Phraser = Callable[[Finding, str, str, Tone], str]


def ref(event: AlertEvent) -> str:
    """A short public reference to the alert (its uuid's head), so a reply can name it."""
    return str(event.alert.uuid)[:8]


def outbox_key(event: AlertEvent, recipient: Recipient) -> str:
    """Idempotency key: one message per alert, severity and user, however often evaluation runs."""
    return f"alert:{event.alert.uuid}:{event.finding.severity}:{recipient.caller.user_id}"


def queue_messages(
    session: Session,
    events: list[AlertEvent],
    people: list[Recipient],
    policy: RoutingPolicy,
    quiet: QuietHours | None,
    now: datetime,
    template_sid: str | None = None,
    phraser: Phraser | None = None,
) -> list[MsgOutbox]:
    """Add one outbox row per alert event and recipient to `session` (the caller commits); `phraser` (the
    model, alerts/model_phrasing.py) words the sentence per reader, the template otherwise."""
    rows = []
    for event in events:
        send_at = quiet.send_at(now, event.finding.severity) if quiet else now
        for person in route(people, event.finding, policy):
            lang, tone = person.caller.lang, person.tone
            sentence = phraser(event.finding, person.caller.role, lang, tone) if phraser else None
            text = f"{message(event.finding, lang, tone, sentence)} (ref {ref(event)})"
            row = MsgOutbox(
                kind="alert",
                channel="wa",
                phone=str(person.caller.phone),
                user_id=person.caller.user_id,
                body=text,
                content_sid=template_sid,
                content_vars={"1": text} if template_sid else None,
                alert_id=event.alert.id,
                dedup_key=outbox_key(event, person),
                status="queued",
                next_attempt_at=send_at,
            )
            session.add(row)
            rows.append(row)
    session.flush()
    return rows


def withdraw(session: Session, alert_ids: list[int], now: datetime) -> int:
    """Drop messages of cleared alerts that have not gone out yet (e.g. held by quiet hours): by morning
    they would report a condition that no longer holds. Returns how many."""
    if not alert_ids:
        return 0
    result = session.execute(
        update(MsgOutbox)
        .where(MsgOutbox.alert_id.in_(alert_ids), MsgOutbox.status == "queued", MsgOutbox.attempts == 0)
        .values(status="failed", last_error_code="cleared", last_error="alert cleared before sending")
        .values(updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
