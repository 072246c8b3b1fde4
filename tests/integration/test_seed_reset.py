"""`sentient seed --reset`: a preview that deletes nothing, then with --yes a rebuilt, freshly seeded
warehouse, the append-only audit trail included (PostgreSQL refuses its row deletes by design)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))


def _seed(engine: Engine, today: date, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FACTORY_TODAY": today.isoformat(),
    }
    cmd = [sys.executable, "-m", "sentient.cli", "seed", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(f"SELECT COUNT(*) FROM {table}")) or 0)


def test_reset_previews_then_rebuilds_with_the_audit_trail(seeded_engine: Engine, spec_today: date) -> None:
    seeded_audit, orders = _count(seeded_engine, "log_audit"), _count(seeded_engine, "t_so")
    with seeded_engine.begin() as conn:  # an action since the seed: the audit trail grew, a customer moved
        conn.execute(
            text("INSERT INTO log_audit (action, entity_type, created_at) VALUES ('X', 'm_cust', :t)"),
            {"t": spec_today},
        )
        conn.execute(text("UPDATE m_cust SET credit_lim = 1 WHERE code = 'CUST-001'"))
    preview = _seed(seeded_engine, spec_today, "--reset")
    assert preview.returncode == 1, preview.stderr
    shown = " ".join((preview.stdout + preview.stderr).split())
    assert f"the audit trail's {seeded_audit + 1:,} included" in shown and "Nothing deleted" in shown
    assert _count(seeded_engine, "log_audit") == seeded_audit + 1  # the preview changed nothing

    done = _seed(seeded_engine, spec_today, "--reset", "--yes")
    assert done.returncode == 0, done.stderr
    assert _count(seeded_engine, "log_audit") == seeded_audit and _count(seeded_engine, "t_so") == orders
    with seeded_engine.connect() as conn:
        limit = conn.scalar(text("SELECT credit_lim FROM m_cust WHERE code = 'CUST-001'"))
    assert limit != 1  # the sample data again, not the edit
