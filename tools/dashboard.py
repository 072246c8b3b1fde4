"""The executive dashboard summary (spec 1.8 E), computed from the warehouse as of one business day.

Each figure's definition is written in the README; tests re-derive every one with independent SQL.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists, func, select
from sqlalchemy.orm import Session

from tools.money import Money, Percent
from tools.registry import REGISTRY, Caller, ToolContext
from warehouse.periods import month_end, month_start
from warehouse.schema import AiAlert, MMachine, TAp, TAr, TCash, TDo, TPo, TShiftLog, TSo

BOOKED = ("Approved", "Closed")  # an order counts as sales once approved
CRITICAL = ("Critical", "High")
WARNING = ("Medium", "Low")


class DashboardSummary(BaseModel):
    """The dashboard's key figures; money in rupiah (Decimal), percentages with one decimal."""

    as_of: date
    currency: str = "IDR"
    revenue_mtd: Money | None
    revenue_last_month: Money | None
    revenue_growth_pct: Percent | None
    pending_orders: int
    pending_approvals: int
    production_oee: Percent | None
    active_alerts: int
    alerts_critical: int
    alerts_warning: int
    cash_balance: Money | None
    ar_overdue: Money | None
    ap_due_7_days: Money | None


def dashboard_summary(session: Session, today: date) -> DashboardSummary:
    """All dashboard figures as of `today` in one read."""
    mtd = _revenue(session, month_start(today), today)
    last = _revenue(session, month_start(today, 1), month_end(today, 1))
    alerts = _alert_counts(session)
    return DashboardSummary(
        as_of=today,
        revenue_mtd=mtd,
        revenue_last_month=last,
        revenue_growth_pct=_pct(mtd - last, last),
        pending_orders=_pending_orders(session),
        pending_approvals=_pending_approvals(session),
        production_oee=production_oee(session, month_start(today), today),
        active_alerts=alerts[0],
        alerts_critical=alerts[1],
        alerts_warning=alerts[2],
        cash_balance=_sum(
            session, TCash.amt, TCash.status == "Posted", TCash.txn_dt <= today, TCash.deleted_at.is_(None)
        ),
        ar_overdue=_sum(
            session, TAr.amt, TAr.paid_dt.is_(None), TAr.due_dt < today, TAr.deleted_at.is_(None)
        ),
        ap_due_7_days=_sum(
            session,
            TAp.amt,
            TAp.paid_dt.is_(None),
            TAp.due_dt.between(today, today + timedelta(7)),
            TAp.deleted_at.is_(None),
        ),
    )


def production_oee(session: Session, start: date, end: date) -> Decimal | None:
    """OEE % = good output / (rated output per hour x planned hours), over shift logs in [start, end]."""
    good = func.sum(TShiftLog.output_qty - TShiftLog.reject_qty)
    ideal = func.sum(MMachine.cap_per_hr * TShiftLog.plan_min / 60)
    row = session.execute(
        select(good, ideal)
        .join(MMachine, MMachine.id == TShiftLog.machine_id)
        .where(TShiftLog.log_dt.between(start, end), TShiftLog.deleted_at.is_(None))
    ).one()
    return _pct(Decimal(row[0]), Decimal(row[1])) if row[1] else None


def _revenue(session: Session, start: date, end: date) -> Decimal:
    return _sum(
        session,
        TSo.total_amt,
        TSo.status.in_(BOOKED),
        TSo.order_dt.between(start, end),
        TSo.deleted_at.is_(None),
    )


def _pending_orders(session: Session) -> int:
    """Orders awaiting approval or approved but not yet delivered."""
    delivered = exists().where(TDo.so_id == TSo.id, TDo.status == "Delivered", TDo.deleted_at.is_(None))
    return _count(session, TSo.status.in_(("Pending", "Approved")), ~delivered, TSo.deleted_at.is_(None))


def _pending_approvals(session: Session) -> int:
    """Sales orders in Pending plus purchase orders in any Pending state (e.g. Pending Director)."""
    so = _count(session, TSo.status == "Pending", TSo.deleted_at.is_(None))
    po = session.scalar(
        select(func.count(TPo.id)).where(TPo.status.like("Pending%"), TPo.deleted_at.is_(None))
    )
    return so + int(po or 0)


def _alert_counts(session: Session) -> tuple[int, int, int]:
    active = and_(AiAlert.cleared_at.is_(None), AiAlert.is_read.is_(False))
    rows = session.execute(
        select(AiAlert.severity, func.count()).where(active).group_by(AiAlert.severity)
    ).all()
    counts = {sev: int(n) for sev, n in rows}
    return (
        sum(counts.values()),
        sum(counts.get(s, 0) for s in CRITICAL),
        sum(counts.get(s, 0) for s in WARNING),
    )


def _sum(session: Session, column: SQLColumnExpression[Decimal], *where: ColumnElement[bool]) -> Decimal:
    value = session.scalar(select(func.coalesce(func.sum(column), 0)).where(*where))
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count(TSo.id)).where(*where)) or 0)


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class SummaryArgs(BaseModel):
    """The dashboard summary takes no arguments."""


# Each money figure needs the permission its own tool needs: the summary must not be a side door.
FIELD_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "revenue_mtd": ("SO.READ",),
    "revenue_last_month": ("SO.READ",),
    "revenue_growth_pct": ("SO.READ",),
    "cash_balance": ("FIN.READ",),
    "ap_due_7_days": ("FIN.READ",),
    "ar_overdue": ("AR.READ", "FIN.READ"),
}


@REGISTRY.register("dashboard_summary", SummaryArgs, "DASH.READ")
def dashboard_summary_tool(ctx: ToolContext, _args: SummaryArgs, caller: Caller) -> DashboardSummary:
    """The executive key figures: revenue, pending work, OEE, alerts, cash, receivables and payables."""
    summary = dashboard_summary(ctx.session, ctx.today)
    hidden = {name: None for name, perms in FIELD_PERMISSIONS.items() if not caller.may(perms)}
    return summary.model_copy(update=hidden)
