"""`sentient preagg refresh` (rebuild the semantic layer's rollups) and `sentient preagg status`."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, select

from sentient.db_wiring import build_engine
from sentient.settings import get_settings

preagg_app = typer.Typer(help="Pre-aggregated rollups of the semantic layer.", no_args_is_help=True)
console = Console(stderr=True)


def refresh_rollups(engine: Engine, since: date | None = None, if_stale: bool = False) -> None:
    """Rebuild the rollups with a progress line per rollup, then print their rows (also `sentient seed`).

    if_stale: do nothing when every rollup is already fresh (a second `sentient seed` adds no rows).
    """
    from semantic.preagg import freshness, refresh

    if if_stale:
        with engine.connect() as conn:
            if all(freshness(conn).values()):
                console.print("rollups already fresh")
                return
    columns = (SpinnerColumn(), TextColumn("{task.description:<24}"), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        result = refresh(engine, since=since, progress=report)
    scope = f"days from {since}" if since else "all days"
    console.print(f"rollups rebuilt ({scope}) in {result.seconds:,.1f} s: {json.dumps(result.rows)}")


@preagg_app.command("refresh")
def preagg_refresh(
    since: Annotated[
        str | None,
        typer.Option(help="Rebuild only the days from YYYY-MM-DD on (nothing earlier may have changed)."),
    ] = None,
) -> None:
    """Rebuild the rollups from the base tables (every day, or the days from --since) and mark them fresh."""
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError as exc:
        console.print(f"[red]error:[/] --since {since!r} is not a date YYYY-MM-DD")
        raise typer.Exit(2) from exc
    refresh_rollups(build_engine(get_settings()), day)


@preagg_app.command("status")
def preagg_status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Each rollup: its rows, when it was rebuilt, and whether it is fresh (else queries use base tables)."""
    from semantic.preagg import freshness
    from warehouse.schema import AggRefresh

    with build_engine(get_settings()).connect() as conn:
        fresh = freshness(conn)
        built = {r.name: r for r in conn.execute(select(AggRefresh)).all()}
    rows = [
        {
            "rollup": name,
            "fresh": ok,
            "rows": built[name].rows if name in built else None,
            "refreshed_at": built[name].refreshed_at.isoformat() if name in built else None,
        }
        for name, ok in fresh.items()
    ]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table("rollup", "fresh", "rows", "refreshed at (UTC)", title="pre-aggregations")
    for row in rows:
        table.add_row(
            str(row["rollup"]),
            "yes" if row["fresh"] else "[red]no: queries use base tables[/]",
            f"{row['rows']:,}" if row["rows"] is not None else "never built",
            str(row["refreshed_at"] or ""),
        )
    Console().print(table)
