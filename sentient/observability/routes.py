"""GET /metrics in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from telemetry.metrics import render, set_breaker_state

router = APIRouter(tags=["observability"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Every metric; the breaker gauge is refreshed from the app's breaker (if any) at scrape time."""
    state = getattr(request.app.state, "sentient", None)
    breaker = getattr(state, "breaker", None)
    if breaker is not None:
        set_breaker_state(str(getattr(breaker, "state", "open")))
    body, content_type = render()
    return Response(body, media_type=content_type)
