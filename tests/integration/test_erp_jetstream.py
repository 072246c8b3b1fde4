"""ERP sync through NATS JetStream (issue 14): dedup ids, durable consumer, dead letters, chaos."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from erp.demo import init_demo
from erp.erpdb import erp_table
from erp.jetstream import CRASH_ENV, LoadReport, Stream, connect, extract_to_stream, load_from_stream
from erp.mapping import BY_NAME
from erp.pipeline import Options
from erp.simulate import simulate
from erp.verify import verify
from tests.erputil import fresh_erp
from tests.natsutil import PrivateNats, fresh_stream, live_nats
from warehouse.schema import SyncDead, SyncKey, TInvMove, TSoDetail
from warehouse.seed.calendar import SPEC_TODAY

TZ = ZoneInfo("Asia/Jakarta")
ROWS = 458  # the sample business in the ERP's tables


@pytest.fixture
def erp() -> Iterator[tuple[Engine, Engine]]:
    """(writer, read-only reader) on a fresh MariaDB ERP holding the sample business."""
    with fresh_erp() as (writer, reader):
        init_demo(writer, SPEC_TODAY, TZ)
        yield writer, reader


@pytest.fixture
def stream() -> Iterator[tuple[str, Stream]]:
    """The shared NATS server's URL and a stream only this test uses."""
    url = live_nats()
    with fresh_stream(url) as s:
        yield url, s


def _extract(
    url: str, reader: Engine, wh: Engine, stream: Stream, opts: Options | None = None
) -> tuple[int, int]:
    return asyncio.run(extract_to_stream(url, reader, wh, opts or Options(), stream, tz=TZ))


def _load(
    url: str, wh: Engine, stream: Stream, opts: Options | None = None, idle_s: float = 1.5
) -> LoadReport:
    return asyncio.run(load_from_stream(url, wh, TZ, opts or Options(), stream, idle_s=idle_s))


def _equal(reader: Engine, wh: Engine) -> bool:
    return all(d.equal for d in verify(reader, wh, TZ))


def _lines(wh: Engine) -> int:
    with Session(wh) as s:
        return int(s.scalar(select(func.count()).select_from(TSoDetail)) or 0)


def test_extract_then_load_through_jetstream_verifies_equal(erp, empty_engine: Engine, stream) -> None:  # type: ignore[no-untyped-def]
    _writer, reader = erp
    url, s = stream
    assert _extract(url, reader, empty_engine, s) == (ROWS, 0)
    report = _load(url, empty_engine, s)
    assert (report.fetched, report.applied, report.dead) == (ROWS, ROWS, 0)
    assert _equal(reader, empty_engine)
    # A re-run that lost its watermarks (a crash before they were stored) publishes no duplicate.
    with Session(empty_engine) as session, session.begin():
        session.execute(text("DELETE FROM sync_watermark"))
    assert _extract(url, reader, empty_engine, s) == (ROWS, ROWS)
    assert _load(url, empty_engine, s).fetched == 0


def test_a_row_deleted_from_the_erp_travels_as_a_delete_event(erp, empty_engine: Engine, stream) -> None:  # type: ignore[no-untyped-def]
    writer, reader = erp
    url, s = stream
    _extract(url, reader, empty_engine, s)
    _load(url, empty_engine, s)
    with writer.begin() as conn:
        conn.execute(text("DELETE FROM stock_move WHERE move_id = 3"))
    published, _dup = _extract(url, reader, empty_engine, s, Options(overlap=timedelta(0)))
    report = _load(url, empty_engine, s)
    assert (report.applied, report.dead) == (1, 0) and published >= 1
    assert _equal(reader, empty_engine)
    with Session(empty_engine) as session:
        wh_id = session.scalar(
            select(SyncKey.wh_id).where(SyncKey.erp_table == "stock_move", SyncKey.erp_key == "3")
        )
        move = session.get(TInvMove, wh_id)
        assert move is not None and move.deleted_at is not None
    # Found once: the next pass publishes no delete for it again.
    assert _load(url, empty_engine, s).fetched == 0
    assert _extract(url, reader, empty_engine, s, Options(overlap=timedelta(0)))[0] == published - 1


