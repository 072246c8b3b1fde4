"""`sentient erp demo init|simulate` and `sentient sync run|verify|status` as a user runs them (issue 14)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, func, select, text, update
from sqlalchemy.orm import Session

from tests.erputil import fresh_erp, ro_user
from tests.natsutil import fresh_stream, live_nats
from warehouse.schema import LogAudit, MItem, TSoDetail
from warehouse.seed.calendar import SPEC_TODAY


@pytest.fixture
def backend() -> str:
    """The CLI wiring is the same on both backends (test_erp_sync.py covers both); SQLite keeps it quick."""
    return "sqlite"


@pytest.fixture
def erp_url() -> Iterator[str]:
    """A writing URL on an empty throw-away MariaDB database."""
    with fresh_erp() as (writer, _reader):
        yield writer.url.render_as_string(hide_password=False)


def sentient(
    wh: Engine, erp_url: str, tmp: Path, *args: str, check: bool = True, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATA_DIR": str(tmp),
        "DATABASE_URL": wh.url.render_as_string(hide_password=False),
        "ERP_DATABASE_URL": erp_url,
        "FACTORY_TODAY": SPEC_TODAY.isoformat(),
        "ERP_RO_USER": ro_user(erp_url.rsplit("/", 1)[1]),  # this test's own account, not sentient_ro
    }
    env.pop("NATS_URL", None)
    env.update(extra or {})
    cmd = [sys.executable, "-m", "sentient.cli", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=check)


def test_demo_init_sync_simulate_verify_status(empty_engine: Engine, erp_url: str, tmp_path: Path) -> None:
    run = lambda *a, check=True: sentient(empty_engine, erp_url, tmp_path, *a, check=check)  # noqa: E731
    preview = run("erp", "demo", "init", check=False)
    assert preview.returncode == 1 and "will DROP and recreate 20 tables" in preview.stderr
    assert "nothing done" in preview.stderr
    init = run("erp", "demo", "init", "--yes")
    assert "demo ERP ready: 458 rows" in init.stderr and _reader_url(init.stderr)

    dry = run("sync", "run", "--once", check=False)
    assert dry.returncode == 1 and "458 changed ERP rows" in dry.stderr
    with Session(empty_engine) as s:
        assert s.scalar(select(func.count()).select_from(MItem)) == 0  # the preview wrote nothing
    synced = run("sync", "run", "--once", "--yes")
    assert "synced 458 rows of 458 read" in synced.stderr
    assert run("sync", "verify").returncode == 0

    sim = run("erp", "demo", "simulate", "--changes", "120", "--yes")
    assert "simulated ERP changes" in sim.stdout
    run("sync", "run", "--once", "--yes")
    verified = run("sync", "verify", "--json")
    assert all(json.loads(line)["equal"] for line in verified.stdout.splitlines())
    with Session(empty_engine) as s:
        assert s.scalar(select(func.count()).select_from(TSoDetail)) > 21  # new orders' lines came over
        assert s.scalar(select(func.count()).select_from(LogAudit).where(LogAudit.action == "ERP_SYNC")) == 2

    status = json.loads(run("sync", "status", "--json").stdout)
    assert {m["table"] for m in status["watermarks"]} >= {"sales_order", "so_line", "stock", "invoice"}
    assert len(status["runs"]) == 2 and status["dead_letters"] == 0

    with Session(empty_engine) as s, s.begin():
        s.execute(update(MItem).where(MItem.code == "ITM-003").values(name="tampered"))
    differ = run("sync", "verify", check=False)
    assert differ.returncode == 1 and "ITM-003" in differ.stdout
    unknown = run("sync", "verify", "--table", "nope", check=False)
    assert unknown.returncode == 2 and "unknown ERP table" in unknown.stderr


def _reader_url(out: str) -> str:
    """The read-only ERP_DATABASE_URL `erp demo init` printed (with the account's password)."""
    found = re.search(r"ERP_DATABASE_URL: (mysql://ro_\w+:[^@\s]+@\S+)", " ".join(out.split()))
    assert found, out
    return found.group(1)


def test_the_read_only_account_init_creates_has_a_password_can_sync_but_not_write(
    empty_engine: Engine, erp_url: str, tmp_path: Path
) -> None:
    init = sentient(empty_engine, erp_url, tmp_path, "erp", "demo", "init", "--yes")
    reader = _reader_url(init.stderr)
    assert reader.rsplit("/", 1)[1] == erp_url.rsplit("/", 1)[1]  # the same database
    done = sentient(empty_engine, reader, tmp_path, "sync", "run", "--once", "--yes")
    assert "synced 458 rows" in done.stderr
    refused = sentient(
        empty_engine, reader, tmp_path, "erp", "demo", "simulate", "--changes", "5", "--yes", check=False
    )
    assert refused.returncode != 0 and "denied" in refused.stderr.lower()
    # No password, or the wrong one, gets nothing: the account is not open to anyone who can reach it.
    host_db = reader.split("@", 1)[1]
    user = reader.removeprefix("mysql://").split(":", 1)[0]
    for wrong in (f"mysql://{user}@{host_db}", f"mysql://{user}:nope@{host_db}"):
        denied = sentient(empty_engine, wrong, tmp_path, "sync", "verify", check=False)
        assert denied.returncode != 0 and "access denied" in denied.stderr.lower()
    # A chosen password (a deployment's secret) replaces the generated one; an empty one is refused.
    again = sentient(
        empty_engine, erp_url, tmp_path, "erp", "demo", "init", "--ro-password", "s3cret!", "--yes"
    )
    assert _reader_url(again.stderr) == f"mysql://{user}:s3cret%21@{host_db}"
    chosen = _reader_url(again.stderr)
    assert sentient(empty_engine, chosen, tmp_path, "sync", "verify", "--table", "customer").returncode == 0
    old = sentient(empty_engine, reader, tmp_path, "sync", "verify", "--table", "customer", check=False)
    assert old.returncode != 0 and "access denied" in old.stderr.lower()
    empty = sentient(
        empty_engine, erp_url, tmp_path, "erp", "demo", "init", "--ro-password", "", "--yes", check=False
    )
    assert empty.returncode == 2 and "may not be empty" in empty.stderr


def test_extract_load_and_run_through_jetstream(empty_engine: Engine, erp_url: str, tmp_path: Path) -> None:
    url = live_nats()
    with fresh_stream(url) as stream:
        env = {"NATS_URL": url, "SYNC_STREAM": stream.name}
        run = lambda *a, check=True: sentient(empty_engine, erp_url, tmp_path, *a, check=check, extra=env)  # noqa: E731
        run("erp", "demo", "init", "--yes")
        assert "published 458 events" in run("sync", "extract", "--yes").stderr
        loaded = run("sync", "load", "--yes")
        assert "loaded 458 of 458 events" in loaded.stderr
        assert run("sync", "verify").returncode == 0
        run("erp", "demo", "simulate", "--changes", "60", "--yes")
        cycle = run("sync", "run", "--once", "--yes")  # NATS_URL set: extract -> JetStream -> load
        assert "synced" in cycle.stderr and "0 dead letters" in cycle.stderr
        assert run("sync", "verify").returncode == 0
        status = json.loads(run("sync", "status", "--json").stdout)
        assert [r["mode"] for r in status["runs"]][:2] == ["nats", "nats"]
    with_no_nats = sentient(empty_engine, erp_url, tmp_path, "sync", "extract", "--yes", check=False)
    assert with_no_nats.returncode == 2 and "NATS_URL is not set" in with_no_nats.stderr


def test_a_sync_cycle_fires_the_alert_of_an_oversold_item(
    seeded_engine: Engine, erp_url: str, tmp_path: Path
) -> None:
    run = lambda *a: sentient(seeded_engine, erp_url, tmp_path, *a)  # noqa: E731
    run("erp", "demo", "init", "--yes")
    run("sync", "run", "--once", "--yes")
    writer = create_engine(erp_url)
    with writer.begin() as conn:
        conn.execute(
            text(
                "UPDATE stock SET reserved = 999999, last_modified = :now "
                "WHERE item_code = 'ITM-002' AND loc_code = 'WH-A1'"
            ),
            {"now": datetime.now(ZoneInfo("Asia/Jakarta")).replace(tzinfo=None)},  # the ERP keeps local time
        )
    writer.dispose()
    cycle = run("sync", "run", "--once", "--yes")
    assert "alerts: 1 fired" in cycle.stderr
    with seeded_engine.connect() as conn:
        opened = conn.execute(text("SELECT dedup_key FROM ai_alert WHERE cleared_at IS NULL")).scalars().all()
    assert "stock_oversold:ITM-002:WH-A1" in opened
