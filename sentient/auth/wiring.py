"""Builds the AuthService from settings (the composition root in sentient/state.py calls it once)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from sentient.auth.service import AuthPolicy, AuthService
from sentient.settings import Settings


def auth_service_for(settings: Settings, sessions: sessionmaker[Session]) -> AuthService:
    """An AuthService with the settings' lifetimes and lockout rules."""
    policy = AuthPolicy(
        secret=settings.signing_secret(),
        access_min=settings.access_token_min,
        refresh_days=settings.refresh_token_days,
        max_failures=settings.login_max_failures,
        lock_min=settings.login_lock_min,
    )
    return AuthService(sessions, policy)


def client_ip(request: Request) -> str:
    """The peer address (a proxy in front should be trusted explicitly before using X-Forwarded-For)."""
    return request.client.host if request.client else ""
