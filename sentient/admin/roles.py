"""Roles, their permission codes (adm_role_permission) and their menus (adm_role_menu)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sentient.admin.actor import Actor, AdminError, Outcome
from sentient.auth import audit as a
from warehouse.schema import AdmMenu, AdmPermission, AdmRole, AdmRoleMenu, AdmRolePermission, AdmUser

ROLE_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,29}$")


@dataclass(frozen=True)
class RoleView:
    """A role with its permission codes, menus and how many active users hold it."""

    code: str
    name: str
    level: int
    is_system: bool
    permissions: tuple[str, ...]
    menus: tuple[str, ...]
    users: int


def catalog(s: Session) -> list[tuple[str, str]]:
    """Every permission code with its description, by code."""
    return [(p.code, p.name) for p in s.scalars(select(AdmPermission).order_by(AdmPermission.code))]


def menu_catalog(s: Session) -> list[tuple[str, str, str]]:
    """Every menu (code, name, path), in sidebar order."""
    rows = s.scalars(select(AdmMenu).order_by(AdmMenu.parent_id.is_not(None), AdmMenu.sort_order))
    return [(m.code, m.name, m.path) for m in rows]


def roles(s: Session) -> list[RoleView]:
    """All roles, highest level first."""
    out = []
    for role in s.scalars(select(AdmRole).order_by(AdmRole.level, AdmRole.code)):
        perms = s.scalars(
            select(AdmPermission.code)
            .join(AdmRolePermission, AdmRolePermission.permission_id == AdmPermission.id)
            .where(AdmRolePermission.role_id == role.id)
            .order_by(AdmPermission.code)
        ).all()
        menus = s.scalars(
            select(AdmMenu.code)
            .join(AdmRoleMenu, AdmRoleMenu.menu_id == AdmMenu.id)
            .where(AdmRoleMenu.role_id == role.id)
            .order_by(AdmMenu.code)
        ).all()
        users = s.scalar(
            select(func.count(AdmUser.id)).where(AdmUser.role_id == role.id, AdmUser.is_active.is_(True))
        )
        out.append(
            RoleView(
                role.code, role.name, role.level, role.is_system, tuple(perms), tuple(menus), int(users or 0)
            )
        )
    return out


def _role(s: Session, actor: Actor, code: str) -> AdmRole:
    """A role the actor may change: not a system role (their grants are fixed), not above the actor."""
    role = s.scalar(select(AdmRole).where(AdmRole.code == code.strip().upper()))
    if role is None:
        raise AdminError(404, "no_role", f"There is no role {code!r}.")
    if role.is_system:
        raise AdminError(409, "system_role", f"{role.code} is a system role; its permissions cannot change.")
    if not actor.root and role.level < actor.level:
        raise AdminError(403, "role_above_own", f"{role.code} ranks above your role.")
    return role


def set_permission(
    s: Session, actor: Actor, now: datetime, role_code: str, perm_code: str, on: bool
) -> Outcome:
    """Grant or revoke one permission code; a grant already held (or a revoke not held) is a no-op."""
    role = _role(s, actor, role_code)
    perm = s.scalar(select(AdmPermission).where(AdmPermission.code == perm_code.strip().upper()))
    if perm is None:
        raise AdminError(404, "no_permission", f"There is no permission {perm_code!r}.")
    if on and not actor.may(perm.code):
        raise AdminError(403, "not_held", f"You may only grant permissions you hold; you lack {perm.code}.")
    held = s.scalar(
        select(AdmRolePermission).where(
            AdmRolePermission.role_id == role.id, AdmRolePermission.permission_id == perm.id
        )
    )
    action = "ROLE_GRANT" if on else "ROLE_REVOKE"
    verb = "grant" if on else "revoke"
    out = Outcome(action, f"role {role.code}", f"{verb} {perm.code} {'to' if on else 'from'} {role.code}")
    unchanged = f"{role.code} {'already holds' if on else 'does not hold'} {perm.code}"
    link = AdmRolePermission(role_id=role.id, permission_id=perm.id)
    return _toggle(s, actor, now, out, role, perm.code, held, link, on, unchanged)


def set_menu(s: Session, actor: Actor, now: datetime, role_code: str, menu_code: str, on: bool) -> Outcome:
    """Show or hide one sidebar menu for a role (system roles included: menus are only navigation)."""
    role = s.scalar(select(AdmRole).where(AdmRole.code == role_code.strip().upper()))
    menu = s.scalar(select(AdmMenu).where(AdmMenu.code == menu_code.strip().upper()))
    if role is None or menu is None:
        raise AdminError(404, "not_found", f"There is no role {role_code!r} or menu {menu_code!r}.")
    if not actor.root and role.level < actor.level:
        raise AdminError(403, "role_above_own", f"{role.code} ranks above your role.")
    row = s.scalar(select(AdmRoleMenu).where(AdmRoleMenu.role_id == role.id, AdmRoleMenu.menu_id == menu.id))
    out = Outcome("ROLE_MENU", f"role {role.code}", f"{'show' if on else 'hide'} {menu.code} for {role.code}")
    unchanged = f"{menu.code} is already {'shown' if on else 'hidden'} for {role.code}"
    link = AdmRoleMenu(role_id=role.id, menu_id=menu.id)
    return _toggle(s, actor, now, out, role, menu.code, row, link, on, unchanged)


def _toggle(
    s: Session,
    actor: Actor,
    now: datetime,
    out: Outcome,
    role: AdmRole,
    code: str,
    row: Any,
    link: Any,
    on: bool,
    unchanged: str,
) -> Outcome:
    """A role's link row (a permission, a menu) made present or absent: a no-op without an audit row when
    it already is, else added or deleted and audited with old and new."""
    out.old, out.new = {code: row is not None}, {code: on}
    if (row is not None) == on:
        out.changed, out.summary = False, unchanged
        return out
    if row is None:
        s.add(link)
    else:
        s.delete(row)
    a.record(
        s,
        out.action,
        now,
        actor.user_id,
        "adm_role",
        role.id,
        out.old,
        {**out.new, **actor.stamp()},
        actor.ip,
    )
    return out


def create_role(s: Session, actor: Actor, now: datetime, code: str, name: str, level: int) -> Outcome:
    """A new, non-system role without permissions (grant them next); not above the actor's level."""
    code = code.strip().upper()
    if not ROLE_CODE.match(code) or not name.strip() or not 1 <= level <= 99:
        raise AdminError(
            422, "bad_role", "A role code is 2-30 of A-Z, 0-9, '_'; a name is needed; level 1-99."
        )
    if not actor.root and level < actor.level:
        raise AdminError(403, "role_above_own", "A new role may not rank above your own.")
    if s.scalar(select(AdmRole.id).where(AdmRole.code == code)) is not None:
        raise AdminError(409, "role_exists", f"The role {code} already exists.")
    role = AdmRole(code=code, name=name.strip()[:100], level=level, is_system=False, created_by=actor.user_id)
    s.add(role)
    s.flush()
    new = {"code": code, "name": role.name, "level": level}
    a.record(
        s, "ROLE_CREATE", now, actor.user_id, "adm_role", role.id, None, {**new, **actor.stamp()}, actor.ip
    )
    return Outcome("ROLE_CREATE", f"role {code}", f"create role {code}", {}, new)
