"""POST /api/auth/login, /refresh, /logout and an administrator's forced logout."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from sentient.auth.current import request_caller
from sentient.auth.service import AuthError
from sentient.auth.throttle import Throttled, normalise_username
from sentient.auth.wiring import client_ip
from sentient.deps import AuthDep, LimiterDep, LoginGuardDep, SettingsDep, StateDep
from sentient.errors import ApiError
from warehouse.schema import AdmUser

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginRequest(BaseModel):
    """Username and password."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(BaseModel):
    """A refresh token from a previous sign-in or refresh."""

    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=10, max_length=200)


def as_api_error(exc: AuthError) -> ApiError:
    """An AuthError in the API's one error shape."""
    return ApiError(exc.status, exc.code, exc.message)


@router.post("/login")
def login(
    body: LoginRequest,
    request: Request,
    auth: AuthDep,
    guard: LoginGuardDep,
    limiter: LimiterDep,
    settings: SettingsDep,
) -> dict[str, object]:
    """Exchange a password for an access token (15 minutes) and a refresh token."""
    ip = client_ip(request)
    if not limiter.hit("login", f"{normalise_username(body.username)}|{ip}", settings.rate_login_per_min):
        raise ApiError(
            429, "rate_limited", "Too many sign-in attempts; wait a minute.", {"Retry-After": "60"}
        )
    try:
        pair = guard.login(auth, body.username, body.password, ip, request.headers.get("user-agent"))
    except Throttled as exc:
        raise throttled_error(exc) from exc
    except AuthError as exc:
        raise as_api_error(exc) from exc
    return pair.as_json()


def throttled_error(exc: Throttled) -> ApiError:
    """429 with Retry-After for a source that used up its wrong-password budget."""
    message = "Too many failed sign-ins from this address; try again later."
    return ApiError(429, "rate_limited", message, {"Retry-After": str(exc.retry_after)})


@router.post("/refresh")
def refresh(body: RefreshRequest, request: Request, auth: AuthDep) -> dict[str, object]:
    """Rotate a refresh token: the old one stops working; reusing it ends the whole sign-in."""
    try:
        pair = auth.refresh(body.refresh_token, client_ip(request), request.headers.get("user-agent"))
    except AuthError as exc:
        raise as_api_error(exc) from exc
    return pair.as_json()


@router.post("/logout", status_code=204)
def logout(body: RefreshRequest, request: Request, auth: AuthDep) -> Response:
    """End the sign-in that this refresh token belongs to."""
    found = auth.family_of(body.refresh_token)
    if found:
        auth.logout(found[0], found[1], client_ip(request))
    return Response(status_code=204)


@router.post("/users/{username}/logout")
def force_logout(username: str, request: Request, auth: AuthDep, state: StateDep) -> dict[str, int]:
    """Revoke every session of a user (needs ADMIN.SESSION.MANAGE)."""
    try:
        signed = request_caller(auth, state.sessions, request)
    except AuthError as exc:
        raise as_api_error(exc) from exc
    if signed is None:
        raise ApiError(401, "not_signed_in", "A bearer access token is required.")
    if not signed.caller.may("ADMIN.SESSION.MANAGE"):
        raise ApiError(403, "forbidden", "Not permitted for this role.")
    with state.sessions() as s:
        user_id = s.scalar(select(AdmUser.id).where(AdmUser.username == username))
    if user_id is None:
        raise ApiError(404, "not_found", "No such user.")
    return {"revoked": auth.force_logout(user_id, signed.caller.user_id)}
