"""The administration service on a real database: permissions in code, previews, idempotency, audit rows."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from channels.identity import load_caller
from sentient.admin.activity import AuditFilter
from sentient.admin.actor import AdminError, cli_actor
from sentient.admin.service import AdminService
from sentient.auth.policy import PasswordPolicy
from sentient.auth.service import AuthError, AuthPolicy, AuthService
from sentient.web.context import menus_for
from warehouse.db import make_session_factory
from warehouse.schema import AdmPermission, AdmRolePermission, AdmSession, AdmUser, LogAudit
from warehouse.seed.access import DEV_PASSWORD

NEW = {"username": "siti", "email": "siti@factory.local", "role": "STAFF_WH", "phone": "+62 812-3456-7890"}


@pytest.fixture
def svc(seeded_engine: Engine) -> AdminService:
    return AdminService(make_session_factory(seeded_engine), PasswordPolicy(min_length=10))


def actor(svc: AdminService, username: str):  # type: ignore[no-untyped-def]
    with svc.sessions() as s:
        return svc.actor_for(load_caller(s, username), "10.0.0.9")


def audits(engine: Engine, action: str) -> list[LogAudit]:
    with Session(engine) as s:
        return list(s.scalars(select(LogAudit).where(LogAudit.action == action).order_by(LogAudit.id)))


def test_preview_writes_nothing_then_apply_creates_and_audits(
    svc: AdminService, seeded_engine: Engine
) -> None:
    admin = actor(svc, "admin")
    preview = svc.create_user(admin, NEW)
    assert not preview.applied and preview.secret is None and preview.new["phone"] == "+6281234567890"
    with Session(seeded_engine) as s:
        assert s.scalar(select(AdmUser).where(AdmUser.username == "siti")) is None
    assert audits(seeded_engine, "USER_CREATE") == []
    done = svc.create_user(admin, NEW, apply=True)
    assert done.applied and done.secret and len(done.secret) >= 16
    (row,) = audits(seeded_engine, "USER_CREATE")
    new = json.loads(row.new_value or "{}")
    assert new["role"] == "STAFF_WH" and new["phone"] == "+6281234567890" and "secret" not in row.new_value
    assert row.user_id is not None and row.ip_address == "10.0.0.9" and row.entity_type == "adm_user"
    with pytest.raises(AdminError) as again:  # the same user twice is a clear 409, not a second row
        svc.create_user(admin, NEW, apply=True)
    assert again.value.status == 409
    with Session(seeded_engine) as s:
        assert s.scalar(select(func.count(AdmUser.id)).where(AdmUser.username == "siti")) == 1


def test_the_one_time_code_must_be_replaced_at_sign_in(svc: AdminService, seeded_engine: Engine) -> None:
    code = svc.create_user(actor(svc, "admin"), NEW, apply=True).secret
    assert code
    auth = AuthService(svc.sessions, AuthPolicy(secret="x" * 32, passwords=svc.passwords))
    with pytest.raises(AuthError) as must:
        auth.login("siti", code)
    assert must.value.code == "password_change_required"
    with pytest.raises(AuthError) as weak:
        auth.change_password("siti", code, "Password2024!")
    assert weak.value.status == 422 and "common" in weak.value.message
    auth.change_password("siti", code, "gudang-timur-rak-7")
    assert auth.login("siti", "gudang-timur-rak-7").username == "siti"
    with pytest.raises(AuthError):
        auth.login("siti", code)  # the code worked once


def test_expired_password_must_change_and_old_reset_code_is_refused(svc: AdminService) -> None:
    policy = PasswordPolicy(min_length=10, expiry_days=30, reset_hours=24)
    later = svc.clock() + timedelta(days=31)
    svc.create_user(actor(svc, "admin"), NEW, password="gudang-timur-rak-7", apply=True)
    auth = AuthService(svc.sessions, AuthPolicy(secret="x" * 32, passwords=policy), clock=lambda: later)
    with pytest.raises(AuthError) as expired:
        auth.login("siti", "gudang-timur-rak-7")
    assert expired.value.code == "password_change_required"
    code = svc.reset_password(actor(svc, "admin"), "siti", apply=True).secret
    assert code
    with pytest.raises(AuthError) as stale:
        auth.change_password("siti", code, "gudang-barat-rak-9")
    assert stale.value.code == "reset_code_expired"


def test_permissions_are_checked_in_the_service(svc: AdminService) -> None:
    director = actor(svc, "director")  # holds ADMIN.AUDIT.VIEW only
    for call in (
        lambda: svc.create_user(director, NEW, apply=True),
        lambda: svc.reset_password(director, "operator1", apply=True),
        lambda: svc.set_permission(director, "OPERATOR", "INV.READ", True, apply=True),
        lambda: svc.list_sessions(director),
    ):
        with pytest.raises(AdminError) as denied:
            call()
        assert denied.value.status == 403
    rows, total = svc.audit(director, AuditFilter())
    assert total == len(rows) or total > len(rows)


def test_no_one_hands_out_a_role_above_their_own(svc: AdminService, seeded_engine: Engine) -> None:
    # A manager given user administration still cannot create a SYSADMIN.
    with Session(seeded_engine) as s, s.begin():
        role = s.scalar(select(AdmUser.role_id).where(AdmUser.username == "john.doe"))
        perm = s.scalar(select(AdmPermission.id).where(AdmPermission.code == "ADMIN.USER.CREATE"))
        s.add(AdmRolePermission(role_id=role, permission_id=perm))
    john = actor(svc, "john.doe")
    with pytest.raises(AdminError) as above:
        svc.create_user(john, {**NEW, "role": "SYSADMIN"}, apply=True)
    assert above.value.code == "role_above_own"
    assert svc.create_user(john, NEW, apply=True).applied  # STAFF_WH ranks below MANAGER_SALES


def test_grant_and_revoke_are_idempotent_and_system_roles_are_protected(
    svc: AdminService, seeded_engine: Engine
) -> None:
    admin = actor(svc, "admin")
    assert svc.set_permission(admin, "OPERATOR", "INV.READ", True, apply=True).applied
    again = svc.set_permission(admin, "OPERATOR", "INV.READ", True, apply=True)
    assert not again.changed and not again.applied
    assert len(audits(seeded_engine, "ROLE_GRANT")) == 1
    with Session(seeded_engine) as s:
        assert "INV.READ" in load_caller(s, "operator1").permissions
    svc.set_permission(admin, "OPERATOR", "INV.READ", False, apply=True)
    (revoked,) = audits(seeded_engine, "ROLE_REVOKE")
    assert json.loads(revoked.old_value or "{}") == {"INV.READ": True}
    with pytest.raises(AdminError) as system:
        svc.set_permission(admin, "DIRECTOR", "SO.CREATE", True, apply=True)
    assert system.value.code == "system_role"


def test_deactivate_ends_sessions_and_keeps_one_sysadmin(svc: AdminService, seeded_engine: Engine) -> None:
    auth = AuthService(svc.sessions, AuthPolicy(secret="x" * 32))
    pair = auth.login("operator1", DEV_PASSWORD)
    admin = actor(svc, "admin")
    out = svc.set_active(admin, "operator1", False, apply=True)
    assert out.new["sessions_ended"] == 1
    with pytest.raises(AuthError):
        auth.check_access(pair.access_token)  # revocation is immediate
    with pytest.raises(AuthError):
        auth.login("operator1", DEV_PASSWORD)
    assert not svc.set_active(admin, "operator1", False, apply=True).changed
    with pytest.raises(AdminError) as self_off:
        svc.set_active(admin, "admin", False, apply=True)
    assert self_off.value.code == "self"
    with pytest.raises(AdminError) as last:
        svc.edit_user(cli_actor(), "admin", {"role": "DIRECTOR"}, apply=True)
    assert last.value.code == "last_sysadmin"


def test_phone_rules_and_audit_of_old_and_new(svc: AdminService, seeded_engine: Engine) -> None:
    admin = actor(svc, "admin")
    with pytest.raises(AdminError) as bad:
        svc.edit_user(admin, "jane.smith", {"phone": "0812345"}, apply=True)
    assert bad.value.status == 422 and "E.164" in bad.value.message
    with pytest.raises(AdminError) as taken:
        svc.edit_user(admin, "jane.smith", {"phone": "+6281100000004"}, apply=True)
    assert taken.value.status == 409 and "operator1" in taken.value.message
    svc.edit_user(admin, "jane.smith", {"phone": "+6281299990000", "lang": "id"}, apply=True)
    (row,) = audits(seeded_engine, "USER_UPDATE")
    assert json.loads(row.old_value or "{}") == {"lang": "en", "phone": "+6281100000003", "wa_opt_in": True}
    assert json.loads(row.new_value or "{}")["phone"] == "+6281299990000"
    assert not svc.edit_user(admin, "jane.smith", {"phone": "+62 812 9999 0000"}, apply=True).changed


def test_sessions_list_revoke_and_audit_csv(svc: AdminService, seeded_engine: Engine) -> None:
    to_midnight = 86_400 - time.time() % 86_400  # the audit row and "today" below must share a UTC day
    if to_midnight < 30:
        time.sleep(to_midnight + 1)
    auth = AuthService(svc.sessions, AuthPolicy(secret="x" * 32))
    pair = auth.login("jane.smith", DEV_PASSWORD, ip="192.168.1.105", agent="Firefox")
    admin = actor(svc, "admin")
    (live,) = [v for v in svc.list_sessions(admin) if v.username == "jane.smith"]
    assert live.ip == "192.168.1.105" and live.agent == "Firefox"
    assert svc.revoke_session(admin, live.family_id, apply=True).applied
    assert not svc.revoke_session(admin, live.family_id, apply=True).changed
    with pytest.raises(AuthError):
        auth.check_access(pair.access_token)
    rows, total = svc.audit(admin, AuditFilter(action="session_revoke"))
    assert total == 1 and rows[0].username == "admin"
    today = svc.clock().date()  # days are the factory's days (UTC here): today matches, yesterday does not
    assert svc.audit(admin, AuditFilter(action="SESSION_REVOKE", since=today, until=today))[1] == 1
    yesterday = today - timedelta(days=1)
    assert svc.audit(admin, AuditFilter(action="SESSION_REVOKE", since=yesterday, until=yesterday))[1] == 0
    text, n = svc.audit_csv(admin, AuditFilter(username="admin"))
    assert n >= 1 and text.splitlines()[0].startswith("id,at_utc,user,action")
    assert "SESSION_REVOKE" in text
    assert len(audits(seeded_engine, "EXPORT")) == 1
    with Session(seeded_engine) as s:
        assert s.scalar(select(func.count(AdmSession.id)).where(AdmSession.is_revoked.is_(False))) == 0


def test_the_same_grant_from_many_administrators_at_once_leaves_one_row(
    svc: AdminService, seeded_engine: Engine
) -> None:
    admin = actor(svc, "admin")
    barrier = threading.Barrier(6)

    def grant() -> str:
        barrier.wait()  # all six start together, so their check-then-insert steps overlap
        try:
            return (
                "applied"
                if svc.set_permission(admin, "OPERATOR", "SO.READ", True, apply=True).applied
                else "no-op"
            )
        except AdminError as exc:
            return str(exc.status)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: grant(), range(6)))
    assert results.count("applied") == 1 and set(results) <= {"applied", "no-op", "409"}, results
    assert len(audits(seeded_engine, "ROLE_GRANT")) == 1
    with Session(seeded_engine) as s:
        role = s.scalar(select(AdmUser.role_id).where(AdmUser.username == "operator1"))
        held = s.scalar(select(func.count(AdmRolePermission.id)).where(AdmRolePermission.role_id == role))
    assert held == 8  # OPERATOR's seven seeded codes and SO.READ once


def test_unlock_clears_the_lock_and_is_audited(svc: AdminService, seeded_engine: Engine) -> None:
    admin = actor(svc, "admin")
    assert not svc.unlock(admin, "operator1", apply=True).changed  # not locked: nothing to do
    with Session(seeded_engine) as s, s.begin():
        user = s.scalar(select(AdmUser).where(AdmUser.username == "operator1"))
        assert user is not None
        user.locked_until, user.failed_login_count = svc.clock() + timedelta(hours=1), 7
    assert svc.get_user(admin, "operator1").locked
    auth = AuthService(svc.sessions, AuthPolicy(secret="x" * 32))
    with pytest.raises(AuthError) as locked:
        auth.login("operator1", DEV_PASSWORD)
    assert locked.value.status == 423
    assert svc.unlock(admin, "operator1", apply=True).applied
    assert auth.login("operator1", DEV_PASSWORD).username == "operator1"
    (row,) = audits(seeded_engine, "USER_UNLOCK")
    assert json.loads(row.old_value or "{}")["failed_login_count"] == 7


def test_new_roles_and_menus_per_role(svc: AdminService, seeded_engine: Engine) -> None:
    admin = actor(svc, "admin")
    assert svc.create_role(admin, "qc_staff", "QC Staff", 60, apply=True).applied
    with pytest.raises(AdminError) as twice:
        svc.create_role(admin, "QC_STAFF", "QC Staff", 60, apply=True)
    assert twice.value.status == 409
    svc.set_permission(admin, "QC_STAFF", "QC.READ", True, apply=True)
    svc.set_menu(admin, "QC_STAFF", "MENU_ALERT", True, apply=True)
    assert not svc.set_menu(admin, "QC_STAFF", "MENU_ALERT", True, apply=True).changed
    with Session(seeded_engine) as s:
        assert [m.code for m in menus_for(s, "QC_STAFF")] == ["MENU_ALERT"]
    svc.set_menu(admin, "OPERATOR", "MENU_MACHINE", False, apply=True)
    with Session(seeded_engine) as s:
        assert "MENU_MACHINE" not in [m.code for m in menus_for(s, "OPERATOR")]
    (qc,) = [r for r in svc.list_roles(admin) if r.code == "QC_STAFF"]
    assert qc.permissions == ("QC.READ",) and qc.menus == ("MENU_ALERT",) and not qc.is_system
    assert [a.action for a in audits(seeded_engine, "ROLE_MENU")] == ["ROLE_MENU", "ROLE_MENU"]