def test_an_orphan_line_is_dead_lettered_after_n_attempts(erp, empty_engine: Engine, stream) -> None:  # type: ignore[no-untyped-def]
    writer, reader = erp
    url, s = stream
    with writer.begin() as conn:  # a line whose order the ERP never had: its parent never arrives
        conn.execute(
            insert(erp_table(BY_NAME["so_line"])).values(
                so_no="SO-209901-0001",
                line_no=1,
                item_code="ITM-001",
                qty=1,
                price=1,
                disc_pct=0,
                amount=1,
                last_modified=datetime(2024, 12, 27, 9, 0),
                deleted=0,
            )
        )
    _extract(url, reader, empty_engine, s)
    report = _load(url, empty_engine, s, Options(max_attempts=2), idle_s=3.0)
    assert report.dead == 1 and report.retried == 1
    with Session(empty_engine) as session:
        dead = session.scalars(select(SyncDead)).one()
    assert (dead.erp_key, dead.attempts) == ("SO-209901-0001|1", 2) and "t_so" in dead.reason

    async def dlq_count() -> int:
        nc = await connect(url)
        info = await nc.jetstream().stream_info(f"{s.name}_DLQ")
        await nc.close()
        return int(info.state.messages)

    assert asyncio.run(dlq_count()) == 1


def test_a_loader_killed_mid_batch_loses_and_doubles_nothing(erp, empty_engine: Engine, stream) -> None:  # type: ignore[no-untyped-def]
    _writer, reader = erp
    url, s = stream
    _extract(url, reader, empty_engine, s)
    script = (
        "import asyncio, sys; from zoneinfo import ZoneInfo; from warehouse.db import make_engine;"
        "from erp.jetstream import Stream, load_from_stream; from erp.pipeline import Options;"
        "asyncio.run(load_from_stream(sys.argv[1], make_engine(sys.argv[2]), ZoneInfo('Asia/Jakarta'),"
        "Options(page=100, ack_wait_s=2), Stream(sys.argv[3], 'loader'), idle_s=1.5))"
    )
    wh_url = empty_engine.url.render_as_string(hide_password=False)
    env = {**os.environ, CRASH_ENV: "150"}
    done = subprocess.run(
        [sys.executable, "-c", script, url, wh_url, s.name], env=env, cwd=Path.cwd(), timeout=120
    )
    assert done.returncode == 137  # died holding an uncommitted batch and unacked messages
    report = _load(url, empty_engine, s, Options(page=100, ack_wait_s=2), idle_s=5)
    assert report.fetched == ROWS - 100  # the killed batch came back after ack_wait; the acked one did not
    assert _equal(reader, empty_engine) and _lines(empty_engine) == 21


def _cli_env(wh: Engine, erp_url: str, url: str, s: Stream, tmp: Path) -> dict[str, str]:
    env = os.environ | {
        "DATA_DIR": str(tmp),
        "DATABASE_URL": wh.url.render_as_string(hide_password=False),
        "ERP_DATABASE_URL": erp_url,
        "NATS_URL": url,
        "SYNC_STREAM": s.name,
        "SYNC_BATCH": "5",  # small batches: many commits and acks to die between
        "SYNC_ACK_WAIT_S": "2",
        "FACTORY_TZ": "Asia/Jakarta",
    }
    env.pop(CRASH_ENV, None)  # a real kill, not the hook
    return env


def _acked(url: str, s: Stream) -> tuple[int, int]:
    """(events acknowledged in order so far, events delivered) of the durable consumer (0, 0 before it is)."""

    async def ask() -> tuple[int, int]:
        nc = await connect(url)
        try:
            info = await nc.jetstream().consumer_info(s.name, s.durable)
            return int(info.ack_floor.stream_seq or 0), int(info.delivered.stream_seq or 0)
        except Exception:  # no consumer yet: the loader is starting
            return 0, 0
        finally:
            await nc.close()

    return asyncio.run(ask())


