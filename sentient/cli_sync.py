"""`sentient sync extract|load|run|verify|status`: the legacy ERP -> warehouse sync (docs/erp-sync.md)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alerts.run import run_once as evaluate_alerts
from erp.erpdb import erp_engine, erp_table
from erp.extract import read_marks
from erp.mapping import TABLES
from erp.pipeline import Options, RunReport, run_once
from erp.reconcile import due
from erp.status import record_run
from sentient.alerts_wiring import alert_config
from sentient.cli_erp import YesOpt, erp_url
from sentient.db_wiring import build_engine
from sentient.settings import Settings, get_settings
from warehouse.db import make_session_factory
from warehouse.migrate import upgrade
from warehouse.schema import LogAudit, SyncDead, SyncKey, SyncRun, SyncWatermark
from warehouse.types import utcnow

sync_app = typer.Typer(help="ERP -> warehouse sync (NATS JetStream, or in process).", no_args_is_help=True)
console = Console(stderr=True)


def _options(settings: Settings, wh: Engine | None = None) -> Options:
    """The sync knobs from the settings; with the warehouse, whether this cycle reconciles keys."""
    reconcile = False
    if wh is not None:  # the cycle's number counts the cycles any process recorded (sync_run)
        with Session(wh) as session:
            done = int(session.scalar(select(func.count()).select_from(SyncRun)) or 0)
        reconcile = due(done + 1, settings.sync_reconcile_every)
    return Options(
        overlap=timedelta(seconds=settings.sync_overlap_s),
        page=settings.sync_batch,
        max_attempts=settings.sync_max_attempts,
        ack_wait_s=settings.sync_ack_wait_s,
        reconcile=reconcile,
    )


def _audit(wh: Engine, action: str, **detail: object) -> None:
    """One append-only log_audit row per write the sync or the demo made (who: the CLI, no user)."""
    with Session(wh) as session, session.begin():
        session.add(
            LogAudit(
                action=action,
                entity_type="sync_run",
                created_at=utcnow(),
                new_value=json.dumps(detail, sort_keys=True, default=str),
            )
        )


def _pending(erp: Engine, wh: Engine) -> dict[str, int]:
    """Rows changed in the ERP since each table's watermark (what a cycle would read, before the overlap)."""
    from datetime import datetime

    with Session(wh) as session:
        marks = read_marks(session)
    out = {}
    with erp.connect() as conn:
        for table in TABLES:
            src, mark = erp_table(table), marks[table.erp]
            query = select(func.count()).select_from(src)
            if mark.ts:
                query = query.where(src.c.last_modified > datetime.fromisoformat(mark.ts))
            out[table.erp] = int(conn.execute(query).scalar_one())
    return out


def _preview(erp: Engine, wh: Engine, what: str, yes: bool) -> None:
    pending = _pending(erp, wh)
    console.print(
        f"{what}: {sum(pending.values()):,} changed ERP rows since the watermarks "
        f"({', '.join(f'{k} {v:,}' for k, v in pending.items() if v) or 'none'})"
    )
    if not yes:
        console.print("nothing done: add --yes")
        raise typer.Exit(1)


def _engines(settings: Settings) -> tuple[Engine, Engine]:
    wh = build_engine(settings)
    upgrade(wh)
    return erp_engine(erp_url(settings, None, flag=False)), wh


def _require_nats(settings: Settings) -> str:
    if not settings.nats_url:
        console.print("[red]error:[/] NATS_URL is not set; `sentient sync run` extracts and loads in process")
        raise typer.Exit(2)
    return settings.nats_url


@sync_app.command("extract")
def sync_extract(yes: YesOpt = False) -> None:
    """Publish the ERP's changed rows to JetStream (one event per row change); watermarks move after acks."""
    from erp.jetstream import Stream, extract_to_stream

    settings = get_settings()
    url = _require_nats(settings)
    erp, wh = _engines(settings)
    _preview(erp, wh, "will publish", yes)
    published, dup = asyncio.run(
        extract_to_stream(url, erp, wh, _options(settings, wh), Stream(settings.sync_stream), tz=settings.tz)
    )
    console.print(f"published {published:,} events ({dup:,} already in the stream: not stored twice)")


