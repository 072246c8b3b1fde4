"""The loopback fake Twilio and the REST client against it (the fake is reused by the alerts tests)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from channels.whatsapp.fake_twilio import FakeTwilio
from channels.whatsapp.rest import TwilioError, TwilioRest
from warehouse.types import utcnow

TO = "+6281100000001"


def client(fake: FakeTwilio, token: str | None = None, timeout_s: float = 5.0) -> TwilioRest:
    return TwilioRest(
        fake.url, fake.account_sid, token or fake.auth_token, "+14155238886", timeout_s=timeout_s
    )


def test_send_records_and_lists() -> None:
    with FakeTwilio() as fake, client(fake) as rest:
        sent = rest.send(TO, body="halo")
        templ = rest.send(TO, content_sid="HX1", content_vars={"1": "é"})
        assert sent.sid.startswith("SM") and sent.status == "queued"
        assert [m.body for m in fake.sent_to(TO)] == ["halo", None]
        assert json.loads(fake.messages[1].content_variables or "") == {"1": "é"}
        assert rest.find_sent(TO, since=utcnow() - timedelta(seconds=5), body="halo") == sent.sid
        assert rest.find_sent(TO, since=utcnow() - timedelta(seconds=5), content_sid="HX1") == templ.sid
        assert rest.find_sent(TO, since=utcnow() - timedelta(seconds=5), body="other") is None


def test_wrong_credentials_are_refused() -> None:
    with FakeTwilio() as fake, client(fake, token="wrong") as rest:
        with pytest.raises(TwilioError) as err:
            rest.send(TO, body="x")
        assert err.value.status == 401 and not err.value.retryable
        assert fake.messages == []


@pytest.mark.parametrize(
    ("outcome", "status", "code", "retryable"),
    [
        ("429", 429, 20429, True),
        ("500", 500, 20500, True),
        ("63016", 400, 63016, False),
        ("21610", 400, 21610, False),
    ],
)
def test_scripted_failures(outcome: str, status: int, code: int, retryable: bool) -> None:
    with FakeTwilio() as fake, client(fake) as rest:
        fake.script.append(outcome)
        with pytest.raises(TwilioError) as err:
            rest.send(TO, body="x")
        assert (err.value.status, err.value.code, err.value.retryable) == (status, code, retryable)
        assert fake.messages == [] and len(fake.requests) == 1


def test_timeout_after_sending_leaves_an_unknown_outcome() -> None:
    # The client waits 1 s (0.3 s could pass on a loaded machine before the fake had stored the message).
    with FakeTwilio() as fake, client(fake, timeout_s=1.0) as rest:
        fake.timeout_delay_s = 3.0
        fake.script.append("timeout")
        with pytest.raises(TwilioError) as err:
            rest.send(TO, body="x")
        assert err.value.unknown and len(fake.messages) == 1  # Twilio has it although we got no answer


def test_fail_rate_is_a_share() -> None:
    with FakeTwilio(fail_rate=0.5, seed=3) as fake, client(fake) as rest:
        failures = 0
        for i in range(100):
            try:
                rest.send(TO, body=str(i))
            except TwilioError:
                failures += 1
        assert 30 < failures < 70 and len(fake.messages) == 100 - failures
