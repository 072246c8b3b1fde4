"""Roles, permission codes, menus and the spec's users (spec 1.7 and 1.8 C)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.schema import AdmMenu, AdmPermission, AdmRole, AdmRoleMenu, AdmRolePermission, AdmUser
from warehouse.seed.context import SeedContext

# (module, action) -> description. Codes read MODULE.ACTION, e.g. SO.READ, PO.APPROVE.
PERMISSIONS: dict[str, str] = {
    "SO.CREATE": "Create sales orders",
    "SO.READ": "View sales orders and deliveries",
    "SO.UPDATE": "Edit sales orders",
    "SO.DELETE": "Delete sales orders",
    "SO.APPROVE": "Approve sales orders",
    "SO.EXPORT": "Export sales orders",
    "PO.CREATE": "Create purchase orders",
    "PO.READ": "View purchase orders and vendors",
    "PO.UPDATE": "Edit purchase orders",
    "PO.APPROVE": "Approve purchase orders",
    "WO.CREATE": "Create work orders",
    "WO.READ": "View work orders",
    "WO.UPDATE": "Edit work orders",
    "INV.READ": "View inventory",
    "INV.UPDATE": "Adjust inventory",
    "FIN.READ": "View cash position and payables",
    "AR.READ": "View receivables",
    "PROD.READ": "View machine performance and shift logs",
    "PROD.CREATE": "Enter shift logs",
    "MAINT.READ": "View maintenance",
    "MAINT.CREATE": "Record maintenance",
    "QC.READ": "View quality checks",
    "KB.READ": "Read machine manuals",
    "DASH.READ": "View the executive dashboard",
    "ALERT.READ": "View alerts",
    "DATA.QUERY": "Ad-hoc read-only queries over reporting views",
    "ADMIN.USER.CREATE": "Create users",
    "ADMIN.USER.RESET_PWD": "Reset user passwords",
    "ADMIN.ROLE.MANAGE": "Manage roles and permissions",
    "ADMIN.AUDIT.VIEW": "View the audit log",
    "ADMIN.SESSION.MANAGE": "View and revoke sessions",
}

_READ_ALL = {c for c in PERMISSIONS if c.endswith(".READ")}
_APPROVE_ALL = {c for c in PERMISSIONS if c.endswith(".APPROVE")}

# code: (name, level, is_system, description, permissions)
ROLES: dict[str, tuple[str, int, bool, str, set[str]]] = {
    "SYSADMIN": ("System Admin", 1, True, "Full access to every module", set(PERMISSIONS)),
    "DIRECTOR": (
        "Direktur",
        5,
        True,
        "Read all, approve all",
        _READ_ALL | _APPROVE_ALL | {"SO.EXPORT", "ADMIN.AUDIT.VIEW", "DATA.QUERY"},
    ),
    "MANAGER_SALES": (
        "Sales Manager",
        10,
        False,
        "Full SO, read PO/WO",
        {c for c in PERMISSIONS if c.startswith("SO.")}
        | {"PO.READ", "WO.READ", "INV.READ", "AR.READ", "DASH.READ", "ALERT.READ"},
    ),
    "MANAGER_PROD": (
        "Production Manager",
        10,
        False,
        "Full WO, read SO",
        {c for c in PERMISSIONS if c.split(".")[0] in {"WO", "PROD", "MAINT"}}
        | {"SO.READ", "INV.READ", "QC.READ", "KB.READ", "DASH.READ", "ALERT.READ"},
    ),
    "STAFF_SALES": ("Sales Staff", 50, False, "Create/read SO", {"SO.CREATE", "SO.READ", "INV.READ"}),
    "STAFF_WH": (
        "Warehouse Staff",
        50,
        False,
        "Read/update inventory",
        {"INV.READ", "INV.UPDATE", "PO.READ", "ALERT.READ"},
    ),
    "OPERATOR": (
        "Operator Produksi",
        80,
        False,
        "Read WO, enter shift logs",
        {"WO.READ", "PROD.READ", "PROD.CREATE", "MAINT.READ", "QC.READ", "KB.READ", "ALERT.READ"},
    ),
    "READONLY": ("Read Only", 99, False, "Read all, no edit", _READ_ALL | {"DATA.QUERY"}),
}

# code: (name, icon, path, parent, sort, permission)
MENUS: list[tuple[str, str, str, str, str | None, int, str | None]] = [
    ("MENU_DASHBOARD", "Dashboard", "fa-gauge", "/", None, 10, "DASH.READ"),
    ("MENU_SO", "Sales Order", "fa-shopping-cart", "/sales-orders", None, 20, "SO.READ"),
    ("MENU_PO", "Purchase Order", "fa-truck", "/purchase-orders", None, 30, "PO.READ"),
    ("MENU_WO", "Work Order", "fa-industry", "/work-orders", None, 40, "WO.READ"),
    ("MENU_MACHINE", "Machines", "fa-gears", "/machines", None, 50, "PROD.READ"),
    ("MENU_INV", "Inventory", "fa-boxes-stacked", "/inventory", None, 60, "INV.READ"),
    ("MENU_FIN", "Finance", "fa-money-bill", "/finance", None, 70, "AR.READ"),
    ("MENU_ALERT", "Alerts", "fa-bell", "/alerts", None, 80, "ALERT.READ"),
    ("MENU_CHAT", "Assistant", "fa-comments", "/chat", None, 90, None),
    ("MENU_ADMIN", "Administrator", "fa-user-shield", "/admin", None, 100, "ADMIN.ROLE.MANAGE"),
    ("MENU_ADMIN_USER", "Users", "fa-users", "/admin/users", "MENU_ADMIN", 10, "ADMIN.USER.CREATE"),
    ("MENU_ADMIN_AUDIT", "Audit Log", "fa-list", "/admin/audit", "MENU_ADMIN", 20, "ADMIN.AUDIT.VIEW"),
    ("MENU_ADMIN_ROLE", "Roles", "fa-user-tag", "/admin/roles", "MENU_ADMIN", 30, "ADMIN.ROLE.MANAGE"),
    (
        "MENU_ADMIN_SESSION",
        "Sessions",
        "fa-plug",
        "/admin/sessions",
        "MENU_ADMIN",
        40,
        "ADMIN.SESSION.MANAGE",
    ),
]

# The demo password of every seeded user (README, "Web dashboard"); production creates its own users.
DEV_PASSWORD = "factory-demo"


@lru_cache(maxsize=1)
def dev_password_hash() -> str:
    """Argon2id hash of DEV_PASSWORD, computed once per process (hashing is deliberately slow)."""
    return PasswordHasher(type=Type.ID).hash(DEV_PASSWORD)


# username: (email, full name, role, active, phone E.164, language, last login offset days/hour:min)
USERS: list[tuple[str, str, str, str, bool, str, str, tuple[int, int, int]]] = [
    ("admin", "admin@factory.local", "System Admin", "SYSADMIN", True, "+6281100000001", "en", (0, 10, 30)),
    ("john.doe", "john@factory.local", "John Doe", "MANAGER_SALES", True, "+6281100000002", "en", (0, 9, 15)),
    (
        "jane.smith",
        "jane@factory.local",
        "Jane Smith",
        "MANAGER_PROD",
        True,
        "+6281100000003",
        "en",
        (-1, 16, 45),
    ),
    ("operator1", "op1@factory.local", "Operator Satu", "OPERATOR", True, "+6281100000004", "id", (0, 7, 0)),
    (
        "resigned",
        "ex@factory.local",
        "Ex Employee",
        "STAFF_SALES",
        False,
        "+6281100000005",
        "id",
        (-73, 8, 0),
    ),
    (
        "director",
        "director@factory.local",
        "Ibu Direktur",
        "DIRECTOR",
        True,
        "+6281100000006",
        "id",
        (0, 8, 0),
    ),
]


def seed_access(ctx: SeedContext) -> None:
    """Permissions, roles, their grants, menus (the catalogue, as on a production database) and the demo
    users."""
    s = ctx.session
    ensure_catalog(s)
    for existing in s.scalars(select(AdmRole)):
        ctx.by_code[existing.code] = existing
    for username, email, full, role, active, phone, lang, (off, hh, mm) in USERS:
        ctx.add(
            username,
            AdmUser(
                username=username,
                email=email,
                full_name=full,
                role=ctx.get(role, AdmRole),
                phone=phone,
                lang=lang,
                is_active=active,
                password_hash=dev_password_hash(),
                wa_opt_in=active,
                wa_opt_at=ctx.at(ctx.day(-30)) if active else None,
                last_login=ctx.at(ctx.day(off), hh, mm),
            ),
        )
    s.flush()


def ensure_catalog(s: Session) -> int:
    """Add the permission codes, roles (with their grants) and menus that are missing; returns rows added.

    A production database has no sample seed: this gives it the RBAC catalog, without users, so that its
    first administrator can be created (`sentient users add --role SYSADMIN`). Existing rows are left as
    they are: an administrator's later grants and revocations are never undone.
    """
    added: list[object] = []
    perms = {p.code: p for p in s.scalars(select(AdmPermission))}
    for code, desc in PERMISSIONS.items():
        if code not in perms:
            module, action = code.split(".", 1)
            perms[code] = AdmPermission(module=module, action=action.lower(), code=code, name=desc)
            added.append(perms[code])
    roles = {r.code: r for r in s.scalars(select(AdmRole))}
    for code, (name, level, is_system, desc, grants) in ROLES.items():
        if code not in roles:
            roles[code] = AdmRole(code=code, name=name, level=level, is_system=is_system, description=desc)
            added.append(roles[code])
            added.extend(AdmRolePermission(role=roles[code], permission=perms[p]) for p in sorted(grants))
    menus = {m.code: m for m in s.scalars(select(AdmMenu))}
    for code, name, icon, path, parent, order, perm in MENUS:
        if code in menus:
            continue
        menus[code] = AdmMenu(
            code=code,
            name=name,
            icon=icon,
            path=path,
            sort_order=order,
            permission_code=perm,
            parent=menus.get(parent) if parent else None,
        )
        added.append(menus[code])
        added.extend(
            AdmRoleMenu(role=roles[r], menu=menus[code])
            for r, (*_, grants) in ROLES.items()
            if r in roles and (perm is None or perm in grants)
        )
    s.add_all(added)
    s.flush()
    return len(added)
