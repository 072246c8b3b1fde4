"""The WhatsApp webhook end to end: signatures, exactly-once under duplicates and concurrency, crash retry."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from channels.whatsapp import outbox
from tests.integration.wa_harness import DIRECTOR, PUBLIC, AiChat, MsgOutbox, Wa, WaInbound, running


@pytest.fixture
def wa(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> Iterator[Wa]:
    with running(seeded_engine, spec_today, tmp_path) as harness:
        yield harness


class CountingChat:
    """Wraps ChatService.chat to count agent runs; can fail the first N calls."""

    def __init__(self, inner: Any, fail_first: int = 0) -> None:
        self.inner, self.calls, self.fail_first = inner, 0, fail_first
        self._lock = threading.Lock()

    def chat(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
            fail = self.calls <= self.fail_first
        if fail:
            raise RuntimeError("worker crashed mid-answer")
        return self.inner.chat(*args, **kwargs)


def test_unsigned_or_badly_signed_request_is_403_before_any_db_work(wa: Wa) -> None:
    form = wa.form("Berapa penjualan bulan ini?")
    assert wa.client.post("/webhooks/twilio/whatsapp", data=form).status_code == 403
    bad = wa.client.post("/webhooks/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": "AAAA"})
    assert bad.status_code == 403 and bad.json()["error"]["code"] == "forbidden"
    # Signed for another path (or with another token) does not pass either.
    assert wa.post(form, path="/webhooks/twilio/status").status_code == 200
    wa.token = "not-the-token"
    assert wa.post(form).status_code == 403
    assert wa.count(WaInbound) == 0


def test_fails_closed_when_the_auth_token_is_unset(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    with running(seeded_engine, spec_today, tmp_path, twilio_auth_token=None) as harness:
        assert harness.post(harness.form("hi")).status_code == 403
        assert harness.count(WaInbound) == 0


def test_ack_is_empty_twiml_and_reply_goes_out_through_rest(wa: Wa) -> None:
    response = wa.post(wa.form("Berapa penjualan bulan ini?"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    assert wa.fake.messages == []  # nothing is answered inside the webhook
    wa.drain()
    (reply,) = wa.fake.sent_to(DIRECTOR)
    assert "Rp 463.700.000" in (reply.body or "")
    assert reply.from_ == "whatsapp:+14155238886"
    assert reply.status_callback == PUBLIC + "/webhooks/twilio/status"


def test_signed_query_string_unknown_params_and_messaging_service(wa: Wa) -> None:
    form = wa.form("Berapa penjualan bulan ini?", MessagingServiceSid="MG" + "1" * 32, SomethingNew="x")
    items = [*form.items(), ("Tag", "b"), ("Tag", "a")]  # repeated keys are signed too
    assert wa.post(items, path="/webhooks/twilio/whatsapp?tenant=pabrik&x=%C3%A9").status_code == 200
    wa.drain()
    assert len(wa.fake.sent_to(DIRECTOR)) == 1


def test_duplicates_one_after_another_and_fifty_concurrent(wa: Wa) -> None:
    counting = CountingChat(wa.runtime.worker.chat)
    wa.runtime.worker.chat = counting  # type: ignore[assignment]
    form = wa.form("Berapa penjualan bulan ini?")
    for _ in range(3):
        assert wa.post(form).status_code == 200
    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(lambda _: wa.post(form).status_code, range(50)))
    assert codes == [200] * 50
    # Two workers racing over the same queue still answer once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: wa.drain(), range(2)))
    sid = form["MessageSid"]
    assert wa.count(WaInbound, WaInbound.message_sid == sid) == 1
    assert wa.count(AiChat, AiChat.request_id == sid) == 1
    assert counting.calls == 1
    assert wa.count(MsgOutbox, MsgOutbox.dedup_key.like(f"reply:{sid}:%")) == 1
    assert len(wa.fake.sent_to(DIRECTOR)) == 1


def test_crash_in_the_agent_is_retried_and_answered_once(wa: Wa) -> None:
    worker = wa.runtime.worker
    counting = CountingChat(worker.chat, fail_first=1)
    worker.chat = counting  # type: ignore[assignment]
    sid = wa.say("Berapa penjualan bulan ini?")
    wa.drain()
    assert wa.fake.messages == []
    assert wa.count(WaInbound, WaInbound.status == "processing") == 1  # the claim is held, then goes stale
    wa.shift(timedelta(seconds=worker.stale_s + 5))
    wa.drain()
    assert counting.calls == 2
    assert wa.count(WaInbound, WaInbound.message_sid == sid, WaInbound.status == "answered") == 1
    assert wa.count(AiChat, AiChat.request_id == sid) == 1
    assert len(wa.fake.sent_to(DIRECTOR)) == 1


def test_crash_after_the_agent_ran_reuses_its_logged_answer(wa: Wa, monkeypatch: pytest.MonkeyPatch) -> None:
    worker = wa.runtime.worker
    counting = CountingChat(worker.chat)
    worker.chat = counting  # type: ignore[assignment]
    real = outbox.enqueue
    crashes = iter([True])

    def crash_once(*args: Any, **kwargs: Any) -> bool:
        if next(crashes, False):
            raise RuntimeError("died before queueing the reply")
        return real(*args, **kwargs)

    monkeypatch.setattr("channels.whatsapp.worker.outbox.enqueue", crash_once)
    sid = wa.say("Berapa penjualan bulan ini?")
    wa.drain()
    wa.shift(timedelta(seconds=worker.stale_s + 5))
    wa.drain()
    assert counting.calls == 1  # the retry found the logged turn and did not run the agent again
    assert wa.count(AiChat, AiChat.request_id == sid) == 1
    assert len(wa.fake.sent_to(DIRECTOR)) == 1


def test_send_timeout_is_looked_up_not_resent(wa: Wa) -> None:
    wa.fake.timeout_delay_s = 1.5
    wa.fake.script.append("timeout")  # Twilio stores the message, but the answer comes too late
    wa.runtime.rest._http.timeout = __import__("httpx").Timeout(0.5)  # type: ignore[union-attr]
    wa.say("Berapa penjualan bulan ini?")
    wa.drain()
    assert len(wa.fake.messages) == 1
    with wa.runtime.worker.sessions() as s:
        row = s.query(MsgOutbox).one()
        assert (row.status, row.provider_sid, row.last_error_code) == ("queued", None, "unknown")
    wa.shift(timedelta(minutes=15))
    wa.drain()
    assert len(wa.fake.messages) == 1  # found by the lookup, not sent twice
    with wa.runtime.worker.sessions() as s:
        row = s.query(MsgOutbox).one()
        assert row.provider_sid == wa.fake.messages[0].sid


def test_inline_worker_answers_without_help(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> None:
    import time

    with running(seeded_engine, spec_today, tmp_path, whatsapp_worker="inline", whatsapp_poll_s=0.05) as h:
        h.say("Berapa penjualan bulan ini?")
        deadline = time.monotonic() + 20
        while not h.fake.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(h.fake.sent_to(DIRECTOR)) == 1


def test_a_clarifying_question_is_continued_by_a_numbered_reply(wa: Wa) -> None:
    """Over WhatsApp too: an unclear word is asked back with numbered options, and '2' continues."""
    wa.say("biaya bulan ini")
    wa.drain()
    (question,) = wa.replies()
    assert "1." in question and "2." in question and "Rp" not in question
    chosen = next(line.split(". ", 1)[1] for line in question.splitlines() if line.startswith("2."))
    wa.say("2")
    wa.drain()
    answer = wa.replies()[-1]
    assert chosen.lower() in answer.lower() and "Rp" in answer
