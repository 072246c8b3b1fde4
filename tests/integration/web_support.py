"""Shared by the web tests: an app on the seeded warehouse, a signed-in client, the demo password."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sentient.app import create_app
from sentient.ratelimit import MemoryLimiter
from sentient.settings import Settings
from sentient.state import AppState
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


def hold_the_windows(app: Any) -> None:
    """Pin the clocks of the app's sign-in and chat limits (state built: inside `with app_client(...)`)
    to the present instant. Their windows are fixed (`now // window_s`), so a boundary can fall between
    any two requests of a test that counts hits and hand out a fresh budget halfway through the count."""
    state: AppState = app.state.sentient
    limiter, guard = state.limiter, state.login_guard
    assert isinstance(limiter, MemoryLimiter), "in-process limits only: Redis counts have no test clock"
    tick, wall = limiter.clock(), guard.clock()
    limiter.clock, guard.clock = (lambda: tick), (lambda: wall)


def sign_in(client: TestClient, username: str, password: str = DEV_PASSWORD) -> None:
    """Sign in through the web form; the client keeps the session cookies."""
    response = client.post("/login", data={"username": username, "password": password, "next": "/"})
    assert response.status_code == 303, response.text


def kpi_value(html: str, name: str) -> str | None:
    """The figure shown on one KPI card."""
    match = re.search(rf'data-kpi="{name}">.*?<p class="value">([^<]*)</p>', html, re.S)
    return match.group(1) if match else None
