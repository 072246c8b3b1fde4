"""Purchase orders with lines, goods receipts and payables: the spec's three POs plus history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal as D

from warehouse.schema import AdmUser, MItem, MVendor, TAp, TPo, TPoDetail
from warehouse.seed.context import SeedContext
from warehouse.seed.ledger import Ledger
from warehouse.seed.sales import ITEM_WH, order_date


@dataclass(frozen=True)
class Purchase:
    """A purchase order to seed; received_after is days from order to goods receipt (None: not yet)."""

    vendor: str
    when: tuple[int, int] | int
    item: str
    qty: int
    status: str
    received_after: int | None = None
    ap_paid: bool = False


PURCHASES = [
    Purchase("VND-001", (3, 8), "ITM-004", 800, "Received", 6, ap_paid=True),
    Purchase("VND-002", (2, 6), "ITM-002", 2400, "Received", 5, ap_paid=True),
    Purchase("VND-001", -40, "ITM-004", 800, "Received", 9, ap_paid=True),
    # Received 26 and 25 days ago on 30-day terms: Rp 120,000,000 falls due within the next 7 days.
    Purchase("VND-002", -35, "ITM-002", 6400, "Received", 9),
    Purchase("VND-003", -33, "ITM-002", 3200, "Received", 8),
    # The spec's sample purchase orders (1.8 B).
    Purchase("VND-001", -9, "ITM-004", 1000, "Approved"),
    Purchase("VND-002", -7, "ITM-002", 3600, "Pending Director"),
    Purchase("VND-003", -2, "ITM-002", 1000, "Draft"),
]


def seed_purchasing(ctx: SeedContext, ledger: Ledger) -> None:
    """Purchase orders, receipts into stock (raw material issued to production next day) and payables."""
    director = ctx.get("director", AdmUser)
    for odt, _i, p in sorted((order_date(ctx, p.when), i, p) for i, p in enumerate(PURCHASES)):
        item, vendor = ctx.get(p.item, MItem), ctx.get(p.vendor, MVendor)
        amt = (D(p.qty) * item.std_cost).quantize(D("0.01"))
        approved = p.status in ("Approved", "Received")
        po = TPo(
            doc_no=ctx.next_doc("PO", odt),
            vendor_id=vendor.id,
            order_dt=odt,
            expected_dt=odt + timedelta(days=7),
            total_amt=amt,
            status=p.status,
            approved_by=director.id if approved else None,
            approved_dt=odt + timedelta(days=1) if approved else None,
        )
        ctx.add(po.doc_no, po)
        ctx.session.flush()
        ctx.session.add(
            TPoDetail(po_id=po.id, item_id=item.id, qty=D(p.qty), unit_price=item.std_cost, line_amt=amt)
        )
        if p.received_after is not None:
            _receive(ctx, ledger, p, po, odt + timedelta(days=p.received_after), vendor)


def _receive(ctx: SeedContext, ledger: Ledger, p: Purchase, po: TPo, day: date, vendor: MVendor) -> None:
    wh = ITEM_WH[p.item]
    ledger.stock_in(p.item, wh, D(p.qty), day, po.doc_no)
    ledger.stock_out(p.item, wh, D(p.qty), day + timedelta(days=1), po.doc_no)  # issued to production
    due = day + timedelta(days=vendor.pay_terms)
    paid = min(due - timedelta(days=2), ctx.day(-1)) if p.ap_paid else None
    status = "Paid" if paid else ("Overdue" if due < ctx.today else "Open")
    ap = TAp(
        bill_no=f"BILL-{po.doc_no[3:]}",
        po_id=po.id,
        vendor_id=vendor.id,
        amt=po.total_amt,
        due_dt=due,
        paid_dt=paid,
        status=status,
    )
    ctx.add(ap.bill_no, ap)
    if paid:
        ledger.cash(paid, -po.total_amt, "AP_PAYMENT", ap.bill_no)
