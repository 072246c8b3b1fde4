"""Who is calling: a bearer access token (API) or the session cookies (web pages), as a tools Caller."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from channels.identity import UnknownUser, load_caller
from sentient.auth.service import AuthError, AuthService, TokenPair
from tools.registry import Caller

ACCESS_COOKIE = "sf_access"
REFRESH_COOKIE = "sf_refresh"


@dataclass(frozen=True)
class Signed:
    """A signed-in caller, its session family, and new tokens when the cookies were silently refreshed."""

    caller: Caller
    family_id: str
    renewed: TokenPair | None = None


def bearer_token(request: Request) -> str | None:
    """The `Authorization: Bearer` value when it looks like a JWT (an API key has no dots)."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = header[7:].strip()
    return token if token.count(".") == 2 else None


def caller_from_token(auth: AuthService, sessions: sessionmaker[Session], token: str) -> Signed:
    """The active user behind a valid access token (AuthError otherwise)."""
    claims = auth.check_access(token)
    with sessions() as s:
        try:
            caller = load_caller(s, claims.username)
        except UnknownUser as exc:
            raise AuthError(401, "invalid_token", "This user can no longer sign in.") from exc
    if caller.user_id != claims.user_id:
        raise AuthError(401, "invalid_token", "Sign in again.")
    return Signed(caller, claims.family_id)


def caller_from_cookies(auth: AuthService, sessions: sessionmaker[Session], request: Request) -> Signed:
    """The web caller: the access cookie, else a silent refresh with the refresh cookie (rotated)."""
    access = request.cookies.get(ACCESS_COOKIE)
    if access:
        try:
            return caller_from_token(auth, sessions, access)
        except AuthError:
            pass  # expired or revoked: try the refresh token below
    refresh = request.cookies.get(REFRESH_COOKIE)
    if not refresh:
        raise AuthError(401, "not_signed_in", "Please sign in.")
    ip = request.client.host if request.client else None
    pair = auth.refresh(refresh, ip, request.headers.get("user-agent"))
    signed = caller_from_token(auth, sessions, pair.access_token)
    return Signed(signed.caller, signed.family_id, renewed=pair)


def request_caller(auth: AuthService, sessions: sessionmaker[Session], request: Request) -> Signed | None:
    """A bearer token if given, else the cookies; None when the request carries neither."""
    token = bearer_token(request)
    if token:
        return caller_from_token(auth, sessions, token)
    if request.cookies.get(ACCESS_COOKIE) or request.cookies.get(REFRESH_COOKIE):
        return caller_from_cookies(auth, sessions, request)
    return None
