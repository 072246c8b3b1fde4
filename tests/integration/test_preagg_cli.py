"""`sentient seed` leaves the rollups fresh; `sentient preagg refresh|status` rebuild and report them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

ROLLUPS = {"agg_sales", "agg_sales_cust", "agg_sales_item", "agg_prod_shift", "agg_prod_machine"}
ROLLUPS.add("agg_prod_machine_shift")


@pytest.fixture
def backend() -> str:
    """The CLI path is the same on both backends (test_preagg*.py cover both); SQLite keeps this quick."""
    return "sqlite"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))


def sentient(engine: Engine, today: date, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FACTORY_TODAY": today.isoformat(),
    }
    cmd = [sys.executable, "-m", "sentient.cli", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=check)


def status(engine: Engine, today: date) -> dict[str, dict[str, object]]:
    lines = sentient(engine, today, "preagg", "status", "--json").stdout.strip().splitlines()
    return {row["rollup"]: row for row in map(json.loads, lines)}


def test_seed_refreshes_the_rollups_once(empty_engine: Engine, spec_today: date) -> None:
    assert not any(row["fresh"] for row in status(empty_engine, spec_today).values())
    first = sentient(empty_engine, spec_today, "seed")
    assert "rollups rebuilt (all days)" in first.stderr
    after = status(empty_engine, spec_today)
    assert set(after) == ROLLUPS and all(row["fresh"] and row["rows"] for row in after.values())
    second = sentient(empty_engine, spec_today, "seed")
    assert "rollups already fresh" in second.stderr
    assert status(empty_engine, spec_today) == after  # not rebuilt: same refreshed_at


def test_refresh_since_and_a_bad_date(seeded_engine: Engine, spec_today: date) -> None:
    done = sentient(seeded_engine, spec_today, "preagg", "refresh", "--since", "2024-12-01")
    assert "rollups rebuilt (days from 2024-12-01)" in done.stderr
    assert all(row["fresh"] for row in status(seeded_engine, spec_today).values())
    bad = sentient(seeded_engine, spec_today, "preagg", "refresh", "--since", "1 Dec", check=False)
    assert bad.returncode == 2 and "not a date" in bad.stderr