@sync_app.command("load")
def sync_load(
    forever: Annotated[
        bool, typer.Option(help="Keep consuming (else stop when the stream is drained).")
    ] = False,
    yes: YesOpt = False,
) -> None:
    """Consume change events (durable pull consumer), UPSERT, ack after commit; dead-letter poison events."""
    from erp.jetstream import Stream, load_from_stream

    settings = get_settings()
    url = _require_nats(settings)
    wh = build_engine(settings)
    upgrade(wh)
    console.print(f"will UPSERT events of stream {settings.sync_stream} into the warehouse")
    if not yes:
        console.print("nothing done: add --yes")
        raise typer.Exit(1)
    started = utcnow()
    report = asyncio.run(
        load_from_stream(
            url, wh, settings.tz, _options(settings), Stream(settings.sync_stream), forever=forever
        )
    )
    with Session(wh) as session, session.begin():  # the web process reads its figures from here
        record_run(
            session,
            started=started,
            mode="nats",
            extracted=report.fetched,
            loaded=report.applied,
            dead=report.dead,
            lag_s=report.lag_s,
        )
    _audit(wh, "ERP_SYNC_LOAD", fetched=report.fetched, applied=report.applied, dead=report.dead)
    console.print(
        f"loaded {report.applied:,} of {report.fetched:,} events ({report.stale:,} already applied, "
        f"{report.dead:,} dead-lettered, {report.retried:,} to retry)"
    )


def _cycle(settings: Settings, erp: Engine, wh: Engine, alerts: bool = True) -> RunReport:
    """One cycle: through JetStream when NATS_URL is set, else extract -> load in this process."""
    opts = _options(settings, wh)
    if settings.nats_url:
        from erp.jetstream import Stream, extract_to_stream, load_from_stream

        stream, started = Stream(settings.sync_stream), utcnow()
        published, _dup = asyncio.run(
            extract_to_stream(settings.nats_url, erp, wh, opts, stream, tz=settings.tz)
        )
        loaded = asyncio.run(load_from_stream(settings.nats_url, wh, settings.tz, opts, stream))
        finished = utcnow()
        report = RunReport(
            extracted=published,
            applied=loaded.applied,
            stale=loaded.stale,
            dead=loaded.dead,
            lag_s=loaded.lag_s,
            seconds=(finished - started).total_seconds(),
        )
        # The cycle's real span and lag: /metrics and /readyz in the web process derive events/s from it.
        with Session(wh) as session, session.begin():
            record_run(
                session,
                started=started,
                finished=finished,
                mode="nats",
                extracted=published,
                loaded=loaded.applied,
                dead=loaded.dead,
                lag_s=loaded.lag_s,
            )
    else:
        report = run_once(erp, wh, settings.tz, opts)
    _audit(wh, "ERP_SYNC", extracted=report.extracted, applied=report.applied, dead=report.dead)
    if alerts and report.applied:  # the new rows fire (or clear) alerts now, not at the worker's next run
        fired = evaluate_alerts(make_session_factory(wh), alert_config(settings))
        console.print(
            f"alerts: {fired.fired} fired, {fired.cleared} cleared, {fired.messages} messages queued"
        )
    return report


@sync_app.command("run")
def sync_run(
    once: Annotated[bool, typer.Option("--once", help="One cycle, then exit.")] = False,
    interval_min: Annotated[
        float | None, typer.Option(min=0.01, help="Minutes between cycles (default SYNC_INTERVAL_MIN).")
    ] = None,
    alerts: Annotated[
        bool, typer.Option(help="Evaluate the alert rules after a cycle that changed rows.")
    ] = True,
    yes: YesOpt = False,
) -> None:
    """Extract and load on a schedule (default every 10 minutes); through NATS when NATS_URL is set."""
    settings = get_settings()
    erp, wh = _engines(settings)
    _preview(erp, wh, "will sync", yes)
    every = 60 * (interval_min or settings.sync_interval_min)
    while True:
        started = time.monotonic()
        try:
            report = _cycle(settings, erp, wh, alerts)
            lag = f", lag {report.lag_s:,.0f} s" if report.lag_s is not None else ""
            console.print(
                f"synced {report.applied:,} rows of {report.extracted:,} read ({report.stale:,} unchanged, "
                f"{report.dead:,} dead letters) in {report.seconds:,.1f} s{lag}"
            )
        except Exception as exc:  # a down ERP, NATS or warehouse: the next cycle retries from the watermark
            if once:
                raise
            console.print(f"[red]sync cycle failed:[/] {exc}")
        if once:
            return
        time.sleep(max(0.0, every - (time.monotonic() - started)))


