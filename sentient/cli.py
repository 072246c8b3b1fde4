"""The `sentient` command line: migrate, seed, serve and inspect the warehouse."""

from __future__ import annotations

import json
import logging
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from retrieval.quarantine import QuarantineRow
from sentient.cli_admin import audit_app, roles_app, users_app
from sentient.cli_alerts import alerts_app, worker
from sentient.cli_erp import erp_app
from sentient.cli_preagg import preagg_app, refresh_rollups
from sentient.cli_sync import sync_app
from sentient.cli_whatsapp import whatsapp_worker
from sentient.db_wiring import build_engine
from sentient.settings import get_settings

app = typer.Typer(help="Sentient Factory: the factory's assistant.", no_args_is_help=True)
db_app = typer.Typer(help="Warehouse schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(alerts_app, name="alerts")  # `sentient alerts run` (sentient/cli_alerts.py)
app.add_typer(preagg_app, name="preagg")  # `sentient preagg refresh|status` (sentient/cli_preagg.py)
app.add_typer(users_app, name="users")  # `sentient users add|list|set-role|…` (sentient/cli_admin.py)
app.add_typer(roles_app, name="roles")  # `sentient roles list|grant|revoke`
app.add_typer(audit_app, name="audit")  # `sentient audit tail`
app.add_typer(erp_app, name="erp")  # `sentient erp demo init|simulate` (sentient/cli_erp.py)
app.add_typer(sync_app, name="sync")  # `sentient sync extract|load|run|verify|status`
app.command()(worker)  # `sentient worker`
app.command("whatsapp-worker")(whatsapp_worker)  # replies only; `serve` runs it inline by default
console = Console(stderr=True)


def _engine() -> Engine:
    """The warehouse alone, built as the composition root builds it (sentient/state.py)."""
    return build_engine(get_settings())


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the warehouse to the latest schema (safe to run again)."""
    from warehouse.migrate import current_revision, upgrade

    engine = _engine()
    upgrade(engine, revision)
    console.print(
        f"database at revision [bold]{current_revision(engine)}[/] ({engine.url.get_backend_name()})"
    )


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision and the code's."""
    from warehouse.migrate import current_revision, head_revision

    typer.echo(json.dumps({"current": current_revision(_engine()), "head": head_revision()}))


@app.command()
def seed(
    scale: Annotated[int, typer.Option(min=0, max=1000, help="Add N units of synthetic history.")] = 0,
    reset: Annotated[
        bool, typer.Option(help="Delete every warehouse row first, the audit trail included (needs --yes).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm --reset after its preview.")] = False,
    today: Annotated[
        str | None, typer.Option(help="Business date YYYY-MM-DD (default FACTORY_TODAY).")
    ] = None,
) -> None:
    """Load the spec's sample data (and any synthetic history) dated relative to today; refresh rollups."""
    from warehouse.migrate import upgrade
    from warehouse.seed.base import STEPS, row_counts, seed_base, wipe

    settings, engine = get_settings(), _engine()
    day = date.fromisoformat(today) if today else settings.today()
    upgrade(engine)
    if reset:
        counts = row_counts(engine)
        audit = counts.get("log_audit", 0)
        console.print(
            f"--reset deletes {sum(counts.values()):,} rows in {len(counts)} tables, "
            f"the audit trail's {audit:,} included, and rebuilds the schema."
        )
        if not yes:
            console.print("Nothing deleted. Run again with --yes to reset.")
            raise typer.Exit(1)
        wipe(engine)
    with _progress() as progress:
        task = progress.add_task("sample data", total=len(STEPS))
        loaded = seed_base(engine, day, settings.tz, on_step=lambda _s: progress.advance(task))
        progress.update(task, completed=len(STEPS))
    console.print(f"sample data {'loaded' if loaded else 'already present'} (today = {day})")
    if scale:
        _seed_synthetic(engine, scale, day)
    refresh_rollups(engine, if_stale=True)  # the semantic layer's pre-aggregates, for the rows just loaded


def _seed_synthetic(engine: Engine, scale: int, day: date) -> None:
    from warehouse.seed.synthetic import add_synthetic_history

    started = time.perf_counter()
    with _progress() as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        try:
            result = add_synthetic_history(engine, scale, day, progress=report)
        except ValueError as exc:  # wrong scale present, base seed missing: the message says what to do
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from exc
    table = Table("table", "rows", title=f"synthetic history, scale {scale}")
    for name, count in sorted(result.rows.items()):
        table.add_row(name, f"{count:,}")
    table.add_row("[bold]total", f"[bold]{sum(result.rows.values()):,}")
    console.print(table)
    console.print(f"done in {time.perf_counter() - started:,.1f} s")


@app.command()
def summary(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Print the dashboard summary as of the business date."""
    from tools.dashboard import dashboard_summary

    settings = get_settings()
    with Session(_engine()) as session:
        result = dashboard_summary(session, settings.today())
    if as_json:
        typer.echo(result.model_dump_json())
        return
    table = Table("figure", "value", title=f"dashboard as of {result.as_of}")
    for key, value in result.model_dump(exclude={"as_of", "currency"}).items():
        table.add_row(key, "-" if value is None else f"{value:,}")
    Console().print(table)


@app.command()
def ask(
    message: Annotated[
        str, typer.Argument(help="The question, or - to read one question per line from stdin.")
    ],
    user: Annotated[str, typer.Option("--user", "-u", help="Username or E.164 phone of the asker.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole reply as JSON.")] = False,
) -> None:
    """Ask the assistant as a user; `-` answers many questions in one process (one JSON line each)."""
    import sys

    from channels.identity import UnknownUser
    from sentient.state import AppState

    state = AppState.build(get_settings())
    questions = (line.strip() for line in sys.stdin) if message == "-" else iter([message])
    try:
        state.start()  # the local sidecar (LLM_BASE_URL unset) lives as long as this command
        for question in questions:
            if not question:
                continue
            reply = state.chat.chat(user, question, channel="cli")
            typer.echo(
                json.dumps(reply.as_json(), ensure_ascii=False) if as_json or message == "-" else reply.answer
            )
    except UnknownUser as exc:
        console.print(f"[red]error:[/] no active user {user!r}")
        raise typer.Exit(2) from exc
    finally:
        state.close()


def _collection_name(value: str | None) -> str | None:
    """Reject a collection name Chroma would refuse, with the rule in the message (exit code 2)."""
    from retrieval.store import check_collection_name

    try:
        return None if value is None else check_collection_name(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


@app.command()
def ingest(
    path: Annotated[
        Path | None,
        typer.Argument(help="A folder (mirrored) or one file of manuals (default MANUALS_DIR)."),
    ] = None,
    collection: Annotated[
        str | None,
        typer.Option(help="Collection name (default MANUALS_COLLECTION).", callback=_collection_name),
    ] = None,
) -> None:
    """Load, chunk and embed manuals; unchanged files are skipped, changed replaced, removed dropped."""
    from retrieval.ingest import ingest as run_ingest
    from retrieval.machines import machine_names
    from sentient.retrieval_wiring import RetrievalHub
    from textkit.tokens import TokenCounter
    from warehouse.db import make_engine

    settings = get_settings()
    path = path or settings.manuals_dir
    if not path.exists():
        console.print(f"[red]error:[/] no manuals at {str(path)!r} (the argument, or MANUALS_DIR)")
        raise typer.Exit(2)
    store = RetrievalHub(settings).store(collection)
    engine = make_engine(settings.database_url)
    try:
        machines = machine_names(engine)
    finally:
        engine.dispose()
    with _progress() as progress:
        task = progress.add_task("files", total=None)
        report = run_ingest(
            path,
            store,
            TokenCounter(settings.data_dir / "tiktoken"),
            progress=lambda _s, done, total: progress.update(task, completed=done, total=total),
            machines=machines,
        )
    table = Table(
        "files",
        "added",
        "updated",
        "unchanged",
        "removed",
        "chunks written",
        "chunks deleted",
        title=f"ingest {path} -> {collection or settings.manuals_collection}",
    )
    table.add_row(
        *(
            f"{v:,}"
            for v in (
                report.files,
                report.added,
                report.updated,
                report.unchanged,
                report.removed,
                report.chunks_written,
                report.chunks_deleted,
            )
        )
    )
    console.print(table)
    if report.quarantined:
        console.print(quarantine_table(report.quarantined))
    for source, why in report.skipped:
        console.print(f"[yellow]skipped[/] {source}: {why}")
    console.print(f"{store.count():,} chunks in the collection; done in {report.seconds:,.1f} s")


def quarantine_table(rows: list[QuarantineRow]) -> Table:
    """The suspicious sentences ingestion flagged: file, line, reason and the start of the sentence."""
    table = Table(title=f"quarantine: {len(rows):,} sentences flagged (cut from answers)")
    for name in ("file", "line", "reason", "sentence"):
        table.add_column(name, justify="right" if name == "line" else "left")
    for row in rows:
        table.add_row(row.source, f"{row.line:,}", row.reason, row.sentence[:80])
    return table


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="The query, or - to read one query per line from stdin.")],
    collection: Annotated[
        str | None, typer.Option(help="Collection name.", callback=_collection_name)
    ] = None,
    k: Annotated[int, typer.Option(min=1, max=50, help="Results per query.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    machine: Annotated[str | None, typer.Option(help="Only passages about this machine code.")] = None,
    mode: Annotated[str, typer.Option(help="hybrid, dense or bm25.")] = "hybrid",
    user: Annotated[
        str | None,
        typer.Option("--user", "-u", help="Search as this user: only what their role may read."),
    ] = None,
) -> None:
    """Search the manuals: source, section, lines, score and text of the best passages."""
    import sys

    from retrieval.types import SearchFilter
    from sentient.api.search import hit_json
    from sentient.retrieval_wiring import RetrievalHub

    role = _reader_role(user) if user else None
    service = RetrievalHub(get_settings()).service(collection)
    batch = query == "-"
    queries = (line.strip() for line in sys.stdin) if batch else iter([query])
    for q in queries:
        if not q:
            continue
        hits = service.search(q, k=k, flt=SearchFilter(machine=machine, role=role), mode=mode)
        if batch or as_json:
            typer.echo(json.dumps({"query": q, "results": [hit_json(h) for h in hits]}, ensure_ascii=False))
            continue
        for rank, h in enumerate(hits, 1):
            c = h.chunk
            typer.echo(
                f"{rank}. {c.source} § {c.section} (lines {c.line_start}-{c.line_end}, score {h.score:.4f})"
            )
            typer.echo("   " + c.text[:300].replace("\n", " ") + ("…" if len(c.text) > 300 else ""))


def _reader_role(user: str) -> str:
    """The role whose passages `user` may read, as /api/search decides it (exit 2: unknown, 1: no KB.READ)."""
    from sqlalchemy.orm import Session

    from channels.identity import UnknownUser, load_caller

    engine = _engine()
    try:
        with Session(engine) as session:
            caller = load_caller(session, user)
    except UnknownUser as exc:
        console.print(f"[red]error:[/] no active user {user!r}")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    if not caller.may("KB.READ"):
        console.print(f"[red]error:[/] {user!r} ({caller.role}) may not read the manuals")
        raise typer.Exit(1)
    return caller.role


def _eval_split(value: str) -> str:
    """The golden split(s) to ask: dev, heldout or all (exit code 2 otherwise)."""
    if value not in ("dev", "heldout", "all"):
        raise typer.BadParameter("choose dev, heldout or all")
    return value


@app.command("eval")
def evaluate(
    out: Annotated[Path, typer.Option(help="Folder for report.json and report.md.")] = Path("eval/reports"),
    split: Annotated[
        str, typer.Option(help="dev (golden.jsonl), heldout (heldout.jsonl) or all.", callback=_eval_split)
    ] = "all",
) -> None:
    """Score the agent on the golden set: correct, clarified, can't and wrong turns per split; exits 1 on
    any wrong answer."""
    from eval.runner import print_report, run_eval

    settings = get_settings()
    splits = ("dev", "heldout") if split == "all" else (split,)
    with _progress() as progress:
        task = progress.add_task("golden set", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = run_eval(settings.database_url, settings.today(), out, progress=report, splits=splits)
    print_report(result)
    if result.wrong:  # an answer with the wrong subject or figures, or a leak: never acceptable
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Run the HTTP service."""
    import uvicorn

    from sentient.app import create_app

    settings = get_settings()
    if settings.log_json:  # one JSON object per line with the request id (sentient/observability/logs.py)
        from sentient.observability.logs import install_json_logging

        install_json_logging(settings.log_level)
    else:
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # /readyz reads the revision on every probe
    log_config = None if settings.log_json else uvicorn.config.LOGGING_CONFIG  # None: keep our handlers
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=log_config,
    )


@app.command()
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per check.")] = False,
) -> None:
    """Check what works on this machine (database, manuals, embedder, local model, Redis, SMTP, Twilio)."""
    from sentient.doctor import doctor as run_doctor

    logging.basicConfig(level=logging.WARNING)
    rows, healthy = run_doctor(get_settings(), as_json, console)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
    raise typer.Exit(0 if healthy else 1)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


if __name__ == "__main__":
    app()
