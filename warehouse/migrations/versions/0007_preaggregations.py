"""pre-aggregated rollups of sales and shift production, their watermark, updated_at indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

The rollup tables hold daily, weekly, monthly and quarterly sums that semantic/preagg.py rebuilds with
INSERT ... SELECT (`sentient preagg refresh`, and at the end of `sentient seed`); agg_refresh records the
version of the base tables each was built from. The indexes on updated_at make the freshness check (max
of updated_at and of id per base table) two index look-ups instead of scans of a million rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import warehouse.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PROD = ["output_qty", "reject_qty", "good_qty", "downtime_min"]
FRESHNESS_INDEXES = ("t_so", "t_so_detail", "t_shift_log")


def _rollup(name: str, keys: list[sa.Column], measures: list[sa.Column]) -> None:
    op.create_table(
        name,
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *keys,
        *measures,
        sa.CheckConstraint("grain IN ('D', 'W', 'M', 'Q')", name=op.f(f"ck_{name}_grain")),
        sa.PrimaryKeyConstraint("grain", "day", *[k.name for k in keys], name=op.f(f"pk_{name}")),
    )


def _sales_measures() -> list[sa.Column]:
    return [sa.Column("sales_amt", sa.Numeric(20, 2), nullable=False),
            sa.Column("order_count", sa.Integer(), nullable=False)]


def _prod_measures() -> list[sa.Column]:
    cols = [sa.Column(name, sa.Numeric(20, 3), nullable=False) for name in PROD]
    return [*cols, sa.Column("ideal_qty", sa.Numeric(), nullable=False)]


def _shift() -> sa.Column:
    return sa.Column("shift", sa.String(length=1), nullable=False)


def _machine() -> sa.Column:
    return sa.Column("machine_id", BIG_ID, autoincrement=False, nullable=False)


def upgrade() -> None:
    _rollup("agg_sales", [], _sales_measures())
    _rollup("agg_sales_cust", [sa.Column("cust_id", BIG_ID, autoincrement=False, nullable=False)],
            _sales_measures())
    _rollup("agg_sales_item", [sa.Column("item_id", BIG_ID, autoincrement=False, nullable=False)],
            [sa.Column("sales_amt", sa.Numeric(20, 2), nullable=False),
             sa.Column("qty", sa.Numeric(20, 3), nullable=False)])
    _rollup("agg_prod_shift", [_shift()], _prod_measures())
    _rollup("agg_prod_machine", [_machine()], _prod_measures())
    _rollup("agg_prod_machine_shift", [_machine(), _shift()], _prod_measures())
    op.create_table(
        "agg_refresh",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("base_version", sa.String(length=500), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", warehouse.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_agg_refresh")),
    )
    for table in FRESHNESS_INDEXES:
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"], unique=False)


def downgrade() -> None:
    for table in FRESHNESS_INDEXES:
        op.drop_index(f"ix_{table}_updated_at", table_name=table)
    for name in ("agg_refresh", "agg_prod_machine_shift", "agg_prod_machine", "agg_prod_shift",
                 "agg_sales_item", "agg_sales_cust", "agg_sales"):
        op.drop_table(name)
