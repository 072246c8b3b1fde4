"""User accounts and the WhatsApp whitelist (adm_user.phone): the steps, each in the caller's transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from sentient.admin.actor import Actor, AdminError, Outcome
from sentient.auth import audit as a
from sentient.auth.passwords import hash_password
from sentient.auth.policy import PasswordPolicy, one_time_code, problems
from warehouse.schema import AdmRole, AdmSession, AdmUser

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_PHONE_NOISE = re.compile(r"[\s\-().]")
LANGS = ("id", "en")
EDITABLE = ("email", "full_name", "role", "phone", "lang")


@dataclass(frozen=True)
class UserView:
    """One user as the administration pages and `sentient users list` show them."""

    id: int
    username: str
    email: str
    full_name: str
    role: str
    role_name: str
    phone: str | None
    wa_opt_in: bool
    lang: str
    is_active: bool
    locked: bool
    must_change_pw: bool
    last_login: datetime | None


def normalise_phone(raw: str | None) -> str | None:
    """An E.164 number ('+6281…'), None for an empty value; AdminError 422 with the rule otherwise."""
    value = _PHONE_NOISE.sub("", (raw or "").strip()).removeprefix("whatsapp:")
    if not value:
        return None
    if value.startswith("00"):
        value = "+" + value[2:]
    if not E164.match(value):
        raise AdminError(
            422,
            "bad_phone",
            f"{raw!r} is not an E.164 number: write + and the country code, e.g. +6281234567890.",
        )
    return value


def view(user: AdmUser, now: datetime) -> UserView:
    """The user's row as shown to administrators (never the hash)."""
    return UserView(
        id=user.id,
        username=user.username,
        email=user.email,
        full_name=user.full_name or "",
        role=user.role.code,
        role_name=user.role.name,
        phone=user.phone,
        wa_opt_in=bool(user.wa_opt_in),
        lang=user.lang,
        is_active=bool(user.is_active),
        locked=user.locked_until is not None and user.locked_until > now,
        must_change_pw=bool(user.must_change_pw),
        last_login=user.last_login,
    )


def find(s: Session, username: str) -> AdmUser:
    """The user with this username (active or not); AdminError 404 otherwise."""
    user = s.scalar(select(AdmUser).where(AdmUser.username == username.strip().lower()))
    if user is None:
        raise AdminError(404, "no_user", f"There is no user {username!r}.")
    return user


def search(s: Session, text: str = "", active_only: bool = False) -> list[AdmUser]:
    """Users whose username, name, e-mail or phone contains `text`, by username."""
    query = select(AdmUser).order_by(AdmUser.username)
    if text.strip():
        like = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(AdmUser.username).like(like),
                func.lower(AdmUser.full_name).like(like),
                func.lower(AdmUser.email).like(like),
                AdmUser.phone.like(like),
            )
        )
    if active_only:
        query = query.where(AdmUser.is_active.is_(True))
    return list(s.scalars(query.limit(500)))


def role_for(s: Session, actor: Actor, code: str) -> AdmRole:
    """The role with this code, if the actor may hand it out (not above their own level)."""
    role = s.scalar(select(AdmRole).where(AdmRole.code == code.strip().upper()))
    if role is None:
        raise AdminError(404, "no_role", f"There is no role {code!r}.")
    if not actor.root and role.level < actor.level:
        raise AdminError(
            403, "role_above_own", f"You may not give the role {role.code}: it ranks above yours."
        )
    return role


