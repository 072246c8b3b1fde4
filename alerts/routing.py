"""Who hears about an alert, and when: roles by alert type and severity, opted-in users only, quiet hours
with a critical override."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.phrasing import Tone
from alerts.types import Finding, rank
from tools.alerts import MODULE_PERMISSIONS
from tools.registry import Caller
from warehouse.schema import AdmPermission, AdmRole, AdmRolePermission, AdmUser

# Who is told (any one permission admits): narrower than who may *see* an alert (tools/alerts.py),
# e.g. cash goes to finance readers only, a waiting PO to the people who can approve it.
PUSH_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "REJECT_RATE": ("PROD.READ",),
    "MAINT": ("MAINT.READ",),
    "WO_BEHIND": ("WO.READ",),
    "STOCK": ("INV.READ",),
    "OVERDUE": ("AR.READ",),
    "CASHFLOW": ("FIN.READ",),
    "PO_APPROVAL": ("PO.APPROVE",),
}
# SLA alerts go by the document's module.
SLA_PERMISSIONS = {"SO": ("SO.READ",), "PO": ("PO.READ",), "WO": ("WO.READ",)}
EXECUTIVE_LEVEL = 5  # role level at or above (numerically below) which a user is an executive
OPERATOR_LEVEL = 80


@dataclass(frozen=True)
class Recipient:
    """An opted-in, active user with a WhatsApp number and the permissions of their role."""

    caller: Caller
    level: int

    @property
    def tone(self) -> Tone:
        """Executives hear money and the bottom line, operators the technical facts."""
        if self.level <= EXECUTIVE_LEVEL:
            return "executive"
        return "operator" if self.level >= OPERATOR_LEVEL else "manager"


@dataclass(frozen=True)
class RoutingPolicy:
    """Severity floors: executives only hear the worst, nobody is pushed below the general floor."""

    min_severity: str = "Medium"
    executive_min_severity: str = "High"


def recipients(session: Session) -> list[Recipient]:
    """Everyone who may receive alerts on WhatsApp: active, opted in, with a phone and ALERT.READ."""
    users = session.execute(
        select(AdmUser, AdmRole.code, AdmRole.name, AdmRole.level)
        .join(AdmRole, AdmRole.id == AdmUser.role_id)
        .where(
            AdmUser.is_active.is_(True),
            AdmUser.deleted_at.is_(None),
            AdmUser.wa_opt_in.is_(True),
            AdmUser.phone.is_not(None),
        )
        .order_by(AdmUser.id)
    ).all()
    perms: dict[int, set[str]] = defaultdict(set)
    for role_id, code in session.execute(
        select(AdmRolePermission.role_id, AdmPermission.code).join(
            AdmPermission, AdmPermission.id == AdmRolePermission.permission_id
        )
    ):
        perms[role_id].add(code)
    found = []
    for user, role_code, role_name, level in users:
        caller = Caller(
            user.username,
            role_code,
            frozenset(perms[user.role_id]),
            lang=user.lang,
            user_id=user.id,
            phone=user.phone,
            role_name=role_name,
        )
        if caller.may("ALERT.READ"):
            found.append(Recipient(caller, level))
    return found


def may_hear(recipient: Recipient, finding: Finding, policy: RoutingPolicy) -> bool:
    """Whether this alert is pushed to this user: may see its module, holds the type's permission, and
    the severity reaches the user's floor."""
    caller = recipient.caller
    if finding.module in MODULE_PERMISSIONS and not caller.may(MODULE_PERMISSIONS[finding.module]):
        return False
    needed: tuple[str, ...] = ()
    if finding.alert_type == "SLA":
        needed = SLA_PERMISSIONS.get(finding.module, ())
    needed = needed or PUSH_PERMISSIONS.get(finding.alert_type, ())
    if needed and not caller.may(needed):
        return False
    floor = policy.executive_min_severity if recipient.tone == "executive" else policy.min_severity
    return rank(finding.severity) >= rank(floor)


def route(people: list[Recipient], finding: Finding, policy: RoutingPolicy) -> list[Recipient]:
    """The recipients of one alert."""
    return [r for r in people if may_hear(r, finding, policy)]


@dataclass(frozen=True)
class QuietHours:
    """A nightly window (factory time, may wrap midnight) when only Critical alerts are sent at once."""

    start: time
    end: time
    tz: ZoneInfo

    def contains(self, moment: datetime) -> bool:
        """Whether a moment falls inside the window."""
        local = moment.astimezone(self.tz).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def send_at(self, moment: datetime, severity: str) -> datetime:
        """When a message of this severity may go: now, or at the end of the quiet window."""
        if severity == "Critical" or not self.contains(moment):
            return moment
        local = moment.astimezone(self.tz)
        end = datetime.combine(local.date(), self.end, self.tz)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(moment.tzinfo)
