"""partial indexes on unpaid receivables and payables by due date; deliveries by arrival

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Receivables ageing, payables due and the cash projection all read unpaid rows by due date; at --scale 100
(250,000 paid invoices) a scan of t_ar took 210-260 ms, the partial index about 8 ms. Late deliveries
of the last 30 days read t_do by status and arrival date (about 100 ms as a scan at that scale).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "paid_dt IS NULL AND deleted_at IS NULL"


def upgrade() -> None:
    for table in ("t_ar", "t_ap"):
        op.create_index(f"ix_{table}_open_due_dt", table, ["due_dt"], unique=False,
                        postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    op.create_index("ix_t_do_status_actual_dt", "t_do", ["status", "actual_dt"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_t_do_status_actual_dt", table_name="t_do")
    for table in ("t_ar", "t_ap"):
        op.drop_index(f"ix_{table}_open_due_dt", table_name=table)
