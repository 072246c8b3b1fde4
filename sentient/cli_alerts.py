"""`sentient alerts run` (evaluate once) and `sentient worker` (evaluate on a schedule and dispatch)."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
from rich.console import Console

from sentient.alerts_wiring import alert_config, with_model
from sentient.settings import get_settings
from sentient.whatsapp_wiring import make_rest
from warehouse.db import make_engine, make_session_factory

alerts_app = typer.Typer(help="Proactive alerts.", no_args_is_help=True)
console = Console(stderr=True)


@alerts_app.command("run")
def alerts_run(
    rule: Annotated[list[str] | None, typer.Option("--rule", help="Only these rules (repeatable).")] = None,
) -> None:
    """Evaluate the alert rules once: fire, escalate and clear alerts, queue their messages (idempotent)."""
    from alerts.rules import by_name
    from alerts.run import run_once

    settings = get_settings()
    try:
        rules = by_name(rule)
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    try:
        with with_model(alert_config(settings), settings) as config:
            report = run_once(make_session_factory(engine), config, rules)
    finally:
        engine.dispose()
    typer.echo(json.dumps(report.as_json()))


def worker(
    no_eval: Annotated[
        bool, typer.Option("--no-eval", help="Only dispatch; another worker evaluates.")
    ] = False,
    seconds: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: run on).")
    ] = None,
) -> None:
    """Evaluate the alert rules on a schedule and dispatch queued alert messages; run as many as you like."""
    from alerts.worker import Worker, install_signals

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per send would drown the worker's own log
    sender = make_rest(settings)
    if sender is None:
        console.print(
            "[red]error:[/] TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM must be set"
        )
        raise typer.Exit(2)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    try:
        with with_model(alert_config(settings), settings) as config:
            loop = Worker(make_session_factory(engine), sender, config, evaluate=not no_eval)
            install_signals(loop)
            total = loop.run(seconds)
    finally:
        sender.close()
        engine.dispose()
    typer.echo(json.dumps(total.__dict__))
