"""Evaluate rules against the open alerts: fire new conditions, escalate worse ones, clear gone ones.

The engine only changes rows in the caller's session; alerts/run.py commits alerts and their outbound
messages in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from alerts.phrasing import body
from alerts.types import Finding, Rule, RuleContext, rank
from warehouse.schema import AiAlert

EventKind = Literal["fired", "escalated"]


@dataclass(frozen=True)
class AlertEvent:
    """An alert that people must hear about: newly fired, or escalated to a higher severity."""

    kind: EventKind
    alert: AiAlert
    finding: Finding


@dataclass
class Evaluation:
    """What one evaluation changed."""

    events: list[AlertEvent] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)  # dedup keys
    cleared_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    findings: int = 0

    @property
    def fired(self) -> int:
        """New alerts."""
        return sum(e.kind == "fired" for e in self.events)

    @property
    def escalated(self) -> int:
        """Alerts whose severity rose."""
        return sum(e.kind == "escalated" for e in self.events)


def owned_by(rules: tuple[Rule, ...]) -> ColumnElement[bool]:
    """Alerts whose key belongs to one of the rules (`name` or `name:...`)."""
    prefixes = [p for rule in rules for p in rule.owns()]
    exact = (AiAlert.dedup_key == p for p in prefixes)
    return or_(*exact, *(AiAlert.dedup_key.like(f"{p}:%") for p in prefixes))


def findings_of(rules: tuple[Rule, ...], ctx: RuleContext) -> dict[str, Finding]:
    """Every rule's findings by key; a key found twice keeps its most severe finding."""
    found: dict[str, Finding] = {}
    for rule in rules:
        for finding in rule.evaluate(ctx):
            old = found.get(finding.key)
            if old is None or rank(finding.severity) > rank(old.severity):
                found[finding.key] = finding
    return found


def evaluate(session: Session, rules: tuple[Rule, ...], ctx: RuleContext, now: datetime) -> Evaluation:
    """Apply the rules' findings to ai_alert in `session` (not committed)."""
    result = Evaluation()
    found = findings_of(rules, ctx)
    result.findings = len(found)
    open_alerts = {
        str(a.dedup_key): a
        for a in session.scalars(
            select(AiAlert).where(AiAlert.cleared_at.is_(None), owned_by(rules)).with_for_update()
        )
    }
    for key, finding in found.items():
        alert = open_alerts.get(key)
        if alert is None:
            alert = _new_alert(finding, now)
            session.add(alert)
            result.events.append(AlertEvent("fired", alert, finding))
        elif rank(finding.severity) > rank(alert.severity):
            # Worse than when it fired: say so again. A milder reading keeps the open alert's severity, so
            # the condition does not alert again while it hovers.
            alert.severity, alert.message, alert.ts = finding.severity, body(finding, "en"), now
            alert.is_read = False
            result.events.append(AlertEvent("escalated", alert, finding))
        else:
            result.unchanged += 1
    for key, alert in open_alerts.items():
        if key not in found:
            alert.cleared_at = now
            result.cleared.append(str(key))
            result.cleared_ids.append(alert.id)
    session.flush()  # assigns ids (outbox rows point at them) and trips the open-key unique index early
    return result


def _new_alert(finding: Finding, now: datetime) -> AiAlert:
    return AiAlert(
        module=finding.module,
        alert_type=finding.alert_type,
        severity=finding.severity,
        message=body(finding, "en"),
        channel="WA",
        dedup_key=finding.key,
        sent=False,
        is_read=False,
        ts=now,
    )
