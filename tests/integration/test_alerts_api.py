"""GET /api/alerts: each user sees the active alerts of the modules they may read, most severe first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sentient.app import create_app
from sentient.settings import Settings
from tests.integration.alerts_helpers import evaluate


@pytest.fixture
def client(seeded_engine: Engine, spec_today: date) -> Iterator[TestClient]:
    evaluate(seeded_engine)  # the rules' alerts on top of the seed's
    url = seeded_engine.url.render_as_string(hide_password=False)
    settings = Settings(_env_file=None, database_url=url, factory_today=spec_today)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as c:
        yield c


def test_alerts_are_filtered_by_the_callers_permissions(client: TestClient) -> None:
    director = client.get("/api/alerts", params={"user": "director"}).json()
    operator = client.get("/api/alerts", params={"user": "+6281100000004"}).json()
    modules = {a["module"] for a in director["alerts"]}
    assert {"FIN", "PO", "SO", "WO", "MAINT", "INV"} <= modules
    seen = {a["module"] for a in operator["alerts"]}
    assert seen and seen <= {"PROD", "WO", "MAINT"}  # no money, stock, sales or purchasing
    assert operator["total"] < director["total"]
    ranks = ["Critical", "High", "Medium", "Low"]
    order = [ranks.index(a["severity"]) for a in director["alerts"]]
    assert order == sorted(order) and director["critical"] >= 1
    # The dashboard counts the same active alerts (the director may see every module).
    summary = client.get("/api/dashboard/summary").json()
    assert summary["active_alerts"] == director["total"] > 4  # the seed's three and the rules' new ones


def test_severity_filter_and_errors(client: TestClient) -> None:
    high = client.get("/api/alerts", params={"user": "director", "severity": "High"}).json()
    assert high["alerts"] and all(a["severity"] == "High" for a in high["alerts"])
    assert high["total"] == len(high["alerts"])
    unknown = client.get("/api/alerts", params={"user": "nobody"})
    assert unknown.status_code == 403 and unknown.json()["error"]["code"] == "unknown_user"
    assert client.get("/api/alerts", params={"user": "director", "severity": "Huge"}).status_code == 422
