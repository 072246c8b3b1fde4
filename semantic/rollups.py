"""The rollups: which pre-aggregate stands in for which base source, over which dimensions and metrics.

Like Cube's pre-aggregations, declared as data next to the sources they summarise. A rollup keeps one row
per key and day, week, month and quarter (semantic/grains.py). A metric belongs to a rollup only where
summing its rows gives exactly the base result: sums always, and orders (count of distinct order ids)
only at a grain of day and customer or coarser, where every order falls in exactly one row. Orders per
item are left to the base tables (one order has lines of many items).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, func, or_

from semantic.catalog import CATALOG
from semantic.grains import Piece, pieces, readable
from semantic.model import RollupSource
from semantic.query import Span
from semantic.sources import CATEGORY, CUSTOMER, ITEM, MACHINE, SEGMENT, Dim
from warehouse.schema import (
    AggProdMachine,
    AggProdMachineShift,
    AggProdShift,
    AggSales,
    AggSalesCust,
    AggSalesItem,
    MCust,
    MItem,
    MMachine,
    TShiftLog,
    TSo,
    TSoDetail,
)

SALES_TABLES = ("t_so",)
PROD_TABLES = ("t_shift_log", "m_machine")  # the rated output bakes in m_machine.cap_per_hr
ALL_GRAINS = ("Q", "M", "W", "D")


@dataclass(frozen=True)
class Rollup:
    """One rollup table: the source it stands in for, its keys, dimensions and the metrics it sums."""

    name: str  # its table
    base: str  # the source (semantic/sources.py) it stands in for
    table: Any  # the model (warehouse/schema/agg.py)
    keys: tuple[tuple[Any, Any], ...]  # (rollup column, base column) rows are grouped by, besides the day
    from_: Callable[[], FromClause]  # the rollup joined to the masters its dimensions read
    dims: dict[str, Dim]
    measures: dict[str, Any]  # metric -> the rollup column holding its sum
    tables: tuple[str, ...]  # base tables: a change in any of them makes the rollup stale
    # The grains of its rows (semantic/grains.py). Monthly rows only, for keys whose daily rows would be as
    # many as the base rows (one shift log per machine, day and shift): it answers whole months only.
    grains: tuple[str, ...] = ALL_GRAINS

    def plan(self, span: Span | None, time_grains: set[str]) -> list[Piece] | None:
        """The rows that make up the period exactly once, coarsest first; None: this rollup cannot."""
        grains = readable(self.grains, time_grains)
        if not grains:
            return None
        if span is None:  # all time: every row of the coarsest grain
            return [(grains[0], date.min, date.max)]
        return pieces(span.start, span.end + timedelta(days=1), grains)

    def covers(self, metrics: list[str], dims: set[str], span: Span | None, time_grains: set[str]) -> bool:
        """Whether every metric is summed here, every (non-time) dimension is a column here, and the
        rows here make up the period."""
        plain = {d for d in dims if not CATALOG.dimensions[d].time_grain}
        if not set(metrics) <= set(self.measures) or not plain <= set(self.dims):
            return False
        return self.plan(span, time_grains) is not None

    def source(self, span: Span | None, time_grains: set[str]) -> RollupSource:
        """The rollup as a source for one period (when it covers it)."""
        plan = self.plan(span, time_grains)
        assert plan is not None, f"{self.name} cannot make up {span}"
        where = rows_of(self.table, plan, all_time=span is None)
        return RollupSource(self.name, self.from_, lambda _t: where, self.table.day, self.dims, self.exprs)

    @cached_property
    def exprs(self) -> dict[str, Callable[[date], ColumnElement[Any]]]:
        """Each metric's aggregate over this rollup."""
        return {m: _sum_as(col, m, self.base) for m, col in self.measures.items()}


def _sum_as(col: Any, metric: str, base: str) -> Callable[[date], ColumnElement[Any]]:
    """coalesce(sum(col), 0) typed as the base aggregate, so both read back alike (SQLite's REAL rounding)."""
    base_type = CATALOG.metrics[metric].exprs[base](date.min).type
    return lambda _t: func.coalesce(func.sum(col), 0, type_=base_type)


def rows_of(table: Any, plan: list[Piece], all_time: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE clause of a plan: one range of the (grain, day, ...) primary key per piece."""
    if all_time:
        return [table.grain == plan[0][0]]
    ranges = [and_(table.grain == g, table.day >= first, table.day < stop) for g, first, stop in plan]
    return [or_(*ranges) if len(ranges) > 1 else ranges[0]]


PROD = {  # metric -> column of every production rollup
    "output": "output_qty",
    "rejects": "reject_qty",
    "good_output": "good_qty",
    "downtime": "downtime_min",
    "ideal_output": "ideal_qty",
}


def _measures(table: Any, columns: dict[str, str]) -> dict[str, Any]:
    return {metric: getattr(table, col) for metric, col in columns.items()}


_SALES_COLS = {"sales": "sales_amt", "orders": "order_count"}

# For each base source, smallest first: the picker takes the first fresh one that covers a query.
ROLLUPS: tuple[Rollup, ...] = (
    Rollup(
        "agg_sales",
        "so",
        AggSales,
        (),
        lambda: AggSales.__table__,
        {},
        _measures(AggSales, _SALES_COLS),
        SALES_TABLES,
    ),
    Rollup(
        "agg_sales_cust",
        "so",
        AggSalesCust,
        ((AggSalesCust.cust_id, TSo.cust_id),),
        lambda: AggSalesCust.__table__.join(MCust, MCust.id == AggSalesCust.cust_id),
        {"customer": CUSTOMER, "segment": SEGMENT},
        _measures(AggSalesCust, _SALES_COLS),
        SALES_TABLES,
    ),
    Rollup(
        "agg_sales_item",
        "so_line",
        AggSalesItem,
        ((AggSalesItem.item_id, TSoDetail.item_id),),
        lambda: AggSalesItem.__table__.join(MItem, MItem.id == AggSalesItem.item_id),
        {"item": ITEM, "category": CATEGORY},
        _measures(AggSalesItem, {"sales": "sales_amt", "qty_sold": "qty"}),
        ("t_so", "t_so_detail"),
    ),
    Rollup(
        "agg_prod_shift",
        "shift",
        AggProdShift,
        ((AggProdShift.shift, TShiftLog.shift),),
        lambda: AggProdShift.__table__,
        {"shift": (AggProdShift.shift, AggProdShift.shift)},
        _measures(AggProdShift, PROD),
        PROD_TABLES,
    ),
    Rollup(
        "agg_prod_machine",
        "shift",
        AggProdMachine,
        ((AggProdMachine.machine_id, TShiftLog.machine_id),),
        lambda: AggProdMachine.__table__.join(MMachine, MMachine.id == AggProdMachine.machine_id),
        {"machine": MACHINE},
        _measures(AggProdMachine, PROD),
        PROD_TABLES,
    ),
    Rollup(
        "agg_prod_machine_shift",
        "shift",
        AggProdMachineShift,
        (
            (AggProdMachineShift.machine_id, TShiftLog.machine_id),
            (AggProdMachineShift.shift, TShiftLog.shift),
        ),
        lambda: AggProdMachineShift.__table__.join(MMachine, MMachine.id == AggProdMachineShift.machine_id),
        {"machine": MACHINE, "shift": (AggProdMachineShift.shift, AggProdMachineShift.shift)},
        _measures(AggProdMachineShift, PROD),
        PROD_TABLES,
        grains=("M",),
    ),
)
