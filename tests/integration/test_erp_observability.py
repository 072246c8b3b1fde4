"""/readyz and /metrics show the ERP sync: its last cycle, lag, events/s and dead letters (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text, update

from erp.demo import init_demo
from erp.erpdb import erp_table
from erp.mapping import BY_NAME
from erp.pipeline import run_once
from sentient.app import create_app
from sentient.settings import Settings
from tests.erputil import fresh_erp
from tests.natsutil import fresh_stream, live_nats
from warehouse.schema import SyncRun
from warehouse.seed.calendar import SPEC_TODAY
from warehouse.types import utcnow

TZ = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def backend() -> str:
    """The routes read the same tables on both backends; SQLite keeps this quick."""
    return "sqlite"


def _settings(engine: Engine, tmp_path: Path, erp_url: str | None) -> Settings:
    url = engine.url.render_as_string(hide_password=False)
    return Settings(_env_file=None, data_dir=tmp_path, database_url=url, erp_database_url=erp_url)  # type: ignore[call-arg]


def test_readyz_and_metrics_show_the_sync(empty_engine: Engine, tmp_path: Path) -> None:
    with fresh_erp() as (writer, reader):
        erp_url = writer.url.render_as_string(hide_password=False)
        with TestClient(create_app(_settings(empty_engine, tmp_path, erp_url))) as client:
            never = client.get("/readyz").json()
            assert never["checks"]["erp_sync"] == {"ok": False, "configured": True, "last_run_at": None}
            assert never["status"] == "degraded"

            init_demo(writer, SPEC_TODAY, TZ)
            sales = erp_table(BY_NAME["sales_order"])
            with writer.begin() as conn:  # one poison row for the dead-letter gauge
                conn.execute(update(sales).where(sales.c.so_no == "SO-202409-0001").values(so_status="Z"))
            run_once(reader, empty_engine, TZ)
            ready = client.get("/readyz").json()["checks"]["erp_sync"]
            # The order, and its line, invoice and delivery (their parent never arrived): four dead letters.
            assert ready["ok"] and ready["dead_letters"] == 4 and ready["events_per_s"] > 0
            metrics = client.get("/metrics").text
            assert "sentient_sync_dead_letters 4.0" in metrics
            assert "sentient_sync_events_per_second" in metrics and "sentient_sync_age_seconds" in metrics

            with empty_engine.begin() as conn:  # the sync worker stopped 31 minutes ago (interval 10)
                old = utcnow() - timedelta(minutes=31)
                conn.execute(update(SyncRun).values(finished_at=old, started_at=old))
            stale = client.get("/readyz").json()
            assert (
                stale["status"] == "degraded" and "no sync cycle for" in stale["checks"]["erp_sync"]["error"]
            )


def _cli(wh: Engine, erp_url: str, tmp: Path, env: dict[str, str], *args: str) -> str:
    """`sentient …` in its own process (as the sync worker runs beside the web app); its stderr."""
    full = (
        os.environ
        | env
        | {"DATA_DIR": str(tmp), "DATABASE_URL": wh.url.render_as_string(hide_password=False)}
    )
    full |= {"ERP_DATABASE_URL": erp_url, "FACTORY_TZ": "Asia/Jakarta"}
    cmd = [sys.executable, "-m", "sentient.cli", *args]
    return subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=300, check=True).stderr


def _metric(text: str, name: str) -> float:
    return float(next(line.split()[1] for line in text.splitlines() if line.startswith(f"{name} ")))


def test_the_web_process_shows_what_a_jetstream_sync_in_another_process_did(
    empty_engine: Engine, tmp_path: Path
) -> None:
    url = live_nats()
    with fresh_erp() as (writer, reader), fresh_stream(url) as stream:
        erp_url = reader.url.render_as_string(hide_password=False)
        env = {"NATS_URL": url, "SYNC_STREAM": stream.name}
        init_demo(writer, SPEC_TODAY, TZ)
        with writer.begin() as conn:  # the sample business was typed in yesterday: the edits below are newer
            for name in BY_NAME:
                conn.execute(text(f"UPDATE {name} SET last_modified = last_modified - INTERVAL 1 DAY"))
        _cli(empty_engine, erp_url, tmp_path, env, "sync", "run", "--once", "--yes", "--no-alerts")
        customer = erp_table(BY_NAME["customer"])
        edited = datetime.now(TZ).replace(tzinfo=None, microsecond=0) - timedelta(seconds=40)
        with writer.begin() as conn:  # an ERP edit made 40 s before the next cycle reads it
            conn.execute(
                update(customer)
                .where(customer.c.cust_code == "CUST-002")
                .values(address="Jl. Lain 1", last_modified=edited)
            )
        with TestClient(create_app(_settings(empty_engine, tmp_path, erp_url))) as client:
            out = _cli(empty_engine, erp_url, tmp_path, env, "sync", "run", "--once", "--yes", "--no-alerts")
            assert "lag 4" in out  # the cycle's own report: 40-odd seconds
            ready = client.get("/readyz").json()["checks"]["erp_sync"]
            assert ready["ok"] and 40 <= ready["lag_s"] < 300, ready
            # events/s from the cycle's real span (it was 1,000 x the event count with a zero-length span)
            assert 0 < ready["events_per_s"] < 20_000 and ready["age_s"] < 60, ready
            metrics = client.get("/metrics").text
            assert 40 <= _metric(metrics, "sentient_sync_lag_seconds") < 300
            # Split deployment: `sync extract` and `sync load` as two processes; the loader records the lag.
            with writer.begin() as conn:
                conn.execute(
                    update(customer)
                    .where(customer.c.cust_code == "CUST-003")
                    .values(address="Jl. Lain 2", last_modified=edited + timedelta(seconds=10))
                )
            _cli(empty_engine, erp_url, tmp_path, env, "sync", "extract", "--yes")
            loaded = _cli(empty_engine, erp_url, tmp_path, env, "sync", "load", "--yes")
            assert "loaded 1 of" in loaded, loaded
            after = client.get("/readyz").json()["checks"]["erp_sync"]
            assert 30 <= after["lag_s"] < 300 and after["last_run_at"] > ready["last_run_at"], after


def test_without_an_erp_the_sync_check_is_ok(empty_engine: Engine, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(empty_engine, tmp_path, None))) as client:
        check = client.get("/readyz").json()["checks"]["erp_sync"]
    assert check == {"ok": True, "configured": False, "last_run_at": None}
