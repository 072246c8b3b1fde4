"""`sentient doctor`: what works on this machine, as a table, each part with ok/fail and the fix."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict

from rich.console import Console
from rich.table import Table

from sentient import doctor_checks as c
from sentient.doctor_model import probe_model
from sentient.settings import Settings

Probe = Callable[[Settings], c.Check]


def model_check(settings: Settings) -> c.Check:
    """A real test completion through the configured model, with its tokens per second."""
    return asyncio.run(probe_model(settings))


CHECKS: tuple[Probe, ...] = (
    c.python_check,
    c.build_check,
    c.database_check,
    c.embedder_check,
    c.chroma_check,
    model_check,
    c.redis_check,
    c.smtp_check,
    c.twilio_check,
)
STYLE = {c.OK: "green", c.WARN: "yellow", c.FAIL: "bold red", c.SKIP: "dim"}


def run_checks(
    settings: Settings, checks: Iterable[Probe] = CHECKS, on_start: Callable[[str], None] | None = None
) -> list[c.Check]:
    """Run each check; a check that raises is a failure with its error, never the end of the report."""
    out = []
    for probe in checks:
        name = probe.__name__.removesuffix("_check")
        if on_start is not None:
            on_start(name)
        try:
            out.append(probe(settings))
        except Exception as exc:  # a check must not hide the rows after it
            out.append(c.Check(name, c.FAIL, f"{type(exc).__name__}: {exc}", "see the log"))
    return out


def table(rows: list[c.Check], seconds: float) -> Table:
    """The report for people."""
    grid = Table(title=f"sentient doctor ({seconds:.1f} s)", show_lines=False)
    for column in ("check", "status", "detail", "fix"):
        grid.add_column(column, overflow="fold")
    for row in rows:
        status = f"[{STYLE[row.status]}]{row.status}[/]"
        grid.add_row(row.name, status, row.detail, row.fix)
    return grid


def doctor(settings: Settings, as_json: bool, console: Console) -> tuple[list[dict[str, str]], bool]:
    """Run every check with progress on stderr; the rows and whether none failed."""
    started = time.perf_counter()
    with console.status("checking…") as status:
        rows = run_checks(settings, on_start=lambda name: status.update(f"checking {name}…"))
    if not as_json:
        # Piped into a log or a ticket, rich would fold the table at 80 columns; keep each row readable.
        out = Console() if sys.stdout.isatty() else Console(width=160)
        out.print(table(rows, time.perf_counter() - started))
    return [asdict(r) for r in rows], all(r.status != c.FAIL for r in rows)
