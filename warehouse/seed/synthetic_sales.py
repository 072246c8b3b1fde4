"""Synthetic sales: Closed orders with lines, one Delivered delivery and one Paid invoice each."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal as D

from warehouse.seed.bulk import BulkWriter, Row
from warehouse.seed.sales import line_amount
from warehouse.seed.synthetic_plan import (
    CUSTOMERS_PER_UNIT,
    ORDERS_PER_UNIT,
    WINDOW_MONTHS,
    Plan,
    names,
    new_uuid,
    pair_counts,
    split_evenly,
    stamp,
)

SO_COLS = names(
    "id uuid doc_no cust_id order_dt deadline_dt total_amt disc_pct status approved_by approved_dt "
    "created_at updated_at"
)
LINE_COLS = names("id so_id item_id qty unit_price disc_pct line_amt created_at updated_at")
DO_COLS = names("id uuid doc_no so_id driver_id ship_dt eta_dt actual_dt status created_at updated_at")
AR_COLS = names("id inv_no so_id cust_id inv_dt amt due_dt paid_dt status created_at updated_at")

LAG_DAYS = 12  # the latest date an order leads to (a late delivery, its invoice) is this many days after it
DEADLINE_DAYS = 7
LATE_SHARE = 0.07  # deliveries after the deadline
LATE_PAYERS = 0.15  # invoices paid after their due date
DISCOUNTS = (D(0), D(0), D(0), D(0), D(0), D(2), D(5), D(10))
ZERO = D(0)
Progress = Callable[[int], None]


def month_weights() -> list[int]:
    """Order volume grows about 50 % across the window: month k weighs 100 + 2k."""
    return [100 + 2 * k for k in range(WINDOW_MONTHS)]


@dataclass
class MonthRows:
    """One month of generated sales rows, written table by table (parents first)."""

    orders: list[Row] = field(default_factory=list)
    lines: list[Row] = field(default_factory=list)
    deliveries: list[Row] = field(default_factory=list)
    invoices: list[Row] = field(default_factory=list)


def _skeleton(plan: Plan, k: int, pairs: int) -> tuple[random.Random, list[date], list[int]]:
    """The month's generator, its sorted order dates and each order's customer index (drawn first)."""
    rng = plan.rng("sales", k)
    first, span = plan.days_of(plan.months[k], LAG_DAYS)
    dates = sorted(first + timedelta(days=rng.randrange(span)) for _ in range(2 * pairs))
    n_cust = CUSTOMERS_PER_UNIT * plan.scale
    # Skewed towards low indexes: a few customers buy much more than the rest.
    custs = [int(n_cust * rng.random() ** 2) for _ in dates]
    return rng, dates, custs


def total_orders(scale: int) -> int:
    """How many synthetic sales orders a scale makes."""
    return ORDERS_PER_UNIT * scale


def last_order_dates(plan: Plan) -> dict[int, date]:
    """Each synthetic customer's (by index) last order date, from the same draws the orders will use."""
    last: dict[int, date] = {}
    for k, pairs in enumerate(split_evenly(total_orders(plan.scale) // 2, month_weights())):
        _rng, dates, custs = _skeleton(plan, k, pairs)
        for day, cust in zip(dates, custs, strict=True):
            last[cust] = day  # dates are ascending
    return last


def seed_synthetic_sales(plan: Plan, writer: BulkWriter, advance: Progress) -> None:
    """Generate and write the sales history one month at a time."""
    for k, pairs in enumerate(split_evenly(total_orders(plan.scale) // 2, month_weights())):
        rng, dates, custs = _skeleton(plan, k, pairs)
        counts = [n for _ in range(pairs) for n in pair_counts(rng, 1, 7)]
        rng.shuffle(counts)
        out = MonthRows()
        for odt, cust, n_lines in zip(dates, custs, counts, strict=True):
            _order(plan, rng, out, odt, plan.customers[cust], n_lines)
        writer.write("t_so", SO_COLS, out.orders)
        writer.write("t_so_detail", LINE_COLS, out.lines)
        writer.write("t_do", DO_COLS, out.deliveries)
        writer.write("t_ar", AR_COLS, out.invoices)
        advance(len(out.orders))


def _order(plan: Plan, rng: random.Random, out: MonthRows, odt: date, cust: tuple[int, int], n: int) -> None:
    so_id, created = plan.new_id("t_so"), stamp(odt)
    doc, uid = plan.doc("SO", odt), new_uuid(rng)
    total = ZERO
    for _ in range(n):
        item_id, price = rng.choice(plan.sold_items)
        qty, disc = rng.randint(1, 80), rng.choice(DISCOUNTS)
        amt = line_amount(qty, price, disc)
        total += amt
        line_id = plan.new_id("t_so_detail")
        out.lines.append((line_id, so_id, item_id, D(qty), price, disc, amt, created, created))
    deadline = odt + timedelta(days=DEADLINE_DAYS)
    delivered = _delivery(plan, rng, out, so_id, odt, deadline)
    out.orders.append(
        (
            so_id,
            uid,
            doc,
            cust[0],
            odt,
            deadline,
            total,
            ZERO,
            "Closed",
            plan.refs["john.doe"],
            odt,
            created,
            stamp(delivered),
        )
    )
    _invoice(plan, rng, out, so_id, cust, total, delivered)


def _delivery(plan: Plan, rng: random.Random, out: MonthRows, so_id: int, odt: date, deadline: date) -> date:
    """Write the order's delivery; returns the day it arrived."""
    ship = odt + timedelta(days=rng.randint(1, 2))
    if rng.random() < LATE_SHARE:
        arrived = deadline + timedelta(days=rng.randint(1, 5))
    else:
        arrived = ship + timedelta(days=rng.randint(1, 4))  # by day 6, the deadline is day 7
    driver = plan.refs[rng.choice(("EMP-004", "EMP-005"))]
    out.deliveries.append(
        (
            plan.new_id("t_do"),
            new_uuid(rng),
            plan.doc("DO", ship),
            so_id,
            driver,
            ship,
            odt + timedelta(days=4),
            arrived,
            "Delivered",
            stamp(ship),
            stamp(arrived),
        )
    )
    return arrived


def _invoice(
    plan: Plan, rng: random.Random, out: MonthRows, so_id: int, cust: tuple[int, int], amt: D, inv_dt: date
) -> None:
    """Invoice on delivery, paid before the window ends (clamped there, even if due later)."""
    cust_id, terms = cust
    due = inv_dt + timedelta(days=terms)
    if rng.random() < LATE_PAYERS:
        paid = due + timedelta(days=rng.randint(1, 20))
    else:
        paid = inv_dt + timedelta(days=rng.randint(7, terms))
    paid = min(paid, plan.end - timedelta(days=1))
    out.invoices.append(
        (
            plan.new_id("t_ar"),
            plan.doc("INV", inv_dt),
            so_id,
            cust_id,
            inv_dt,
            amt,
            due,
            paid,
            "Paid",
            stamp(inv_dt),
            stamp(paid),
        )
    )
