"""Purchasing tools: one purchase order's status, and vendor scores with their open orders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tools.common import Code
from tools.money import Money, Percent
from tools.registry import REGISTRY, Caller, ToolContext, ToolError
from tools.sales_base import DocRef, Quantity, money, vendor_ref
from warehouse.schema import AiVendorScore, MItem, MVendor, TAp, TInvMove, TPo, TPoDetail

CLOSED_PO = ("Received", "Cancel")  # every other status is still open (Draft, Pending…, Approved)
NOT_LATE = ("Draft", "Cancel", "Received")  # a PO can only be late once it has gone to the vendor


class PoLine(BaseModel):
    """A purchase order line."""

    item_code: str
    item_name: str
    uom: str
    qty: Quantity
    unit_price: Money
    line_amt: Money


class Bill(BaseModel):
    """The payable raised for a purchase order."""

    bill_no: str
    amt: Money
    due_dt: date
    paid: bool
    paid_dt: date | None


class PoStatus(BaseModel):
    """A purchase order's state: approval, receipt, lateness against the expected date, and bill."""

    doc_no: str
    uuid: str
    vendor_code: str
    vendor_name: str
    order_dt: date
    expected_dt: date | None
    status: str
    approved: bool
    approved_dt: date | None
    lines: list[PoLine]
    total_amt: Money
    received: bool
    received_dt: date | None
    late: bool  # sent to the vendor, not received, expected date passed
    days_late: int
    bill: Bill | None


def _header(session: Session, ref: DocRef) -> tuple[TPo, MVendor]:
    where = TPo.doc_no == ref.doc_no if ref.doc_no else TPo.uuid == ref.uuid
    row = session.execute(
        select(TPo, MVendor).join(MVendor, MVendor.id == TPo.vendor_id).where(where, TPo.deleted_at.is_(None))
    ).first()
    if row is None:
        raise ToolError("not_found", f"Purchase order {ref.doc_no or ref.uuid} not found.")
    return row[0], row[1]


def _lines(session: Session, po_id: int) -> list[PoLine]:
    rows = session.execute(
        select(MItem.code, MItem.name, MItem.uom, TPoDetail.qty, TPoDetail.unit_price, TPoDetail.line_amt)
        .join(MItem, MItem.id == TPoDetail.item_id)
        .where(TPoDetail.po_id == po_id, TPoDetail.deleted_at.is_(None))
        .order_by(TPoDetail.id)
    ).all()
    return [
        PoLine(item_code=r[0], item_name=r[1], uom=r[2], qty=r[3], unit_price=r[4], line_amt=r[5])
        for r in rows
    ]


def _received_dt(session: Session, doc_no: str) -> date | None:
    """The first goods receipt (stock IN) that names the order."""
    first: date | None = session.scalar(
        select(func.min(TInvMove.move_dt)).where(
            TInvMove.ref_doc == doc_no, TInvMove.move_type == "IN", TInvMove.deleted_at.is_(None)
        )
    )
    return first


def _bill(session: Session, po_id: int) -> Bill | None:
    ap = session.scalars(
        select(TAp).where(TAp.po_id == po_id, TAp.deleted_at.is_(None)).order_by(TAp.due_dt.desc()).limit(1)
    ).first()
    if ap is None:
        return None
    return Bill(
        bill_no=ap.bill_no, amt=ap.amt, due_dt=ap.due_dt, paid=ap.paid_dt is not None, paid_dt=ap.paid_dt
    )


@REGISTRY.register("po_status", DocRef, "PO.READ")
def po_status(ctx: ToolContext, args: DocRef, _caller: Caller) -> PoStatus:
    """Status of one purchase order: vendor, approval, lines, goods received or late, and its bill."""
    po, vendor = _header(ctx.session, args)
    received_dt = _received_dt(ctx.session, po.doc_no)
    received = po.status == "Received" or received_dt is not None
    overdue = (ctx.today - po.expected_dt).days if po.expected_dt else 0
    late = not received and po.status not in NOT_LATE and overdue > 0
    return PoStatus(
        doc_no=po.doc_no,
        uuid=str(po.uuid),
        vendor_code=vendor.code,
        vendor_name=vendor.name,
        order_dt=po.order_dt,
        expected_dt=po.expected_dt,
        status=po.status,
        approved=po.status in ("Approved", "Received"),  # received orders were approved first
        approved_dt=po.approved_dt,
        lines=_lines(ctx.session, po.id),
        total_amt=po.total_amt,
        received=received,
        received_dt=received_dt,
        late=late,
        days_late=overdue if late else 0,
        bill=_bill(ctx.session, po.id),
    )


class VendorArgs(BaseModel):
    """One vendor by code, or all vendors (null)."""

    model_config = ConfigDict(extra="forbid")
    vendor: Code | None = None


class VendorScore(BaseModel):
    """A vendor's delivery and quality scores, price trend and open purchase orders."""

    code: str
    name: str
    otd_score: Percent | None
    quality_score: Percent | None
    price_trend: str | None  # Up, Down or Stable; None without a scoring run
    calc_dt: date | None  # date of the scoring run; None: scores from the vendor master
    open_po_count: int
    open_po_amt: Money


class VendorScores(BaseModel):
    """Vendors ranked by on-time delivery score."""

    vendors: list[VendorScore]


@REGISTRY.register("vendor_scores", VendorArgs, "PO.READ")
def vendor_scores(ctx: ToolContext, args: VendorArgs, _caller: Caller) -> VendorScores:
    """Vendor scorecard: on-time delivery %, quality %, price trend and open purchase orders."""
    last = (
        select(AiVendorScore.vendor_id, func.max(AiVendorScore.calc_dt).label("calc_dt"))
        .group_by(AiVendorScore.vendor_id)
        .subquery()
    )
    score = (
        select(AiVendorScore)
        .join(last, (last.c.vendor_id == AiVendorScore.vendor_id) & (last.c.calc_dt == AiVendorScore.calc_dt))
        .subquery()
    )
    open_po = (
        select(TPo.vendor_id, func.count(TPo.id).label("n"), func.sum(TPo.total_amt).label("amt"))
        .where(TPo.status.not_in(CLOSED_PO), TPo.deleted_at.is_(None))
        .group_by(TPo.vendor_id)
        .subquery()
    )
    query = (
        select(MVendor.code, MVendor.name, MVendor.otd_score, MVendor.quality_score)
        .add_columns(score.c.otd_score, score.c.quality_score, score.c.price_trend, score.c.calc_dt)
        .add_columns(open_po.c.n, open_po.c.amt)
        .outerjoin(score, score.c.vendor_id == MVendor.id)
        .outerjoin(open_po, open_po.c.vendor_id == MVendor.id)
        .where(MVendor.deleted_at.is_(None))
    )
    if args.vendor:
        query = query.where(MVendor.id == vendor_ref(ctx.session, args.vendor)[0])
    vendors = [
        VendorScore(
            code=r[0],
            name=r[1],
            otd_score=r[4] if r[7] else r[2],  # the latest scoring run, else the vendor master
            quality_score=r[5] if r[7] else r[3],
            price_trend=r[6],
            calc_dt=r[7],
            open_po_count=int(r[8] or 0),
            open_po_amt=money(r[9]),
        )
        for r in ctx.session.execute(query).all()
    ]
    vendors.sort(key=lambda v: (-(v.otd_score if v.otd_score is not None else Decimal(-1)), v.code))
    return VendorScores(vendors=vendors)
