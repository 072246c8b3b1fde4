"""Liveness and readiness: /healthz says the process runs, /readyz checks each dependency."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from erp.status import snapshot
from sentient.deps import StateDep
from sentient.state import AppState
from warehouse.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(state: StateDep) -> JSONResponse:
    """Ready when the warehouse answers (503 otherwise); other parts failing make it "degraded"."""
    checks = {
        "database": check_database(state),
        "vector_store": check_vector_store(state),
        "model": check_model(state),  # never 503: without the model answers fall back to the data
        "erp_sync": check_erp_sync(state),  # never 503: a stale sync means old data, not no answers
    }
    # Only the warehouse is critical: without manuals the service still answers every data question.
    if not checks["database"]["ok"]:
        return JSONResponse({"status": "unavailable", "checks": checks}, status_code=503)
    status = "ok" if all(c["ok"] for c in checks.values()) else "degraded"
    return JSONResponse({"status": status, "checks": checks}, status_code=200)


def check_database(state: AppState) -> dict[str, Any]:
    """The warehouse answers a query and is migrated to the code's latest revision."""
    started = time.perf_counter()
    backend = state.engine.dialect.name
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision, head = current_revision(state.engine), head_revision()
    except Exception as exc:  # any driver error means "not ready"; the class name is enough to act on
        return {"ok": False, "backend": backend, "error": type(exc).__name__}
    latency = round((time.perf_counter() - started) * 1000, 1)
    result: dict[str, Any] = {
        "ok": revision == head,
        "backend": backend,
        "revision": revision,
        "latency_ms": latency,
    }
    if revision != head:
        result["error"] = f"database at revision {revision}, code expects {head}: run `sentient db upgrade`"
    return result


def check_vector_store(state: AppState) -> dict[str, Any]:
    """The manuals collection answers; an empty one is reported (and ready: data answers still work)."""
    if state.retrieval is None:
        return {"ok": False, "error": "manual search could not start; see the log"}
    try:
        count = state.retrieval.store().count()
    except Exception as exc:  # the store's own error class is enough to act on
        return {"ok": False, "error": type(exc).__name__}
    backend = "http" if state.settings.chroma_url else "embedded"
    return {"ok": True, "backend": backend, "collection": state.settings.manuals_collection, "chunks": count}


def check_erp_sync(state: AppState) -> dict[str, Any]:
    """The ERP sync's last cycle: recent enough (3 intervals), its lag, events/s, dead letters."""
    try:
        snap = snapshot(state.engine)
    except Exception as exc:  # the database check reports the cause; here the class name is enough
        return {"ok": False, "error": type(exc).__name__}
    if snap is None:
        configured = bool(state.settings.erp_database_url)
        return {"ok": not configured, "configured": configured, "last_run_at": None}
    stale_after = 3 * 60 * state.settings.sync_interval_min
    result: dict[str, Any] = {
        "ok": snap.age_s <= stale_after,
        "configured": True,
        "last_run_at": snap.last_run_at.isoformat(),
        "age_s": snap.age_s,
        "lag_s": snap.lag_s,
        "events_per_s": snap.events_per_s,
        "dead_letters": snap.dead_letters,
    }
    if not result["ok"]:
        result["error"] = (
            f"no sync cycle for {snap.age_s:,.0f} s "
            f"(SYNC_INTERVAL_MIN is {state.settings.sync_interval_min:g})"
        )
    return result


def check_model(state: AppState) -> dict[str, Any]:
    """How the model is reached (off, sidecar, remote), its circuit breaker and the sidecar process."""
    return state.model.snapshot()
