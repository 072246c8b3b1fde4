"""GET /api/dashboard/summary: the executive key figures from the warehouse."""

from __future__ import annotations

from fastapi import APIRouter

from sentient.deps import ApiKeyDep, SessionDep, TodayDep
from tools.dashboard import DashboardSummary, dashboard_summary

router = APIRouter(prefix="/api", tags=["dashboard"], dependencies=[ApiKeyDep])


@router.get("/dashboard/summary", response_model=DashboardSummary)
def summary(session: SessionDep, today: TodayDep) -> DashboardSummary:
    """Revenue, pending work, OEE, alerts and cash as of the business date."""
    return dashboard_summary(session, today)
