"""Who a /api/chat request acts as: a signed-in user (bearer token or session cookies) or, with the API key,
the `user` named in the body; the per-user chat rate limit (signed-in users); the cookie CSRF check."""

from __future__ import annotations

from fastapi import Request

from sentient.auth.current import request_caller
from sentient.auth.origin import same_origin
from sentient.auth.service import AuthError, AuthService
from sentient.deps import require_api_key
from sentient.errors import ApiError
from sentient.ratelimit import Limiter
from sentient.state import AppState
from tools.registry import Caller


def resolve_chat_user(
    request: Request, state: AppState, auth: AuthService, limiter: Limiter, body_user: str | None
) -> str | Caller:
    """Who the turn runs as: the signed-in caller (already loaded: the turn does not load it again), or
    the username or phone an API-key client names; raises ApiError (401/403/429) when not allowed."""
    try:
        signed = request_caller(auth, state.sessions, request)
    except AuthError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc
    if signed is not None:
        if "authorization" not in request.headers and not same_origin(request, state.settings):
            # cookie-authenticated from a foreign page: SameSite=Lax aside, refuse it (CSRF)
            raise ApiError(403, "csrf", "Cross-site request refused.")
        if body_user and body_user not in (signed.caller.username, signed.caller.phone):
            raise ApiError(403, "forbidden", "A signed-in user may only chat as themselves.")
        if not limiter.hit("chat", signed.caller.username.lower(), state.settings.rate_chat_per_min):
            raise ApiError(429, "rate_limited", "Too many questions in a minute; wait a moment.")
        return signed.caller
    else:
        # The API key is a trusted service that may act as anyone (benchmarks, integrations): the per-user
        # limit guards people's sessions, not the key.
        require_api_key(
            state.settings, request.headers.get("x-api-key"), request.headers.get("authorization")
        )
        if not body_user:
            raise ApiError(422, "invalid_request", "user: required without a sign-in token")
    return body_user
