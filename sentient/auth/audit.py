"""Append-only audit rows for sign-in events (log_audit has no update or delete path in the app)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from warehouse.schema import LogAudit

LOGIN = "LOGIN"
LOGIN_FAILED = "LOGIN_FAILED"
LOGIN_LOCKED = "LOGIN_LOCKED"
LOGOUT = "LOGOUT"
TOKEN_REUSE = "TOKEN_REUSE"
SESSION_REVOKE = "SESSION_REVOKE"
LOGIN_ATTACK = "LOGIN_ATTACK"  # the owner was told that their password is being guessed


def audit(
    db: Session,
    action: str,
    now: datetime,
    user_id: int | None = None,
    ip: str | None = None,
    **detail: str | int | None,
) -> None:
    """Add one audit row (the caller commits); details go to new_value as JSON, never a password."""
    db.add(
        LogAudit(
            user_id=user_id,
            action=action,
            entity_type="adm_session",
            new_value=json.dumps(detail, sort_keys=True) if detail else None,
            ip_address=(ip or "")[:45] or None,
            created_at=now,
        )
    )
