"""pending_approvals: sales and purchase orders waiting for someone to approve them, oldest first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from tools.money import Money
from tools.registry import REGISTRY, Caller, ToolContext, ToolError
from tools.sales_base import money
from warehouse.schema import MCust, MVendor, TPo, TSo

MAX_ITEMS = 50


class PendingArgs(BaseModel):
    """Which documents: sales orders, purchase orders, or both (null)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["SO", "PO"] | None = None


class PendingDoc(BaseModel):
    """A document waiting for approval."""

    doc_no: str
    party_code: str  # customer (SO) or vendor (PO)
    party_name: str
    order_dt: date
    total_amt: Money
    age_days: int
    waiting_for: str  # the status text, e.g. "Pending" or "Pending Director"


class PendingSection(BaseModel):
    """Pending documents of one kind with their count and value."""

    kind: Literal["SO", "PO"]
    count: int
    amount: Money
    items: list[PendingDoc]


class PendingApprovals(BaseModel):
    """Sections the caller may see (None where not asked for or not permitted) and their totals."""

    as_of: date
    so: PendingSection | None
    po: PendingSection | None
    count: int
    amount: Money


def _section(
    session: Session, today: date, kind: Literal["SO", "PO"], *, doc: Any, party: Any, pending: Any
) -> PendingSection:
    where: list[ColumnElement[bool]] = [pending, doc.deleted_at.is_(None)]
    head = session.execute(
        select(func.count(doc.id), func.coalesce(func.sum(doc.total_amt), 0)).where(*where)
    ).one()
    party_fk = doc.cust_id if kind == "SO" else doc.vendor_id
    rows = session.execute(
        select(doc.doc_no, party.code, party.name, doc.order_dt, doc.total_amt, doc.status)
        .join(party, party.id == party_fk)
        .where(*where)
        .order_by(doc.order_dt, doc.doc_no)
        .limit(MAX_ITEMS)
    ).all()
    items = [
        PendingDoc(
            doc_no=r[0],
            party_code=r[1],
            party_name=r[2],
            order_dt=r[3],
            total_amt=r[4],
            age_days=(today - r[3]).days,
            waiting_for=r[5],
        )
        for r in rows
    ]
    return PendingSection(kind=kind, count=int(head[0]), amount=money(head[1]), items=items)


@REGISTRY.register("pending_approvals", PendingArgs, ("SO.READ", "PO.READ"))
def pending_approvals(ctx: ToolContext, args: PendingArgs, caller: Caller) -> PendingApprovals:
    """Sales and purchase orders waiting for approval (oldest first), with age and who they wait for."""
    want_so = args.kind in (None, "SO") and caller.may("SO.READ")
    want_po = args.kind in (None, "PO") and caller.may("PO.READ")
    if not (want_so or want_po):  # asked for one kind only, and that kind is not the caller's
        raise ToolError("forbidden", "Not permitted for this role.")
    so = po = None
    if want_so:
        so = _section(ctx.session, ctx.today, "SO", doc=TSo, party=MCust, pending=TSo.status == "Pending")
    if want_po:  # purchase orders wait in several Pending states (e.g. "Pending Director")
        po = _section(
            ctx.session, ctx.today, "PO", doc=TPo, party=MVendor, pending=TPo.status.like("Pending%")
        )
    sections = [s for s in (so, po) if s is not None]
    return PendingApprovals(
        as_of=ctx.today,
        so=so,
        po=po,
        count=sum(s.count for s in sections),
        amount=sum((s.amount for s in sections), Decimal(0)),
    )
