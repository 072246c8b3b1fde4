"""Sales orders with their lines, deliveries and receivables: the spec's four orders plus history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal as D

from warehouse.schema import AdmUser, MCust, MEmp, MItem, TAr, TDo, TSo, TSoDetail
from warehouse.seed.calendar import in_month
from warehouse.seed.context import SeedContext
from warehouse.seed.ledger import Ledger

# Where each sold item is stocked (t_inv) and so where its deliveries leave from.
ITEM_WH = {"ITM-001": "WH-B1", "ITM-002": "WH-A1", "ITM-003": "WH-C1", "ITM-004": "WH-A1", "ITM-005": "WH-B1"}


@dataclass(frozen=True)
class Order:
    """A sales order to seed. `when` is (months back, day of month) or a day offset from today."""

    cust: str
    when: tuple[int, int] | int
    lines: tuple[tuple[str, int, str], ...]  # item code, qty, line discount %
    status: str
    delivery: str | None = None  # None (not shipped), "on_time", "late", "in_transit"
    ar: str | None = None  # None (no invoice), "open", "paid"
    key: str = ""


ORDERS = [
    # Three months back: invoices now more than 30 days overdue for three customers (Rp 185,000,000).
    Order("CUST-001", (3, 6), (("ITM-003", 920, "0"),), "Closed", "on_time", "open"),
    Order("CUST-002", (3, 10), (("ITM-003", 360, "0"),), "Closed", "on_time", "open"),
    Order("CUST-004", (3, 14), (("ITM-003", 200, "0"),), "Closed", "on_time", "open"),
    Order("CUST-005", (3, 18), (("ITM-005", 400, "0"),), "Closed", "on_time", "paid"),
    Order("CUST-003", (2, 5), (("ITM-005", 900, "0"),), "Closed", "on_time", "paid"),
    Order("CUST-005", (2, 12), (("ITM-001", 2000, "0"),), "Closed", "on_time", "paid"),
    Order("CUST-001", (2, 20), (("ITM-003", 300, "0"),), "Closed", "on_time", "paid"),
    # Last month: Rp 580,000,000 booked (the spec's revenue_last_month) and one cancelled order.
    Order("CUST-001", (1, 4), (("ITM-001", 1200, "0"),), "Closed", "on_time", "paid"),
    Order("CUST-003", (1, 8), (("ITM-003", 800, "0"), ("ITM-005", 250, "0")), "Closed", "on_time", "open"),
    Order("CUST-005", (1, 12), (("ITM-005", 600, "0"),), "Closed", "on_time", "paid"),
    Order("CUST-002", (1, 15), (("ITM-001", 400, "0"),), "Closed", "on_time", "paid"),
    Order("CUST-004", (1, 19), (("ITM-003", 120, "0"),), "Closed", "on_time", "paid"),
    Order("CUST-005", (1, 20), (("ITM-005", 500, "0"), ("ITM-003", 512, "0")), "Closed", "late", "open"),
    Order("CUST-002", (1, 26), (("ITM-001", 100, "0"),), "Cancel"),
    # The spec's sample orders (1.8 B), SO-…-0001 to 0004, dated relative to today.
    Order("CUST-001", -7, (("ITM-001", 500, "0"),), "Approved", "on_time", "open", key="SO1"),
    Order("CUST-003", -5, (("ITM-001", 1000, "5"), ("ITM-003", 500, "0")), "Pending", key="SO2"),
    Order("CUST-002", -2, (("ITM-003", 150, "0"),), "Draft", key="SO3"),
    Order("CUST-005", 0, (("ITM-005", 2000, "2"),), "Approved", "in_transit", key="SO4"),
]


def order_date(ctx: SeedContext, when: tuple[int, int] | int) -> date:
    """The order date of a seeded order."""
    return ctx.day(when) if isinstance(when, int) else in_month(ctx.today, *when)


def line_amount(qty: int, price: D, disc: D) -> D:
    """qty x price less the line discount, rounded to the rupiah cent."""
    return (D(qty) * price * (D(100) - disc) / D(100)).quantize(D("0.01"))


def seed_sales(ctx: SeedContext, ledger: Ledger) -> None:
    """Sales orders, lines, deliveries and invoices, each derived from the order it belongs to."""
    approver = ctx.get("john.doe", AdmUser)
    dated = sorted(((order_date(ctx, o.when), i, o) for i, o in enumerate(ORDERS)), key=lambda t: t[:2])
    for odt, _i, order in dated:
        so, lines = _sales_order(ctx, order, odt, approver)
        if order.delivery:
            _delivery(ctx, ledger, order, so, lines)
    ctx.session.flush()
    for order_row in (r for r in ctx.by_code.values() if isinstance(r, TSo)):
        cust = ctx.session.get(MCust, order_row.cust_id)
        if cust and order_row.status not in ("Draft", "Cancel"):
            cust.last_order_dt = max(filter(None, (cust.last_order_dt, order_row.order_dt)))


Lines = list[tuple[str, TSoDetail]]


def _sales_order(ctx: SeedContext, order: Order, odt: date, approver: AdmUser) -> tuple[TSo, Lines]:
    cust = ctx.get(order.cust, MCust)
    lines: Lines = []
    for code, qty, disc in order.lines:
        item = ctx.get(code, MItem)
        price = item.sell_price or item.std_cost
        lines.append(
            (
                code,
                TSoDetail(
                    item_id=item.id,
                    qty=D(qty),
                    unit_price=price,
                    disc_pct=D(disc),
                    line_amt=line_amount(qty, price, D(disc)),
                ),
            )
        )
    approved = order.status in ("Approved", "Closed")
    so = TSo(
        doc_no=ctx.next_doc("SO", odt),
        cust_id=cust.id,
        order_dt=odt,
        status=order.status,
        deadline_dt=odt + timedelta(days=2 if order.key == "SO4" else (5 if order.delivery == "late" else 7)),
        total_amt=sum((ln.line_amt for _, ln in lines), D(0)),
        approved_by=approver.id if approved else None,
        approved_dt=odt if approved else None,
    )
    if order.key == "SO2":
        so.deadline_dt = ctx.day(10)
    ctx.add(order.key or so.doc_no, so)
    ctx.session.flush()
    for _, ln in lines:
        ln.so_id = so.id
        ctx.session.add(ln)
    return so, lines


def _delivery(ctx: SeedContext, ledger: Ledger, order: Order, so: TSo, lines: Lines) -> None:
    odt = so.order_dt
    driver = ctx.get("EMP-005" if order.key == "SO4" else "EMP-004", MEmp)
    if order.delivery == "in_transit":
        ship, eta, actual, status = ctx.today, ctx.day(3), None, "In Transit"
    else:
        ship, eta = odt + timedelta(days=2), odt + timedelta(days=4)
        actual = odt + timedelta(days=8 if order.delivery == "late" else 3 if order.key != "SO1" else 2)
        status = "Delivered"
    do = TDo(
        doc_no=ctx.next_doc("DO", ship),
        so_id=so.id,
        driver_id=driver.id,
        ship_dt=ship,
        eta_dt=eta,
        actual_dt=actual,
        status=status,
    )
    ctx.add(do.doc_no, do)
    if actual is None:
        return
    # Goods leave the books when the delivery is confirmed; the invoice is raised the same day.
    for item_code, ln in lines:
        ledger.stock_out(item_code, ITEM_WH[item_code], ln.qty, actual, do.doc_no)
    if order.ar:
        _invoice(ctx, ledger, order, so, actual)


def _invoice(ctx: SeedContext, ledger: Ledger, order: Order, so: TSo, inv_dt: date) -> None:
    cust = ctx.get(order.cust, MCust)
    due = inv_dt + timedelta(days=cust.pay_terms)
    paid = None
    if order.ar == "paid":
        paid = max(inv_dt + timedelta(days=1), min(due - timedelta(days=3), ctx.day(-1)))
    status = "Paid" if paid else ("Overdue" if due < ctx.today else "Open")
    ar = TAr(
        inv_no=ctx.next_doc("INV", inv_dt),
        so_id=so.id,
        cust_id=cust.id,
        inv_dt=inv_dt,
        amt=so.total_amt,
        due_dt=due,
        paid_dt=paid,
        status=status,
    )
    ctx.add(ar.inv_no, ar)
    if paid:
        ledger.cash(paid, so.total_amt, "AR_RECEIPT", ar.inv_no)
