"""Doors besides /api: /metrics and FastAPI's /docs, /redoc and /openapi.json need a key once one is set."""

from __future__ import annotations

import json

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from sentient.auth.keys import key_matches, presented_keys
from sentient.deps import SettingsDep
from sentient.errors import ApiError, error_body
from sentient.settings import Settings

DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")  # /docs/oauth2-redirect too (prefix match)


def may_scrape(settings: Settings, x_api_key: str | None, authorization: str | None) -> bool:
    """/metrics is open only while neither API_KEY nor METRICS_TOKEN is set (development)."""
    keys = [s.get_secret_value() for s in (settings.api_key, settings.metrics_token) if s is not None]
    if not keys:
        return True
    given = presented_keys(x_api_key, authorization)
    return any(key_matches(key, given) for key in keys)


def require_metrics_access(request: Request, settings: SettingsDep) -> None:
    """401 unless the scraper presents the API key or METRICS_TOKEN (when either is set)."""
    if not may_scrape(settings, request.headers.get("x-api-key"), request.headers.get("authorization")):
        raise ApiError(401, "unauthorized", "Metrics need the API key or METRICS_TOKEN as a bearer token.")


class DocsGate:
    """FastAPI's schema and explorer describe every route: with API_KEY set they need the key too."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.key = settings.api_key.get_secret_value() if settings.api_key else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401 on a docs path without the key; pass everything else through."""
        if scope["type"] != "http" or not self.key or not scope["path"].startswith(DOCS_PATHS):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if key_matches(self.key, presented_keys(headers.get("x-api-key"), headers.get("authorization"))):
            await self.app(scope, receive, send)
            return
        body = json.dumps(error_body("unauthorized", "The API schema needs the API key.")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
