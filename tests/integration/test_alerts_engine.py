"""Evaluation end to end on the sample data: routing by permission, severity and opt-in, language and tone,
quiet hours, escalation, and idempotent runs; alert and messages commit together."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time

from sqlalchemy import Engine

from alerts.routing import QuietHours
from telemetry.metrics import REGISTRY
from tests.conftest import TZ
from tests.integration.alerts_helpers import DAY, config, evaluate, execute, open_keys, outbox
from warehouse.seed.calendar import SPEC_TODAY

ADMIN, JOHN, JANE, OPERATOR, RESIGNED, DIRECTOR = (f"+628110000000{i}" for i in range(1, 7))


def _by_phone(engine: Engine) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for phone, body, *_ in outbox(engine):
        found[phone].append(body)
    return found


def test_routing_follows_permissions_severity_and_opt_in(seeded_engine: Engine) -> None:
    execute(seeded_engine, "UPDATE adm_user SET wa_opt_in = :f WHERE username = 'jane.smith'", f=False)
    report = evaluate(seeded_engine)
    sent = _by_phone(seeded_engine)
    assert report.messages == sum(len(v) for v in sent.values()) > 0
    assert JANE not in sent and RESIGNED not in sent  # opted out / inactive
    # The operator hears machine and work-order alerts only, in Indonesian, with the technical next step.
    assert sent[OPERATOR] and all("PERINGATAN" in b and "Periksa mesin" in b for b in sent[OPERATOR])
    assert not any("menunggak" in b or "SLA" in b for b in sent[OPERATOR])
    # The sales manager (AR.READ) hears about overdue customers.
    assert any("CUST-001" in b for b in sent[JOHN])
    # Executives only hear High and Critical alerts, in the bottom-line tone.
    assert sent[DIRECTOR] and all(("TINGGI" in b or "KRITIS" in b) for b in sent[DIRECTOR])
    assert all("Balas untuk detail" in b for b in sent[DIRECTOR])
    # A waiting purchase order goes to those who can approve it.
    assert any("PO-202412-0002 (" in b for b in sent[DIRECTOR]) and not any(
        "PO-202412-0002 (" in b for b in sent[JOHN]
    )


def _fired_total() -> float:
    """The /metrics counter of fired alerts, summed over rules and severities (process-wide registry)."""
    return sum(
        sample.value
        for family in REGISTRY.collect()
        for sample in family.samples
        if sample.name == "sentient_alerts_fired_total"
    )


def test_runs_are_idempotent(seeded_engine: Engine) -> None:
    before = _fired_total()
    first = evaluate(seeded_engine)
    rows = len(outbox(seeded_engine))
    assert _fired_total() - before == first.fired  # /metrics counts each firing once
    second = evaluate(seeded_engine)
    assert _fired_total() - before == first.fired  # and a repeat run fires nothing
    assert first.fired > 0 and first.messages == rows
    assert (second.fired, second.escalated, second.cleared, second.messages) == (0, 0, 0, 0)
    assert second.unchanged == first.findings and len(outbox(seeded_engine)) == rows


def test_worse_alerts_again_and_milder_does_not(seeded_engine: Engine) -> None:
    evaluate(seeded_engine, "reject_rate")
    assert outbox(seeded_engine) == []  # the seed's alert was already sent
    mch3 = "machine_id = (SELECT id FROM m_machine WHERE code = 'MCH-003')"
    execute(seeded_engine, f"UPDATE t_shift_log SET reject_qty = 90 WHERE log_dt = :d AND {mch3}", d=DAY)
    report = evaluate(seeded_engine, "reject_rate")  # 15 %: three times the threshold
    assert report.escalated == 1 and open_keys(seeded_engine, "reject_rate") == {
        f"reject_rate:MCH-003:{DAY}": "Critical"
    }
    critical = outbox(seeded_engine)
    assert critical and all("CRITICAL" in b or "KRITIS" in b for _, b, *_ in critical)
    execute(seeded_engine, f"UPDATE t_shift_log SET reject_qty = 45 WHERE log_dt = :d AND {mch3}", d=DAY)
    report = evaluate(seeded_engine, "reject_rate")  # 7.5 %: still over, milder: no new message
    assert (report.escalated, report.fired, report.messages) == (0, 0, 0)


def test_quiet_hours_hold_all_but_critical(seeded_engine: Engine) -> None:
    quiet = QuietHours(time(21, 0), time(6, 0), TZ)
    late = datetime.combine(SPEC_TODAY, time(23, 0), TZ).astimezone(UTC)
    morning = datetime.combine(SPEC_TODAY.replace(day=28), time(6, 0), TZ).astimezone(UTC)
    # A Critical machine alert (one shift at 10 %) and the other Medium/High ones fire at 23:00.
    execute(
        seeded_engine,
        "UPDATE t_shift_log SET output_qty = 600, reject_qty = CASE WHEN shift = '2' THEN 60 ELSE 0 END "
        "WHERE log_dt = :d AND machine_id = (SELECT id FROM m_machine WHERE code = 'MCH-001')",
        d=DAY,
    )
    evaluate(seeded_engine, now=late, cfg=config(quiet=quiet))
    rows = outbox(seeded_engine)
    critical = [r for r in rows if "CRITICAL" in r[1] or "KRITIS" in r[1]]
    other = [r for r in rows if r not in critical]
    assert critical and other
    assert {_utc(r[2]) for r in critical} == {late}
    assert {_utc(r[2]) for r in other} == {morning}
    # Cleared during the night: its held messages are withdrawn, not sent in the morning.
    execute(seeded_engine, "UPDATE t_wo SET actual_qty = plan_qty WHERE doc_no = 'WO-202412-0002'")
    evaluate(seeded_engine, "wo_behind", now=late, cfg=config(quiet=quiet))
    held = [r for r in outbox(seeded_engine) if "WO-202412-0002" in r[1]]
    assert held and {r[3] for r in held} == {"failed"}


def _utc(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
