"""A batch that outlives its claim's lease: unstarted sends are handed back, and nothing it writes late
overwrites the outcome of the worker that took its rows over (each write is conditional on the claim)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

from alerts.dispatcher import Dispatcher, claim
from alerts.fakes import FakeSender
from alerts.outcomes import Outcome, record
from tests.integration.alerts_helpers import config, evaluate
from warehouse.db import make_session_factory


def _rows(engine: Engine) -> dict[int, tuple[str, str | None, int]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, provider_sid, attempts FROM msg_outbox"))
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_sends_that_would_start_after_half_the_lease_are_handed_back(seeded_engine: Engine) -> None:
    evaluate(seeded_engine)
    cfg = config(lease_s=60, batch=100, template_sid="HX" + "a" * 32).dispatch
    sessions = make_session_factory(seeded_engine)
    before = _rows(seeded_engine)
    assert len(before) > 3 and all(status == "queued" for status, _, _ in before.values())
    with sessions() as session:
        jobs = claim(session, cfg, datetime.now(UTC))
    sender = FakeSender()
    dispatcher = Dispatcher(sessions, sender, cfg)
    try:
        # The first job starts in time; the others would start after the deadline (the batch ran long).
        outcomes = [dispatcher._deliver(jobs[0])] + [dispatcher._deliver(j, start_by=0.0) for j in jobs[1:]]
    finally:
        dispatcher.close()
    assert [o.result for o in outcomes] == ["sent"] + ["released"] * (len(jobs) - 1)
    assert len(sender.sent) == 1  # nothing sent for a released job
    with sessions() as session:
        record(session, outcomes, datetime.now(UTC), cfg.backoff_s, cfg.backoff_max_s)
    after = _rows(seeded_engine)
    assert after[jobs[0].id][1] == outcomes[0].sid
    # Handed back as they were: queued, no provider id, the attempt not counted; due again at once.
    assert all(after[j.id] == ("queued", None, before[j.id][2]) for j in jobs[1:])
    with sessions() as session:
        again = claim(session, cfg, datetime.now(UTC) + timedelta(seconds=1))
    assert {j.id for j in again} == {j.id for j in jobs[1:]}
    assert all(j.lookup_since is None for j in again)  # never attempted: no look-up needed


def test_a_late_batch_writes_nothing_over_the_worker_that_took_its_rows_over(seeded_engine: Engine) -> None:
    evaluate(seeded_engine)
    cfg = config(lease_s=60, batch=100, template_sid="HX" + "a" * 32).dispatch
    sessions = make_session_factory(seeded_engine)
    first_claim = datetime.now(UTC)
    with sessions() as session:
        slow = claim(session, cfg, first_claim)
    # The slow worker's lease runs out; another worker takes the rows over (an unknown outcome: look-up).
    with sessions() as session:
        taken = claim(session, cfg, first_claim + timedelta(seconds=cfg.lease_s + 1))
    assert {j.id for j in taken} == {j.id for j in slow} and all(j.lookup_since for j in taken)
    mine = [
        Outcome(j.id, j.alert_id, j.phone, j.attempts, "sent", sid=f"SMlate{j.id}", claimed_at=j.claimed_at)
        for j in taken[:1]
    ]
    late = [
        Outcome(
            j.id,
            j.alert_id,
            j.phone,
            j.attempts,
            result,
            sid="SMslow",
            code="unknown",
            claimed_at=j.claimed_at,
        )
        for j, result in zip(slow, ["sent", "retry", "failed", "released"] * len(slow), strict=False)
    ]
    with sessions() as session:
        record(session, mine, datetime.now(UTC), cfg.backoff_s, cfg.backoff_max_s)
    with sessions() as session:
        record(session, late, datetime.now(UTC), cfg.backoff_s, cfg.backoff_max_s)
    after = _rows(seeded_engine)
    assert after[taken[0].id] == ("sending", f"SMlate{taken[0].id}", taken[0].attempts)
    # The slow batch's outcomes (sent, retry, failed, released) changed none of the rows it no longer holds.
    assert all(after[j.id] == ("sending", None, j.attempts) for j in taken[1:])
