"""Who administers, what they may do, and the one error shape of the administration service."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import Any

USER_MANAGE = "ADMIN.USER.CREATE"  # create, edit, deactivate, unlock users and their WhatsApp numbers
RESET_PWD = "ADMIN.USER.RESET_PWD"
ROLE_MANAGE = "ADMIN.ROLE.MANAGE"  # roles, their permissions and menus
AUDIT_VIEW = "ADMIN.AUDIT.VIEW"
SESSION_MANAGE = "ADMIN.SESSION.MANAGE"
ADMIN_CODES = (USER_MANAGE, RESET_PWD, ROLE_MANAGE, AUDIT_VIEW, SESSION_MANAGE)


class AdminError(Exception):
    """A refused administration step: HTTP-like status, a code and a message for people."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Actor:
    """The administrator acting: a signed-in user (their role's codes and level) or the server's shell."""

    username: str
    permissions: frozenset[str]
    level: int  # their role's level; 1 is the highest. They may not hand out a role above their own.
    user_id: int | None = None
    ip: str | None = None
    via: str = "web"
    root: bool = False  # the CLI on the server: whoever can run it can already edit the database

    def may(self, code: str) -> bool:
        """Whether the actor holds a permission code."""
        return self.root or code in self.permissions

    def require(self, *codes: str) -> None:
        """AdminError 403 unless the actor holds one of the codes."""
        if not any(self.may(c) for c in codes):
            raise AdminError(403, "forbidden", f"Your role lacks the permission {' or '.join(codes)}.")

    def stamp(self) -> dict[str, Any]:
        """How the actor appears in an audit row's new value (the CLI has no user id)."""
        return {} if self.user_id is not None else {"by": self.username}


def cli_actor() -> Actor:
    """The shell on the server (`sentient users …`), audited as cli:<login name>."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        name = "unknown"
    return Actor(username=f"cli:{name}", permissions=frozenset(ADMIN_CODES), level=0, via="cli", root=True)


@dataclass
class Outcome:
    """What a change does (preview) or did (applied): shown before confirming, audited after."""

    action: str
    entity: str
    summary: str
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)
    changed: bool = True
    applied: bool = False
    secret: str | None = None  # a one-time code, shown once to the administrator and never stored

    def rows(self) -> list[tuple[str, str, str]]:
        """The change as (field, old, new) for a preview, values written for people."""
        keys = sorted(set(self.old) | set(self.new))
        return [(k, _show(self.old.get(k)), _show(self.new.get(k))) for k in keys]

    def lines(self) -> list[str]:
        """The change as `field: old -> new` lines for a preview."""
        return [f"{k}: {old} -> {new}" for k, old, new in self.rows()]


def _show(value: Any) -> str:
    return "-" if value is None or value == "" else str(value)