def create(
    s: Session,
    actor: Actor,
    now: datetime,
    fields: dict[str, Any],
    password: str | None,
    rules: PasswordPolicy,
) -> Outcome:
    """A new active user; without a password a one-time code is made, to be replaced at first sign-in."""
    username = str(fields.get("username", "")).strip().lower()
    if not USERNAME.match(username):
        raise AdminError(
            422, "bad_username", "A username is 3-50 lower-case letters, digits, '.', '_' or '-'."
        )
    if s.scalar(select(AdmUser.id).where(AdmUser.username == username)) is not None:
        raise AdminError(409, "user_exists", f"The user {username!r} already exists; edit it instead.")
    values = _checked(s, actor, None, {k: fields.get(k) for k in EDITABLE})
    if "email" not in values or "role" not in values:
        raise AdminError(422, "missing", "A new user needs an e-mail address and a role.")
    if password is not None and (found := problems(rules, password, username)):
        raise AdminError(422, "weak_password", "Password: " + "; ".join(found) + ".")
    code = one_time_code() if password is None else None
    user = AdmUser(
        username=username,
        email=values["email"],
        full_name=values.get("full_name") or None,
        role=role_for(s, actor, values["role"]),
        phone=values.get("phone"),
        lang=values.get("lang") or "id",
        is_active=True,
        password_hash=hash_password(password or code or ""),
        password_changed_at=now,
        must_change_pw=code is not None,
        wa_opt_in=values.get("phone") is not None,  # registered by the factory: may chat after the OTP step
        wa_opt_at=now if values.get("phone") else None,
        created_by=actor.user_id,
        updated_by=actor.user_id,
    )
    s.add(user)
    s.flush()
    new = {"username": username, **values, "is_active": True, **actor.stamp()}
    a.record(s, "USER_CREATE", now, actor.user_id, "adm_user", user.id, None, new, actor.ip)
    return Outcome("USER_CREATE", f"user {username}", f"create user {username}", {}, new, secret=code)


def edit(s: Session, actor: Actor, now: datetime, username: str, fields: dict[str, Any]) -> Outcome:
    """Change e-mail, name, role, WhatsApp number or language; only fields given (not None) change."""
    user = find(s, username)
    current = {
        "email": user.email,
        "full_name": user.full_name or "",
        "role": user.role.code,
        "phone": user.phone,
        "lang": user.lang,
    }
    wanted = _checked(s, actor, user.id, {k: v for k, v in fields.items() if k in EDITABLE and v is not None})
    changes = {k: v for k, v in wanted.items() if v != current[k]}
    old = {k: current[k] for k in changes}
    out = Outcome("USER_UPDATE", f"user {user.username}", f"edit user {user.username}", old, dict(changes))
    if not changes:
        out.changed, out.summary = False, f"user {user.username}: nothing to change"
        return out
    if "role" in changes:
        role_for(s, actor, user.role.code)  # nor take away a role that ranks above theirs
        _keep_one_sysadmin(s, user, changes["role"], user.is_active)
        user.role = role_for(s, actor, changes["role"])
    if "phone" in changes:
        # A new number is whitelisted (the gate still asks for the e-mailed code on first contact); a
        # removed one stops at the next message, as an unknown number.
        user.phone = changes["phone"]
        user.wa_opt_in, user.wa_opt_at = changes["phone"] is not None, now
        out.new["wa_opt_in"], out.old["wa_opt_in"] = user.wa_opt_in, current["phone"] is not None
    for key in ("email", "lang"):
        if key in changes:
            setattr(user, key, changes[key])
    if "full_name" in changes:
        user.full_name = changes["full_name"] or None
    user.updated_by = actor.user_id
    a.record(
        s, "USER_UPDATE", now, actor.user_id, "adm_user", user.id, old, {**out.new, **actor.stamp()}, actor.ip
    )
    return out


def set_active(s: Session, actor: Actor, now: datetime, username: str, active: bool) -> Outcome:
    """Deactivate (soft: the row stays, sign-in, sessions and WhatsApp stop at once) or reactivate."""
    user = find(s, username)
    action = "USER_ACTIVATE" if active else "USER_DEACTIVATE"
    out = Outcome(
        action, f"user {user.username}", f"{'reactivate' if active else 'deactivate'} {user.username}"
    )
    out.old, out.new = {"is_active": bool(user.is_active)}, {"is_active": active}
    if bool(user.is_active) == active:
        out.changed, out.summary = (
            False,
            f"user {user.username} is already {'active' if active else 'inactive'}",
        )
        return out
    if not active:
        if user.id == actor.user_id:
            raise AdminError(409, "self", "You cannot deactivate your own account.")
        role_for(s, actor, user.role.code)
        _keep_one_sysadmin(s, user, "", False)
        revoked = s.execute(
            update(AdmSession)
            .where(AdmSession.user_id == user.id, AdmSession.is_revoked.is_(False))
            .values(is_revoked=True, last_activity_at=now)
        )
        out.new["sessions_ended"] = int(getattr(revoked, "rowcount", 0) or 0)
    user.is_active, user.updated_by = active, actor.user_id
    user.deleted_at = None  # deactivation is reversible; deleted_at stays for a future erase
    a.record(
        s, action, now, actor.user_id, "adm_user", user.id, out.old, {**out.new, **actor.stamp()}, actor.ip
    )
    return out


