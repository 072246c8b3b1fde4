"""`make bench` section "erp_sync": 100,000 ERP row changes end to end, beside raw JetStream, and the lag.

On a scratch MariaDB ERP (the demo business, then BENCH_ERP_CHANGES new rows: sales orders with two lines
each and shift logs, inserted in bulk) and scratch PostgreSQL warehouses:

- through JetStream: `extract` (read, publish, wait for acks, store watermarks) then `load` (durable pull
  consumer, UPSERT per batch, ack after commit) — events/s end to end;
- in process (no NATS): the same extract -> load code, one commit per page;
- the baseline: raw JetStream publish (async, with the same message ids) + pull consume with acks of the
  same messages, no database on either side;
- the lag from an ERP change to an answer that shows it: one edit in the ERP, one in-process sync cycle,
  the assistant asked (the schedule adds up to SYNC_INTERVAL_MIN on top).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, insert, text, update
from sqlalchemy.orm import sessionmaker

from agent.factory import make_agent
from bench import seed_scale
from channels.identity import load_caller
from erp.demo import init_demo
from erp.erpdb import erp_engine, erp_table
from erp.events import Change
from erp.extract import Mark, changes
from erp.jetstream import Stream, connect, ensure_streams, extract_to_stream, load_from_stream
from erp.mapping import BY_NAME
from erp.pipeline import Options, run_once
from erp.verify import verify
from textkit.format import money
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

TZ = ZoneInfo("Asia/Jakarta")
MARIADB = os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/")
NATS = os.environ.get("TEST_NATS_URL", "nats://127.0.0.1:4222")
console = Console()


@contextmanager
def scratch_erp() -> Iterator[Engine]:
    """A new MariaDB database holding the demo business, dropped afterwards."""
    name = f"erp_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(MARIADB)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}`"))
    engine = erp_engine(f"{MARIADB.rstrip('/')}/{name}", read_only=False)
    try:
        init_demo(engine, SPEC_TODAY, TZ)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


def add_changes(erp: Engine, n: int) -> int:
    """About n new ERP rows: a third orders-with-two-lines, the rest shift logs; returns rows written."""
    so, line, log = (
        erp_table(BY_NAME["sales_order"]),
        erp_table(BY_NAME["so_line"]),
        erp_table(BY_NAME["machine_log"]),
    )
    now = datetime.now(TZ).replace(tzinfo=None, microsecond=0)
    orders = n // 9  # 3 rows each: a third of the rows
    logs = n - 3 * orders
    rows = {"so": [], "line": [], "log": []}  # type: dict[str, list[dict[str, Any]]]
    for i in range(orders):
        no, ts = f"SO-B{i:08d}", now + timedelta(seconds=i // 50)  # fifty changes share each second
        rows["so"].append(
            {
                "so_no": no,
                "cust_code": f"CUST-00{i % 5 + 1}",
                "order_date": SPEC_TODAY,
                "due_date": None,
                "total_amount": D(130000),
                "disc_pct": D(0),
                "so_status": "D",
                "approved_date": None,
                "created": ts,
                "last_modified": ts,
                "deleted": 0,
            }
        )
        for n_line in (1, 2):
            rows["line"].append(
                {
                    "so_no": no,
                    "line_no": n_line,
                    "item_code": "ITM-001",
                    "qty": D(1),
                    "price": D(65000),
                    "disc_pct": D(0),
                    "amount": D(65000),
                    "last_modified": ts,
                    "deleted": 0,
                }
            )
    start = date(1990, 1, 1)
    for i in range(logs):
        ts = now + timedelta(seconds=i // 50)
        rows["log"].append(
            {
                "mach_code": f"MCH-00{i % 3 + 1}",
                "log_date": start + timedelta(days=i // 9),
                "shift_no": str(i // 3 % 3 + 1),
                "emp_code": None,
                "plan_min": 480,
                "output_qty": D(900),
                "reject_qty": D(9),
                "downtime_min": D(5),
                "error_code": None,
                "last_modified": ts,
                "deleted": 0,
            }
        )
    with erp.begin() as conn:
        for table, key in ((so, "so"), (line, "line"), (log, "log")):
            for chunk in range(0, len(rows[key]), 5000):
                conn.execute(insert(table), rows[key][chunk : chunk + 5000])
    return sum(len(v) for v in rows.values())


def _read_all(erp: Engine) -> list[Change]:
    """Every ERP row as the extractor would publish it (the baseline publishes exactly these)."""
    out: list[Change] = []
    with erp.connect() as conn:
        for table in BY_NAME.values():
            for page in changes(conn, table, Mark(), timedelta(0), 5000):
                out += page
    return out


async def _raw_jetstream(events: list[Change]) -> tuple[float, float]:
    """Publish (async, dedup ids) then pull-consume with acks the same messages: (publish s, consume s)."""
    stream = Stream(f"ERPRAW{uuid.uuid4().hex[:6].upper()}", "raw")
    nc = await connect(NATS)
    js = nc.jetstream(timeout=30)
    try:
        await ensure_streams(js, stream)
        started = time.perf_counter()
        for chunk in range(0, len(events), 1000):
            futures = [
                await js.publish_async(stream.subject(e.table), e.encode(), headers={"Nats-Msg-Id": e.msg_id})
                for e in events[chunk : chunk + 1000]
            ]
            await asyncio.gather(*futures)
        published = time.perf_counter() - started
        psub = await js.pull_subscribe(f"{stream.prefix}.>", durable="raw", stream=stream.name)
        started, got = time.perf_counter(), 0
        while got < len(events):
            for msg in await psub.fetch(500, timeout=5):
                await msg.ack()
                got += 1
        return published, time.perf_counter() - started
    finally:
        for name in (stream.name, f"{stream.name}_DLQ"):
            await js.delete_stream(name)
        await nc.close()


def _lag_to_answer(erp: Engine, wh: Engine) -> dict[str, float]:
    """One ERP edit -> one in-process cycle -> the assistant's answer shows it: seconds per step."""
    agent = make_agent(sessionmaker(wh), SPEC_TODAY)
    with sessionmaker(wh)() as s:
        director = load_caller(s, "director")
    customer = erp_table(BY_NAME["customer"])
    started = time.perf_counter()
    with erp.begin() as conn:
        conn.execute(
            update(customer)
            .where(customer.c.cust_code == "CUST-005")
            .values(
                credit_limit=D(1_234_000_000),
                last_modified=datetime.now(TZ).replace(tzinfo=None, microsecond=0),
            )
        )
    run_once(erp, wh, TZ, Options(overlap=timedelta(seconds=1)))
    synced = time.perf_counter()
    answer = agent.ask(director, "What is the credit limit of PT Global Tech?", "bench").answer
    done = time.perf_counter()
    assert money(D(1_234_000_000), "en") in answer, answer
    return {
        "sync_cycle_s": round(synced - started, 2),
        "answer_s": round(done - synced, 2),
        "change_to_answer_s": round(done - started, 2),
    }


