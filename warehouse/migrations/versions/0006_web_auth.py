"""web sign-in: refresh tokens, append-only audit trigger

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# log_audit is append-only: the application has no update/delete path, and PostgreSQL refuses both.
_AUDIT_FN = """
CREATE OR REPLACE FUNCTION log_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'log_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
_AUDIT_TRIGGER = """
CREATE TRIGGER trg_log_audit_append_only BEFORE UPDATE OR DELETE ON log_audit
FOR EACH ROW EXECUTE FUNCTION log_audit_append_only()
"""


def upgrade() -> None:
    with op.batch_alter_table("adm_session") as batch:
        batch.add_column(sa.Column("family_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_adm_session_family_id", ["family_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_AUDIT_FN)
        op.execute(_AUDIT_TRIGGER)
        # TRUNCATE bypasses row triggers; refuse it too.
        op.execute(
            "CREATE TRIGGER trg_log_audit_no_truncate BEFORE TRUNCATE ON log_audit "
            "FOR EACH STATEMENT EXECUTE FUNCTION log_audit_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_log_audit_no_truncate ON log_audit")
        op.execute("DROP TRIGGER IF EXISTS trg_log_audit_append_only ON log_audit")
        op.execute("DROP FUNCTION IF EXISTS log_audit_append_only()")
    with op.batch_alter_table("adm_session") as batch:
        batch.drop_index("ix_adm_session_family_id")
        batch.drop_column("rotated_at")
        batch.drop_column("family_id")
