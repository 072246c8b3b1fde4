"""so_status: one sales order with its lines, deliveries, invoice and whether it is late or at risk."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.money import Money, Percent
from tools.registry import REGISTRY, Caller, ToolContext, ToolError
from tools.sales_base import OPEN_SO, DocRef, Quantity
from warehouse.schema import MCust, MEmp, MItem, TAr, TDo, TSo, TSoDetail

RISK_DAYS = 2  # a deadline this close, with the goods not delivered, puts an order at risk
IN_TRANSIT = ("Shipped", "In Transit")


class SoLine(BaseModel):
    """A sales order line."""

    item_code: str
    item_name: str
    uom: str
    qty: Quantity
    unit_price: Money
    disc_pct: Percent
    line_amt: Money


class Delivery(BaseModel):
    """A delivery order of a sales order."""

    doc_no: str
    status: str
    ship_dt: date | None
    eta_dt: date | None
    actual_dt: date | None
    driver: str | None


class Invoice(BaseModel):
    """The receivable raised for a sales order."""

    inv_no: str
    amt: Money
    due_dt: date
    paid: bool
    paid_dt: date | None


class SoStatus(BaseModel):
    """A sales order's state: approval, delivery, lateness and invoice."""

    doc_no: str
    uuid: str
    customer_code: str
    customer_name: str
    segment: str
    order_dt: date
    deadline_dt: date | None
    status: str
    approved: bool
    approved_dt: date | None
    lines: list[SoLine]
    total_amt: Money
    deliveries: list[Delivery]
    delivery_status: Literal["not shipped", "in transit", "delivered"]
    eta_dt: date | None  # of the open delivery, if any
    delivered_dt: date | None
    late: bool
    days_late: int
    at_risk: bool
    days_left: int | None  # until the deadline, while not delivered
    invoice: Invoice | None


def _header(session: Session, ref: DocRef) -> tuple[TSo, MCust]:
    where = TSo.doc_no == ref.doc_no if ref.doc_no else TSo.uuid == ref.uuid
    row = session.execute(
        select(TSo, MCust).join(MCust, MCust.id == TSo.cust_id).where(where, TSo.deleted_at.is_(None))
    ).first()
    if row is None:
        raise ToolError("not_found", f"Sales order {ref.doc_no or ref.uuid} not found.")
    return row[0], row[1]


def _lines(session: Session, so_id: int) -> list[SoLine]:
    rows = session.execute(
        select(MItem.code, MItem.name, MItem.uom, TSoDetail.qty, TSoDetail.unit_price)
        .add_columns(TSoDetail.disc_pct, TSoDetail.line_amt)
        .join(MItem, MItem.id == TSoDetail.item_id)
        .where(TSoDetail.so_id == so_id, TSoDetail.deleted_at.is_(None))
        .order_by(TSoDetail.id)
    ).all()
    return [
        SoLine(
            item_code=r[0], item_name=r[1], uom=r[2], qty=r[3], unit_price=r[4], disc_pct=r[5], line_amt=r[6]
        )
        for r in rows
    ]


def _deliveries(session: Session, so_id: int) -> list[Delivery]:
    rows = session.execute(
        select(TDo, MEmp.name)
        .outerjoin(MEmp, MEmp.id == TDo.driver_id)
        .where(TDo.so_id == so_id, TDo.deleted_at.is_(None))
        .order_by(TDo.ship_dt, TDo.doc_no)
    ).all()
    return [
        Delivery(
            doc_no=d.doc_no,
            status=d.status,
            ship_dt=d.ship_dt,
            eta_dt=d.eta_dt,
            actual_dt=d.actual_dt,
            driver=name,
        )
        for d, name in rows
    ]


def _invoice(session: Session, so_id: int) -> Invoice | None:
    ar = session.scalars(
        select(TAr).where(TAr.so_id == so_id, TAr.deleted_at.is_(None)).order_by(TAr.inv_dt.desc()).limit(1)
    ).first()
    if ar is None:
        return None
    return Invoice(
        inv_no=ar.inv_no, amt=ar.amt, due_dt=ar.due_dt, paid=ar.paid_dt is not None, paid_dt=ar.paid_dt
    )


def _timing(so: TSo, deliveries: list[Delivery], today: date) -> dict[str, object]:
    """Delivery summary, lateness and risk (see late_orders for the same rules over all orders)."""
    done = [d.actual_dt for d in deliveries if d.status == "Delivered" and d.actual_dt]
    open_etas = [d.eta_dt for d in deliveries if d.status != "Delivered" and d.eta_dt]
    eta = max(open_etas, default=None)
    deadline = so.deadline_dt
    state = (
        "delivered"
        if done
        else ("in transit" if any(d.status in IN_TRANSIT for d in deliveries) else "not shipped")
    )
    late, days_late, at_risk, days_left = False, 0, False, None
    if done and deadline:
        days_late = max((max(done) - deadline).days, 0)
        late = days_late > 0
    elif not done and deadline and so.status in OPEN_SO:
        days_left = (deadline - today).days
        late, days_late = days_left < 0, max(-days_left, 0)
        at_risk = not late and (days_left <= RISK_DAYS or (eta is not None and eta > deadline))
    return {
        "delivery_status": state,
        "eta_dt": eta,
        "delivered_dt": max(done, default=None),
        "late": late,
        "days_late": days_late,
        "at_risk": at_risk,
        "days_left": days_left,
    }


@REGISTRY.register("so_status", DocRef, "SO.READ")
def so_status(ctx: ToolContext, args: DocRef, _caller: Caller) -> SoStatus:
    """Status of one sales order: approval, lines, deliveries, ETA vs deadline (late/at risk), invoice."""
    so, cust = _header(ctx.session, args)
    deliveries = _deliveries(ctx.session, so.id)
    return SoStatus.model_validate(
        {
            "doc_no": so.doc_no,
            "uuid": str(so.uuid),
            "customer_code": cust.code,
            "customer_name": cust.name,
            "segment": cust.segment,
            "order_dt": so.order_dt,
            "deadline_dt": so.deadline_dt,
            "status": so.status,
            "approved": so.status in ("Approved", "Closed"),  # Closed orders were approved first
            "approved_dt": so.approved_dt,
            "lines": _lines(ctx.session, so.id),
            "total_amt": so.total_amt,
            "deliveries": deliveries,
            "invoice": _invoice(ctx.session, so.id),
            **_timing(so, deliveries, ctx.today),
        }
    )
