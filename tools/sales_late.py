"""late_orders: open sales orders past or near their deadline, and deliveries that arrived late."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from tools.money import Money
from tools.registry import REGISTRY, Caller, ToolContext
from tools.sales_base import OPEN_SO, delivered
from warehouse.schema import MCust, TDo, TSo

LOOKBACK_DAYS = 30  # late deliveries reported over this many past days
MAX_ITEMS = 50


class LateOrdersArgs(BaseModel):
    """How many days ahead a deadline counts as at risk."""

    model_config = ConfigDict(extra="forbid")
    horizon_days: int = Field(2, ge=0, le=30)


class OrderDeadline(BaseModel):
    """An open order measured against its deadline."""

    doc_no: str
    customer_code: str
    customer_name: str
    status: str
    deadline_dt: date
    eta_dt: date | None
    days_late: int | None  # late orders: days past the deadline
    days_left: int | None  # at-risk orders: days until the deadline
    eta_after_deadline: bool
    total_amt: Money
    delivery_doc_no: str | None
    delivery_status: str | None


class LateDelivery(BaseModel):
    """A delivery that arrived after its order's deadline."""

    doc_no: str
    customer_code: str
    customer_name: str
    deadline_dt: date
    actual_dt: date
    days_late: int
    total_amt: Money
    delivery_doc_no: str
    delivery_status: str = "Delivered"


class LateOrders(BaseModel):
    """Late and at-risk open orders, with late deliveries of the last 30 days."""

    as_of: date
    horizon_days: int
    lookback_days: int = LOOKBACK_DAYS
    late: list[OrderDeadline]
    late_count: int
    late_amt: Money
    at_risk: list[OrderDeadline]
    at_risk_count: int
    at_risk_amt: Money
    late_deliveries: list[LateDelivery]
    late_delivery_count: int


def _open_orders(session: Session, today: date, horizon: int) -> list[tuple[Any, ...]]:
    """Pending/Approved orders not delivered whose deadline is near or passed, or whose ETA misses it."""
    open_do = aliased(TDo)  # the delivery still on its way (TDo itself is used by `delivered`)
    rows = session.execute(
        select(TSo.doc_no, MCust.code, MCust.name, TSo.status, TSo.deadline_dt, TSo.total_amt)
        .add_columns(open_do.doc_no, open_do.status, open_do.eta_dt)
        .join(MCust, MCust.id == TSo.cust_id)
        .outerjoin(
            open_do,
            and_(open_do.so_id == TSo.id, open_do.status != "Delivered", open_do.deleted_at.is_(None)),
        )
        .where(
            TSo.status.in_(OPEN_SO),
            TSo.deleted_at.is_(None),
            TSo.deadline_dt.is_not(None),
            ~delivered(TSo.id),
            or_(TSo.deadline_dt <= today + timedelta(days=horizon), open_do.eta_dt > TSo.deadline_dt),
        )
        .order_by(TSo.deadline_dt, TSo.doc_no, open_do.eta_dt.desc().nulls_last())
    ).all()
    return [tuple(row) for row in rows]


def _measure(row: tuple[Any, ...], today: date) -> OrderDeadline:
    doc_no, code, name, status, deadline, total, do_no, do_status, eta = row
    days_left = (deadline - today).days
    return OrderDeadline(
        doc_no=doc_no,
        customer_code=code,
        customer_name=name,
        status=status,
        deadline_dt=deadline,
        eta_dt=eta,
        days_late=-days_left if days_left < 0 else None,
        days_left=days_left if days_left >= 0 else None,
        eta_after_deadline=eta is not None and eta > deadline,
        total_amt=total,
        delivery_doc_no=do_no,
        delivery_status=do_status,
    )


def _late_deliveries(session: Session, today: date) -> list[LateDelivery]:
    rows = session.execute(
        select(TSo.doc_no, MCust.code, MCust.name, TSo.deadline_dt, TDo.actual_dt, TSo.total_amt, TDo.doc_no)
        .join(TSo, TSo.id == TDo.so_id)
        .join(MCust, MCust.id == TSo.cust_id)
        .where(
            TDo.status == "Delivered",
            TDo.deleted_at.is_(None),
            TSo.deleted_at.is_(None),
            TDo.actual_dt.between(today - timedelta(days=LOOKBACK_DAYS), today),
            TDo.actual_dt > TSo.deadline_dt,
        )
        .order_by(TDo.actual_dt.desc(), TDo.doc_no)
    ).all()
    return [_late_delivery(*row) for row in rows]


def _late_delivery(
    doc_no: str, code: str, name: str, deadline: Any, actual: Any, total: Decimal, do_no: str
) -> LateDelivery:
    return LateDelivery(
        doc_no=doc_no,
        customer_code=code,
        customer_name=name,
        deadline_dt=deadline,
        actual_dt=actual,
        days_late=(actual - deadline).days,
        total_amt=total,
        delivery_doc_no=do_no,
    )


@REGISTRY.register("late_orders", LateOrdersArgs, "SO.READ")
def late_orders(ctx: ToolContext, args: LateOrdersArgs, _caller: Caller) -> LateOrders:
    """Open sales orders past their deadline or at risk (deadline near, ETA after it); late deliveries."""
    seen: dict[str, OrderDeadline] = {}
    for row in _open_orders(ctx.session, ctx.today, args.horizon_days):
        seen.setdefault(row[0], _measure(row, ctx.today))  # first row per order: its latest open ETA
    late = sorted((o for o in seen.values() if o.days_late), key=lambda o: (-(o.days_late or 0), o.doc_no))
    risky = [o for o in seen.values() if not o.days_late]
    deliveries = _late_deliveries(ctx.session, ctx.today)
    return LateOrders(
        as_of=ctx.today,
        horizon_days=args.horizon_days,
        late=late[:MAX_ITEMS],
        late_count=len(late),
        late_amt=sum((o.total_amt for o in late), Decimal(0)),
        at_risk=risky[:MAX_ITEMS],
        at_risk_count=len(risky),
        at_risk_amt=sum((o.total_amt for o in risky), Decimal(0)),
        late_deliveries=deliveries[:MAX_ITEMS],
        late_delivery_count=len(deliveries),
    )
