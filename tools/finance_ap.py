"""Payables due: unpaid bills falling due in the next days, and those already overdue."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, func, select

from tools.common import Code
from tools.finance_common import MAX_LIST, rupiah, vendor_id
from tools.money import Money
from tools.registry import REGISTRY, Caller, ToolContext
from warehouse.schema import MVendor, TAp, TPo

Horizon = Annotated[int, Field(ge=1, le=90)]


class PayablesArgs(BaseModel):
    """How many days ahead (1-90, default 7), optionally one vendor."""

    model_config = ConfigDict(extra="forbid")
    days: Horizon = 7
    vendor: Code | None = None


class Bill(BaseModel):
    """One unpaid bill."""

    bill_no: str
    po_doc_no: str
    vendor_code: str
    vendor_name: str
    due_dt: date
    amt: Money
    days_left: int  # negative: overdue by that many days


class PayablesResult(BaseModel):
    """Unpaid bills due from today to today + days, and unpaid bills already past due (at most 50 each)."""

    as_of: date
    days: int
    until: date
    vendor: str | None
    total: Money
    count: int
    bills: list[Bill]  # by due date
    overdue_total: Money
    overdue_count: int
    overdue: list[Bill]  # oldest first


def _bills(ctx: ToolContext, where: list[ColumnElement[bool]]) -> tuple[Money, int, list[Bill]]:
    total, count = ctx.session.execute(select(func.sum(TAp.amt), func.count(TAp.id)).where(*where)).one()
    rows = ctx.session.execute(
        select(TAp.bill_no, TPo.doc_no, MVendor.code, MVendor.name, TAp.due_dt, TAp.amt)
        .join(TPo, TPo.id == TAp.po_id)
        .join(MVendor, MVendor.id == TAp.vendor_id)
        .where(*where)
        .order_by(TAp.due_dt, TAp.bill_no)
        .limit(MAX_LIST)
    ).all()
    bills = [
        Bill(
            bill_no=bill,
            po_doc_no=po,
            vendor_code=code,
            vendor_name=name,
            due_dt=due,
            amt=rupiah(amt),
            days_left=(due - ctx.today).days,
        )
        for bill, po, code, name, due, amt in rows
    ]
    return rupiah(total), int(count or 0), bills


@REGISTRY.register("payables_due", PayablesArgs, "FIN.READ")
def payables_due(ctx: ToolContext, args: PayablesArgs, _caller: Caller) -> PayablesResult:
    """Payables to pay soon: unpaid bills due within the next days, plus those already overdue."""
    where: list[ColumnElement[bool]] = [TAp.paid_dt.is_(None), TAp.deleted_at.is_(None)]
    if args.vendor:
        where.append(TAp.vendor_id == vendor_id(ctx.session, args.vendor))
    until = ctx.today + timedelta(days=args.days)
    total, count, bills = _bills(ctx, [*where, TAp.due_dt.between(ctx.today, until)])
    late_total, late_count, late = _bills(ctx, [*where, TAp.due_dt < ctx.today])
    return PayablesResult(
        as_of=ctx.today,
        days=args.days,
        until=until,
        vendor=args.vendor,
        total=total,
        count=count,
        bills=bills,
        overdue_total=late_total,
        overdue_count=late_count,
        overdue=late,
    )
