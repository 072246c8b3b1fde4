"""`sentient alerts run` evaluates once and is idempotent; a second run changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text


@pytest.fixture
def backend() -> str:
    """The CLI path is the same on both backends; SQLite keeps this test quick."""
    return "sqlite"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command builds the whole process (sentient/state.py): its data folder stays out of the checkout."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path))


def _run(engine: Engine, today: date, *args: str) -> dict[str, int]:
    env = os.environ | {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FACTORY_TODAY": today.isoformat(),
    }
    cmd = [sys.executable, "-m", "sentient.cli", "alerts", "run", *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=True)
    result: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_alerts_run_twice(seeded_engine: Engine, spec_today: date) -> None:
    first = _run(seeded_engine, spec_today)
    second = _run(seeded_engine, spec_today)
    assert first["fired"] == 10 and first["unchanged"] == 3 and first["messages"] > 0
    assert (second["fired"], second["messages"], second["unchanged"]) == (0, 0, first["findings"])
    with seeded_engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM msg_outbox")) == first["messages"]


def test_unknown_rule_is_a_usage_error(seeded_engine: Engine, spec_today: date) -> None:
    with pytest.raises(subprocess.CalledProcessError) as err:
        _run(seeded_engine, spec_today, "--rule", "nope")
    assert err.value.returncode == 2 and "unknown rule" in err.value.stderr


def test_the_worker_without_twilio_evaluates_and_keeps_messages_queued(
    seeded_engine: Engine, spec_today: date
) -> None:
    # A deployment without Twilio yet: the worker must not exit (a supervisor would restart it for ever);
    # alerts fire for the dashboard and their messages wait, unsent, for Twilio.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")} | {
        "DATABASE_URL": seeded_engine.url.render_as_string(hide_password=False),
        "FACTORY_TODAY": spec_today.isoformat(),
        "LLM_BASE_URL": "off",
    }
    cmd = [sys.executable, "-m", "sentient.cli", "worker", "--seconds", "2"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "TWILIO_ACCOUNT_SID" in done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["sent"] == 0
    with seeded_engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM ai_alert WHERE cleared_at IS NULL"))
        statuses = {s for (s,) in conn.execute(text("SELECT DISTINCT status FROM msg_outbox"))}
    assert statuses == {"queued"}
    only_dispatch = subprocess.run([*cmd, "--no-eval"], env=env, capture_output=True, text=True, timeout=120)
    assert only_dispatch.returncode == 2 and "TWILIO" in only_dispatch.stderr