def erp_sync_section(_args: argparse.Namespace) -> dict[str, Any]:
    """Events/s through JetStream and in process, raw JetStream beside them, and the change->answer lag."""
    n = int(os.environ.get("BENCH_ERP_CHANGES", "100000"))
    admin = os.environ.get("TEST_DATABASE_URL", seed_scale.DEFAULT_ADMIN_URL)
    out: dict[str, Any] = {"changes": n}
    with scratch_erp() as erp:
        out["rows_written"] = add_changes(erp, n)
        events = _read_all(erp)
        out["events"] = len(events)
        with seed_scale.scratch_database(admin) as wh:
            stream = Stream(f"ERPB{uuid.uuid4().hex[:6].upper()}", "bench")
            opts = Options(page=1000)
            started = time.perf_counter()
            published, _dup = asyncio.run(extract_to_stream(NATS, erp, wh, opts, stream))
            extracted = time.perf_counter()
            loaded = asyncio.run(load_from_stream(NATS, wh, TZ, opts, stream, idle_s=3.0))
            done = time.perf_counter() - 3.0  # the idle wait that ends the drain is not work
            assert all(d.equal for d in verify(erp, wh, TZ)), "JetStream run does not verify"
            out["jetstream"] = {
                "published": published,
                "loaded": loaded.applied,
                "extract_s": round(extracted - started, 1),
                "load_s": round(done - extracted, 1),
                "events_per_s": round(published / (done - started)),
            }
            asyncio.run(_drop(stream))
        with seed_scale.scratch_database(admin) as wh:
            seed_base(wh, SPEC_TODAY, TZ)  # users and roles for the assistant; the sync adopts its rows
            started = time.perf_counter()
            report = run_once(erp, wh, TZ, Options(page=1000))
            seconds = time.perf_counter() - started
            assert all(d.equal for d in verify(erp, wh, TZ)), "in-process run does not verify"
            out["in_process"] = {
                "events": report.extracted,
                "seconds": round(seconds, 1),
                "events_per_s": round(report.extracted / seconds),
            }
            out["lag"] = _lag_to_answer(erp, wh)
        pub_s, con_s = asyncio.run(_raw_jetstream(events))
        out["raw_jetstream"] = {
            "messages": len(events),
            "publish_s": round(pub_s, 1),
            "consume_s": round(con_s, 1),
            "msgs_per_s": round(len(events) / (pub_s + con_s)),
        }
    _print(out)
    return out


async def _drop(stream: Stream) -> None:
    nc = await connect(NATS)
    js = nc.jetstream()
    for name in (stream.name, f"{stream.name}_DLQ"):
        await js.delete_stream(name)
    await nc.close()


def _print(out: dict[str, Any]) -> None:
    table = Table("path", "events", "seconds", "events/s", title=f"ERP sync: {out['events']:,} events")
    js, ip, raw = out["jetstream"], out["in_process"], out["raw_jetstream"]
    table.add_row(
        "extract -> JetStream -> load (PostgreSQL)",
        f"{js['published']:,}",
        f"{js['extract_s'] + js['load_s']:,.1f}",
        f"{js['events_per_s']:,}",
    )
    table.add_row(
        "in process, no NATS (PostgreSQL)",
        f"{ip['events']:,}",
        f"{ip['seconds']:,.1f}",
        f"{ip['events_per_s']:,}",
    )
    table.add_row(
        "raw JetStream publish + consume (baseline)",
        f"{raw['messages']:,}",
        f"{raw['publish_s'] + raw['consume_s']:,.1f}",
        f"{raw['msgs_per_s']:,}",
    )
    console.print(table)
    lag = out["lag"]
    console.print(
        f"ERP change -> answer: {lag['change_to_answer_s']:,.2f} s (sync cycle {lag['sync_cycle_s']:,.2f} s, "
        f"answer {lag['answer_s']:,.2f} s), plus up to SYNC_INTERVAL_MIN waiting for the cycle"
    )


if __name__ == "__main__":
    erp_sync_section(argparse.Namespace())
