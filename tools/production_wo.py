"""Work order progress: how far each order is against its plan and its schedule."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select

from tools.common import Code, DocNo
from tools.money import Percent
from tools.production_common import ONE_DECIMAL, Qty, find_machine, pct1, quantity
from tools.registry import REGISTRY, Caller, ToolContext, ToolError
from warehouse.schema import MItem, MMachine, TSo, TWo

OPEN_STATUSES = ("Scheduled", "In Progress")
BEHIND_MARGIN = Decimal(5)  # points of schedule an In Progress order may trail before it counts as behind
MAX_ORDERS = 50


class WoProgressArgs(BaseModel):
    """One work order by number, or the open (or all) orders, optionally of one machine."""

    model_config = ConfigDict(extra="forbid")
    doc_no: DocNo | None = None
    machine: Code | None = None
    status: Literal["open", "all"] = "open"


class WorkOrderProgress(BaseModel):
    """A work order with its progress against plan and schedule."""

    doc_no: str
    uuid: uuid.UUID
    item_code: str
    item_name: str
    machine_code: str
    machine_name: str
    start_dt: date | None
    end_dt: date | None
    status: str
    plan_qty: Qty
    actual_qty: Qty
    reject_qty: Qty
    progress_pct: Percent | None  # actual / plan
    expected_pct: Percent | None  # elapsed share of [start_dt, end_dt] as of today
    behind: bool
    reject_rate_pct: Percent | None  # reject / (actual + reject)
    so_doc_no: str | None


class WoProgressResult(BaseModel):
    """Work orders matching the question; `count` is every match, `orders` at most 50 of them."""

    as_of: date
    doc_no: str | None
    machine: str | None
    status: str
    count: int
    behind_count: int  # among the listed orders
    orders: list[WorkOrderProgress]


def expected_share(start: date | None, end: date | None, today: date) -> Decimal | None:
    """Share of the scheduled window elapsed by today: 0 before the start, 100 from the end on."""
    if start is None or end is None:
        return None
    if today >= end:
        return Decimal("100.0")
    if today <= start:
        return Decimal("0.0")
    share = Decimal((today - start).days) * 100 / Decimal((end - start).days)
    return share.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _progress(row: Any, today: date) -> WorkOrderProgress:
    plan, actual, reject = quantity(row.plan_qty), quantity(row.actual_qty), quantity(row.reject_qty)
    progress = pct1(actual, plan)
    expected = expected_share(row.start_dt, row.end_dt, today)
    late = row.end_dt is not None and row.end_dt < today and row.status != "Completed"
    trailing = (
        row.status == "In Progress"
        and progress is not None
        and expected is not None
        and progress < expected - BEHIND_MARGIN
    )
    return WorkOrderProgress(
        doc_no=row.doc_no,
        uuid=row.uuid,
        item_code=row.item_code,
        item_name=row.item_name,
        machine_code=row.machine_code,
        machine_name=row.machine_name,
        start_dt=row.start_dt,
        end_dt=row.end_dt,
        status=row.status,
        plan_qty=plan,
        actual_qty=actual,
        reject_qty=reject,
        progress_pct=progress,
        expected_pct=expected,
        behind=late or trailing,
        reject_rate_pct=pct1(reject, actual + reject),
        so_doc_no=row.so_doc_no,
    )


def _base_query() -> Select[*tuple[Any, ...]]:
    return (
        select(
            TWo.doc_no,
            TWo.uuid,
            TWo.start_dt,
            TWo.end_dt,
            TWo.status,
            TWo.plan_qty,
            TWo.actual_qty,
            TWo.reject_qty,
            MItem.code.label("item_code"),
            MItem.name.label("item_name"),
            MMachine.code.label("machine_code"),
            MMachine.name.label("machine_name"),
            TSo.doc_no.label("so_doc_no"),
        )
        .join(MItem, MItem.id == TWo.item_id)
        .join(MMachine, MMachine.id == TWo.machine_id)
        .outerjoin(TSo, (TSo.id == TWo.so_id) & TSo.deleted_at.is_(None))
        .where(TWo.deleted_at.is_(None))
    )


@REGISTRY.register("wo_progress", WoProgressArgs, "WO.READ")
def wo_progress(ctx: ToolContext, args: WoProgressArgs, _caller: Caller) -> WoProgressResult:
    """Work order progress: actual vs plan, schedule, rejects and whether each order is behind."""
    query = _base_query()
    if args.doc_no:  # one order by number, whatever its status
        query = query.where(TWo.doc_no == args.doc_no)
    else:
        if args.machine:
            query = query.where(TWo.machine_id == find_machine(ctx.session, args.machine).id)
        if args.status == "open":
            query = query.where(TWo.status.in_(OPEN_STATUSES))
    count = int(ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    if args.doc_no and not count:
        raise ToolError("not_found", f"No work order {args.doc_no}.")
    rows = ctx.session.execute(
        query.order_by(TWo.end_dt.is_(None), TWo.end_dt, TWo.doc_no).limit(MAX_ORDERS)
    ).all()
    orders = [_progress(row, ctx.today) for row in rows]
    return WoProgressResult(
        as_of=ctx.today,
        doc_no=args.doc_no,
        machine=None if args.doc_no else args.machine,
        status=args.status,
        count=count,
        behind_count=sum(o.behind for o in orders),
        orders=orders,
    )