@sync_app.command("verify")
def sync_verify(
    table: Annotated[list[str] | None, typer.Option(help="Only this ERP table (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare ERP and warehouse per table (row counts, checksum of mapped columns); exit 1 if they differ."""
    from erp.verify import verify

    settings = get_settings()
    erp, wh = _engines(settings)
    unknown = set(table or ()) - {t.erp for t in TABLES}
    if unknown:
        console.print(
            f"[red]error:[/] unknown ERP table(s) {sorted(unknown)}; known: {[t.erp for t in TABLES]}"
        )
        raise typer.Exit(2)
    diffs = verify(erp, wh, settings.tz, tuple(table) if table else None)
    if as_json:
        for d in diffs:
            typer.echo(
                json.dumps(
                    {
                        "table": d.table,
                        "equal": d.equal,
                        "erp_rows": d.erp_rows,
                        "wh_rows": d.wh_rows,
                        "erp_sum": d.erp_sum,
                        "wh_sum": d.wh_sum,
                        "differing": d.differing,
                    }
                )
            )
    else:
        out = Table(
            "ERP table",
            "ERP rows",
            "warehouse rows",
            "checksums",
            "first differing keys",
            title="sync verify",
        )
        for d in diffs:
            out.add_row(
                d.table,
                f"{d.erp_rows:,}",
                f"{d.wh_rows:,}",
                "equal" if d.equal else "[red]differ[/]",
                ", ".join(d.differing),
            )
        Console().print(out)
    if not all(d.equal for d in diffs):
        raise typer.Exit(1)


@sync_app.command("status")
def sync_status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Watermarks per ERP table, the last cycles (rows, lag) and the dead letters with their reasons."""
    wh = build_engine(get_settings())
    upgrade(wh)
    with Session(wh) as session:
        marks = session.scalars(select(SyncWatermark).order_by(SyncWatermark.erp_table)).all()
        keys = dict(
            session.execute(select(SyncKey.erp_table, func.count()).group_by(SyncKey.erp_table)).all()
        )
        runs = session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(5)).all()
        dead = session.scalars(select(SyncDead).order_by(SyncDead.id.desc()).limit(20)).all()
        dead_total = session.scalar(select(func.count()).select_from(SyncDead)) or 0
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "watermarks": [
                        {
                            "table": m.erp_table,
                            "last_modified": m.last_ts,
                            "key": m.last_key,
                            "events": m.rows_total,
                            "rows": keys.get(m.erp_table, 0),
                        }
                        for m in marks
                    ],
                    "runs": [
                        {
                            "started_at": r.started_at.isoformat(),
                            "mode": r.mode,
                            "extracted": r.extracted,
                            "loaded": r.loaded,
                            "dead": r.dead,
                            "lag_s": r.lag_s,
                        }
                        for r in runs
                    ],
                    "dead_letters": dead_total,
                    "dead": [
                        {"table": d.erp_table, "key": d.erp_key, "attempts": d.attempts, "reason": d.reason}
                        for d in dead
                    ],
                }
            )
        )
        return
    out = Table("ERP table", "watermark (ERP time)", "last key", "events", "rows synced", title="sync status")
    for m in marks:
        out.add_row(m.erp_table, m.last_ts, m.last_key, f"{m.rows_total:,}", f"{keys.get(m.erp_table, 0):,}")
    Console().print(out)
    cycles = Table("started (UTC)", "mode", "read", "loaded", "dead", "lag", title="last cycles")
    for r in runs:
        cycles.add_row(
            f"{r.started_at:%Y-%m-%d %H:%M:%S}",
            r.mode,
            f"{r.extracted:,}",
            f"{r.loaded:,}",
            f"{r.dead:,}",
            f"{r.lag_s:,.0f} s" if r.lag_s is not None else "",
        )
    Console().print(cycles)
    letters = Table("ERP table", "key", "attempts", "reason", title=f"dead letters ({dead_total:,})")
    for d in dead:
        letters.add_row(d.erp_table, d.erp_key, str(d.attempts), d.reason)
    Console().print(letters)


# Its own module (listing and replay are a CLI of their own); registered here with the other sync commands.
from sentient.cli_sync_dead import dead_letters  # noqa: E402

sync_app.command("dead-letters")(dead_letters)
