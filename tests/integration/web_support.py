"""Shared by the web tests: an app on the seeded warehouse, a signed-in client, the demo password."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sentient.app import create_app
from sentient.settings import Settings
from warehouse.seed.access import DEV_PASSWORD

API_KEY = "k3y"


def web_settings(engine: Engine, today: date, data_dir: Path, **extra: object) -> Settings:
    """Settings for an app on this warehouse, with an API key set (as in production)."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=engine.url.render_as_string(hide_password=False),
        factory_today=today,
        data_dir=data_dir,
        **{"api_key": API_KEY, **extra},  # type: ignore[arg-type]
    )


def app_client(settings: Settings) -> TestClient:
    """A TestClient (enter it with `with`) that does not follow redirects."""
    return TestClient(create_app(settings), follow_redirects=False)


def sign_in(client: TestClient, username: str, password: str = DEV_PASSWORD) -> None:
    """Sign in through the web form; the client keeps the session cookies."""
    response = client.post("/login", data={"username": username, "password": password, "next": "/"})
    assert response.status_code == 303, response.text


def kpi_value(html: str, name: str) -> str | None:
    """The figure shown on one KPI card."""
    match = re.search(rf'data-kpi="{name}">.*?<p class="value">([^<]*)</p>', html, re.S)
    return match.group(1) if match else None
