"""Append-only audit rows for sign-in events and administration (log_audit has no update or delete path)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warehouse.schema import LogAudit

LOGIN = "LOGIN"
LOGIN_FAILED = "LOGIN_FAILED"
LOGIN_LOCKED = "LOGIN_LOCKED"
LOGOUT = "LOGOUT"
TOKEN_REUSE = "TOKEN_REUSE"
SESSION_REVOKE = "SESSION_REVOKE"
LOGIN_ATTACK = "LOGIN_ATTACK"  # the owner was told that their password is being guessed
PASSWORD_CHANGE = "PASSWORD_CHANGE"
PASSWORD_REQUIRED = "PWD_CHANGE_REQUIRED"  # right password, but a reset code or an expired one: no session


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


def _json(value: dict[str, Any] | None) -> str | None:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False) if value else None


def record(
    db: Session,
    action: str,
    now: datetime,
    actor_id: int | None,
    entity_type: str,
    entity_id: int | None,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    ip: str | None = None,
) -> None:
    """Add one audit row for a change with its old and new values as JSON (the caller commits)."""
    db.add(
        LogAudit(
            user_id=actor_id,
            action=action[:20],
            entity_type=entity_type[:30],
            entity_id=entity_id,
            old_value=_json(old),
            new_value=_json(new),
            ip_address=(ip or "")[:45] or None,
            created_at=now,
        )
    )
