"""GET /metrics in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from sentient.deps import StateDep
from sentient.doors import require_metrics_access
from telemetry.metrics import render, set_breaker_state

router = APIRouter(tags=["observability"])


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_metrics_access)])
def metrics(state: StateDep) -> Response:
    """Every metric; the breaker gauge is refreshed from the model's breaker at scrape time (an open
    breaker whose cool-down has passed reads as half-open only when asked)."""
    if state.model.kind != "off":
        breaker = state.model.breaker
        set_breaker_state(breaker.state.value, breaker.name)
    body, content_type = render()
    return Response(body, media_type=content_type)
