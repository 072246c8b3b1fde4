"""WhatsApp channel: inbound claims by MessageSid, outbound messages (outbox), OTP, 24-hour window

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in by the WhatsApp / LLM / web-auth work


def downgrade() -> None:
    pass
