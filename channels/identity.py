"""Who is asking: a username or an E.164 phone number resolved to an active user and its permissions."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tools.registry import Caller
from warehouse.schema import AdmPermission, AdmRole, AdmRolePermission, AdmUser


class UnknownUser(LookupError):
    """No active user has that username or phone number."""


def load_caller(session: Session, user: str) -> Caller:
    """The active user with this username or phone, with its role's permission codes."""
    key = user.strip()
    row = session.scalar(
        select(AdmUser).where(
            or_(AdmUser.username == key, AdmUser.phone == key),
            AdmUser.is_active.is_(True),
            AdmUser.deleted_at.is_(None),
        )
    )
    if row is None:
        raise UnknownUser(user)
    perms = session.scalars(
        select(AdmPermission.code)
        .join(AdmRolePermission, AdmRolePermission.permission_id == AdmPermission.id)
        .where(AdmRolePermission.role_id == row.role_id)
    ).all()
    role: AdmRole = row.role
    return Caller(
        username=row.username,
        role=role.code,
        permissions=frozenset(perms),
        lang=row.lang,
        user_id=row.id,
        phone=row.phone,
        role_name=role.name,
    )
