"""AuthService on the seeded warehouse with a clock the tests move: lock expiry, token lifetimes, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from sentient.auth.service import AuthError, AuthPolicy, AuthService
from warehouse.seed.access import DEV_PASSWORD

T0 = datetime(2024, 12, 27, 1, 0, tzinfo=UTC)


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(seeded_engine: Engine, clock: Clock) -> AuthService:
    return AuthService(sessionmaker(seeded_engine), AuthPolicy(secret="it-secret"), clock)


def _codes(call: object) -> str:
    with pytest.raises(AuthError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


def test_failures_never_lock_the_account_in_the_service(auth: AuthService, seeded_engine: Engine) -> None:
    """Locking on failures let any stranger lock the owner out; the throttle slows sources instead."""
    for _ in range(12):
        assert _codes(lambda: auth.login("jane.smith", "nope")) == "invalid_credentials"
    assert auth.login("jane.smith", DEV_PASSWORD).username == "jane.smith"
    with seeded_engine.connect() as conn:
        until = conn.execute(text("SELECT locked_until FROM adm_user WHERE username = 'jane.smith'")).scalar()
    assert until is None


def test_an_administrators_lock_still_refuses(auth: AuthService, seeded_engine: Engine, clock: Clock) -> None:
    with seeded_engine.begin() as conn:
        conn.execute(
            text("UPDATE adm_user SET locked_until = :t WHERE username = 'john.doe'"),
            {"t": T0 + timedelta(minutes=10)},
        )
    assert _codes(lambda: auth.login("john.doe", DEV_PASSWORD)) == "account_locked"
    clock.now = T0 + timedelta(minutes=11)
    assert auth.login("john.doe", DEV_PASSWORD).username == "john.doe"


def test_access_token_lives_fifteen_minutes_refresh_token_seven_days(auth: AuthService, clock: Clock) -> None:
    pair = auth.login("director", DEV_PASSWORD)
    clock.now = T0 + timedelta(minutes=14)
    assert auth.check_access(pair.access_token).username == "director"
    clock.now = T0 + timedelta(minutes=15, seconds=1)
    assert _codes(lambda: auth.check_access(pair.access_token)) == "invalid_token"
    clock.now = T0 + timedelta(days=7, seconds=1)
    assert _codes(lambda: auth.refresh(pair.refresh_token)) == "invalid_token"


def test_inactive_and_unknown_users_fail_alike_and_no_password_is_logged(
    auth: AuthService, seeded_engine: Engine
) -> None:
    assert _codes(lambda: auth.login("resigned", DEV_PASSWORD)) == "invalid_credentials"
    assert _codes(lambda: auth.login("nobody", "hunter2-secret")) == "invalid_credentials"
    with seeded_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT user_id, new_value FROM log_audit WHERE action = 'LOGIN_FAILED' ORDER BY id")
        ).all()
    assert len(rows) == 2 and rows[0][0] is not None and rows[1][0] is None
    assert all("hunter2" not in (v or "") and DEV_PASSWORD not in (v or "") for _, v in rows)


def test_logout_revokes_every_token_of_the_sign_in(auth: AuthService) -> None:
    pair = auth.login("director", DEV_PASSWORD)
    rotated = auth.refresh(pair.refresh_token)
    family = auth.family_of(rotated.refresh_token)
    assert family is not None
    auth.logout(*family)
    assert _codes(lambda: auth.check_access(rotated.access_token)) == "session_revoked"
    assert _codes(lambda: auth.refresh(rotated.refresh_token)) == "invalid_token"
    other = auth.login("director", DEV_PASSWORD)  # another sign-in of the same user is unaffected
    assert auth.check_access(other.access_token).username == "director"
