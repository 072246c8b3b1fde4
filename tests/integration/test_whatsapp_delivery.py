"""Outbound WhatsApp: the 24-hour window and templates, Twilio errors, per-recipient backoff, callbacks."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from channels.whatsapp import outbox
from channels.whatsapp.window import touch_inbound
from tests.integration.wa_harness import MsgOutbox, Wa, running
from warehouse.schema import AdmUser
from warehouse.schema.messaging import WaSession
from warehouse.types import utcnow

JOHN, JANE = "+6281100000002", "+6281100000003"


@pytest.fixture
def wa(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> Iterator[Wa]:
    with running(seeded_engine, spec_today, tmp_path) as harness:
        yield harness


def queue(
    wa: Wa, phone: str, body: str, key: str, *, last_inbound_h: float | None = 1, kind: str = "notice"
) -> None:
    """Queue one message; `last_inbound_h` hours since the recipient last wrote (None: never)."""
    now = utcnow()
    with Session(wa.engine) as s, s.begin():
        if last_inbound_h is not None:
            touch_inbound(s, phone, None, now - timedelta(hours=last_inbound_h))
        outbox.enqueue(s, kind=kind, phone=phone, body=body, dedup_key=key, now=now)


def row(wa: Wa, key: str) -> MsgOutbox:
    with Session(wa.engine) as s:
        found = s.scalar(select(MsgOutbox).where(MsgOutbox.dedup_key == key))
        assert found is not None
        return found


def test_inside_the_window_free_form_outside_a_template(wa: Wa) -> None:
    queue(wa, JOHN, "inside", "k1", last_inbound_h=23)
    queue(wa, JANE, "outside", "k2", last_inbound_h=25)
    wa.drain()
    (inside,) = wa.fake.sent_to(JOHN)
    (outside,) = wa.fake.sent_to(JANE)
    assert (inside.body, inside.content_sid) == ("inside", None)
    assert outside.body is None and outside.content_sid == "HXnotice"
    assert json.loads(outside.content_variables or "{}") == {"1": "outside"}


def test_never_wrote_and_no_template_fails_cleanly(wa: Wa) -> None:
    assert wa.runtime.dispatcher is not None
    wa.runtime.dispatcher.templates = {}  # no approved template configured
    queue(wa, JOHN, "hello", "k1", last_inbound_h=None)
    wa.drain()
    assert wa.fake.messages == [] and row(wa, "k1").status == "failed"
    assert row(wa, "k1").last_error_code == "no_template"


def test_63016_switches_to_the_template(wa: Wa) -> None:
    wa.fake.window_closed.add(JOHN)  # Twilio disagrees with our window
    queue(wa, JOHN, "hello", "k1")
    wa.drain()
    (sent,) = wa.fake.sent_to(JOHN)
    assert sent.content_sid == "HXnotice" and len(wa.fake.requests) == 2
    assert row(wa, "k1").provider_sid == sent.sid


def test_21610_opts_the_user_out_and_stops(wa: Wa) -> None:
    wa.fake.unsubscribed.add(JOHN)
    queue(wa, JOHN, "one", "k1")
    queue(wa, JOHN, "two", "k2")
    wa.drain()
    assert wa.fake.messages == []
    assert len(wa.fake.requests) == 1  # the second message was failed without a call
    assert row(wa, "k1").status == row(wa, "k2").status == "failed"
    with Session(wa.engine) as s:
        assert s.scalar(select(AdmUser.wa_opt_in).where(AdmUser.phone == JOHN)) is False


@pytest.mark.parametrize("code", ["429", "500", "503"])
def test_rate_limit_and_5xx_back_off_one_recipient_only(wa: Wa, code: str) -> None:
    wa.fake.script_for[JOHN] = deque([code])  # John's first POST fails
    queue(wa, JOHN, "first", "k1")
    queue(wa, JOHN, "second", "k2")
    queue(wa, JANE, "other", "k3")
    wa.drain()
    assert [m.body for m in wa.fake.sent_to(JANE)] == ["other"]  # no global stall
    assert wa.fake.sent_to(JOHN) == []
    waiting = row(wa, "k1")
    assert waiting.status == "queued" and waiting.next_attempt_at > utcnow()
    assert row(wa, "k2").next_attempt_at >= waiting.next_attempt_at  # the recipient waits as a whole
    wa.shift(timedelta(minutes=30))
    wa.drain()
    assert [m.body for m in wa.fake.sent_to(JOHN)] == ["first", "second"]  # in order, each once


def test_gives_up_after_max_attempts(wa: Wa) -> None:
    wa.fake.script.extend(["429"] * 10)
    queue(wa, JOHN, "x", "k1")
    for minutes in range(1, 8):
        wa.shift(timedelta(hours=minutes))
        wa.drain()
    assert (
        row(wa, "k1").status == "failed"
        and row(wa, "k1").attempts == wa.runtime.settings.whatsapp_max_attempts
    )


def status(wa: Wa, sid: str, value: str, code: str | None = None) -> int:
    form = {"MessageSid": sid, "MessageStatus": value, "AccountSid": wa.fake.account_sid}
    if code:
        form["ErrorCode"] = code
    return wa.post(form, path="/webhooks/twilio/status").status_code


def test_status_callbacks_only_move_forward(wa: Wa) -> None:
    queue(wa, JOHN, "hello", "k1")
    queue(wa, JANE, "hello", "k2")
    wa.drain()
    sid1, sid2 = row(wa, "k1").provider_sid, row(wa, "k2").provider_sid
    assert sid1 and sid2
    for value in ["delivered", "sent", "queued", "sending", "read", "delivered", "failed", "undelivered"]:
        assert status(wa, sid1, value) == 200
    assert row(wa, "k1").status == "read"
    for value in ["sent", "undelivered", "delivered", "read", "sent"]:
        assert status(wa, sid2, value, "30008" if value == "undelivered" else None) == 200
    assert (row(wa, "k2").status, row(wa, "k2").last_error_code) == ("undelivered", "30008")


def test_status_callback_needs_a_signature(wa: Wa) -> None:
    queue(wa, JOHN, "hello", "k1")
    wa.drain()
    sid = row(wa, "k1").provider_sid
    response = wa.client.post(
        "/webhooks/twilio/status", data={"MessageSid": sid or "", "MessageStatus": "read"}
    )
    assert response.status_code == 403 and row(wa, "k1").status == "sending"


def test_random_failures_still_deliver_everything_once(wa: Wa) -> None:
    wa.fake.fail_rate, wa.fake.fail_codes = 0.3, ("429", "500", "503")
    phones = [f"+62812000000{i:02d}" for i in range(20)]
    for i, phone in enumerate(phones):
        queue(wa, phone, f"m{i}", f"k{i}")
    for hours in range(1, 12):
        wa.drain()
        wa.shift(timedelta(hours=hours))
    for i, phone in enumerate(phones):
        assert [m.body for m in wa.fake.sent_to(phone)] == [f"m{i}"]


def test_window_follows_the_last_inbound(wa: Wa) -> None:
    with Session(wa.engine) as s, s.begin():
        touch_inbound(s, JOHN, None, utcnow() - timedelta(hours=2))
        touch_inbound(s, JOHN, None, utcnow() - timedelta(hours=30))  # older: must not move it back
        s.execute(update(WaSession).where(WaSession.phone == JOHN).values(user_id=None))
    with Session(wa.engine) as s:
        last = s.scalar(select(WaSession.last_inbound_at).where(WaSession.phone == JOHN))
        assert last is not None and utcnow() - last < timedelta(hours=3)


def test_late_63016_callback_resends_as_template(wa: Wa) -> None:
    queue(wa, JOHN, "hello", "k1")
    wa.drain()
    first = row(wa, "k1").provider_sid
    assert first and wa.fake.messages[0].body == "hello"
    assert status(wa, first, "failed", "63016") == 200  # Twilio accepted it, then found the window closed
    wa.drain()
    second = wa.fake.sent_to(JOHN)[-1]
    assert second.content_sid == "HXnotice" and json.loads(second.content_variables or "{}") == {"1": "hello"}
    assert row(wa, "k1").provider_sid == second.sid and len(wa.fake.messages) == 2


def test_a_send_due_after_half_the_lease_is_handed_back_and_a_taken_over_claim_writes_nothing(
    wa: Wa,
) -> None:
    queue(wa, JOHN, "late turn", "lease1")
    queue(wa, JANE, "taken over", "lease2")
    now = utcnow()
    with Session(wa.engine) as s:
        claimed = {c.phone: c for c in outbox.claim_due(s, now, stale_s=120)}
    dispatcher = wa.runtime.dispatcher
    assert dispatcher is not None
    dispatcher._send_one(claimed[JOHN], start_by=0.0)  # its turn came after the deadline
    late = row(wa, "lease1")
    assert (late.status, late.provider_sid, late.attempts, late.claimed_at) == ("queued", None, 0, None)
    assert wa.fake.sent_to(JOHN) == []  # nothing was sent for it
    # JANE's claim ran out and another worker took the row over; the first worker's late writes are void.
    with Session(wa.engine) as s:
        (again,) = [c for c in outbox.claim_due(s, now + timedelta(seconds=121), 120) if c.phone == JANE]
    with Session(wa.engine) as s, s.begin():
        outbox.mark_sent(s, again.id, "SMfirst", utcnow(), claimed[JANE].claimed_at)
        outbox.mark_failed(s, again.id, "500", "late", utcnow(), claimed[JANE].claimed_at)
        outbox.mark_retry(s, claimed[JANE], "500", "late", utcnow())
        assert not outbox.release(s, claimed[JANE], utcnow())
    taken = row(wa, "lease2")
    assert (taken.status, taken.provider_sid, taken.attempts) == ("sending", None, 2)
    wa.shift(timedelta(seconds=300))  # the new holder's claim is stale too (it never finished)
    wa.drain()  # JANE's is looked up (not found) and sent once; JOHN's released row goes out too
    assert [m.body for m in wa.fake.sent_to(JANE)] == ["taken over"]
    assert [m.body for m in wa.fake.sent_to(JOHN)] == ["late turn"]
