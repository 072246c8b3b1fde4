"""`sentient users …`, `sentient roles …` and `sentient audit tail`: administration from the shell.

Every change prints its preview first and applies only with --yes (or a yes at the prompt on a terminal);
the steps are the same AdminService methods the web pages call, audited as cli:<login name>.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sentient.admin.activity import AuditFilter
from sentient.admin.actor import AdminError, Outcome, cli_actor
from sentient.admin.service import AdminService, admin_service_for, parse_day
from sentient.db_wiring import build_engine
from sentient.settings import get_settings
from warehouse.db import make_session_factory

users_app = typer.Typer(help="User accounts and their WhatsApp numbers.", no_args_is_help=True)
roles_app = typer.Typer(help="Roles and their permission codes.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail (log_audit).", no_args_is_help=True)
console = Console(stderr=True)
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking (otherwise: preview only).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _service() -> AdminService:
    settings = get_settings()
    return admin_service_for(settings, make_session_factory(build_engine(settings)))


def _run(step: Callable[[bool], Outcome], yes: bool) -> None:
    """Preview, confirm (--yes or the prompt), apply; AdminError becomes a red line and exit code 1."""
    try:
        preview = step(False)
        if not preview.changed:
            console.print(f"nothing to do: {preview.summary}")
            return
        console.print(f"[bold]{preview.summary}[/]")
        for line in preview.lines():
            console.print(f"  {line}")
        if not yes and not (sys.stdin.isatty() and typer.confirm("Apply?", default=False)):
            console.print("preview only, nothing changed (add --yes to apply)")
            return
        done = step(True)
    except AdminError as exc:
        console.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(1) from exc
    console.print(f"done: {done.summary}")
    if done.secret:
        # The only time the code is shown: hand it to the user, who must replace it at the first sign-in.
        typer.echo(f"one-time code: {done.secret}")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="3-50 of a-z 0-9 . _ -")],
    email: Annotated[str, typer.Option(help="E-mail (WhatsApp confirmation codes go here).")],
    role: Annotated[str, typer.Option(help="Role code, e.g. SYSADMIN, DIRECTOR, OPERATOR.")],
    phone: Annotated[str | None, typer.Option(help="WhatsApp number, E.164 (+62…).")] = None,
    name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    lang: Annotated[str, typer.Option(help="id or en.")] = "id",
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from stdin (else a one-time code is printed).")
    ] = False,
    yes: YesOpt = False,
) -> None:
    """Create a user; on a fresh database this also adds the roles and permission codes."""
    svc = _service()
    added = svc.ensure_catalog()
    if added:
        console.print(f"added {added:,} missing roles, permission codes and menus (the RBAC catalogue)")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    fields = {
        "username": username,
        "email": email,
        "role": role,
        "phone": phone,
        "full_name": name,
        "lang": lang,
    }
    _run(lambda apply: svc.create_user(cli_actor(), fields, password, apply=apply), yes)


@users_app.command("list")
def users_list(
    search: Annotated[str, typer.Option(help="Part of a username, name, e-mail or phone.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """List users with role, WhatsApp number and opt-in, state."""
    try:
        rows = _service().list_users(cli_actor(), search)
    except AdminError as exc:
        console.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(1) from exc
    if as_json:
        for row in rows:
            typer.echo(json.dumps(asdict(row), default=str))
        return
    table = Table("username", "name", "role", "WhatsApp", "opt-in", "state", "last sign-in")
    for u in rows:
        state = "inactive" if not u.is_active else "locked" if u.locked else "active"
        last = u.last_login.strftime("%Y-%m-%d %H:%M") if u.last_login else "-"
        optin = "-" if not u.phone else "yes" if u.wa_opt_in else "STOP"
        table.add_row(u.username, u.full_name, u.role, u.phone or "-", optin, state, last)
    Console().print(table)


@users_app.command("set-role")
def users_set_role(username: str, role: str, yes: YesOpt = False) -> None:
    """Give a user another role."""
    svc = _service()
    _run(lambda apply: svc.edit_user(cli_actor(), username, {"role": role}, apply=apply), yes)


@users_app.command("set-phone")
def users_set_phone(
    username: str,
    phone: Annotated[str, typer.Argument(help="E.164 number, or - to remove it from the whitelist.")],
    yes: YesOpt = False,
) -> None:
    """Register (or with - remove) a user's WhatsApp number: the whitelist of who may chat."""
    svc = _service()
    value = "" if phone.strip() == "-" else phone
    _run(lambda apply: svc.edit_user(cli_actor(), username, {"phone": value}, apply=apply), yes)


