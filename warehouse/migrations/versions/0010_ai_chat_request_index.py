"""ai_chat.request_id indexed: the WhatsApp worker and the chat-log spool look a turn up by it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

Every WhatsApp message asks whether its MessageSid already has a logged answer (a retried message reuses
it), and a spooled chat-log row checks it was not written already. Both read ai_chat by request_id, which
was a scan of the whole log: it grows with every turn the factory ever asked.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ai_chat_request_id", "ai_chat", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_ai_chat_request_id", table_name="ai_chat")
