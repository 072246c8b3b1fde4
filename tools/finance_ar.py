"""Receivables: open invoices (not yet paid), overdue amounts, ageing buckets and who owes what."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, case, func, select

from tools.common import Code
from tools.finance_common import MAX_LIST, customer_id, rupiah
from tools.money import Money
from tools.registry import REGISTRY, Caller, ToolContext
from warehouse.schema import MCust, TAr, TSo

BUCKETS = ("current", "1-30", "31-60", "61-90", ">90")  # days past due
OVER_30 = ("31-60", "61-90", ">90")


class ReceivablesArgs(BaseModel):
    """Optionally one customer; optionally list overdue invoices only."""

    model_config = ConfigDict(extra="forbid")
    customer: Code | None = None
    overdue_only: bool = False


class Bucket(BaseModel):
    """Open invoices in one ageing bucket."""

    count: int
    amount: Money


class CustomerAr(BaseModel):
    """One customer's open receivables."""

    code: str
    name: str
    open: Money
    overdue: Money
    oldest_days_overdue: int | None  # None when nothing is overdue


class Invoice(BaseModel):
    """One open invoice."""

    inv_no: str
    so_doc_no: str
    customer_code: str
    customer_name: str
    inv_dt: date
    due_dt: date
    amt: Money
    days_overdue: int  # 0 when not yet due


class ReceivablesResult(BaseModel):
    """Open receivables: totals and buckets cover every open invoice; lists hold at most 50 rows."""

    as_of: date
    customer: str | None
    overdue_only: bool
    open_total: Money
    overdue_total: Money
    open_count: int
    overdue_count: int
    buckets: dict[str, Bucket]
    over_30_customers: int  # customers with an invoice more than 30 days overdue
    over_30_total: Money  # sum of the invoices more than 30 days overdue
    customer_count: int
    customers: list[CustomerAr]  # by overdue amount, largest first
    invoice_count: int
    invoices: list[Invoice]  # overdue first, oldest first (by due date)


def _bucket(today: date) -> ColumnElement[str]:
    """Ageing bucket of an open invoice by days past its due date, as dates so indexes stay usable."""
    return case(
        (TAr.due_dt >= today, "current"),
        (TAr.due_dt >= today - timedelta(30), "1-30"),
        (TAr.due_dt >= today - timedelta(60), "31-60"),
        (TAr.due_dt >= today - timedelta(90), "61-90"),
        else_=">90",
    )


def _ageing(ctx: ToolContext, where: list[ColumnElement[bool]]) -> list[Any]:
    """Open invoices summed per customer and ageing bucket: one pass over t_ar, small result."""
    bucket = _bucket(ctx.today)
    return list(
        ctx.session.execute(
            select(MCust.code, MCust.name, bucket, func.count(), func.sum(TAr.amt), func.min(TAr.due_dt))
            .join(MCust, MCust.id == TAr.cust_id)
            .where(*where)
            .group_by(MCust.code, MCust.name, bucket)
        )
    )


def _totals(rows: list[Any]) -> dict[str, Any]:
    """Book totals, buckets and the over-30 figures from the per-customer ageing rows."""
    counts: dict[str, int] = dict.fromkeys(BUCKETS, 0)
    amounts: dict[str, Decimal] = dict.fromkeys(BUCKETS, Decimal(0))
    over_30: set[str] = set()
    for code, _name, bucket, count, amt, _oldest in rows:
        counts[bucket] += int(count)
        amounts[bucket] += rupiah(amt)
        if bucket in OVER_30:
            over_30.add(code)
    late = BUCKETS[1:]
    return {
        "buckets": {b: Bucket(count=counts[b], amount=amounts[b]) for b in BUCKETS},
        "open_total": rupiah(sum(amounts.values())),
        "open_count": sum(counts.values()),
        "overdue_total": rupiah(sum(amounts[b] for b in late)),
        "overdue_count": sum(counts[b] for b in late),
        "over_30_customers": len(over_30),
        "over_30_total": rupiah(sum(amounts[b] for b in OVER_30)),
    }


def _customers(rows: list[Any], today: date, overdue_only: bool) -> list[CustomerAr]:
    """Per customer: open and overdue sums and the oldest overdue due date, by overdue amount."""
    sums: dict[tuple[str, str], list[Any]] = {}
    for code, name, bucket, _count, amt, oldest in rows:
        entry = sums.setdefault((code, name), [Decimal(0), Decimal(0), None])
        if bucket == "current":
            entry[0] += Decimal(0) if overdue_only else rupiah(amt)
            continue
        entry[0] += rupiah(amt)
        entry[1] += rupiah(amt)
        entry[2] = min(filter(None, (entry[2], oldest)))
    customers = [
        CustomerAr(
            code=code,
            name=name,
            open=total,
            overdue=late,
            oldest_days_overdue=(today - oldest).days if oldest else None,
        )
        for (code, name), (total, late, oldest) in sums.items()
        if late or not overdue_only
    ]
    return sorted(customers, key=lambda c: (-c.overdue, c.code))


def _invoices(ctx: ToolContext, where: list[ColumnElement[bool]]) -> list[Invoice]:
    rows = ctx.session.execute(
        select(TAr.inv_no, TSo.doc_no, MCust.code, MCust.name, TAr.inv_dt, TAr.due_dt, TAr.amt)
        .join(MCust, MCust.id == TAr.cust_id)
        .join(TSo, TSo.id == TAr.so_id)
        .where(*where)
        .order_by(TAr.due_dt, TAr.inv_no)  # the earliest due date is the most overdue
        .limit(MAX_LIST)
    ).all()
    return [
        Invoice(
            inv_no=inv,
            so_doc_no=so,
            customer_code=code,
            customer_name=name,
            inv_dt=inv_dt,
            due_dt=due,
            amt=rupiah(amt),
            days_overdue=max(0, (ctx.today - due).days),
        )
        for inv, so, code, name, inv_dt, due, amt in rows
    ]


@REGISTRY.register("receivables", ReceivablesArgs, "AR.READ")
def receivables(ctx: ToolContext, args: ReceivablesArgs, _caller: Caller) -> ReceivablesResult:
    """Open receivables: total, overdue, ageing buckets, per customer and the oldest overdue invoices."""
    where: list[ColumnElement[bool]] = [TAr.paid_dt.is_(None), TAr.deleted_at.is_(None)]
    if args.customer:
        where.append(TAr.cust_id == customer_id(ctx.session, args.customer))
    ageing = _ageing(ctx, where)
    totals = _totals(ageing)
    customers = _customers(ageing, ctx.today, args.overdue_only)
    # overdue_only narrows the lists; totals and buckets still describe every open invoice.
    listed = [*where, TAr.due_dt < ctx.today] if args.overdue_only else where
    return ReceivablesResult(
        as_of=ctx.today,
        customer=args.customer,
        overdue_only=args.overdue_only,
        customer_count=len(customers),
        customers=customers[:MAX_LIST],
        invoice_count=totals["overdue_count" if args.overdue_only else "open_count"],
        invoices=_invoices(ctx, listed),
        **totals,
    )
