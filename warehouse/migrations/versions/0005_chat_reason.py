"""ai_chat: why a turn fell back, prompt version, model

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

The LLM path (issue 5) logs per turn the model that answered, the prompt version, the time to the first
token and, when the turn fell back to the deterministic text, why (ungrounded, breaker_open, ...).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


COLUMNS = (
    ("reason", sa.String(length=200)),
    ("model", sa.String(length=80)),
    ("prompt_version", sa.String(length=20)),
    ("ttft_ms", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("ai_chat") as batch:  # batch: SQLite cannot ALTER in place
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ai_chat") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