def unlock(s: Session, actor: Actor, now: datetime, username: str) -> Outcome:
    """Clear an administrator's lock and the failed sign-in count."""
    user = find(s, username)
    old = {"locked_until": user.locked_until, "failed_login_count": user.failed_login_count or 0}
    new = {"locked_until": None, "failed_login_count": 0}
    out = Outcome("USER_UNLOCK", f"user {user.username}", f"unlock {user.username}", old, new)
    if old == new:
        out.changed, out.summary = False, f"user {user.username} is not locked"
        return out
    user.locked_until, user.failed_login_count, user.updated_by = None, 0, actor.user_id
    a.record(
        s, "USER_UNLOCK", now, actor.user_id, "adm_user", user.id, old, {**new, **actor.stamp()}, actor.ip
    )
    return out


def reset_password(s: Session, actor: Actor, now: datetime, username: str) -> Outcome:
    """Replace the password by a one-time code (shown once) and end the user's sessions."""
    user = find(s, username)
    if user.id == actor.user_id:
        raise AdminError(409, "self", "Change your own password from the sign-in page, not by a reset.")
    role_for(s, actor, user.role.code)
    code = one_time_code()
    user.password_hash, user.password_changed_at = hash_password(code), now
    user.must_change_pw, user.locked_until, user.failed_login_count = True, None, 0
    revoked = s.execute(
        update(AdmSession)
        .where(AdmSession.user_id == user.id, AdmSession.is_revoked.is_(False))
        .values(is_revoked=True, last_activity_at=now)
    )
    new = {"must_change_pw": True, "sessions_ended": int(getattr(revoked, "rowcount", 0) or 0)}
    a.record(
        s, "USER_RESET_PWD", now, actor.user_id, "adm_user", user.id, None, {**new, **actor.stamp()}, actor.ip
    )
    summary = f"reset the password of {user.username} (a one-time code, valid once)"
    return Outcome("USER_RESET_PWD", f"user {user.username}", summary, {}, new, secret=code)


def _checked(s: Session, actor: Actor, own_id: int | None, fields: dict[str, Any]) -> dict[str, Any]:
    """Validated, normalised values of the editable fields given; unique e-mail and phone."""
    out: dict[str, Any] = {}
    if fields.get("email") is not None:
        email = str(fields["email"]).strip().lower()
        if not EMAIL.match(email) or len(email) > 150:
            raise AdminError(422, "bad_email", f"{fields['email']!r} is not an e-mail address.")
        _unique(s, AdmUser.email, email, own_id, "e-mail address")
        out["email"] = email
    if fields.get("full_name") is not None:
        out["full_name"] = str(fields["full_name"]).strip()[:100]
    if fields.get("role") is not None and str(fields["role"]).strip():
        out["role"] = role_for(s, actor, str(fields["role"])).code
    if "phone" in fields and fields["phone"] is not None:
        out["phone"] = normalise_phone(str(fields["phone"]))
        if out["phone"] is not None:
            _unique(s, AdmUser.phone, out["phone"], own_id, "WhatsApp number")
    if fields.get("lang") is not None:
        if fields["lang"] not in LANGS:
            raise AdminError(422, "bad_lang", "The language is 'id' or 'en'.")
        out["lang"] = fields["lang"]
    return out


def _unique(s: Session, column: Any, value: str, own_id: int | None, what: str) -> None:
    holder = s.scalar(select(AdmUser.username).where(column == value, AdmUser.id != (own_id or -1)))
    if holder is not None:
        raise AdminError(409, "taken", f"The {what} {value} already belongs to {holder}.")


def _keep_one_sysadmin(s: Session, user: AdmUser, new_role: str, stays_active: bool) -> None:
    """Refuse the change that would leave no active SYSADMIN (nobody could administer from the web)."""
    if user.role.code != "SYSADMIN" or (new_role == "SYSADMIN" and stays_active):
        return
    others = s.scalar(
        select(func.count(AdmUser.id))
        .join(AdmRole, AdmRole.id == AdmUser.role_id)
        .where(AdmRole.code == "SYSADMIN", AdmUser.is_active.is_(True), AdmUser.id != user.id)
    )
    if not others:
        raise AdminError(
            409, "last_sysadmin", f"{user.username} is the last active SYSADMIN; add another first."
        )
