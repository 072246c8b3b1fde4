"""Access tokens (JWT, HS256, signed with SECRET_KEY) and opaque refresh tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"
ISSUER = "sentient-factory"
_SKEW_S = 60  # replicas' clocks may differ a little; a token "issued" further ahead is forged


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token says: the user, their session family and when it expires."""

    user_id: int
    username: str
    family_id: str
    expires_at: datetime


class InvalidToken(Exception):
    """The token is malformed, forged, expired or of the wrong kind."""


def signing_key(secret: str) -> bytes:
    """A 256-bit key for access tokens only, derived from SECRET_KEY (key separation; any length in)."""
    return hmac.new(secret.encode(), b"sentient-access-token-v1", hashlib.sha256).digest()


def issue_access(
    secret: str, user_id: int, username: str, family_id: str, now: datetime, minutes: int
) -> tuple[str, datetime]:
    """A signed access token valid for `minutes`, and its expiry."""
    expires = now + timedelta(minutes=minutes)
    claims = {
        "sub": str(user_id),
        "usr": username,
        "sid": family_id,
        "typ": "access",
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, signing_key(secret), algorithm=ALGORITHM), expires


def decode_access(secret: str, token: str, now: datetime, max_minutes: int) -> AccessClaims:
    """The claims of a valid access token (checked against `now`), else InvalidToken.

    A token that claims a longer life than `max_minutes` is refused whatever its `exp` says: we never
    issue one, so it was made with a leaked key or by a bug, and it must not outlive a revocation window.
    """
    try:
        claims = jwt.decode(
            token,
            signing_key(secret),
            algorithms=[ALGORITHM],  # pinned: never accept "none" or an asymmetric confusion
            issuer=ISSUER,
            options={
                "require": ["exp", "iat", "sub", "sid", "typ"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    # Expiry is checked against our clock (tests move it), not the wall clock.
    if claims.get("typ") != "access" or int(claims["exp"]) <= int(now.timestamp()):
        raise InvalidToken("expired or not an access token")
    issued, expires = int(claims["iat"]), int(claims["exp"])
    if expires - issued > max_minutes * 60 or issued > int(now.timestamp()) + _SKEW_S:
        raise InvalidToken("lifetime longer than ACCESS_TOKEN_MIN or issued in the future")
    return AccessClaims(
        user_id=int(claims["sub"]),
        username=str(claims.get("usr", "")),
        family_id=str(claims["sid"]),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo),
    )


def new_refresh_token() -> str:
    """A fresh, unguessable refresh token (shown to the client once)."""
    return secrets.token_urlsafe(32)


def hash_refresh(token: str) -> str:
    """The stored form of a refresh token: SHA-256 is enough for 256 random bits (no brute force)."""
    return hashlib.sha256(token.encode()).hexdigest()
