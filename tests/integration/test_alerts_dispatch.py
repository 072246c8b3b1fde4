"""Dispatching alert messages to the loopback fake Twilio: failures retried, unknown outcomes looked up,
each message recorded exactly once by the fake; template outside the 24-hour window, text inside it."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from alerts.dispatcher import Dispatcher
from alerts.outcomes import Tally
from channels.whatsapp.fake_twilio import FakeTwilio
from channels.whatsapp.rest import TwilioRest
from telemetry.metrics import REGISTRY
from tests.integration.alerts_helpers import config, evaluate
from warehouse.db import make_session_factory

TEMPLATE = "HX" + "a" * 32
WAITING = "status = 'queued' OR (status = 'sending' AND provider_sid IS NULL)"


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(fail_rate=0.3, fail_codes=("429", "500", "503")) as fake:
        fake.timeout_delay_s = 2.0  # a scripted timeout: answered well after the client's 1 s
        yield fake


def _dispatch(engine: Engine, fake: FakeTwilio, template: str | None = TEMPLATE) -> Tally:
    cfg = config(template_sid=template, backoff_s=0.01, backoff_max_s=0.05, lease_s=5, threads=4, batch=7)
    # 1 s, not 0.3: on a loaded machine a plain send could time out before the fake had even stored it,
    # and the retry's look-up (due 10-50 ms later) then found nothing and sent it a second time.
    rest = TwilioRest(fake.url, fake.account_sid, fake.auth_token, "+15550000001", timeout_s=1.0)
    dispatcher = Dispatcher(make_session_factory(engine), rest, cfg.dispatch)
    total = Tally()
    try:
        for _ in range(200):  # until nothing is waiting (retries are due within milliseconds)
            total.add(dispatcher.drain())
            if not _waiting(engine):
                break
            time.sleep(0.02)
    finally:
        dispatcher.close()
        rest.close()
    return total


def _outbound(status: str) -> float:
    """The /metrics counter of outbound WhatsApp messages with this status (process-wide)."""
    labels = {"channel": "whatsapp", "status": status}
    return REGISTRY.get_sample_value("sentient_outbound_messages_total", labels) or 0.0


def _waiting(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(f"SELECT count(*) FROM msg_outbox WHERE {WAITING}")) or 0)


def _rows(engine: Engine) -> list[tuple[str, str, str | None, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT phone, body, provider_sid, status FROM msg_outbox"))
        return [(r[0], r[1], r[2], r[3]) for r in rows]


def test_each_message_once_despite_failures_and_timeouts(seeded_engine: Engine, twilio: FakeTwilio) -> None:
    report = evaluate(seeded_engine, cfg=config(template_sid=TEMPLATE))
    twilio.script.extend(["timeout", "ok", "500", "timeout", "503"])  # then 30 % random 429/5xx
    sent_before, retry_before = _outbound("sent"), _outbound("retry")
    tally = _dispatch(seeded_engine, twilio)
    rows = _rows(seeded_engine)
    assert _outbound("sent") - sent_before == len(rows)  # /metrics: each message counted sent once
    assert _outbound("retry") - retry_before == tally.retried
    assert len(rows) == report.messages > 5
    assert all(sid for _, _, sid, _ in rows)  # every message accepted, none lost
    assert tally.retried > 0 and tally.found >= 1  # failures retried; a timed-out send found, not resent
    # Outside the window the approved template carries the text; the fake saw each message exactly once.
    assert all(m.content_sid == TEMPLATE for m in twilio.messages)
    seen = Counter((m.to.removeprefix("whatsapp:"), m.content_variables) for m in twilio.messages)
    assert len(twilio.messages) == len(rows) and max(seen.values()) == 1
    assert {m.sid for m in twilio.messages} == {sid for _, _, sid, _ in rows}
    with seeded_engine.connect() as conn:  # an alert counts as sent once any of its messages went out
        unsent = conn.scalar(
            text(
                "SELECT count(*) FROM ai_alert a WHERE a.sent = :f AND EXISTS "
                "(SELECT 1 FROM msg_outbox o WHERE o.alert_id = a.id)"
            ),
            {"f": False},
        )
    assert unsent == 0


def test_free_text_inside_the_window_and_unsubscribed_fail(seeded_engine: Engine, twilio: FakeTwilio) -> None:
    twilio.fail_rate = 0.0
    evaluate(seeded_engine, cfg=config(template_sid=None))
    now = datetime.now(UTC)
    with seeded_engine.begin() as conn:  # the operator wrote to the bot an hour ago; the director never
        conn.execute(
            text("INSERT INTO wa_session (phone, last_inbound_at, created_at) VALUES (:p, :t, :t)"),
            {"p": "+6281100000004", "t": now.replace(hour=max(0, now.hour - 1))},
        )
    twilio.unsubscribed.add("+6281100000002")
    _dispatch(seeded_engine, twilio, template=None)
    rows = _rows(seeded_engine)
    operator = [r for r in rows if r[0] == "+6281100000004"]
    assert operator and all(sid for _, _, sid, _ in operator)
    # Four sender threads: the order is not the outbox order, but each row went out once, as text.
    assert sorted(m.body for m in twilio.sent_to("+6281100000004")) == sorted(r[1] for r in operator)
    # No template configured and no window: refused up front, never sent free-form outside the window.
    director = [r for r in rows if r[0] == "+6281100000006"]
    assert director and all(st == "failed" and sid is None for _, _, sid, st in director)
    assert all(st == "failed" for p, _, _, st in rows if p == "+6281100000002")
    assert twilio.sent_to("+6281100000006") == [] and twilio.sent_to("+6281100000002") == []
