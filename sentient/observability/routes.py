"""GET /metrics in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from erp.status import snapshot
from sentient.deps import StateDep
from sentient.doors import require_metrics_access
from telemetry.metrics import SYNC_AGE, SYNC_DEAD, SYNC_LAG, SYNC_RATE, render, set_breaker_state

router = APIRouter(tags=["observability"])


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_metrics_access)])
def metrics(state: StateDep) -> Response:
    """Every metric; the breaker gauge is refreshed from the model's breaker at scrape time (an open
    breaker whose cool-down has passed reads as half-open only when asked)."""
    if state.model.kind != "off":
        breaker = state.model.breaker
        set_breaker_state(breaker.state.value, breaker.name)
    _sync_gauges(state.engine)
    body, content_type = render()
    return Response(body, media_type=content_type)


def _sync_gauges(engine: Engine) -> None:
    """The ERP sync's figures, read from the warehouse (the sync worker is another process)."""
    try:
        snap = snapshot(engine)
    except SQLAlchemyError:  # a warehouse blip must not fail the scrape: the gauges keep their last values
        return
    if snap is None:
        return
    SYNC_AGE.set(snap.age_s)
    SYNC_RATE.set(snap.events_per_s)
    SYNC_DEAD.set(snap.dead_letters)
    if snap.lag_s is not None:
        SYNC_LAG.set(snap.lag_s)
