"""What every page needs: the signed-in caller, their menus, the AI banner, and template rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from sentient.auth.cookies import set_session_cookies
from sentient.auth.current import Signed, caller_from_cookies
from sentient.auth.origin import same_origin
from sentient.auth.service import AuthError
from sentient.deps import AuthDep, StateDep
from sentient.state import AppState
from sentient.web.errors import WebError
from sentient.web.templating import templates
from warehouse.schema import AdmMenu, AdmRole, AdmRoleMenu

# Menu paths that have a page here; other adm_menu entries (work orders) are not shown yet.
PAGES = {"/", "/sales-orders", "/purchase-orders", "/machines", "/inventory", "/finance", "/alerts", "/chat"}
PAGES |= {"/admin", "/admin/users", "/admin/audit", "/admin/roles", "/admin/sessions"}


@dataclass(frozen=True)
class Menu:
    """One sidebar entry."""

    code: str
    name: str
    path: str


@dataclass(frozen=True)
class Banner:
    """The AI's state for the banner: on, probing or resting (model off or breaker open)."""

    state: str
    text: str


def web_user(request: Request, state: StateDep, auth: AuthDep) -> Signed:
    """The signed-in caller of a page (redirect to sign-in otherwise); silently refreshed tokens are kept."""
    try:
        signed = caller_from_cookies(auth, state.sessions, request)
    except AuthError as exc:
        raise WebError(401, exc.message) from exc
    request.state.renewed = signed.renewed
    return signed


def form_origin(request: Request, state: StateDep) -> None:
    """403 for a form posted from a foreign page (CSRF); every POST under sentient/web/ depends on it."""
    if not same_origin(request, state.settings):
        raise WebError(403, "This form was sent from another site; open the page here and try again.")


def require(signed: Signed, permission: str | tuple[str, ...]) -> None:
    """403 unless the caller holds the permission (the same codes the tools check)."""
    if not signed.caller.may(permission):
        raise WebError(403, "Your role may not open this page.")


def menus_for(session: Session, role_code: str) -> list[Menu]:
    """The role's menus from adm_menu / adm_role_menu, in their order: top-level ones, and sub-menus whose
    parent the role does not see (a director's Audit Log without the Administrator menu)."""
    rows = session.execute(
        select(AdmMenu.id, AdmMenu.code, AdmMenu.name, AdmMenu.path, AdmMenu.parent_id)
        .join(AdmRoleMenu, AdmRoleMenu.menu_id == AdmMenu.id)
        .join(AdmRole, AdmRole.id == AdmRoleMenu.role_id)
        .where(AdmRole.code == role_code, AdmMenu.is_active.is_(True))
        .order_by(AdmMenu.parent_id.is_not(None), AdmMenu.sort_order)
    ).all()
    seen = {r.id for r in rows}
    return [
        Menu(r.code, r.name, r.path)
        for r in rows
        if r.path in PAGES and (r.parent_id is None or r.parent_id not in seen)
    ]


def ai_banner(state: AppState) -> Banner:
    """The model and its circuit breaker as the banner: model off, not started or breaker open = resting."""
    runtime = state.model
    if runtime.kind == "off" or runtime.model is None:
        return Banner("off", "AI resting — the model is off; figures and data answers work as usual.")
    name = runtime.breaker.state.value
    if name == "closed":
        return Banner("on", "AI on")
    if name == "half_open":
        return Banner("probing", "AI waking up — answers come from the data until the model is back.")
    return Banner("off", "AI resting — the model is unavailable; figures and data answers work as usual.")


def render(
    request: Request, state: AppState, signed: Signed | None, template: str, status: int = 200, **ctx: Any
) -> Response:
    """A page with the shared context; stores refreshed session cookies when the tokens were rotated."""
    menus: list[Menu] = []
    if signed is not None:
        with state.sessions() as s:
            menus = menus_for(s, signed.caller.role)
    base = {
        "user": signed.caller if signed else None,
        "menus": menus,
        "banner": ai_banner(state),
        "as_of": state.settings.today(),
        "rendered_at": datetime.now(state.settings.tz).strftime("%H:%M"),
        "lang": "en",
        "path": request.url.path,
    }
    response = templates.TemplateResponse(request, template, {**base, **ctx}, status_code=status)
    renewed = getattr(request.state, "renewed", None)
    if renewed is not None:
        st = state.settings
        set_session_cookies(response, renewed, st.cookie_secure, st.access_token_min, st.refresh_token_days)
    return response


UserDep = Annotated[Signed, Depends(web_user)]
FormOrigin = Depends(form_origin)
