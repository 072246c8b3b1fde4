"""`sentient erp demo init|simulate`: a legacy ERP on MariaDB/MySQL to sync from, with the sample business."""

from __future__ import annotations

import json
import secrets
from datetime import date
from typing import Annotated
from urllib.parse import quote

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url

from erp.erpdb import erp_engine
from erp.mapping import TABLES
from sentient.settings import Settings, get_settings

erp_app = typer.Typer(help="The legacy ERP the warehouse syncs from.", no_args_is_help=True)
demo_app = typer.Typer(help="A demo ERP on MariaDB/MySQL with the sample business.", no_args_is_help=True)
erp_app.add_typer(demo_app, name="demo")
console = Console(stderr=True)

UrlOpt = Annotated[
    str | None, typer.Option("--url", help="The ERP with a writing account (default ERP_DATABASE_URL).")
]
YesOpt = Annotated[bool, typer.Option("--yes", help="Do it (without: show what would be done).")]


def erp_url(settings: Settings, url: str | None, flag: bool = True) -> str:
    """The ERP's URL: --url, else ERP_DATABASE_URL, else a clear error (exit 2)."""
    found = url or settings.erp_database_url
    if not found:
        hint = " or pass --url" if flag else ""
        console.print(f"[red]error:[/] set ERP_DATABASE_URL (mysql://user@host:3306/erp){hint}")
        raise typer.Exit(2)
    return found


@demo_app.command("init")
def demo_init(
    url: UrlOpt = None,
    today: Annotated[
        str | None, typer.Option(help="Business date YYYY-MM-DD (default FACTORY_TODAY).")
    ] = None,
    ro_password: Annotated[
        str | None,
        typer.Option(
            "--ro-password",
            envvar="ERP_RO_PASSWORD",
            help="Password of the read-only account (default: a new random one, printed).",
        ),
    ] = None,
    ro_user: Annotated[
        str,
        typer.Option(
            "--ro-user",
            envvar="ERP_RO_USER",
            help="Name of the read-only account (a server-wide MariaDB account).",
        ),
    ] = "sentient_ro",
    yes: YesOpt = False,
) -> None:
    """Create the demo ERP's tables (dropping old ones) holding the sample business of `sentient seed`."""
    from erp.demo import init_demo

    settings = get_settings()
    if ro_password == "":
        console.print(f"[red]error:[/] --ro-password may not be empty (the {ro_user} account is reachable)")
        raise typer.Exit(2)
    target = make_url(erp_url(settings, url))
    day = date.fromisoformat(today) if today else settings.today()
    console.print(
        f"will DROP and recreate {len(TABLES)} tables ({', '.join(t.erp for t in TABLES)}) in "
        f"database {target.database!r} on {target.host}, fill them with the sample business as of "
        f"{day}, and grant SELECT to the account {ro_user!r} (password: --ro-password, else a new random one)"
    )
    if not yes:
        console.print("nothing done: add --yes")
        raise typer.Exit(1)
    if target.database and target.get_backend_name() in ("mysql", "mariadb"):
        server = erp_engine(target.set(database="").render_as_string(hide_password=False), read_only=False)
        with server.begin() as conn:
            conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{target.database}`"))
        server.dispose()
    password = ro_password or secrets.token_urlsafe(18)
    engine = erp_engine(target.render_as_string(hide_password=False), read_only=False)
    try:
        rows = init_demo(engine, day, settings.tz, reader_password=password, reader=ro_user)
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"demo ERP ready: {sum(rows.values()):,} rows ({json.dumps(rows)})")
    console.print(
        f"read-only URL for ERP_DATABASE_URL: "
        f"mysql://{ro_user}:{quote(password, safe='')}@{target.host}:{target.port or 3306}/{target.database}",
        soft_wrap=True,  # one line, whatever the terminal's width: it is copied as a whole
    )


@demo_app.command("simulate")
def demo_simulate(
    url: UrlOpt = None,
    minutes: Annotated[float, typer.Option(min=0.1, help="Minutes of office work to simulate.")] = 10,
    changes: Annotated[
        int | None, typer.Option(min=1, help="Exactly this many changes (overrides --minutes).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same changes).")] = 14,
    yes: YesOpt = False,
) -> None:
    """Make realistic ERP changes: orders, invoices, payments, stock, shift logs, edits, deletes"""
    from erp.simulate import CHANGES_PER_MINUTE, simulate

    settings = get_settings()
    count = changes or max(1, round(minutes * CHANGES_PER_MINUTE))
    console.print(f"will make {count:,} changes in the ERP at {make_url(erp_url(settings, url)).host}")
    if not yes:
        console.print("nothing done: add --yes")
        raise typer.Exit(1)
    engine = erp_engine(erp_url(settings, url), read_only=False)
    with console.status("simulating") as status:
        done = simulate(
            engine, count, settings.tz, seed, progress=lambda n: status.update(f"{n:,}/{count:,} changes")
        )
    table = Table("change", "count", title="simulated ERP changes")
    for kind, n in sorted(done.items()):
        table.add_row(kind, f"{n:,}")
    Console().print(table)
