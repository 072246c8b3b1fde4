"""`sentient seed --scale N`: deterministic synthetic history under the base seed, for load and scale tests.

N units add, per unit: 10 customers, 5 items, 1 vendor, 2 machines; 2,500 Closed sales orders with exactly
10,000 lines, one Delivered delivery and one Paid invoice each; 100 Received purchase orders with 200 lines,
a Paid bill each and a stock receipt plus issue per line; 3 shifts a day on every machine. All of it is
dated in the 24 months before history_start(today), so every figure of the base seed stays the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine, func, select

from warehouse.base import Base
from warehouse.schema import MCust, MItem, TSo
from warehouse.seed.bulk import BulkWriter, analyze, next_ids, open_writer, reset_sequences
from warehouse.seed.calendar import history_start
from warehouse.seed.synthetic_masters import CUST_PREFIX, seed_synthetic_masters
from warehouse.seed.synthetic_ops import seed_synthetic_purchasing, seed_synthetic_shifts, total_purchases
from warehouse.seed.synthetic_plan import BASE_REFS, CUSTOMERS_PER_UNIT, WINDOW_MONTHS, Plan, names
from warehouse.seed.synthetic_sales import last_order_dates, seed_synthetic_sales, total_orders

ProgressFn = Callable[[str, int, int], None]
TABLES = names(
    "m_cust m_item m_vendor m_machine t_so t_so_detail t_do t_ar t_po t_po_detail t_ap t_inv_move t_shift_log"
)


@dataclass
class SyntheticReport:
    """Outcome of one run: rows inserted per table (empty when the scale was already present)."""

    scale: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def synthetic_scale(engine: Engine) -> int:
    """The scale of the synthetic history in the warehouse (0: none)."""
    with engine.connect() as conn:
        return _scale_in(conn)


def add_synthetic_history(
    engine: Engine, scale: int, today: date, progress: ProgressFn | None = None
) -> SyntheticReport:
    """Add `scale` units of synthetic history in one transaction; a no-op if that scale is already there."""
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    started, report = time.perf_counter(), progress or _quiet
    with engine.begin() as conn:
        present = _check_preconditions(conn, scale, today)
        if present == scale:
            return SyntheticReport(scale, {}, time.perf_counter() - started)
        writer = _generate(conn, _load_plan(conn, scale, today), report)
        reset_sequences(conn, writer.rows)
    report("statistics", 0, 1)
    with engine.begin() as conn:
        analyze(conn, TABLES)
    report("statistics", 1, 1)
    rows = {t: writer.rows[t] for t in TABLES}
    return SyntheticReport(scale, rows, time.perf_counter() - started)


def _generate(conn: Connection, plan: Plan, report: ProgressFn) -> BulkWriter:
    writer, scale = open_writer(conn), plan.scale
    report("masters", 0, 1)
    seed_synthetic_masters(plan, writer, last_order_dates(plan))
    report("masters", 1, 1)
    seed_synthetic_sales(plan, writer, _Stage(report, "sales orders", total_orders(scale)))
    seed_synthetic_purchasing(plan, writer, _Stage(report, "purchase orders", total_purchases(scale)))
    seed_synthetic_shifts(plan, writer, _Stage(report, "shift logs", WINDOW_MONTHS))
    return writer


class _Stage:
    """Turns a generator's "n more done" into progress(stage, done, total) calls."""

    def __init__(self, report: ProgressFn, name: str, total: int) -> None:
        self.report, self.name, self.total, self.done = report, name, total, 0
        report(name, 0, total)

    def __call__(self, n: int) -> None:
        self.done += n
        self.report(self.name, self.done, self.total)


def _check_preconditions(conn: Connection, scale: int, today: date) -> int:
    """The scale present; raises unless the base seed is there and no other scale is."""
    if conn.scalar(select(MCust.id).where(MCust.code == "CUST-001")) is None:
        raise ValueError("the base sample data is missing: run `sentient seed` before adding history")
    present = _scale_in(conn)
    if present and present != scale:
        raise ValueError(
            f"synthetic history of scale {present} is already present; to change it, "
            f"re-seed with `sentient seed --reset --yes --scale {scale}`"
        )
    end = history_start(today)
    if not present and conn.scalar(select(func.count(TSo.id)).where(TSo.order_dt < end)):
        raise ValueError(
            f"sales orders dated before {end} exist: the base seed was loaded for another "
            f"business date than {today}; re-seed with `sentient seed --reset --yes --scale {scale}`"
        )
    return present


def _scale_in(conn: Connection) -> int:
    count = conn.scalar(select(func.count(MCust.id)).where(MCust.code.like(f"{CUST_PREFIX}%")))
    return int(count or 0) // CUSTOMERS_PER_UNIT


def _load_plan(conn: Connection, scale: int, today: date) -> Plan:
    refs: dict[str, int] = {}
    for name, codes in BASE_REFS.items():
        table = Base.metadata.tables[name]
        key = table.c["username" if name == "adm_user" else "code"]
        found = dict(conn.execute(select(key, table.c.id).where(key.in_(codes))).all())
        if missing := set(codes) - set(found):
            raise ValueError(f"base rows missing from {name}: {sorted(missing)}; re-seed the base data")
        refs.update(found)
    prices = conn.execute(
        select(MItem.code, func.coalesce(MItem.sell_price, MItem.std_cost)).where(
            MItem.code.in_(BASE_REFS["m_item"])
        )
    ).all()
    base_prices = {code: Decimal(price).quantize(Decimal("0.01")) for code, price in prices}
    return Plan(scale, today, next_ids(conn, TABLES), refs, base_prices)


def _quiet(_stage: str, _done: int, _total: int) -> None:
    """Progress sink when the caller passes none."""
