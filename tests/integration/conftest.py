"""Fixtures shared by the tool tests: a session on the seeded warehouse and `run`, which executes a
registered tool as one of the seeded roles (seeded_engine and spec_today come from tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.integration.toolkit import RunTool, role_caller
from tools.registry import REGISTRY, ToolContext, ToolResult


@pytest.fixture
def session(seeded_engine: Engine) -> Iterator[Session]:
    """A session on the seeded warehouse, closed after the test."""
    with Session(seeded_engine) as s:
        yield s


@pytest.fixture
def default_role() -> str:
    """The role `run` acts as when a test names none; a test module overrides this fixture to change it."""
    return "DIRECTOR"


@pytest.fixture
def run(seeded_engine: Engine, session: Session, spec_today: date, default_role: str) -> RunTool:
    """Run a tool on the seeded warehouse as a seeded role (default_role unless `role` is given), in a
    ToolContext on `session` and the spec's day; other keyword arguments set further ToolContext fields
    (reject_threshold_pct, shift_plan_min)."""

    def call(name: str, args: dict[str, Any], role: str | None = None, **context: Any) -> ToolResult:
        ctx = ToolContext(session, spec_today, **context)
        return REGISTRY.execute(name, args, role_caller(seeded_engine, role or default_role), ctx)

    return call


# The retrieval quality run embeds the whole LinuxCNC corpus with the real model (minutes on 2 CPU cores):
# it is a benchmark, run by `make bench` or with RUN_QUALITY=1, not part of every test run.
collect_ignore = [] if os.environ.get("RUN_QUALITY") == "1" else ["test_retrieval_quality.py"]