@users_app.command("deactivate")
def users_deactivate(username: str, yes: YesOpt = False) -> None:
    """Deactivate a user: sign-in, sessions and WhatsApp stop at once (the row stays)."""
    svc = _service()
    _run(lambda apply: svc.set_active(cli_actor(), username, False, apply=apply), yes)


@users_app.command("activate")
def users_activate(username: str, yes: YesOpt = False) -> None:
    """Reactivate a deactivated user."""
    svc = _service()
    _run(lambda apply: svc.set_active(cli_actor(), username, True, apply=apply), yes)


@users_app.command("reset-password")
def users_reset_password(username: str, yes: YesOpt = False) -> None:
    """Replace a password by a one-time code (printed once); the user chooses a new one at sign-in."""
    svc = _service()
    _run(lambda apply: svc.reset_password(cli_actor(), username, apply=apply), yes)


@users_app.command("unlock")
def users_unlock(username: str, yes: YesOpt = False) -> None:
    """Clear a lock and the failed sign-in count."""
    svc = _service()
    _run(lambda apply: svc.unlock(cli_actor(), username, apply=apply), yes)


@roles_app.command("list")
def roles_list(as_json: JsonOpt = False) -> None:
    """Roles with their level, active users and permission codes."""
    rows = _service().list_roles(cli_actor())
    if as_json:
        for row in rows:
            typer.echo(json.dumps(asdict(row)))
        return
    table = Table("role", "name", "level", "system", "users", "permissions")
    for r in rows:
        table.add_row(
            r.code,
            r.name,
            str(r.level),
            "yes" if r.is_system else "",
            f"{r.users:,}",
            " ".join(r.permissions),
        )
    Console().print(table)


@roles_app.command("grant")
def roles_grant(role: str, permission: str, yes: YesOpt = False) -> None:
    """Grant a permission code to a role (a held one is a no-op; system roles are fixed)."""
    svc = _service()
    _run(lambda apply: svc.set_permission(cli_actor(), role, permission, True, apply=apply), yes)


@roles_app.command("revoke")
def roles_revoke(role: str, permission: str, yes: YesOpt = False) -> None:
    """Revoke a permission code from a role."""
    svc = _service()
    _run(lambda apply: svc.set_permission(cli_actor(), role, permission, False, apply=apply), yes)


@audit_app.command("tail")
def audit_tail(
    n: Annotated[int, typer.Option("-n", min=1, max=10_000, help="How many rows, newest last.")] = 20,
    user: Annotated[str, typer.Option(help="Only this username.")] = "",
    action: Annotated[str, typer.Option(help="Only this action, e.g. USER_UPDATE, LOGIN_FAILED.")] = "",
    entity: Annotated[str, typer.Option(help="Only this entity type, e.g. adm_user, wa_inbound.")] = "",
    since: Annotated[str | None, typer.Option(help="From this day, YYYY-MM-DD (factory time).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The latest audit rows, oldest first."""
    try:
        f = AuditFilter(user, action, entity, parse_day(since))
    except ValueError as exc:
        console.print(f"[red]error:[/] --since {since!r} is not a date YYYY-MM-DD")
        raise typer.Exit(2) from exc
    rows, total = _service().audit(cli_actor(), f, limit=n)
    for r in reversed(rows):
        if as_json:
            typer.echo(json.dumps(asdict(r), default=str, ensure_ascii=False))
        else:
            change = " ".join(x for x in (r.old and f"old={r.old}", r.new and f"new={r.new}") if x)
            typer.echo(f"{r.at:%Y-%m-%d %H:%M:%S} {r.username:<12} {r.action:<16} {r.entity:<18} {change}")
    console.print(f"{len(rows):,} of {total:,} matching rows")
