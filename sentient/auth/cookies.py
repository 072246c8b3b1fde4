"""The web session cookies: HttpOnly (no script reads them) and SameSite=Lax (no cross-site POSTs)."""

from __future__ import annotations

from starlette.responses import Response

from sentient.auth.current import ACCESS_COOKIE, REFRESH_COOKIE
from sentient.auth.service import TokenPair


def set_session_cookies(
    response: Response, pair: TokenPair, secure: bool, access_min: int, days: int
) -> None:
    """Store a token pair in the browser."""
    common = {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}
    response.set_cookie(ACCESS_COOKIE, pair.access_token, max_age=access_min * 60, **common)  # type: ignore[arg-type]
    response.set_cookie(REFRESH_COOKIE, pair.refresh_token, max_age=days * 86400, **common)  # type: ignore[arg-type]


def clear_session_cookies(response: Response) -> None:
    """Forget the tokens in the browser."""
    response.delete_cookie(ACCESS_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path="/")