def test_sync_load_sigkilled_while_loading_then_restarted_ends_equal(
    erp, empty_engine: Engine, stream, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    writer, reader = erp
    url, s = stream
    s = Stream(s.name)  # the CLI's durable consumer name
    simulate(writer, 300, TZ, seed=3)  # more events than the sample business alone: a longer load
    published, _dup = _extract(url, reader, empty_engine, s)
    env = _cli_env(empty_engine, reader.url.render_as_string(hide_password=False), url, s, tmp_path)
    cmd = [sys.executable, "-m", "sentient.cli", "sync", "load", "--yes"]
    log = tmp_path / "loader.log"
    with log.open("w") as out:
        loader = subprocess.Popen(cmd, env=env, cwd=Path.cwd(), stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    acked = delivered = 0
    while loader.poll() is None and time.monotonic() < deadline:
        acked, delivered = _acked(url, s)
        if acked >= 50:  # loading: some batches committed and acknowledged, most not yet delivered
            break
        time.sleep(0.02)
    assert loader.poll() is None, f"the loader finished before it could be killed: {log.read_text()}"
    loader.send_signal(signal.SIGKILL)
    assert loader.wait(timeout=30) == -signal.SIGKILL
    assert 50 <= acked < published, (acked, delivered, published)
    with Session(empty_engine) as session:
        loaded_before = session.scalar(select(func.count()).select_from(SyncKey))
    assert loaded_before is not None and 0 < loaded_before < published
    time.sleep(2.5)  # SYNC_ACK_WAIT_S: the killed loader's unacknowledged events are due again
    again = subprocess.run(cmd, env=env, cwd=Path.cwd(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert " 0 dead-lettered" in again.stderr
    assert _equal(reader, empty_engine)  # verify: every table, counts and checksums; no doubled row
    with Session(empty_engine) as session, reader.connect() as conn:
        erp_rows = sum(int(conn.scalar(text(f"SELECT COUNT(*) FROM {t}")) or 0) for t in BY_NAME)
        assert session.scalar(select(func.count()).select_from(SyncKey)) == erp_rows
        assert _lines(empty_engine) == conn.scalar(text("SELECT COUNT(*) FROM so_line"))


def test_two_loaders_at_once_and_a_replay_from_the_start(
    erp, empty_engine: Engine, stream, backend: str
) -> None:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        pytest.skip("SQLite takes one writer at a time: two loaders is a PostgreSQL deployment")
    _writer, reader = erp
    url, s = stream
    _extract(url, reader, empty_engine, s)

    async def both() -> list[LoadReport]:
        opts = Options(page=40)
        return list(
            await asyncio.gather(
                load_from_stream(url, empty_engine, TZ, opts, s, idle_s=2.0),
                load_from_stream(url, empty_engine, TZ, opts, s, idle_s=2.0),
            )
        )

    reports = asyncio.run(both())
    assert sum(r.dead for r in reports) == 0
    assert _equal(reader, empty_engine) and _lines(empty_engine) == 21
    # Replay the whole stream through a new consumer: every event is older than what is loaded.
    replay = _load(url, empty_engine, Stream(s.name, "replayer"))
    assert (replay.fetched, replay.applied) == (ROWS, 0)
    with Session(empty_engine) as session:
        assert session.scalar(select(func.count()).select_from(SyncKey)) == ROWS
    assert _equal(reader, empty_engine)


def test_a_nats_restart_between_extract_and_load(erp, empty_engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _writer, reader = erp
    server = PrivateNats(tmp_path / "js")
    server.start()
    try:
        s = Stream("ERPR", "loader")
        _extract(server.url, reader, empty_engine, s, Options(page=50))
        server.stop()
        with pytest.raises(Exception):  # noqa: B017 - the server is down: no watermark may move
            _extract(server.url, reader, empty_engine, s)
        server.start()  # the same store: the stream and its messages survived
        report = _load(server.url, empty_engine, s)
        assert report.applied == ROWS
        published, duplicates = _extract(server.url, reader, empty_engine, s)  # the overlap re-reads...
        assert published == duplicates  # ...and JetStream keeps none of it: the same message ids
        assert _load(server.url, empty_engine, s).fetched == 0
        assert _equal(reader, empty_engine)
    finally:
        server.stop()
