"""Helpers for the alert tests: config on the spec's day, evaluating on an engine, reading alerts back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from alerts.config import AlertConfig, DispatchConfig
from alerts.routing import QuietHours
from alerts.rules import by_name
from alerts.run import RunReport, run_once
from tests.conftest import TZ
from warehouse.db import make_session_factory
from warehouse.seed.calendar import SPEC_TODAY

DAY = SPEC_TODAY.isoformat()
# 15:00 in Jakarta on the spec's day: outside the default quiet hours.
NOON = datetime.combine(SPEC_TODAY, time(15, 0), TZ).astimezone(UTC)


def config(today: date = SPEC_TODAY, quiet: QuietHours | None = None, **dispatch: Any) -> AlertConfig:
    """Default thresholds and routing on a fixed business date."""
    return AlertConfig(tz=TZ, today=lambda: today, quiet=quiet, dispatch=DispatchConfig(**dispatch))


def evaluate(engine: Engine, *rules: str, now: datetime = NOON, cfg: AlertConfig | None = None) -> RunReport:
    """One evaluation of the named rules (all when none) on the engine."""
    sessions: sessionmaker[Session] = make_session_factory(engine)
    return run_once(sessions, cfg or config(), by_name(list(rules) or None), now=now)


def open_keys(engine: Engine, prefix: str = "") -> dict[str, str]:
    """Open alerts' dedup keys (starting with prefix) and severities."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT dedup_key, severity FROM ai_alert WHERE cleared_at IS NULL AND dedup_key LIKE :p"),
            {"p": f"{prefix}%"},
        )
        return {k: s for k, s in rows}


def cleared_keys(engine: Engine, prefix: str = "") -> set[str]:
    """Cleared alerts' dedup keys."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT dedup_key FROM ai_alert WHERE cleared_at IS NOT NULL AND dedup_key LIKE :p"),
            {"p": f"{prefix}%"},
        )
        return {r[0] for r in rows}


def execute(engine: Engine, sql: str, **params: Any) -> None:
    """Change the crafted data."""
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def outbox(engine: Engine) -> list[Any]:
    """Every queued alert message: phone, body, next attempt, status, dedup key."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT phone, body, next_attempt_at, status, dedup_key FROM msg_outbox "
                    "WHERE kind = 'alert' ORDER BY id"
                )
            )
        )
