"""Wrong passwords slow down their source, never the owner; the owner is told once per attack window."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from channels.whatsapp.otp import Mailer
from sentient.auth.alarm import AttackAlarm
from sentient.auth.service import AuthError, AuthPolicy, AuthService
from sentient.auth.throttle import FailureCounts, LoginGuard, Throttled, ThrottlePolicy
from tests.integration.web_support import app_client, hold_the_windows, web_settings
from tests.redisutil import REDIS_TEST_URL, live_redis
from tests.smtputil import Inbox, smtp_server
from warehouse.seed.access import DEV_PASSWORD

STRANGER, OWNER, THIRD = ("203.0.113.9", 40000), ("198.51.100.7", 40000), ("192.0.2.44", 40000)
TWILIO = {  # enough for the alarm to choose WhatsApp; the worker is off, so nothing leaves the outbox
    "twilio_account_sid": "ACtest",
    "twilio_auth_token": "test-token",
    "twilio_whatsapp_from": "+15550000000",
    "twilio_api_base_url": "http://127.0.0.1:9",
    "whatsapp_worker": "off",
}


def _scalar(engine: Engine, sql: str, **params: object) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _audits(engine: Engine, action: str) -> int:
    return int(_scalar(engine, "SELECT COUNT(*) FROM log_audit WHERE action = :a", a=action))


@pytest.fixture
def app(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> Iterator[Any]:
    settings = web_settings(seeded_engine, spec_today, tmp_path, rate_login_per_min=1000, **TWILIO)
    with app_client(settings) as lifespan:  # builds the state once; the clients below share it
        hold_the_windows(lifespan.app)  # every count of a test in one 30-minute window
        yield lifespan.app


def _from(app: Any, peer: tuple[str, int]) -> TestClient:
    return TestClient(app, client=peer, follow_redirects=False)


def test_a_strangers_failures_never_stop_the_owner(app: Any, seeded_engine: Engine) -> None:
    before = {k: _audits(seeded_engine, k) for k in ("LOGIN_FAILED", "LOGIN_ATTACK", "LOGIN")}
    stranger = _from(app, STRANGER)
    spellings = ["jane.smith ", "JANE.SMITH", " Jane.Smith"]  # one name to the throttle
    answers = [
        stranger.post("/api/auth/login", json={"username": spellings[i % 3], "password": f"guess-{i}"})
        for i in range(20)
    ]
    assert [r.status_code for r in answers] == [401] * 5 + [429] * 15
    retry = int(answers[-1].headers["retry-after"])
    assert 0 < retry <= 30 * 60 and answers[-1].json()["error"]["code"] == "rate_limited"
    # even the right password waits at the stranger's address...
    assert (
        stranger.post(
            "/api/auth/login", json={"username": "jane.smith", "password": DEV_PASSWORD}
        ).status_code
        == 429
    )
    # ...but the owner, elsewhere, signs in at once, by the API and by the web form
    owner = _from(app, OWNER)
    assert (
        owner.post("/api/auth/login", json={"username": "jane.smith", "password": DEV_PASSWORD}).status_code
        == 200
    )
    form = owner.post("/login", data={"username": "jane.smith", "password": DEV_PASSWORD, "next": "/"})
    assert form.status_code == 303 and "sf_access" in form.cookies
    assert _audits(seeded_engine, "LOGIN_FAILED") == before["LOGIN_FAILED"] + 5  # every real check audited
    assert _audits(seeded_engine, "LOGIN") == before["LOGIN"] + 2
    assert _scalar(seeded_engine, "SELECT locked_until FROM adm_user WHERE username = 'jane.smith'") is None


def test_the_owner_is_told_once_per_window_on_whatsapp(app: Any, seeded_engine: Engine) -> None:
    before = _audits(seeded_engine, "LOGIN_ATTACK")
    for peer in (STRANGER, THIRD):  # two sources, 40 guesses in one window: one notice
        client = _from(app, peer)
        for i in range(20):
            client.post("/api/auth/login", json={"username": "JANE.smith", "password": f"g{i}"})
    sql = "SELECT COUNT(*) FROM msg_outbox WHERE dedup_key LIKE 'login-attack:%'"
    assert _scalar(seeded_engine, sql) == 1
    row = _scalar(
        seeded_engine, "SELECT phone || ' ' || kind FROM msg_outbox WHERE dedup_key LIKE 'login-attack:%'"
    )
    assert row == "+6281100000003 notice"
    body = _scalar(seeded_engine, "SELECT body FROM msg_outbox WHERE dedup_key LIKE 'login-attack:%'")
    assert "jane.smith" in body and "not locked" in body and "guess" not in body and "g1" not in body
    assert _audits(seeded_engine, "LOGIN_ATTACK") == before + 1
    who = _scalar(
        seeded_engine,
        "SELECT u.username FROM log_audit a JOIN adm_user u ON u.id = a.user_id "
        "WHERE a.action = 'LOGIN_ATTACK'",
    )
    assert who == "jane.smith"


def test_one_source_spraying_many_names_is_throttled_alone(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    settings = web_settings(seeded_engine, spec_today, tmp_path, login_ip_max_failures=6)
    with app_client(settings) as lifespan:
        hold_the_windows(lifespan.app)
        sprayer, owner = _from(lifespan.app, STRANGER), _from(lifespan.app, OWNER)
        codes = [
            sprayer.post("/api/auth/login", json={"username": f"user{i}", "password": "x"}).status_code
            for i in range(6)
        ]
        late = sprayer.post("/api/auth/login", json={"username": "director", "password": DEV_PASSWORD})
        ok = owner.post("/api/auth/login", json={"username": "director", "password": DEV_PASSWORD})
    assert codes == [401] * 6 and late.status_code == 429 and "retry-after" in late.headers
    assert ok.status_code == 200


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


def test_without_whatsapp_the_owner_gets_one_email_per_window(
    seeded_engine: Engine, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    sessions = sessionmaker(seeded_engine)
    auth = AuthService(sessions, AuthPolicy(secret="it-secret"))
    alarm = AttackAlarm(sessions, 30, Mailer("127.0.0.1", port), whatsapp=False)
    now = [1_800_000_000.0]  # a window boundary: 30-minute windows of epoch seconds
    guard = LoginGuard(FailureCounts(), ThrottlePolicy(alert_after=10), alarm, clock=lambda: now[0])

    def attempt(ip: str) -> str:
        try:
            guard.login(auth, "director", "wrong", ip)
        except Throttled:
            return "throttled"
        except AuthError as exc:
            return exc.code
        return "signed in"

    first = [attempt(f"10.0.0.{i % 4}") for i in range(30)]
    assert first.count("invalid_credentials") == 20 and first.count("throttled") == 10
    assert len(inbox.mails) == 1 and "To: director@factory.local" in inbox.mails[0]
    now[0] += 1800  # the next window: a new attack is news again
    for i in range(12):
        attempt(f"10.0.1.{i}")
    assert len(inbox.mails) == 2
    channels = _scalar(
        seeded_engine,
        "SELECT COUNT(*) FROM log_audit WHERE action = 'LOGIN_ATTACK' AND new_value LIKE '%email%'",
    )
    assert channels == 2


class Recorded:
    """An alarm that remembers who it was raised for."""

    def __init__(self) -> None:
        self.raised: list[str] = []

    def raise_alarm(self, username_key: str, ip: str, failures: int, window: int) -> None:
        self.raised.append(username_key)


def test_replicas_on_one_redis_share_the_budgets_and_raise_one_alarm() -> None:
    live_redis()
    tag = uuid.uuid4().hex[:12]  # counts outlive the test for a window: fresh names every run
    name, ip = f"User-{tag} ", f"198.18.0.{int(tag[:2], 16) % 250}-{tag}"
    alarm = Recorded()
    policy = ThrottlePolicy(per_source_user=3, alert_after=4)
    instant = time.time()  # both replicas judge at one instant: no window boundary mid-test
    one, two = (
        LoginGuard(FailureCounts(REDIS_TEST_URL), policy, alarm, clock=lambda: instant) for _ in range(2)
    )
    one.failed(name, ip)
    two.failed(name.upper(), ip)
    one.check(name, ip)  # two failures: still allowed
    two.failed(name.strip(), ip)
    for guard in (one, two):  # the third failure, counted on either replica, throttles both
        with pytest.raises(Throttled):
            guard.check(name, ip)
    one.check(name, f"other-{tag}")  # another source is not affected
    one.failed(name, f"other-{tag}")  # the fourth guess at this name: the owner is told, once
    two.failed(name, f"third-{tag}")
    assert alarm.raised == [name.strip().casefold()]
