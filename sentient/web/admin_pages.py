"""Administration pages: the hub, roles with their permissions and menus, live sessions, the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from sentient.admin.activity import AuditFilter
from sentient.admin.actor import ADMIN_CODES, AUDIT_VIEW, RESET_PWD, ROLE_MANAGE, SESSION_MANAGE, USER_MANAGE
from sentient.deps import StateDep
from sentient.web.admin_common import ActorDep, FormDep, confirm_then_apply, guarded
from sentient.web.context import FormOrigin, UserDep, render
from sentient.web.errors import WebError

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 50
SECTIONS = (
    ("/admin/users", "Users and WhatsApp numbers", (USER_MANAGE, RESET_PWD)),
    ("/admin/roles", "Roles, permissions and menus", (ROLE_MANAGE,)),
    ("/admin/sessions", "Who is signed in", (SESSION_MANAGE,)),
    ("/admin/audit", "Audit trail", (AUDIT_VIEW,)),
)


@router.get("/admin")
def hub(request: Request, state: StateDep, user: UserDep, actor: ActorDep) -> Response:
    """Links to the administration pages the caller's role may open."""
    if not any(actor.may(c) for c in ADMIN_CODES):
        raise WebError(403, "Your role may not open this page.")
    sections = [(path, name) for path, name, codes in SECTIONS if any(actor.may(c) for c in codes)]
    return render(request, state, user, "admin/hub.html", sections=sections)


@router.get("/admin/roles")
def roles_page(request: Request, state: StateDep, user: UserDep, actor: ActorDep) -> Response:
    """Every role with its level, users and how many permissions and menus it has."""
    rows = guarded(lambda: state.admin.list_roles(actor))
    return render(request, state, user, "admin/roles.html", rows=rows, may_manage=actor.may(ROLE_MANAGE))


@router.post("/admin/roles", dependencies=[FormOrigin])
def role_create(request: Request, state: StateDep, user: UserDep, actor: ActorDep, form: FormDep) -> Response:
    """Preview, then create a role (no permissions yet)."""
    level = int(form["level"]) if form.get("level", "").isdigit() else 0
    return confirm_then_apply(
        request,
        state,
        user,
        form,
        lambda apply: state.admin.create_role(
            actor, form.get("code", ""), form.get("name", ""), level, apply
        ),
        "/admin/roles",
    )


@router.get("/admin/roles/{code}")
def role_page(request: Request, state: StateDep, user: UserDep, actor: ActorDep, code: str) -> Response:
    """One role: every permission code and menu, held or not, with grant/revoke and show/hide."""
    rows = guarded(lambda: state.admin.list_roles(actor))
    role = next((r for r in rows if r.code == code.upper()), None)
    if role is None:
        raise WebError(404, f"There is no role {code!r}.")
    perms = guarded(lambda: state.admin.permissions(actor))
    menus = guarded(lambda: state.admin.menus(actor))
    return render(request, state, user, "admin/role.html", role=role, perms=perms, menu_rows=menus)


@router.post("/admin/roles/{code}/permission", dependencies=[FormOrigin])
def role_permission(
    request: Request, state: StateDep, user: UserDep, actor: ActorDep, form: FormDep, code: str
) -> Response:
    """Preview, then grant (on=1) or revoke a permission code."""
    on, perm = form.get("on") == "1", form.get("permission", "")
    return confirm_then_apply(
        request,
        state,
        user,
        form,
        lambda apply: state.admin.set_permission(actor, code, perm, on, apply=apply),
        f"/admin/roles/{code}",
    )


@router.post("/admin/roles/{code}/menu", dependencies=[FormOrigin])
def role_menu(
    request: Request, state: StateDep, user: UserDep, actor: ActorDep, form: FormDep, code: str
) -> Response:
    """Preview, then show (on=1) or hide a sidebar menu for the role."""
    on, menu = form.get("on") == "1", form.get("menu", "")
    return confirm_then_apply(
        request,
        state,
        user,
        form,
        lambda apply: state.admin.set_menu(actor, code, menu, on, apply=apply),
        f"/admin/roles/{code}",
    )


@router.get("/admin/sessions")
def sessions_page(request: Request, state: StateDep, user: UserDep, actor: ActorDep) -> Response:
    """Live sign-ins: who, from where, since when; each with a sign-out button."""
    rows = guarded(lambda: state.admin.list_sessions(actor))
    own = user.family_id
    return render(request, state, user, "admin/sessions.html", rows=rows, own=own, tz=state.settings.tz)


@router.post("/admin/sessions/revoke", dependencies=[FormOrigin])
def session_revoke(
    request: Request, state: StateDep, user: UserDep, actor: ActorDep, form: FormDep
) -> Response:
    """Preview, then force one sign-in out."""
    family = form.get("session", "")
    return confirm_then_apply(
        request,
        state,
        user,
        form,
        lambda apply: state.admin.revoke_session(actor, family, apply=apply),
        "/admin/sessions",
    )


def _filter(user: str, action: str, entity: str, since: str, until: str) -> AuditFilter:
    try:
        return AuditFilter(
            user,
            action,
            entity,
            date.fromisoformat(since) if since else None,
            date.fromisoformat(until) if until else None,
        )
    except ValueError as exc:
        raise WebError(422, "Dates are written YYYY-MM-DD.") from exc


Text = Annotated[str, Query(max_length=50)]


@router.get("/admin/audit")
def audit_page(
    request: Request,
    state: StateDep,
    user: UserDep,
    actor: ActorDep,
    who: Text = "",
    action: Text = "",
    entity: Text = "",
    since: Text = "",
    until: Text = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The audit trail, newest first, filtered by user, action, entity and days; 50 rows a page."""
    f = _filter(who, action, entity, since, until)
    rows, total = guarded(lambda: state.admin.audit(actor, f, PAGE_ROWS, (page - 1) * PAGE_ROWS))
    filters = {"who": who, "action": action, "entity": entity, "since": since, "until": until}
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        state,
        user,
        "admin/audit.html",
        rows=rows,
        total=total,
        f=f,
        page=page,
        pages=max(1, -(-total // PAGE_ROWS)),
        query=query,
        tz=state.settings.tz,
    )


@router.get("/admin/audit.csv")
def audit_csv(
    state: StateDep,
    actor: ActorDep,
    who: Text = "",
    action: Text = "",
    entity: Text = "",
    since: Text = "",
    until: Text = "",
) -> Response:
    """The filtered audit trail as a CSV download (at most 10,000 rows; the export is audited)."""
    text, _ = guarded(lambda: state.admin.audit_csv(actor, _filter(who, action, entity, since, until)))
    headers = {"Content-Disposition": f'attachment; filename="audit-{state.settings.today()}.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)
