"""Request id (X-Request-ID in and out) and request latency by route template, as pure ASGI middleware."""

from __future__ import annotations

import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sentient.observability.logs import REQUEST_ID
from telemetry.metrics import HTTP_REQUEST_SECONDS

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestObservability:
    """Accepts a well-formed X-Request-ID (else makes one), echoes it, and times the request by route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one HTTP request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SAFE_ID.match(given) else uuid.uuid4().hex  # never echo arbitrary input
        scope.setdefault("state", {})["request_id"] = rid
        token = REQUEST_ID.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
            route = getattr(scope.get("route"), "path", None) or "unmatched"  # template, not raw path
            HTTP_REQUEST_SECONDS.labels(scope["method"], route, f"{status // 100}xx").observe(
                time.perf_counter() - started
            )
