"""Who gets answers over WhatsApp: whitelist, notices, robust input, STOP/START, rate limit, e-mailed OTP."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from channels.whatsapp.ratelimit import MemoryRateLimiter, RedisRateLimiter
from tests.integration.wa_harness import DIRECTOR, AiChat, Wa, WaInbound, running
from tests.redisutil import live_redis
from tests.smtputil import Inbox, smtp_server
from warehouse.schema import AdmUser

STRANGER, RESIGNED, OPERATOR = "+6289999999999", "+6281100000005", "+6281100000004"


@pytest.fixture
def wa(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> Iterator[Wa]:
    with running(seeded_engine, spec_today, tmp_path) as harness:
        yield harness


def test_unknown_number_gets_one_notice_and_every_message_is_audited(wa: Wa) -> None:
    for _ in range(3):
        wa.say("Berapa penjualan bulan ini?", STRANGER)
    wa.drain()
    (notice,) = wa.replies(STRANGER)
    assert "tidak terdaftar" in notice and "not registered" in notice
    assert wa.audits("unknown_number") == 3
    assert wa.count(AiChat) == 0 and wa.count(WaInbound, WaInbound.status == "rejected") == 3
    wa.shift(timedelta(hours=25))  # after the quiet period one more notice is allowed
    wa.say("halo?", STRANGER)
    wa.drain()
    assert len(wa.replies(STRANGER)) == 2


def test_inactive_user_is_treated_as_unknown(wa: Wa) -> None:
    wa.say("Berapa penjualan bulan ini?", RESIGNED)
    wa.drain()
    assert len(wa.replies(RESIGNED)) == 1 and wa.audits("inactive_user") == 1 and wa.count(AiChat) == 0


def test_media_gets_text_only_and_is_audited(wa: Wa) -> None:
    wa.say("", DIRECTOR, NumMedia="1", MediaUrl0="https://api.twilio.com/x.jpg")
    wa.drain()
    (reply,) = wa.replies()
    assert "text only" in reply.lower() or "hanya pesan teks" in reply
    assert wa.audits('"media"') == 1 and wa.count(AiChat) == 0


def test_oversized_body_is_rejected_cleanly(wa: Wa) -> None:
    wa.say("x" * 5000)
    wa.drain()
    (reply,) = wa.replies()
    assert "too long" in reply.lower() or "terlalu panjang" in reply
    assert wa.audits("too_long") == 1 and wa.count(AiChat) == 0


def test_control_characters_are_stripped(wa: Wa) -> None:
    sid = wa.say("Berapa\x00 penjualan\x07 bulan ini?\x1b")
    wa.drain()
    with Session(wa.engine) as s:
        assert (
            s.scalar(select(WaInbound.body).where(WaInbound.message_sid == sid))
            == "Berapa penjualan bulan ini?"
        )
    assert "Rp 463.700.000" in wa.replies()[0]


def opted_in(wa: Wa, phone: str) -> bool:
    with Session(wa.engine) as s:
        return bool(s.scalar(select(AdmUser.wa_opt_in).where(AdmUser.phone == phone)))


@pytest.mark.parametrize(("stop", "start"), [("STOP", "START"), ("berhenti", "Mulai")])
def test_stop_and_start(wa: Wa, stop: str, start: str) -> None:
    wa.say(stop)
    wa.drain()
    assert not opted_in(wa, DIRECTOR) and wa.audits("opt_out") == 1
    wa.say("Berapa penjualan bulan ini?")  # opted out: no answer at all
    wa.drain()
    wa.say(start)
    wa.drain()
    assert opted_in(wa, DIRECTOR)
    wa.say("Berapa penjualan bulan ini?")
    wa.drain()
    replies = wa.replies()
    assert len(replies) == 3 and "Rp 463.700.000" in replies[-1]
    assert wa.audits("opted_out") == 1 and wa.count(AiChat) == 1


def _clear_of_minute_end(margin_s: float = 10.0) -> None:
    """Messages are judged in the minute they arrive: start a flood well inside one minute."""
    if time.time() % 60 > 60 - margin_s:
        time.sleep(60.5 - time.time() % 60)


def _flood(wa: Wa, n: int) -> list[str]:
    _clear_of_minute_end()
    for i in range(n):
        wa.say(f"Berapa penjualan bulan ini? {i}")
    wa.drain(rounds=20)
    return wa.replies()


def test_rate_limit_in_process(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> None:
    with running(seeded_engine, spec_today, tmp_path, whatsapp_rate_per_min=3) as wa:
        limiter = wa.runtime.worker.policy.limiter
        assert isinstance(limiter, MemoryRateLimiter) and limiter.per_minute == 3
        replies = _flood(wa, 6)
    assert len(replies) == 4  # three answers and one polite throttle notice, never an HTTP 429
    assert sum("wait a minute" in r or "tunggu" in r for r in replies) == 1
    assert wa.audits("rate_limited") == 3


def test_rate_limit_in_redis(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> None:
    client = live_redis()
    with running(seeded_engine, spec_today, tmp_path, redis_url="redis://127.0.0.1:6379/0") as wa:
        assert isinstance(wa.runtime.worker.policy.limiter, RedisRateLimiter)
        # A fresh key space, so parallel runs and earlier minutes do not count.
        wa.runtime.worker.policy.limiter = RedisRateLimiter(client, 3, prefix=f"test:{uuid.uuid4().hex}:")
        replies = _flood(wa, 5)
    assert len(replies) == 4 and wa.audits("rate_limited") == 2
    client.close()


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_a_message_retried_after_a_failure_is_not_counted_twice(
    store: str, seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    # Limit 2 a minute. The first message's answer fails once (its claim goes stale and is retried); the
    # second is answered meanwhile. The retry must keep the first message's place, not take a third one
    # and be dropped as over the limit: an admitted question is answered, not lost.
    client = live_redis() if store == "redis" else None
    with running(seeded_engine, spec_today, tmp_path, whatsapp_rate_per_min=2) as wa:
        if client is not None:
            wa.runtime.worker.policy.limiter = RedisRateLimiter(client, 2, prefix=f"test:{uuid.uuid4().hex}:")
        chat, failed = wa.runtime.worker.chat, []
        real = chat.chat

        def once_broken(*args: object, **kwargs: object) -> object:
            if not failed:
                failed.append(1)
                raise ConnectionError("warehouse went away mid-answer")
            return real(*args, **kwargs)  # type: ignore[arg-type]

        _clear_of_minute_end(margin_s=20)
        chat.chat = once_broken  # type: ignore[method-assign]
        try:
            wa.say("Berapa penjualan bulan ini?")
            wa.drain()
            assert failed and wa.replies() == []
            wa.say("Berapa penjualan bulan lalu?")
            wa.drain()
            assert len(wa.replies()) == 1
            wa.shift(timedelta(seconds=wa.runtime.worker.stale_s + 1))  # the failed claim is now stale
            wa.drain()
        finally:
            chat.chat = real  # type: ignore[method-assign]
        replies = wa.replies()
    assert len(replies) == 2 and all("Rp" in r for r in replies), replies
    assert wa.audits("rate_limited") == 0
    if client is not None:
        client.close()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def otp_wa(seeded_engine: Engine, spec_today: date, tmp_path: Path, smtp: tuple[Inbox, int]) -> Iterator[Wa]:
    extra = {"whatsapp_require_otp": True, "smtp_host": "127.0.0.1", "smtp_port": smtp[1]}
    with running(seeded_engine, spec_today, tmp_path, **extra) as harness:
        yield harness


def test_first_contact_needs_the_emailed_code(otp_wa: Wa, smtp: tuple[Inbox, int]) -> None:
    wa, inbox = otp_wa, smtp[0]
    wa.say("Berapa penjualan bulan ini?", OPERATOR)
    wa.drain()
    assert "o***@factory.local" in wa.replies(OPERATOR)[-1] and wa.count(AiChat) == 0
    (code,) = inbox.codes()
    assert "op1@factory.local" in inbox.mails[0]
    wa.say("Berapa penjualan bulan ini?", OPERATOR)  # still no data, and no second e-mail
    wa.drain()
    assert len(inbox.codes()) == 1 and wa.count(AiChat) == 0
    wrong = "000000" if code != "000000" else "111111"
    wa.say(wrong, OPERATOR)
    wa.drain()
    assert "4" in wa.replies(OPERATOR)[-1]
    wa.say(code, OPERATOR)
    wa.drain()
    assert "terverifikasi" in wa.replies(OPERATOR)[-1]
    wa.say("Berapa stok gudang?", OPERATOR)
    wa.drain()
    assert wa.count(AiChat) == 1
    assert wa.audits("otp_required") == 1 and wa.audits("otp_wrong") == 1


def test_code_expires_after_five_minutes(otp_wa: Wa, smtp: tuple[Inbox, int]) -> None:
    wa, inbox = otp_wa, smtp[0]
    wa.say("halo", OPERATOR)
    wa.drain()
    wa.shift(timedelta(minutes=6))
    wa.say(inbox.codes()[0], OPERATOR)
    wa.drain()
    assert len(inbox.codes()) == 2  # the old code was refused and a fresh one sent
    assert wa.count(AiChat) == 0


def test_five_wrong_codes_lock(otp_wa: Wa, smtp: tuple[Inbox, int]) -> None:
    wa, inbox = otp_wa, smtp[0]
    wa.say("halo", OPERATOR)
    wa.drain()
    code = inbox.codes()[0]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        wa.say(wrong, OPERATOR)
        wa.drain()
    wa.say(code, OPERATOR)  # even the right code is refused while locked
    wa.drain()
    assert "15" in wa.replies(OPERATOR)[-1]
    assert wa.audits("otp_locked") >= 2 and len(inbox.codes()) == 1
    wa.shift(timedelta(minutes=16))
    wa.say("halo lagi", OPERATOR)
    wa.drain()
    assert len(inbox.codes()) == 2  # after the lock a new code can be had


def test_a_new_user_on_a_confirmed_number_must_confirm_again(otp_wa: Wa, smtp: tuple[Inbox, int]) -> None:
    wa, inbox = otp_wa, smtp[0]
    wa.say("halo", OPERATOR)
    wa.drain()
    wa.say(inbox.codes()[0], OPERATOR)
    wa.drain()
    with Session(wa.engine) as s, s.begin():  # the number is handed to another user ("new device")
        s.query(AdmUser).filter(AdmUser.phone == OPERATOR).update({"phone": None})
        s.query(AdmUser).filter(AdmUser.username == "jane.smith").update({"phone": OPERATOR})
    wa.say("Berapa produksi hari ini?", OPERATOR)
    wa.drain()
    assert len(inbox.codes()) == 2 and "jane@factory.local" in inbox.mails[-1] and wa.count(AiChat) == 0


def test_a_code_works_once(seeded_engine: Engine) -> None:
    from channels.whatsapp import otp
    from warehouse.types import utcnow

    now = utcnow()
    with Session(seeded_engine) as s, s.begin():
        uid = s.scalar(select(AdmUser.id).where(AdmUser.phone == OPERATOR))
        assert uid is not None
        _, code = otp.issue(s, "secret", uid, OPERATOR, now)
        assert otp.verify(s, "secret", uid, OPERATOR, code, now) == "ok"
        assert otp.verify(s, "secret", uid, OPERATOR, code, now) == "expired"
        _, code = otp.issue(s, "secret", uid, OPERATOR, now)
        assert otp.verify(s, "other-secret", uid, OPERATOR, code, now) == "wrong"  # hashes are keyed
