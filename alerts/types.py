"""What rules produce and the engine consumes: findings, severities and the context a rule reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

Severity = Literal["Low", "Medium", "High", "Critical"]
# A template field: money (key ends _amt), percentage (_pct), quantity (_qty), date, count or text.
Fact = Decimal | int | str | date
SEVERITY_RANK: dict[str, int] = {"Low": 1, "Medium": 2, "High": 3, "Critical": 4}


def rank(severity: str) -> int:
    """Order of a severity (unknown text ranks lowest)."""
    return SEVERITY_RANK.get(severity, 0)


@dataclass(frozen=True)
class Thresholds:
    """Rule thresholds; sentient/settings.py fills these from ALERT_* settings."""

    reject_rate_pct: float = 5.0
    ar_overdue_days: int = 30
    cash_horizon_days: int = 7
    po_approval_max_days: int = 3
    maint_grace_days: int = 0


@dataclass(frozen=True)
class Finding:
    """One condition a rule found: its dedup key, where it belongs, how bad it is, and the facts to say."""

    key: str  # "<rule>:<subject>": the same condition always yields the same key
    rule: str
    module: str  # PROD, WO, MAINT, INV, FIN, SO, PO (tools/alerts.py decides who may see a module)
    alert_type: str  # REJECT_RATE, STOCK, OVERDUE, CASHFLOW, SLA, WO_BEHIND, MAINT, PO_APPROVAL
    severity: Severity
    facts: dict[str, Fact] = field(default_factory=dict)  # template fields; alerts/phrasing.py formats them


@dataclass(frozen=True)
class RuleContext:
    """What a rule may read: a session, the business date and time, the factory zone and thresholds."""

    session: Session
    today: date
    now: datetime  # aware UTC
    tz: ZoneInfo
    thresholds: Thresholds = Thresholds()


@dataclass(frozen=True)
class Rule:
    """A named family of conditions; every key it yields starts with its name."""

    name: str
    evaluate: Callable[[RuleContext], list[Finding]]
    prefixes: tuple[str, ...] = ()  # key prefixes it owns when not just `name` (open alerts it may clear)

    def owns(self) -> tuple[str, ...]:
        """Key prefixes of this rule's conditions."""
        return self.prefixes or (self.name,)


def business_now(today: date, tz: ZoneInfo, real: datetime | None = None) -> datetime:
    """'Now' on the business date: the real time when today is the real date, else 15:00 local that day
    (the seed's convention, so SLA clocks and quiet hours agree with the sample data)."""
    real = real or datetime.now(UTC)
    if real.astimezone(tz).date() == today:
        return real
    return datetime.combine(today, time(15, 0), tz).astimezone(UTC)
