"""Builds the AuthService from settings (the composition root in sentient/state.py calls it once)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from sentient.auth.alarm import AttackAlarm
from sentient.auth.policy import PasswordPolicy
from sentient.auth.service import AuthPolicy, AuthService
from sentient.auth.throttle import FailureCounts, LoginGuard, ThrottlePolicy
from sentient.settings import Settings
from sentient.whatsapp_wiring import make_mailer, twilio_ready


def auth_service_for(settings: Settings, sessions: sessionmaker[Session]) -> AuthService:
    """An AuthService with the settings' token lifetimes."""
    policy = AuthPolicy(
        secret=settings.signing_secret(),
        access_min=settings.access_token_min,
        refresh_days=settings.refresh_token_days,
        passwords=password_policy(settings),
    )
    return AuthService(sessions, policy)


def password_policy(settings: Settings) -> PasswordPolicy:
    """The password rules from PASSWORD_MIN_LENGTH, PASSWORD_EXPIRY_DAYS and PASSWORD_RESET_HOURS."""
    return PasswordPolicy(
        min_length=settings.password_min_length,
        expiry_days=settings.password_expiry_days,
        reset_hours=settings.password_reset_hours,
    )


def login_guard_for(settings: Settings, sessions: sessionmaker[Session]) -> LoginGuard:
    """The sign-in throttle (counts in Redis when REDIS_URL is set) and the owner's attack alarm."""
    policy = ThrottlePolicy(
        per_source_user=settings.login_max_failures,
        per_source=settings.login_ip_max_failures,
        alert_after=settings.login_alert_failures,
        window_s=settings.login_lock_min * 60,
    )
    alarm = AttackAlarm(
        sessions, settings.login_lock_min, make_mailer(settings), whatsapp=twilio_ready(settings)
    )
    return LoginGuard(FailureCounts(settings.redis_url), policy, alarm)


def client_ip(request: Request) -> str:
    """The peer address (a proxy in front should be trusted explicitly before using X-Forwarded-For)."""
    return request.client.host if request.client else ""
