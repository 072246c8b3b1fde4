"""Shared fixtures: every database test runs on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from tests.dbutil import PG_ADMIN_URL, REQUIRE_PG, fresh_database
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

TZ = ZoneInfo("Asia/Jakarta")
# Apps built by tests answer deterministically unless a test asks for a model: an unset LLM_BASE_URL would
# start the local llama.cpp sidecar in every app's lifespan.
os.environ.setdefault("LLM_BASE_URL", "off")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip PostgreSQL tests without a server, unless REQUIRE_POSTGRES=1 (CI), where they must run."""
    if PG_ADMIN_URL:
        return
    if REQUIRE_PG:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
    skip = pytest.mark.skip(reason="TEST_DATABASE_URL not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend under test."""
    return str(request.param)


@pytest.fixture
def empty_engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty warehouse, new for each test."""
    with fresh_database(backend, tmp_path) as engine:
        yield engine


@pytest.fixture
def seeded_engine(empty_engine: Engine) -> Engine:
    """A warehouse holding the spec's sample data as of the spec's day (2024-12-27), new for each test."""
    seed_base(empty_engine, SPEC_TODAY, TZ)
    return empty_engine


@pytest.fixture(scope="session")
def spec_today() -> date:
    """The business date the sample data is written for."""
    return SPEC_TODAY
