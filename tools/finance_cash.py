"""Cash position: today's balance and a day-by-day projection from receivables, payables and plans."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, case, func, select

from tools.finance_ap import Horizon
from tools.finance_common import rupiah
from tools.money import Money
from tools.registry import REGISTRY, Caller, ToolContext
from warehouse.schema import TAp, TAr, TCash

BIG_ITEMS = 10


class CashArgs(BaseModel):
    """How many days to project (1-90, default 7)."""

    model_config = ConfigDict(extra="forbid")
    days: Horizon = 7


class CashDay(BaseModel):
    """One projected day: expected money in and out, and the balance at its end."""

    dt: date
    inflow: Money
    outflow: Money  # a positive amount leaving
    balance: Money


class CashItem(BaseModel):
    """One large expected movement (signed: negative leaves the bank)."""

    category: str  # PAYROLL, TAX, ... (planned entries), AP_PAYMENT (bills), AR_RECEIPT (invoices)
    dt: date
    amt: Money
    ref: str | None


class CashResult(BaseModel):
    """The posted balance today and its projection over the next `days` days."""

    as_of: date
    days: int
    balance: Money  # posted cash book entries dated up to today
    total_inflow: Money
    total_outflow: Money
    end_balance: Money
    lowest_balance: Money
    lowest_dt: date
    first_negative_dt: date | None
    projection: list[CashDay]
    big_items: list[CashItem]  # largest first, at most 10


def _flows(ctx: ToolContext, end: date) -> tuple[dict[date, Decimal], dict[date, Decimal]]:
    """Expected inflows and outflows per day in (today, end], each summed in SQL by date."""
    inflow: dict[date, Decimal] = defaultdict(Decimal)
    outflow: dict[date, Decimal] = defaultdict(Decimal)
    ar_due, ap_due = TAr.due_dt > ctx.today, TAp.due_dt > ctx.today
    for day, amt in ctx.session.execute(
        select(TAr.due_dt, func.sum(TAr.amt))
        .where(TAr.paid_dt.is_(None), TAr.deleted_at.is_(None), ar_due, TAr.due_dt <= end)
        .group_by(TAr.due_dt)
    ):
        inflow[day] += rupiah(amt)
    for day, amt in ctx.session.execute(
        select(TAp.due_dt, func.sum(TAp.amt))
        .where(TAp.paid_dt.is_(None), TAp.deleted_at.is_(None), ap_due, TAp.due_dt <= end)
        .group_by(TAp.due_dt)
    ):
        outflow[day] += rupiah(amt)
    planned_in = func.sum(case((TCash.amt > 0, TCash.amt), else_=0))
    planned_out = func.sum(case((TCash.amt < 0, -TCash.amt), else_=0))
    for day, amt_in, amt_out in ctx.session.execute(
        select(TCash.txn_dt, planned_in, planned_out).where(*_planned(ctx.today, end)).group_by(TCash.txn_dt)
    ):
        inflow[day] += rupiah(amt_in)
        outflow[day] += rupiah(amt_out)
    return inflow, outflow


def _planned(today: date, end: date) -> list[ColumnElement[bool]]:
    return [TCash.status == "Planned", TCash.txn_dt > today, TCash.txn_dt <= end, TCash.deleted_at.is_(None)]


def _big_items(ctx: ToolContext, end: date) -> list[CashItem]:
    """The largest planned entries, bills and invoices of the horizon (each source limited in SQL)."""
    items: list[CashItem] = []
    for row in ctx.session.execute(
        select(TCash.category, TCash.txn_dt, TCash.amt, TCash.ref_doc)
        .where(*_planned(ctx.today, end))
        .order_by(func.abs(TCash.amt).desc())
        .limit(BIG_ITEMS)
    ):
        items.append(CashItem(category=row[0], dt=row[1], amt=rupiah(row[2]), ref=row[3]))
    for table, ref, sign, category in (
        (TAp, TAp.bill_no, -1, "AP_PAYMENT"),
        (TAr, TAr.inv_no, 1, "AR_RECEIPT"),
    ):
        for due, amt, ref_no in ctx.session.execute(
            select(table.due_dt, table.amt, ref)
            .where(table.paid_dt.is_(None), table.deleted_at.is_(None), table.due_dt > ctx.today)
            .where(table.due_dt <= end)
            .order_by(table.amt.desc())
            .limit(BIG_ITEMS)
        ):
            items.append(CashItem(category=category, dt=due, amt=rupiah(amt) * sign, ref=ref_no))
    items.sort(key=lambda i: (-abs(i.amt), i.dt))
    return items[:BIG_ITEMS]


@REGISTRY.register("cash_position", CashArgs, "FIN.READ")
def cash_position(ctx: ToolContext, args: CashArgs, _caller: Caller) -> CashResult:
    """Cash balance today and its projection: receivables due, payables due and planned entries per day."""
    balance = rupiah(
        ctx.session.scalar(
            select(func.sum(TCash.amt)).where(
                TCash.status == "Posted", TCash.txn_dt <= ctx.today, TCash.deleted_at.is_(None)
            )
        )
    )
    end = ctx.today + timedelta(days=args.days)
    inflow, outflow = _flows(ctx, end)
    running, days = balance, []
    for offset in range(1, args.days + 1):
        day = ctx.today + timedelta(days=offset)
        running += inflow.get(day, Decimal(0)) - outflow.get(day, Decimal(0))
        days.append(
            CashDay(dt=day, inflow=rupiah(inflow.get(day)), outflow=rupiah(outflow.get(day)), balance=running)
        )
    lowest = min(days, key=lambda d: (d.balance, d.dt))
    return CashResult(
        as_of=ctx.today,
        days=args.days,
        balance=balance,
        total_inflow=rupiah(sum(inflow.values(), Decimal(0))),
        total_outflow=rupiah(sum(outflow.values(), Decimal(0))),
        end_balance=running,
        lowest_balance=lowest.balance,
        lowest_dt=lowest.dt,
        first_negative_dt=next((d.dt for d in days if d.balance < 0), None),
        projection=days,
        big_items=_big_items(ctx, end),
    )
