"""`sentient sync dead-letters [ID… --replay | --replay --all] [--yes]`: list dead letters, or replay them."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from erp.replay import replay, select_dead
from sentient.db_wiring import build_engine
from sentient.settings import get_settings
from warehouse.migrate import upgrade
from warehouse.schema import LogAudit
from warehouse.types import utcnow

console = Console(stderr=True)


def _audit(wh: Engine, detail: dict[str, object]) -> None:
    """The replay's log_audit row (who: the CLI, no user)."""
    with Session(wh) as session, session.begin():
        session.add(
            LogAudit(
                action="ERP_SYNC_REPLAY",
                entity_type="sync_dead",
                created_at=utcnow(),
                new_value=json.dumps(detail, sort_keys=True, default=str),
            )
        )


def dead_letters(
    ids: Annotated[list[int] | None, typer.Argument(help="Dead letter ids to replay (see the list).")] = None,
    do_replay: Annotated[bool, typer.Option("--replay", help="Re-apply them through the loader.")] = False,
    every: Annotated[bool, typer.Option("--all", help="With --replay: every dead letter.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do it (without: show what would be done).")] = False,
) -> None:
    """List the events the loader gave up on; --replay re-applies the named ones (or --all) once fixed."""
    settings = get_settings()
    wh = build_engine(settings)
    upgrade(wh)
    if do_replay and not (ids or every):
        console.print("[red]error:[/] --replay needs dead letter ids or --all")
        raise typer.Exit(2)
    with Session(wh) as session:
        letters = select_dead(session, None if every or not do_replay else list(ids or ()))
        rows = [(d.id, d.erp_table, d.erp_key, d.attempts, d.reason) for d in letters]
    if not do_replay:
        _show(rows, as_json)
        return
    missing = sorted(set(ids or ()) - {r[0] for r in rows})
    if missing:
        console.print(f"[red]error:[/] no dead letter with id {missing}")
        raise typer.Exit(2)
    console.print(f"will re-apply {len(rows):,} dead letters through the loader: " + _names(rows))
    if not yes:
        console.print("nothing done: add --yes")
        raise typer.Exit(1)
    done = replay(wh, settings.tz, [r[0] for r in rows])
    _audit(
        wh, {"replayed": [{"id": r.id, "table": r.table, "key": r.key, "outcome": r.outcome} for r in done]}
    )
    out = Table("id", "ERP table", "key", "outcome", "reason", title="dead letters replayed")
    for r in done:
        out.add_row(str(r.id), r.table, r.key, r.outcome if r.outcome != "dead" else "[red]dead[/]", r.reason)
    Console().print(out)
    still = sum(1 for r in done if r.outcome == "dead")
    console.print(f"{len(done) - still:,} resolved, {still:,} still dead")
    if still:
        raise typer.Exit(1)


def _names(rows: list[tuple[int, str, str, int, str]]) -> str:
    shown = ", ".join(f"#{i} {t} {k}" for i, t, k, _a, _r in rows[:10])
    return shown + (f" and {len(rows) - 10:,} more" if len(rows) > 10 else "")


def _show(rows: list[tuple[int, str, str, int, str]], as_json: bool) -> None:
    if as_json:
        for i, t, k, a, r in rows:
            typer.echo(json.dumps({"id": i, "table": t, "key": k, "attempts": a, "reason": r}))
        return
    out = Table("id", "ERP table", "key", "attempts", "reason", title=f"dead letters ({len(rows):,})")
    for i, t, k, a, r in rows:
        out.add_row(str(i), t, k, str(a), r)
    Console().print(out)
