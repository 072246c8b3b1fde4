"""FastAPI dependencies: the one place that hands out what the lifespan built (tests override these)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from sentient.admin.service import AdminService
from sentient.auth.keys import key_matches, presented_keys
from sentient.auth.service import AuthService
from sentient.auth.throttle import LoginGuard
from sentient.errors import ApiError
from sentient.ratelimit import Limiter
from sentient.settings import Settings
from sentient.state import AppState
from sentient.whatsapp_wiring import WhatsAppRuntime


def get_state(request: Request) -> AppState:
    """The process's shared clients, built in the lifespan (the only reader of app.state)."""
    state: AppState = request.app.state.sentient
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_app_settings(state: StateDep) -> Settings:
    """The settings the app was built with (tests pass their own to create_app)."""
    return state.settings


def get_session(state: StateDep) -> Iterator[Session]:
    """A read session for one request."""
    with state.sessions() as session:
        yield session


def get_today(settings: Annotated[Settings, Depends(get_app_settings)]) -> date:
    """The business date answers are computed for."""
    return settings.today()


def get_auth(state: StateDep) -> AuthService:
    """Sign-in, refresh and logout."""
    return state.auth


def get_admin(state: StateDep) -> AdminService:
    """Administration: users, roles, the WhatsApp whitelist, sessions and the audit trail."""
    return state.admin


def get_login_guard(state: StateDep) -> LoginGuard:
    """The sign-in throttle (per source, per source + username) and the owner's attack alarm."""
    return state.login_guard


def get_limiter(state: StateDep) -> Limiter:
    """The per-user rate limiter (in-process, or Redis when REDIS_URL is set)."""
    return state.limiter


def get_whatsapp(state: StateDep) -> WhatsAppRuntime:
    """The WhatsApp channel: its settings and the in-process reply worker the webhooks wake."""
    return state.whatsapp


def require_api_key(
    settings: Annotated[Settings, Depends(get_app_settings)],
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """Check X-API-Key (or `Authorization: Bearer <key>`) when API_KEY is set (always in production)."""
    expected = settings.api_key.get_secret_value() if settings.api_key else ""
    given = presented_keys(x_api_key, authorization)[:1]  # X-API-Key wins over a bearer, as before
    if expected and not key_matches(expected, given):
        raise ApiError(401, "unauthorized", "A valid X-API-Key header is required.")


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
TodayDep = Annotated[date, Depends(get_today)]
AuthDep = Annotated[AuthService, Depends(get_auth)]
AdminDep = Annotated[AdminService, Depends(get_admin)]
LimiterDep = Annotated[Limiter, Depends(get_limiter)]
LoginGuardDep = Annotated[LoginGuard, Depends(get_login_guard)]
WhatsAppDep = Annotated[WhatsAppRuntime, Depends(get_whatsapp)]
ApiKeyDep = Depends(require_api_key)
