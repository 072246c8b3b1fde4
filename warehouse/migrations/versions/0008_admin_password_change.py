"""adm_user.must_change_pw: a one-time reset code must be replaced at the next sign-in

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

Administration (issue 15): an administrator's password reset sets a one-time code and this flag; the
sign-in refuses to open a session until the user has chosen a new password (the flag is cleared then).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("adm_user") as batch:  # batch: SQLite cannot ALTER in place
        batch.add_column(sa.Column("must_change_pw", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("adm_user") as batch:
        batch.drop_column("must_change_pw")
