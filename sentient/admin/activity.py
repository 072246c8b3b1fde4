"""Who is signed in (adm_session families) and what happened (log_audit): queries and CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from sentient.admin.actor import Actor, AdminError, Outcome
from sentient.auth import audit as a
from warehouse.schema import AdmSession, AdmUser, LogAudit

MAX_ROWS = 10_000  # one CSV export; narrow the filter for more


@dataclass(frozen=True)
class SessionView:
    """One live sign-in (a refresh-token family): who, from where, since when."""

    family_id: str
    username: str
    ip: str
    agent: str
    login_at: datetime
    last_activity_at: datetime | None
    expires_at: datetime


@dataclass(frozen=True)
class AuditFilter:
    """The audit page's and `sentient audit tail`'s filter; empty fields match everything."""

    username: str = ""
    action: str = ""
    entity: str = ""
    since: date | None = None
    until: date | None = None  # inclusive


@dataclass(frozen=True)
class AuditRow:
    """One audit row for people: who (username or '-'), what, on which entity, old and new values."""

    id: int
    at: datetime
    username: str
    action: str
    entity: str
    old: str
    new: str
    ip: str


def live_sessions(s: Session, now: datetime) -> list[SessionView]:
    """The current token of every live sign-in, newest activity first."""
    rows = s.execute(
        select(AdmSession, AdmUser.username)
        .join(AdmUser, AdmUser.id == AdmSession.user_id)
        .where(AdmSession.is_revoked.is_(False), AdmSession.rotated_at.is_(None), AdmSession.expires_at > now)
        .order_by(AdmSession.last_activity_at.desc())
    ).all()
    return [
        SessionView(
            family_id=r.family_id or "",
            username=name,
            ip=r.ip_address or "-",
            agent=(r.user_agent or "-")[:80],
            login_at=r.login_at,
            last_activity_at=r.last_activity_at,
            expires_at=r.expires_at,
        )
        for r, name in rows
    ]


def revoke(s: Session, actor: Actor, now: datetime, family_id: str) -> Outcome:
    """Force one sign-in out (its access token stops at the next request); a second revoke is a no-op."""
    owner = s.execute(
        select(AdmUser.id, AdmUser.username)
        .join(AdmSession, AdmSession.user_id == AdmUser.id)
        .where(AdmSession.family_id == family_id)
        .limit(1)
    ).first()
    if owner is None:
        raise AdminError(404, "no_session", "There is no such session.")
    result = s.execute(
        update(AdmSession)
        .where(AdmSession.family_id == family_id, AdmSession.is_revoked.is_(False))
        .values(is_revoked=True, last_activity_at=now)
    )
    n = int(getattr(result, "rowcount", 0) or 0)
    out = Outcome("SESSION_REVOKE", f"session of {owner.username}", f"sign {owner.username} out")
    out.old, out.new = {"session": family_id, "live": n > 0}, {"session": family_id, "live": False}
    if not n:
        out.changed, out.summary = False, f"that session of {owner.username} has already ended"
        return out
    new = {**out.new, "target_user": owner.id, **actor.stamp()}
    a.record(s, a.SESSION_REVOKE, now, actor.user_id, "adm_session", owner.id, out.old, new, actor.ip)
    return out


# Plain columns, not ORM objects: an export of 10,000 rows builds no identity map (several times faster).
_COLUMNS = (
    LogAudit.id,
    LogAudit.created_at,
    AdmUser.username,
    LogAudit.action,
    LogAudit.entity_type,
    LogAudit.entity_id,
    LogAudit.old_value,
    LogAudit.new_value,
    LogAudit.ip_address,
)


def _filtered(f: AuditFilter, tz_offset: timedelta) -> Select[*tuple[Any, ...]]:
    query = select(*_COLUMNS).outerjoin(AdmUser, AdmUser.id == LogAudit.user_id)
    if f.username.strip():
        query = query.where(AdmUser.username == f.username.strip().lower())
    if f.action.strip():
        query = query.where(LogAudit.action == f.action.strip().upper())
    if f.entity.strip():
        query = query.where(LogAudit.entity_type == f.entity.strip().lower())
    # Days are the factory's days: midnight local time, given as an offset from UTC.
    if f.since:
        query = query.where(LogAudit.created_at >= datetime.combine(f.since, time(), UTC) - tz_offset)
    if f.until:
        query = query.where(
            LogAudit.created_at < datetime.combine(f.until + timedelta(days=1), time(), UTC) - tz_offset
        )
    return query


def audit_rows(
    s: Session, f: AuditFilter, tz_offset: timedelta, limit: int = 100, offset: int = 0
) -> tuple[list[AuditRow], int]:
    """One page of matching audit rows, newest first, and how many match in all."""
    query = _filtered(f, tz_offset)
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = s.execute(query.order_by(LogAudit.id.desc()).limit(limit).offset(offset)).all()
    return [_row(r) for r in page], int(total)


def _row(r: Any) -> AuditRow:
    entity = f"{r.entity_type or '-'}" + (f" #{r.entity_id}" if r.entity_id is not None else "")
    return AuditRow(
        r.id,
        r.created_at,
        r.username or "-",
        r.action,
        entity,
        r.old_value or "",
        r.new_value or "",
        r.ip_address or "",
    )


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (audited values can come from anyone)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def audit_csv(
    s: Session, actor: Actor, now: datetime, f: AuditFilter, tz_offset: timedelta
) -> tuple[str, int]:
    """The matching rows as CSV (at most MAX_ROWS, newest first); the export itself is audited."""
    rows, total = audit_rows(s, f, tz_offset, limit=MAX_ROWS)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "at_utc", "user", "action", "entity", "old_value", "new_value", "ip"])
    for r in rows:
        writer.writerow(
            [r.id, r.at.isoformat(), *map(_cell, (r.username, r.action, r.entity, r.old, r.new, r.ip))]
        )
    detail = {"filter": {k: str(v) for k, v in vars(f).items() if v}, "rows": len(rows), "matched": total}
    a.record(s, "EXPORT", now, actor.user_id, "log_audit", None, None, {**detail, **actor.stamp()}, actor.ip)
    return buffer.getvalue(), len(rows)
