"""The dispatcher's decisions without a database: send, look up before resending, retry or give up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.config import DispatchConfig
from alerts.dispatcher import Dispatcher, Job
from alerts.fakes import FakeSender
from alerts.outcomes import Outcome, Tally
from channels.whatsapp.outbox import backoff_delay
from channels.whatsapp.rest import TwilioError

CONFIG = DispatchConfig(max_attempts=3, template_sid="HXtemplate")


def _job(attempts: int = 1, lookup_since: datetime | None = None, window_open: bool = False) -> Job:
    return Job(
        id=1,
        kind="alert",
        phone="+6281100000004",
        body="[PERINGATAN TINGGI] MCH-003 …",
        content_sid=None,
        content_vars=None,
        attempts=attempts,
        alert_id=7,
        lookup_since=lookup_since,
        window_open=window_open,
    )


def _deliver(sender: FakeSender, job: Job, config: DispatchConfig = CONFIG) -> Outcome:
    dispatcher = Dispatcher(sessions=None, sender=sender, config=config)  # type: ignore[arg-type]
    try:
        result: Outcome = dispatcher._deliver(job)
        return result
    finally:
        dispatcher.close()


def test_template_outside_the_window_text_inside() -> None:
    sender = FakeSender()
    assert _deliver(sender, _job()).result == "sent"
    assert _deliver(sender, _job(window_open=True)).result == "sent"
    (_, _, body1, vars1, _), (_, _, body2, vars2, _) = sender.sent
    assert body1 is None and vars1 == {"1": "[PERINGATAN TINGGI] MCH-003 …"}
    assert body2 == "[PERINGATAN TINGGI] MCH-003 …" and vars2 is None
    no_template = DispatchConfig(template_sid=None)
    refused = _deliver(FakeSender(), _job(), no_template)
    assert (refused.result, refused.code) == ("failed", "63016")


def test_an_unknown_outcome_is_looked_up_before_resending() -> None:
    sender = FakeSender()
    before = datetime.now(UTC) - timedelta(seconds=1)
    first = _deliver(sender, _job())  # went out, but suppose the worker died before recording it
    again = _deliver(sender, _job(attempts=2, lookup_since=before))
    assert (again.result, again.sid) == ("found", first.sid) and len(sender.sent) == 1
    empty = FakeSender()
    resent = _deliver(empty, _job(attempts=2, lookup_since=before))  # not there: send it now
    assert resent.result == "sent" and empty.lookups == 1 and len(empty.sent) == 1


@pytest.mark.parametrize(
    ("error", "attempts", "result", "code"),
    [
        (TwilioError(0, None, "ReadTimeout"), 1, "retry", "unknown"),
        (TwilioError(503, 20503, "Service Unavailable"), 1, "retry", "unknown"),
        (TwilioError(429, 20429, "Too Many Requests"), 1, "retry", "20429"),
        (TwilioError(429, 20429, "Too Many Requests"), 3, "failed", "20429"),  # attempts used up
        (TwilioError(400, 21610, "unsubscribed"), 1, "failed", "21610"),
        (TwilioError(400, 21211, "invalid To"), 1, "failed", "21211"),
    ],
)
def test_errors_retry_or_fail(error: TwilioError, attempts: int, result: str, code: str) -> None:
    sender = FakeSender()
    sender.errors.append(error)
    outcome = _deliver(sender, _job(attempts=attempts))
    assert (outcome.result, outcome.code) == (result, code)


def test_backoff_doubles_and_is_capped() -> None:
    waits = [backoff_delay(n, base_s=5.0, max_s=60.0) for n in (1, 2, 3, 10)]
    assert 3.75 <= waits[0] <= 6.25 and 7.5 <= waits[1] <= 12.5 and 15 <= waits[2] <= 25
    assert 45 <= waits[3] <= 75
    assert Tally.of([Outcome(1, None, "+62", 1, "sent"), Outcome(2, None, "+62", 1, "retry")]).handled == 2
