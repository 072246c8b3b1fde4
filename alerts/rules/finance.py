"""Money rules: receivables overdue past N days per customer, and cash projected negative within N days.
Both reuse the finance tools' computations (ageing per customer, the day-by-day cash projection)."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from alerts.rules.production import SYSTEM, tool_context
from alerts.types import Finding, RuleContext
from tools.finance_ar import _ageing, _customers
from tools.finance_cash import CashArgs, cash_position
from warehouse.schema import TAr


def ar_overdue(ctx: RuleContext) -> list[Finding]:
    """Customers whose oldest open invoice is more than N days past due: Medium, High past 90 days."""
    where: list[ColumnElement[bool]] = [TAr.paid_dt.is_(None), TAr.deleted_at.is_(None)]
    # The receivables tool's own ageing and per-customer sums, without its 50-row answer cap.
    customers = _customers(_ageing(tool_context(ctx), where), ctx.today, overdue_only=True)
    limit = ctx.thresholds.ar_overdue_days
    return [
        Finding(
            f"ar_overdue:{c.code}",
            "ar_overdue",
            "FIN",
            "OVERDUE",
            "High" if (c.oldest_days_overdue or 0) > 90 else "Medium",
            {
                "customer": c.code,
                "name": c.name,
                "overdue_amt": c.overdue,
                "days": c.oldest_days_overdue or 0,
                "limit_days": limit,
            },
        )
        for c in customers
        if (c.oldest_days_overdue or 0) > limit
    ]


def cash_negative(ctx: RuleContext) -> list[Finding]:
    """The projected cash balance goes below zero within the horizon (Critical)."""
    days = ctx.thresholds.cash_horizon_days
    result = cash_position(tool_context(ctx), CashArgs(days=days), SYSTEM)
    if result.first_negative_dt is None:
        return []
    return [
        Finding(
            "cash_negative",
            "cash_negative",
            "FIN",
            "CASHFLOW",
            "Critical",
            {
                "balance_amt": result.balance,
                "lowest_amt": result.lowest_balance,
                "negative_dt": result.first_negative_dt,
                "horizon_days": days,
            },
        )
    ]
