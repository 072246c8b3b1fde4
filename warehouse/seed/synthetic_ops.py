"""Synthetic purchasing (Received orders, Paid bills, stock in and straight out) and shift logs."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal as D

from warehouse.seed.bulk import BulkWriter, Row
from warehouse.seed.production import ERROR_CODES
from warehouse.seed.synthetic_plan import (
    PURCHASES_PER_UNIT,
    Plan,
    names,
    new_uuid,
    pair_counts,
    split_evenly,
    stamp,
)
from warehouse.seed.synthetic_sales import month_weights

PO_COLS = names(
    "id uuid doc_no vendor_id order_dt expected_dt total_amt approved_by approved_dt status "
    "created_at updated_at"
)
PO_LINE_COLS = names("id po_id item_id qty unit_price line_amt created_at updated_at")
AP_COLS = names("id bill_no po_id vendor_id amt due_dt paid_dt status created_at updated_at")
MOVE_COLS = names("id item_id wh_from wh_to qty move_type move_dt ref_doc created_at updated_at")
SHIFT_COLS = names(
    "id machine_id emp_id log_dt shift plan_min output_qty reject_qty downtime_min error_code "
    "created_at updated_at"
)

PO_LAG_DAYS = 10  # receipt up to 9 days after the order, issue to production the day after
PLAN_MIN = 480
Progress = Callable[[int], None]


def total_purchases(scale: int) -> int:
    """How many synthetic purchase orders a scale makes."""
    return PURCHASES_PER_UNIT * scale


def seed_synthetic_purchasing(plan: Plan, writer: BulkWriter, advance: Progress) -> None:
    """Purchase orders month by month, each with its lines, payable and stock movements."""
    for k, pairs in enumerate(split_evenly(total_purchases(plan.scale) // 2, month_weights())):
        rng = plan.rng("purchasing", k)
        first, span = plan.days_of(plan.months[k], PO_LAG_DAYS)
        dates = sorted(first + timedelta(days=rng.randrange(span)) for _ in range(2 * pairs))
        counts = [n for _ in range(pairs) for n in pair_counts(rng, 1, 3)]
        rng.shuffle(counts)
        tables: dict[str, list[Row]] = {"t_po": [], "t_po_detail": [], "t_ap": [], "t_inv_move": []}
        for odt, n_lines in zip(dates, counts, strict=True):
            _purchase(plan, rng, tables, odt, n_lines)
        writer.write("t_po", PO_COLS, tables["t_po"])
        writer.write("t_po_detail", PO_LINE_COLS, tables["t_po_detail"])
        writer.write("t_ap", AP_COLS, tables["t_ap"])
        writer.write("t_inv_move", MOVE_COLS, tables["t_inv_move"])
        advance(len(dates))


def _purchase(plan: Plan, rng: random.Random, out: dict[str, list[Row]], odt: date, n: int) -> None:
    po_id, doc, created = plan.new_id("t_po"), plan.doc("PO", odt), stamp(odt)
    vendor_id, terms = rng.choice(plan.vendors)
    received = odt + timedelta(days=rng.randint(5, 9))
    issued, wh = received + timedelta(days=1), plan.refs["WH-A1"]
    total = D(0)
    for _ in range(n):
        item_id, cost = rng.choice(plan.raw_items)
        qty = D(rng.randint(2, 60) * 50)
        amt = (qty * cost).quantize(D("0.01"))
        total += amt
        line_id = plan.new_id("t_po_detail")
        out["t_po_detail"].append((line_id, po_id, item_id, qty, cost, amt, created, created))
        # Received into raw-material stock and issued to production the next day: nets to zero, so the
        # base seed's on-hand quantities stay equal to the sum of movements.
        for src, dst, kind, day in ((None, wh, "IN", received), (wh, None, "OUT", issued)):
            out["t_inv_move"].append(
                (plan.new_id("t_inv_move"), item_id, src, dst, qty, kind, day, doc, stamp(day), stamp(day))
            )
    due = received + timedelta(days=terms)
    paid = min(due - timedelta(days=2), plan.end - timedelta(days=1))
    out["t_po"].append(
        (
            po_id,
            new_uuid(rng),
            doc,
            vendor_id,
            odt,
            odt + timedelta(days=7),
            total,
            plan.refs["director"],
            odt + timedelta(days=1),
            "Received",
            created,
            stamp(received),
        )
    )
    out["t_ap"].append(
        (
            plan.new_id("t_ap"),
            f"BILL-{doc[3:]}",
            po_id,
            vendor_id,
            total,
            due,
            paid,
            "Paid",
            stamp(received),
            stamp(paid),
        )
    )


def seed_synthetic_shifts(plan: Plan, writer: BulkWriter, advance: Progress) -> None:
    """Three shifts a day on every machine (base and synthetic) for each day of the window."""
    operators = {s: plan.refs[f"EMP-00{s}"] for s in ("1", "2", "3")}
    for k, month in enumerate(plan.months):
        rng, rows = plan.rng("shifts", k), []
        first, n_days = plan.days_of(month)
        for day in (first + timedelta(days=d) for d in range(n_days)):
            created = stamp(day)
            for machine_id, model, cap in plan.machines:
                for shift, emp_id in operators.items():
                    out, rej, down, err = shift_figures(rng, model, cap)
                    rows.append(
                        (
                            plan.new_id("t_shift_log"),
                            machine_id,
                            emp_id,
                            day,
                            shift,
                            PLAN_MIN,
                            out,
                            rej,
                            down,
                            err,
                            created,
                            created,
                        )
                    )
        writer.write("t_shift_log", SHIFT_COLS, rows)
        advance(1)


def shift_figures(rng: random.Random, model: str, cap: D) -> tuple[D, D, D, str | None]:
    """Output, rejects, downtime and error code of one shift, in the base seed's ranges for the model."""
    slow = model == "MCH-002"  # the moulding machine loses more time to warm-up and mould changes
    down = rng.choice((10, 20, 35, 50)) if slow else rng.choice((0, 5, 10, 15, 20, 25, 30, 45, 60))
    out = int(float(cap) * (PLAN_MIN - down) / 60 * rng.uniform(0.90, 0.98))
    rate = rng.uniform(1.5, 4.0) if model == "MCH-003" else rng.uniform(0.8, 3.0)
    err = rng.choice(ERROR_CODES[model]) if down >= 30 else None
    return D(out), D(round(out * rate / 100)), D(down), err
