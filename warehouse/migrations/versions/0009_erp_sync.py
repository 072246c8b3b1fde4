"""ERP sync state: watermarks, ERP-key map, dead letters, runs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

Issue 14: `sentient sync` reads the legacy ERP incrementally and UPSERTs into the warehouse. These tables
hold what the sync needs to resume after a crash and what `sentient sync status` shows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import warehouse.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = warehouse.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sync_watermark",
        sa.Column("erp_table", sa.String(length=40), nullable=False),
        sa.Column("last_ts", sa.String(length=32), nullable=False),
        sa.Column("last_key", sa.String(length=200), nullable=False),
        sa.Column("rows_total", BIG_ID, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("erp_table", name=op.f("pk_sync_watermark")),
    )
    op.create_table(
        "sync_key",
        sa.Column("erp_table", sa.String(length=40), nullable=False),
        sa.Column("erp_key", sa.String(length=200), nullable=False),
        sa.Column("wh_id", BIG_ID, nullable=False),
        sa.Column("src_ts", sa.String(length=32), nullable=False),
        sa.Column("src_hash", sa.String(length=80), nullable=False),
        sa.Column("loaded_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("erp_table", "erp_key", name=op.f("pk_sync_key")),
    )
    op.create_index(op.f("ix_sync_key_wh_id"), "sync_key", ["wh_id"], unique=False)
    op.create_table(
        "sync_dead",
        sa.Column("id", BIG_ID, sa.Identity(always=False), nullable=False),
        sa.Column("msg_id", sa.String(length=80), nullable=False),
        sa.Column("erp_table", sa.String(length=40), nullable=False),
        sa.Column("erp_key", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_dead")),
        sa.UniqueConstraint("msg_id", name=op.f("uq_sync_dead_msg_id")),
    )
    op.create_table(
        "sync_run",
        sa.Column("id", BIG_ID, sa.Identity(always=False), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("extracted", sa.Integer(), nullable=False),
        sa.Column("loaded", sa.Integer(), nullable=False),
        sa.Column("dead", sa.Integer(), nullable=False),
        sa.Column("lag_s", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_run")),
    )
    op.create_index(op.f("ix_sync_run_started_at"), "sync_run", ["started_at"], unique=False)


def downgrade() -> None:
    for name in ("sync_run", "sync_dead", "sync_key", "sync_watermark"):
        op.drop_table(name)
