"""Hands the AuthService and rate limiter to requests; built once per app, next to AppState."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sentient.auth.service import AuthPolicy, AuthService
from sentient.ratelimit import Limiter, make_limiter
from sentient.settings import Settings


def auth_service_for(settings: Settings, sessions: object) -> AuthService:
    """An AuthService with the settings' lifetimes and lockout rules."""
    policy = AuthPolicy(
        secret=settings.secret_key.get_secret_value(),
        access_min=settings.access_token_min,
        refresh_days=settings.refresh_token_days,
        max_failures=settings.login_max_failures,
        lock_min=settings.login_lock_min,
    )
    return AuthService(sessions, policy)  # type: ignore[arg-type]


def get_auth(request: Request) -> AuthService:
    """The app's AuthService (created on first use from the app's state)."""
    app_state = request.app.state
    svc: AuthService | None = getattr(app_state, "auth", None)
    if svc is None:
        state = app_state.sentient
        svc = auth_service_for(state.settings, state.sessions)
        app_state.auth = svc
    return svc


def get_limiter(request: Request) -> Limiter:
    """The app's rate limiter (in-process, or Redis when REDIS_URL is set)."""
    app_state = request.app.state
    limiter: Limiter | None = getattr(app_state, "limiter", None)
    if limiter is None:
        limiter = make_limiter(app_state.sentient.settings.redis_url)
        app_state.limiter = limiter
    return limiter


def client_ip(request: Request) -> str:
    """The peer address (a proxy in front should be trusted explicitly before using X-Forwarded-For)."""
    return request.client.host if request.client else ""


AuthDep = Annotated[AuthService, Depends(get_auth)]
LimiterDep = Annotated[Limiter, Depends(get_limiter)]
