"""One evaluation: rules -> ai_alert changes -> outbound messages, committed together (or not at all)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from alerts.config import AlertConfig
from alerts.engine import evaluate
from alerts.outbox import queue_messages, withdraw
from alerts.routing import recipients
from alerts.rules import RULES
from alerts.types import Rule, RuleContext, business_now
from telemetry import metrics

log = logging.getLogger(__name__)
# Workers on PostgreSQL take this transaction-level advisory lock to evaluate: one at a time, the others
# skip the round (the open-key unique index would reject a duplicate alert anyway).
EVAL_LOCK = 7_007_001


@dataclass(frozen=True)
class RunReport:
    """What one evaluation did."""

    findings: int = 0
    fired: int = 0
    escalated: int = 0
    cleared: int = 0
    unchanged: int = 0
    messages: int = 0
    skipped: bool = False  # another worker was evaluating, or raced us to the same alert

    def as_json(self) -> dict[str, int | bool]:
        """The figures as a plain dict."""
        return dict(self.__dict__)


def _locked(session: Session) -> bool:
    """Take the evaluation lock (PostgreSQL); SQLite serialises writers by itself."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": EVAL_LOCK}))


def run_once(
    sessions: sessionmaker[Session],
    config: AlertConfig,
    rules: tuple[Rule, ...] = RULES,
    now: datetime | None = None,
) -> RunReport:
    """Evaluate the rules once and commit alerts with their messages in one transaction; idempotent."""
    today = config.today()
    now = now or business_now(today, config.tz)
    try:
        with sessions() as session, session.begin():
            if not _locked(session):
                return RunReport(skipped=True)
            ctx = RuleContext(session, today, now, config.tz, config.thresholds)
            if config.phraser is not None:
                config.phraser.begin_run()
            result = evaluate(session, rules, ctx, now)
            withdraw(session, result.cleared_ids, now)
            rows = queue_messages(
                session,
                result.events,
                recipients(session),
                config.policy,
                config.quiet,
                now,
                config.dispatch.template_sid,
                config.phraser,
            )
    except IntegrityError:  # a concurrent evaluation opened the same condition first: nothing was written
        log.info("alert evaluation raced another worker; skipped")
        return RunReport(skipped=True)
    for event in result.events:  # counted after the commit: a rolled-back evaluation fired nothing
        metrics.ALERTS_FIRED.labels(rule=event.finding.rule, severity=event.finding.severity).inc()
    report = RunReport(
        findings=result.findings,
        fired=result.fired,
        escalated=result.escalated,
        cleared=len(result.cleared),
        unchanged=result.unchanged,
        messages=len(rows),
    )
    log.info("alerts evaluated: %s", report.as_json())
    return report
