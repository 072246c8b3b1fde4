"""GET /api/dashboard/summary equals the figures re-derived by independent SQL, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from sentient.app import create_app
from sentient.settings import Settings
from tests.conftest import TZ
from tests.integration.independent_sql import as_json_numbers, expected_summary
from tools.dashboard import dashboard_summary
from warehouse.seed.base import seed_base


def _client(engine: Engine, today: date, **extra: object) -> TestClient:
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(_env_file=None, database_url=url, factory_today=today, **extra)  # type: ignore[call-arg]
    return TestClient(create_app(settings))


@pytest.fixture
def client(seeded_engine: Engine, spec_today: date) -> Iterator[TestClient]:
    with _client(seeded_engine, spec_today) as c:
        yield c


def test_summary_matches_independent_sql(client: TestClient, seeded_engine: Engine, spec_today: date) -> None:
    response = client.get("/api/dashboard/summary")
    assert response.status_code == 200
    assert response.json() == as_json_numbers(expected_summary(seeded_engine, spec_today))


def test_summary_reproduces_the_spec_figures(client: TestClient) -> None:
    body = client.get("/api/dashboard/summary").json()
    # The spec's sample (1.8 E) where its own data agrees with it; revenue follows the spec's order lines.
    assert body["revenue_last_month"] == 580_000_000
    assert body["revenue_mtd"] == 32_500_000 + 431_200_000  # the two approved December orders
    assert body["revenue_growth_pct"] == -20.1
    assert (
        body["pending_orders"],
        body["active_alerts"],
        body["alerts_critical"],
        body["alerts_warning"],
    ) == (2, 3, 2, 1)
    assert body["cash_balance"] == 1_250_000_000
    assert body["ar_overdue"] == 185_000_000
    assert body["ap_due_7_days"] == 120_000_000
    assert 80 < body["production_oee"] < 95


def test_summary_follows_changes_in_the_warehouse(seeded_engine: Engine, spec_today: date) -> None:
    with seeded_engine.begin() as conn:
        conn.execute(text("UPDATE t_so SET status = 'Approved' WHERE doc_no = 'SO-202412-0002'"))
        conn.execute(text("UPDATE ai_alert SET is_read = :t WHERE severity = 'Critical'"), {"t": True})
    with Session(seeded_engine) as session:
        result = dashboard_summary(session, spec_today)
    assert result.revenue_mtd == Decimal("463700000.00") + Decimal("124250000.00")
    assert result.pending_approvals == 1  # only the PO is left waiting
    assert (result.active_alerts, result.alerts_critical) == (2, 1)
    assert result.model_dump(mode="json") == as_json_numbers(expected_summary(seeded_engine, spec_today))


@pytest.mark.parametrize("today", [date(2025, 3, 1), date(2024, 2, 29), date(2026, 1, 31)])
def test_any_business_day_agrees_with_sql(empty_engine: Engine, today: date) -> None:
    """Seeding for another day (month starts, leap day, month ends) keeps every figure consistent."""
    seed_base(empty_engine, today, TZ)
    with Session(empty_engine) as session:
        result = dashboard_summary(session, today)
    assert result.model_dump(mode="json") == as_json_numbers(expected_summary(empty_engine, today))
    assert result.cash_balance == Decimal(1_250_000_000)
    assert result.ar_overdue == Decimal(185_000_000)
    assert result.ap_due_7_days == Decimal(120_000_000)


def test_api_key_is_enforced_when_configured(seeded_engine: Engine, spec_today: date) -> None:
    with _client(seeded_engine, spec_today, api_key="s3cret") as c:
        assert c.get("/api/dashboard/summary").status_code == 401
        wrong = c.get("/api/dashboard/summary", headers={"X-API-Key": "nope"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "unauthorized"
        assert c.get("/api/dashboard/summary", headers={"X-API-Key": "s3cret"}).status_code == 200
