"""Pre-aggregated rollups of the sales and shift facts, and the watermark that says whether they are fresh.

Each rollup table holds rows per day (grain 'D', day = the business date), ISO week ('W', day = its
Monday), month ('M') and quarter ('Q', day = their first day) of sums over the live rows of its base
tables, at a grain where every sum stays exact; semantic/preagg.py fills them with INSERT ... SELECT and
semantic/picker.py chooses them only while they are fresh. They are derived data, rebuilt wholesale: no
foreign keys (a rebuild would pay a check per row), no audit columns; the primary key (grain, day,
keys...) is also the index the period filters read.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Integer, Numeric, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from warehouse.base import Base
from warehouse.types import BigId, UTCDateTime

SUM_MONEY = Numeric(20, 2)
SUM_QTY = Numeric(20, 3)
SUM_EXACT = Numeric()  # unscaled: keeps PostgreSQL's full quotient of cap_per_hr * plan_min / 60


class RollupMixin:
    """The grain (D, W, M, Q) and the first day of its unit, leading the primary key."""

    grain: Mapped[str] = mapped_column(String(1), primary_key=True, sort_order=-10)
    day: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-9)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[CheckConstraint, ...]:
        return (CheckConstraint("grain IN ('D', 'W', 'M', 'Q')", name="grain"),)


class SalesRollupMixin(RollupMixin):
    """Booked sales orders (Approved or Closed, not deleted): header totals and the number of orders."""

    sales_amt: Mapped[Decimal] = mapped_column(SUM_MONEY)
    # Exact as a sum: an order has one date and one customer, so it is counted in exactly one row.
    order_count: Mapped[int] = mapped_column(Integer)


class AggSales(SalesRollupMixin, Base):
    """Booked sales per day (and month)."""

    __tablename__ = "agg_sales"


class AggSalesCust(SalesRollupMixin, Base):
    """Booked sales per day (and month) and customer."""

    __tablename__ = "agg_sales_cust"
    cust_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False, sort_order=-5)


class AggSalesItem(RollupMixin, Base):
    """Booked sales order lines per day (and month) and item: line amounts and quantities."""

    __tablename__ = "agg_sales_item"
    item_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False, sort_order=-5)
    sales_amt: Mapped[Decimal] = mapped_column(SUM_MONEY)
    qty: Mapped[Decimal] = mapped_column(SUM_QTY)


class ProdRollupMixin(RollupMixin):
    """Production of live shift logs: output, rejects, good output, downtime and rated (ideal) output."""

    output_qty: Mapped[Decimal] = mapped_column(SUM_QTY)
    reject_qty: Mapped[Decimal] = mapped_column(SUM_QTY)
    good_qty: Mapped[Decimal] = mapped_column(SUM_QTY)
    downtime_min: Mapped[Decimal] = mapped_column(SUM_QTY)
    ideal_qty: Mapped[Decimal] = mapped_column(SUM_EXACT)


class AggProdShift(ProdRollupMixin, Base):
    """Production per day (and month) and shift."""

    __tablename__ = "agg_prod_shift"
    shift: Mapped[str] = mapped_column(String(1), primary_key=True, sort_order=-5)


class AggProdMachine(ProdRollupMixin, Base):
    """Production per day (and month) and machine."""

    __tablename__ = "agg_prod_machine"
    machine_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False, sort_order=-5)


class AggProdMachineShift(ProdRollupMixin, Base):
    """Production per day (and month), machine and shift (daily rows: one per shift log)."""

    __tablename__ = "agg_prod_machine_shift"
    machine_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False, sort_order=-5)
    shift: Mapped[str] = mapped_column(String(1), primary_key=True, sort_order=-4)


class AggRefresh(Base):
    """One row per rollup: when it was rebuilt and the version of its base tables it was built from."""

    __tablename__ = "agg_refresh"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    # "table:max(updated_at):max(id)" of every base table, read before the rebuild in the same transaction
    base_version: Mapped[str] = mapped_column(String(500))
    rows: Mapped[int] = mapped_column(Integer)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
