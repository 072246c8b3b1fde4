"""The NATS JetStream path: the extractor publishes, durable pull consumers load (`sync extract|load`).

One stream per deployment (SYNC_STREAM, subjects "<stream>.<table>" lower-cased), a duplicate window
longer than a sync cycle plus the overlap, so a re-run after a crash adds nothing; dead letters go to
"<stream>_dlq.<table>" in a second stream, and to sync_dead in the warehouse for `sync status`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import nats
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from erp.events import Change
from erp.extract import advance, changes, read_marks, save_mark
from erp.load import Failure, apply_batch, refresh_derived
from erp.mapping import TABLES
from erp.pipeline import Options, dead_letter, lag_seconds
from erp.reconcile import gone

log = logging.getLogger(__name__)
DUPLICATE_WINDOW_S = 24 * 3600.0  # a day: longer than any cycle + overlap a deployment would set
CRASH_ENV = "SENTIENT_SYNC_CRASH_AFTER"  # tests: die (like kill -9) after applying this many events


@dataclass(frozen=True)
class Stream:
    """Where change events live: the stream, its subjects, its dead-letter stream, the durable consumer."""

    name: str = "ERP"
    durable: str = "sentient-loader"

    @property
    def prefix(self) -> str:
        """Subject prefix of change events."""
        return self.name.lower()

    @property
    def dlq(self) -> str:
        """Subject prefix of dead letters."""
        return f"{self.prefix}_dlq"

    def subject(self, table: str) -> str:
        """The subject of one ERP table's changes."""
        return f"{self.prefix}.{table}"


async def connect(url: str) -> nats.NATS:
    """A NATS connection that gives up quickly when the server is down (the caller retries next cycle)."""
    return await nats.connect(
        url, connect_timeout=3, max_reconnect_attempts=3, reconnect_time_wait=0.5, allow_reconnect=True
    )


async def ensure_streams(js: JetStreamContext, stream: Stream) -> None:
    """Create the change stream and the dead-letter stream if missing (idempotent)."""
    for name, subjects in (
        (stream.name, [f"{stream.prefix}.>"]),
        (f"{stream.name}_DLQ", [f"{stream.dlq}.>"]),
    ):
        try:
            await js.stream_info(name)
        except NotFoundError:
            await js.add_stream(
                StreamConfig(name=name, subjects=subjects, duplicate_window=DUPLICATE_WINDOW_S)
            )


async def publish(js: JetStreamContext, stream: Stream, batch: list[Change]) -> int:
    """Publish a batch and wait for every ack; returns how many JetStream dropped as duplicates."""
    futures = [
        await js.publish_async(stream.subject(c.table), c.encode(), headers={"Nats-Msg-Id": c.msg_id})
        for c in batch
    ]
    acks = await asyncio.gather(*futures)
    return sum(1 for a in acks if a.duplicate)


async def extract_to_stream(
    url: str,
    erp: Engine,
    wh: Engine,
    opts: Options,
    stream: Stream,
    progress: Callable[[str, int], None] | None = None,
    tz: ZoneInfo | None = None,
) -> tuple[int, int]:
    """One extract pass: changed rows to JetStream; a watermark moves only after its page is acked.

    With `tz` (the ERP's zone) and opts.reconcile, rows DELETEd in the ERP are published as delete events.
    """
    nc = await connect(url)
    published = duplicates = 0
    try:
        js = nc.jetstream(timeout=10)
        await ensure_streams(js, stream)
        with Session(wh) as session:
            marks = read_marks(session)
        with erp.connect() as src:
            for table in TABLES:
                if table.erp not in opts.tables:
                    continue
                mark = marks[table.erp]
                for page in changes(src, table, mark, opts.overlap, opts.page):
                    duplicates += await publish(js, stream, page)
                    published += len(page)
                    mark = advance(mark, page)
                    with Session(wh) as session, session.begin():
                        save_mark(session, table.erp, mark)
                    if progress:
                        progress(table.erp, len(page))
                if (
                    opts.reconcile and tz is not None
                ):  # rows DELETEd in the ERP: delete events on the same subject
                    with Session(wh) as session:
                        deletes, after = gone(src, session, table, mark, tz, opts.page * 10)
                    if deletes:
                        duplicates += await publish(js, stream, deletes)
                        published += len(deletes)
                        with Session(wh) as session, session.begin():
                            save_mark(session, table.erp, after)
    finally:
        await nc.close()
    return published, duplicates


@dataclass
class LoadReport:
    """What a load pass did."""

    fetched: int = 0
    applied: int = 0
    stale: int = 0
    dead: int = 0
    retried: int = 0
    days: set[date] = field(default_factory=set)  # rollup days touched since the last refresh
    oldest_new: str | None = None  # the oldest ERP change (local time) new to the sync that was applied
    lag_s: float | None = None  # from it to the commit, set when the stream is drained


