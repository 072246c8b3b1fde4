"""Page data through the same tools the assistant uses (REGISTRY.execute), so permissions are identical."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from sentient.settings import Settings
from sentient.web.charts import Series, bar_chart
from tools.catalog import load_tools
from tools.registry import Caller, ToolContext, ToolResult
from warehouse.periods import month_end, month_start

REGISTRY = load_tools()
SALES_MONTHS = 6


def run_tool(
    settings: Settings, session: Session, caller: Caller, name: str, args: dict[str, Any]
) -> ToolResult:
    """Execute a registered tool for the caller (the same permission checks as the assistant)."""
    ctx = ToolContext(
        session,
        settings.today(),
        reject_threshold_pct=settings.reject_rate_threshold_pct,
        shift_plan_min=settings.shift_plan_min,
    )
    return REGISTRY.execute(name, args, caller, ctx)  # timed by the registry's metrics observer


def sales_chart(settings: Settings, session: Session, caller: Caller) -> Markup | None:
    """Booked revenue for each of the last six months (the current one to date)."""
    today = settings.today()
    labels, values = [], []
    for back in range(SALES_MONTHS - 1, -1, -1):
        start, end = month_start(today, back), min(month_end(today, back), today)
        result = run_tool(settings, session, caller, "sales_summary", {"start": start, "end": end})
        if not result.ok:
            return None
        labels.append(start.strftime("%b %y"))
        values.append(result.data.total)
    return bar_chart("Sales by month (IDR)", labels, [Series("Revenue", values)], label="booked orders")


def machines(settings: Settings, session: Session, caller: Caller, start: date, end: date) -> ToolResult:
    """Machine performance by shift over [start, end]."""
    args = {"start": start, "end": end, "label": "this month", "by_shift": True}
    return run_tool(settings, session, caller, "machine_performance", args)


def reject_chart(perf: Any, threshold: float) -> Markup:
    """Reject rate by machine, one bar per shift, with the alert threshold as a dashed line."""
    shifts = sorted({s.shift for m in perf.machines for s in m.by_shift})
    series = []
    for shift in shifts:
        values: list[Decimal | None] = []
        for m in perf.machines:
            row = next((s for s in m.by_shift if s.shift == shift), None)
            values.append(row.reject_rate_pct if row else None)
        series.append(Series(f"Shift {shift}", values))
    return bar_chart(
        "Reject rate by machine and shift (%)",
        [m.code for m in perf.machines],
        series,
        fmt="{:.1f}%",
        threshold=threshold,
    )


def ageing_chart(ar: Any) -> Markup:
    """Open receivables by days past due."""
    labels = list(ar.buckets)
    values = [b.amount for b in ar.buckets.values()]
    return bar_chart("Receivables ageing (IDR)", labels, [Series("Open", values)], label="days past due")
