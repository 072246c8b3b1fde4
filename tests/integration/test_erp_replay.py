"""`sentient sync dead-letters` and `--replay` (issue 14): dead letters re-applied, their cause fixed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from erp.demo import init_demo
from erp.erpdb import erp_table
from erp.mapping import BY_NAME
from erp.pipeline import Options, run_once
from erp.replay import replay
from erp.verify import verify
from tests.erputil import fresh_erp
from warehouse.schema import LogAudit, SyncDead, TSoDetail
from warehouse.seed.calendar import SPEC_TODAY

TZ = ZoneInfo("Asia/Jakarta")
ORDER = "SO-202409-0001"
NO_OVERLAP = Options(overlap=timedelta(0))


@pytest.fixture
def backend() -> str:
    """Replay runs the loader's code, tested on both backends in test_erp_sync.py: SQLite keeps it quick."""
    return "sqlite"


def _cli(wh: Engine, erp_url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATA_DIR": str(tmp),
        "DATABASE_URL": wh.url.render_as_string(hide_password=False),
        "ERP_DATABASE_URL": erp_url,
        "FACTORY_TZ": "Asia/Jakarta",
    }
    env.pop("NATS_URL", None)
    cmd = [sys.executable, "-m", "sentient.cli", "sync", "dead-letters", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def _dead(wh: Engine) -> dict[str, tuple[int, int, str]]:
    with Session(wh) as s:
        return {d.erp_key: (d.id, d.attempts, d.reason) for d in s.scalars(select(SyncDead))}


def test_dead_letters_are_listed_and_replayed_once_fixed(empty_engine: Engine, tmp_path: Path) -> None:
    with fresh_erp() as (writer, reader):
        init_demo(writer, SPEC_TODAY, TZ)
        sales = erp_table(BY_NAME["sales_order"])
        with writer.begin() as conn:  # a status letter the mapping refuses: the order and its children die
            conn.execute(update(sales).where(sales.c.so_no == ORDER).values(so_status="Z"))
            # Typed in long ago: no later cycle reads the children again (no overlap reaches them).
            for name in BY_NAME:
                conn.execute(text(f"UPDATE {name} SET last_modified = last_modified - INTERVAL 1 DAY"))
            for name in ("so_line", "invoice", "delivery"):
                conn.execute(
                    text(
                        f"UPDATE {name} SET last_modified = last_modified - INTERVAL 1 DAY WHERE so_no = :o"
                    ),
                    {"o": ORDER},
                )
        run_once(reader, empty_engine, TZ, NO_OVERLAP)
        dead = _dead(empty_engine)
        assert len(dead) == 4 and "not a known status code" in dead[ORDER][2]
        url = reader.url.render_as_string(hide_password=False)

        listed = [
            json.loads(line) for line in _cli(empty_engine, url, tmp_path, "--json").stdout.splitlines()
        ]
        assert sorted(d["key"] for d in listed) == sorted(dead)

        # Replayed before the cause is fixed: a line dies again, with its new reason and one more attempt.
        line_id, attempts, _ = dead[f"{ORDER}|1"]
        again = replay(empty_engine, TZ, [line_id])
        assert [r.outcome for r in again] == ["dead"] and "t_so" in again[0].reason
        assert _dead(empty_engine)[f"{ORDER}|1"][1] == attempts + 1

        # The order is fixed in the ERP and syncs by itself; its children did not change: still dead.
        now = datetime.now(TZ).replace(tzinfo=None, microsecond=0)
        with writer.begin() as conn:
            conn.execute(update(sales).where(sales.c.so_no == ORDER).values(so_status="A", last_modified=now))
        run_once(reader, empty_engine, TZ, NO_OVERLAP)
        assert [d.table for d in verify(reader, empty_engine, TZ) if not d.equal] == [
            "so_line",
            "invoice",
            "delivery",
        ]

        preview = _cli(empty_engine, url, tmp_path, "--replay", "--all")
        assert preview.returncode == 1 and "will re-apply 4 dead letters" in preview.stderr
        assert "nothing done" in preview.stderr and len(_dead(empty_engine)) == 4
        assert _cli(empty_engine, url, tmp_path, "--replay").returncode == 2  # neither ids nor --all

        done = _cli(empty_engine, url, tmp_path, "--replay", "--all", "--yes")
        assert done.returncode == 0, done.stderr
        assert "4 resolved, 0 still dead" in done.stderr and "superseded" in done.stdout  # the order itself
        assert _dead(empty_engine) == {}
        assert all(d.equal for d in verify(reader, empty_engine, TZ))
        with Session(empty_engine) as s:
            audit = s.scalars(select(LogAudit).where(LogAudit.action == "ERP_SYNC_REPLAY")).one()
            assert audit.new_value is not None and '"outcome": "applied"' in audit.new_value
            lines = s.scalar(select(func.count()).select_from(TSoDetail))
        # Replaying the same events again (idempotent): nothing is left to replay, nothing doubles.
        assert replay(empty_engine, TZ, None) == []
        with Session(empty_engine) as s:
            assert s.scalar(select(func.count()).select_from(TSoDetail)) == lines
