"""Administration pages for users and their WhatsApp numbers: list, search, create, edit, deactivate,
reset password, unlock. Every change goes through AdminService (permission, preview, audit)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from sentient.admin.actor import RESET_PWD, ROLE_MANAGE, USER_MANAGE
from sentient.deps import StateDep
from sentient.web.admin_common import ActorDep, FormDep, confirm_then_apply, guarded
from sentient.web.context import FormOrigin, UserDep, render
from sentient.web.errors import WebError

router = APIRouter(include_in_schema=False)
EDIT_FIELDS = ("email", "full_name", "role", "phone", "lang")


@router.get("/admin/users")
def users_page(
    request: Request,
    state: StateDep,
    user: UserDep,
    actor: ActorDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """Users with role, WhatsApp number and opt-in state, searchable."""
    rows = guarded(lambda: state.admin.list_users(actor, q))
    return render(
        request,
        state,
        user,
        "admin/users.html",
        rows=rows,
        q=q,
        may_create=actor.may(USER_MANAGE),
        tz=state.settings.tz,
    )


@router.get("/admin/users/new")
def new_user_page(request: Request, state: StateDep, user: UserDep, actor: ActorDep) -> Response:
    """The form for a new user."""
    if not actor.may(USER_MANAGE):
        raise WebError(403, "Your role may not create users.")
    roles = guarded(lambda: state.admin.list_roles(actor))
    return render(request, state, user, "admin/user_form.html", u=None, roles=roles, error=None)


@router.post("/admin/users/new", dependencies=[FormOrigin])
def new_user_submit(
    request: Request, state: StateDep, user: UserDep, actor: ActorDep, form: FormDep
) -> Response:
    """Preview, then create the user; the one-time code is shown once on the result page."""
    fields = {k: form.get(k, "") for k in ("username", *EDIT_FIELDS)}
    return confirm_then_apply(
        request,
        state,
        user,
        form,
        lambda apply: state.admin.create_user(actor, fields, apply=apply),
        "/admin/users",
    )


@router.get("/admin/users/{username}")
def user_page(request: Request, state: StateDep, user: UserDep, actor: ActorDep, username: str) -> Response:
    """One user: the edit form, their WhatsApp state and the account actions."""
    u = guarded(lambda: state.admin.get_user(actor, username))
    roles = (
        guarded(lambda: state.admin.list_roles(actor))
        if actor.may(USER_MANAGE) or actor.may(ROLE_MANAGE)
        else []
    )
    return render(
        request,
        state,
        user,
        "admin/user_form.html",
        u=u,
        roles=roles,
        error=None,
        may_edit=actor.may(USER_MANAGE),
        may_reset=actor.may(RESET_PWD),
        tz=state.settings.tz,
    )


@router.post("/admin/users/{username}", dependencies=[FormOrigin])
def user_submit(
    request: Request, state: StateDep, user: UserDep, actor: ActorDep, form: FormDep, username: str
) -> Response:
    """Preview, then change e-mail, name, role, WhatsApp number (empty removes it) or language."""
    fields = {k: form[k] for k in EDIT_FIELDS if k in form}
    return confirm_then_apply(
        request,
        state,
        user,
        form,
        lambda apply: state.admin.edit_user(actor, username, fields, apply=apply),
        f"/admin/users/{username}",
    )


@router.post("/admin/users/{username}/active", dependencies=[FormOrigin])
def user_active(
    request: Request, state: StateDep, user: UserDep, actor: ActorDep, form: FormDep, username: str
) -> Response:
    """Preview, then deactivate (active=0) or reactivate (active=1)."""
    on = form.get("active") == "1"
    return confirm_then_apply(
        request,
        state,
        user,
        form,
        lambda apply: state.admin.set_active(actor, username, on, apply=apply),
        f"/admin/users/{username}",
    )


@router.post("/admin/users/{username}/reset", dependencies=[FormOrigin])
def user_reset(
    request: Request, state: StateDep, user: UserDep, actor: ActorDep, form: FormDep, username: str
) -> Response:
    """Preview, then replace the password by a one-time code (shown once)."""
    return confirm_then_apply(
        request,
        state,
        user,
        form,
        lambda apply: state.admin.reset_password(actor, username, apply=apply),
        f"/admin/users/{username}",
    )


@router.post("/admin/users/{username}/unlock", dependencies=[FormOrigin])
def user_unlock(
    request: Request, state: StateDep, user: UserDep, actor: ActorDep, form: FormDep, username: str
) -> Response:
    """Preview, then clear a lock and the failed sign-in count."""
    return confirm_then_apply(
        request,
        state,
        user,
        form,
        lambda apply: state.admin.unlock(actor, username, apply=apply),
        f"/admin/users/{username}",
    )
