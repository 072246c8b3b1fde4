"""GET /api/alerts: the active alerts one user may see (module permissions), most severe first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from channels.identity import UnknownUser, load_caller
from sentient.deps import ApiKeyDep, SessionDep, SettingsDep, TodayDep
from sentient.errors import ApiError
from tools.alerts import ActiveAlerts, Severity
from tools.registry import REGISTRY, ToolContext

router = APIRouter(prefix="/api", tags=["alerts"], dependencies=[ApiKeyDep])


@router.get("/alerts", response_model=ActiveAlerts)
def alerts(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    user: Annotated[str, Query(min_length=1, max_length=64, description="Username or E.164 phone.")],
    severity: Severity | None = None,
) -> ActiveAlerts:
    """Active (unread, not cleared) alerts of the modules this user may read, with counts by severity."""
    try:
        caller = load_caller(session, user)
    except UnknownUser as exc:
        raise ApiError(403, "unknown_user", "No active user with that name or phone number.") from exc
    ctx = ToolContext(session, today, reject_threshold_pct=settings.reject_rate_threshold_pct)
    result = REGISTRY.execute("active_alerts", {"severity": severity}, caller, ctx)
    if not result.ok:
        status = 403 if result.error == "forbidden" else 400
        raise ApiError(status, result.error or "error", result.message or "")
    data: ActiveAlerts = result.data
    return data
