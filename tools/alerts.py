"""Alert tools: the active alerts a caller may see, most severe first."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, case, func, select

from tools.registry import REGISTRY, Caller, ToolContext
from warehouse.schema import AiAlert

Severity = Literal["Critical", "High", "Medium", "Low"]
SEVERITIES: tuple[Severity, ...] = ("Critical", "High", "Medium", "Low")
MAX_ITEMS = 50

# An alert's module is shown only to callers who may read that module's data; modules not listed here
# (e.g. SYS) are for everyone with ALERT.READ.
MODULE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "FIN": ("FIN.READ", "AR.READ"),
    "WO": ("WO.READ", "PROD.READ"),
    "PROD": ("WO.READ", "PROD.READ"),
    "MAINT": ("WO.READ", "PROD.READ"),
    "WH": ("INV.READ",),
    "INV": ("INV.READ",),
    "SO": ("SO.READ",),
    "PO": ("PO.READ",),
}


class AlertsArgs(BaseModel):
    """Only alerts of one severity, or all (null)."""

    model_config = ConfigDict(extra="forbid")
    severity: Severity | None = None


class Alert(BaseModel):
    """An active alert."""

    uuid: str
    module: str
    alert_type: str
    severity: str
    message: str
    ts: datetime


class ActiveAlerts(BaseModel):
    """Active alerts (neither read nor cleared) of the modules the caller may see."""

    severity: Severity | None  # the filter asked for
    total: int  # alerts matching the filter
    critical: int  # counts by severity, over every visible active alert
    high: int
    medium: int
    low: int
    alerts: list[Alert]


def hidden_modules(caller: Caller) -> list[str]:
    """Modules whose alerts the caller may not see."""
    return [module for module, perms in MODULE_PERMISSIONS.items() if not caller.may(perms)]


def _visible(caller: Caller) -> list[ColumnElement[bool]]:
    """Active alerts (as the dashboard counts them) outside the caller's hidden modules."""
    where = [and_(AiAlert.cleared_at.is_(None), AiAlert.is_read.is_(False))]
    hidden = hidden_modules(caller)
    if hidden:
        where.append(AiAlert.module.not_in(hidden))
    return where


@REGISTRY.register("active_alerts", AlertsArgs, "ALERT.READ")
def active_alerts(ctx: ToolContext, args: AlertsArgs, caller: Caller) -> ActiveAlerts:
    """Active alerts (unread, not cleared) the caller may see, most severe and newest first, with counts."""
    where = _visible(caller)
    counts = dict(
        ctx.session.execute(
            select(AiAlert.severity, func.count()).where(*where).group_by(AiAlert.severity)
        ).all()
    )
    if args.severity:
        where.append(AiAlert.severity == args.severity)
    rank = case({s: i for i, s in enumerate(SEVERITIES)}, value=AiAlert.severity, else_=len(SEVERITIES))
    rows = ctx.session.scalars(
        select(AiAlert).where(*where).order_by(rank, AiAlert.ts.desc(), AiAlert.id.desc()).limit(MAX_ITEMS)
    ).all()
    alerts = [
        Alert(
            uuid=str(a.uuid),
            module=a.module,
            alert_type=a.alert_type,
            severity=a.severity,
            message=a.message,
            ts=a.ts,
        )
        for a in rows
    ]
    return ActiveAlerts(
        severity=args.severity,
        total=counts.get(args.severity, 0) if args.severity else sum(counts.values()),
        critical=counts.get("Critical", 0),
        high=counts.get("High", 0),
        medium=counts.get("Medium", 0),
        low=counts.get("Low", 0),
        alerts=alerts,
    )