def _refresh(wh: Engine, report: LoadReport) -> None:
    if report.days:
        with Session(wh) as session, session.begin():
            refresh_derived(session, min(report.days))
        report.days = set()


async def load_from_stream(
    url: str,
    wh: Engine,
    tz: ZoneInfo,
    opts: Options,
    stream: Stream,
    idle_s: float = 2.0,
    forever: bool = False,
) -> LoadReport:
    """Pull batches from the durable consumer, apply each in one transaction, ack after commit.

    Stops after `idle_s` without messages unless `forever`. Several loaders may share the consumer.
    """
    nc = await connect(url)
    report, crash_after = LoadReport(), int(os.environ.get(CRASH_ENV, "0") or 0)
    try:
        js = nc.jetstream(timeout=10)
        await ensure_streams(js, stream)
        config = ConsumerConfig(
            durable_name=stream.durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=opts.ack_wait_s,
            deliver_policy=DeliverPolicy.ALL,
            max_ack_pending=20_000,
        )
        psub = await js.pull_subscribe(
            f"{stream.prefix}.>", durable=stream.durable, stream=stream.name, config=config
        )
        while True:
            try:
                msgs = await psub.fetch(opts.page, timeout=idle_s)
            except (TimeoutError, nats.errors.TimeoutError):
                await asyncio.to_thread(_refresh, wh, report)  # drained: rollups once, not per batch
                report.lag_s = lag_seconds(report.oldest_new, tz)
                if forever:
                    continue
                return report
            report.fetched += len(msgs)
            await _load_batch(js, wh, tz, opts, stream, msgs, report, crash_after)
    finally:
        await nc.close()


async def _load_batch(
    js: JetStreamContext,
    wh: Engine,
    tz: ZoneInfo,
    opts: Options,
    stream: Stream,
    msgs: list[Msg],
    report: LoadReport,
    crash_after: int,
) -> None:
    decoded: dict[int, Change] = {}
    dead: list[tuple[Msg, Failure, int]] = []
    for i, msg in enumerate(msgs):
        try:
            decoded[i] = Change.decode(msg.data)
        except ValueError as exc:  # not even an event: dead at once
            dead.append(
                (
                    msg,
                    Failure(
                        Change("?", "?", "", 0, {"raw": msg.data.decode(errors="replace")}), str(exc), False
                    ),
                    msg.metadata.num_delivered,
                )
            )
    by_id = {id(c): i for i, c in decoded.items()}

    def work() -> list[Failure]:
        with Session(wh) as session, session.begin():
            result = apply_batch(session, list(decoded.values()), tz)
            if crash_after and report.applied + result.applied >= crash_after:
                os._exit(137)  # the test's kill -9 in the middle of a batch: nothing committed, nothing acked
            report.applied += result.applied
            report.stale += result.stale
            report.days |= result.days
            if result.oldest_new and (report.oldest_new is None or result.oldest_new < report.oldest_new):
                report.oldest_new = result.oldest_new
            for failure in result.failures:
                msg = msgs[by_id[id(failure.change)]]
                if not failure.retryable or msg.metadata.num_delivered >= opts.max_attempts:
                    dead_letter(session, failure, msg.metadata.num_delivered)
                    dead.append((msg, failure, msg.metadata.num_delivered))
            for _msg, failure, attempts in dead:
                if failure.change.table == "?":
                    dead_letter(session, failure, attempts)
            return result.failures

    try:
        failures = await asyncio.to_thread(work)
    except DBAPIError:  # the warehouse is away or the batch deadlocked: nothing committed, all come back
        log.warning("batch of %d rolled back; redelivering", len(msgs), exc_info=True)
        for msg in msgs:
            await msg.nak(delay=1.0)
        report.retried += len(msgs)
        return
    retry = {by_id[id(f.change)] for f in failures} - {by_id.get(id(d[1].change), -1) for d in dead}
    for msg, failure, attempts in dead:
        await js.publish(
            f"{stream.dlq}.{failure.change.table.replace('?', 'unknown')}",
            msg.data,
            headers={"Sentient-Reason": failure.reason[:500], "Sentient-Attempts": str(attempts)},
        )
        await msg.term()
    report.dead += len(dead)
    for i, msg in enumerate(msgs):
        if i in retry:
            report.retried += 1
            await msg.nak(delay=min(30.0, 0.5 * msg.metadata.num_delivered))
        elif i in decoded and all(d[0] is not msg for d in dead):
            await msg.ack()
