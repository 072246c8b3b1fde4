"""The administration service: every step checks the actor's permission, previews or applies, and audits.

A step runs in one transaction; `apply=False` rolls it back, so a preview is exactly what applying would
do (including its refusals) and writes nothing. The web pages and the CLI both call these methods.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sentient.admin import activity, roles, users
from sentient.admin.actor import (
    AUDIT_VIEW,
    RESET_PWD,
    ROLE_MANAGE,
    SESSION_MANAGE,
    USER_MANAGE,
    Actor,
    AdminError,
    Outcome,
)
from sentient.auth.policy import PasswordPolicy
from sentient.auth.service import utc_now
from sentient.auth.wiring import password_policy
from sentient.settings import Settings
from tools.registry import Caller
from warehouse.schema import AdmRole
from warehouse.seed.access import ensure_catalog

T = TypeVar("T")


class AdminService:
    """Users, roles, menus, sessions and the audit trail over one sessionmaker."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        passwords: PasswordPolicy,
        tz_offset: timedelta = timedelta(0),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.sessions, self.passwords, self.tz_offset, self.clock = sessions, passwords, tz_offset, clock

    def actor_for(self, caller: Caller, ip: str | None = None) -> Actor:
        """The signed-in caller as an actor, with their role's level."""
        with self.sessions() as s:
            level = s.scalar(select(AdmRole.level).where(AdmRole.code == caller.role))
        return Actor(caller.username, caller.permissions, int(level or 99), caller.user_id, ip)

    def _change(self, apply: bool, step: Callable[[Session, datetime], Outcome]) -> Outcome:
        with self.sessions() as s:
            try:
                out = step(s, self.clock())
                if apply and out.changed:
                    s.commit()
                    out.applied = True
            except IntegrityError as exc:
                # Two administrators (or a retried request) made the same change at once: the unique keys
                # keep one row, and the other gets the same answer as a duplicate.
                s.rollback()
                raise AdminError(409, "conflict", "The same change was just made by someone else.") from exc
            if not out.applied:
                s.rollback()
                out.secret = None  # a preview (or a no-op) never shows a code it threw away
        return out

    def _read(self, step: Callable[[Session], T]) -> T:
        with self.sessions() as s:
            return step(s)

    # users and the WhatsApp whitelist

    def list_users(self, actor: Actor, text: str = "", active_only: bool = False) -> list[users.UserView]:
        """Users matching a search text."""
        actor.require(USER_MANAGE, RESET_PWD)
        now = self.clock()
        return self._read(lambda s: [users.view(u, now) for u in users.search(s, text, active_only)])

    def get_user(self, actor: Actor, username: str) -> users.UserView:
        """One user."""
        actor.require(USER_MANAGE, RESET_PWD)
        now = self.clock()
        return self._read(lambda s: users.view(users.find(s, username), now))

    def create_user(
        self, actor: Actor, fields: dict[str, Any], password: str | None = None, apply: bool = False
    ) -> Outcome:
        """A new user (a one-time code when no password is given; shown once in the outcome)."""
        actor.require(USER_MANAGE)
        return self._change(
            apply, lambda s, now: users.create(s, actor, now, fields, password, self.passwords)
        )

    def edit_user(self, actor: Actor, username: str, fields: dict[str, Any], apply: bool = False) -> Outcome:
        """Change e-mail, name, role, WhatsApp number (E.164; empty removes it) or language."""
        actor.require(USER_MANAGE)
        return self._change(apply, lambda s, now: users.edit(s, actor, now, username, fields))

    def set_active(self, actor: Actor, username: str, active: bool, apply: bool = False) -> Outcome:
        """Deactivate (sessions and WhatsApp stop at once) or reactivate a user."""
        actor.require(USER_MANAGE)
        return self._change(apply, lambda s, now: users.set_active(s, actor, now, username, active))

    def unlock(self, actor: Actor, username: str, apply: bool = False) -> Outcome:
        """Clear a lock and the failed sign-in count."""
        actor.require(USER_MANAGE, RESET_PWD)
        return self._change(apply, lambda s, now: users.unlock(s, actor, now, username))

    def reset_password(self, actor: Actor, username: str, apply: bool = False) -> Outcome:
        """A one-time code replaces the password; the user must choose a new one at sign-in."""
        actor.require(RESET_PWD)
        return self._change(apply, lambda s, now: users.reset_password(s, actor, now, username))

    # roles, permissions and menus

    def list_roles(self, actor: Actor) -> list[roles.RoleView]:
        """Every role with its permissions, menus and active users."""
        actor.require(ROLE_MANAGE, USER_MANAGE)
        return self._read(roles.roles)

    def permissions(self, actor: Actor) -> list[tuple[str, str]]:
        """The permission catalogue."""
        actor.require(ROLE_MANAGE)
        return self._read(roles.catalog)

    def menus(self, actor: Actor) -> list[tuple[str, str, str]]:
        """The menu catalogue."""
        actor.require(ROLE_MANAGE)
        return self._read(roles.menu_catalog)

    def set_permission(
        self, actor: Actor, role: str, permission: str, on: bool, apply: bool = False
    ) -> Outcome:
        """Grant (on) or revoke a permission code; idempotent."""
        actor.require(ROLE_MANAGE)
        return self._change(apply, lambda s, now: roles.set_permission(s, actor, now, role, permission, on))

    def set_menu(self, actor: Actor, role: str, menu: str, on: bool, apply: bool = False) -> Outcome:
        """Show or hide a menu for a role; idempotent."""
        actor.require(ROLE_MANAGE)
        return self._change(apply, lambda s, now: roles.set_menu(s, actor, now, role, menu, on))

    def create_role(self, actor: Actor, code: str, name: str, level: int, apply: bool = False) -> Outcome:
        """A new, empty, non-system role."""
        actor.require(ROLE_MANAGE)
        return self._change(apply, lambda s, now: roles.create_role(s, actor, now, code, name, level))

    # sessions and the audit trail

    def list_sessions(self, actor: Actor) -> list[activity.SessionView]:
        """Live sign-ins."""
        actor.require(SESSION_MANAGE)
        now = self.clock()
        return self._read(lambda s: activity.live_sessions(s, now))

    def revoke_session(self, actor: Actor, family_id: str, apply: bool = False) -> Outcome:
        """Force one sign-in out."""
        actor.require(SESSION_MANAGE)
        return self._change(apply, lambda s, now: activity.revoke(s, actor, now, family_id))

    def audit(
        self, actor: Actor, f: activity.AuditFilter, limit: int = 100, offset: int = 0
    ) -> tuple[list[activity.AuditRow], int]:
        """A page of the audit trail, newest first, and the number of matches."""
        actor.require(AUDIT_VIEW)
        return self._read(lambda s: activity.audit_rows(s, f, self.tz_offset, limit, offset))

    def audit_csv(self, actor: Actor, f: activity.AuditFilter) -> tuple[str, int]:
        """The matching audit rows as CSV; the export is audited."""
        actor.require(AUDIT_VIEW)
        now = self.clock()
        with self.sessions() as s:
            text, n = activity.audit_csv(s, actor, now, f, self.tz_offset)
            s.commit()
        return text, n

    def ensure_catalog(self) -> int:
        """Add missing permission codes, roles and menus (a fresh production database has none)."""
        with self.sessions() as s:
            added = ensure_catalog(s)
            s.commit()
        return added


def admin_service_for(settings: Settings, sessions: sessionmaker[Session]) -> AdminService:
    """The service with the password policy and the factory's time zone (audit days are local days)."""
    offset = datetime.now(settings.tz).utcoffset() or timedelta(0)
    return AdminService(sessions, password_policy(settings), offset)


def parse_day(value: str | None) -> date | None:
    """A YYYY-MM-DD filter value, None when empty (ValueError for anything else)."""
    return date.fromisoformat(value.strip()) if value and value.strip() else None
