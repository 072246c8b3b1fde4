"""`sentient alerts run` (evaluate once) and `sentient worker` (evaluate on a schedule and dispatch)."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
from rich.console import Console

from sentient.alerts_wiring import alert_config, with_model
from sentient.settings import get_settings

alerts_app = typer.Typer(help="Proactive alerts.", no_args_is_help=True)
console = Console(stderr=True)


@alerts_app.command("run")
def alerts_run(
    rule: Annotated[list[str] | None, typer.Option("--rule", help="Only these rules (repeatable).")] = None,
) -> None:
    """Evaluate the alert rules once: fire, escalate and clear alerts, queue their messages (idempotent)."""
    from alerts.rules import by_name
    from alerts.run import run_once
    from sentient.state import AppState

    settings = get_settings()
    try:
        rules = by_name(rule)
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    state = AppState.build(settings)
    try:
        state.start()  # the model phrases alerts (LLM_BASE_URL=off: templates)
        with with_model(alert_config(settings), settings, state.model) as config:
            report = run_once(state.sessions, config, rules)
    finally:
        state.close()
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
    from sentient.state import AppState

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per send would drown the worker's own log
    state = AppState.build(settings)
    sender = state.whatsapp.rest  # alerts go out through the same Twilio client as replies
    if sender is None and no_eval:
        state.close()
        console.print("[red]error:[/] --no-eval only dispatches, and dispatching needs TWILIO_* settings")
        raise typer.Exit(2)
    if sender is None:
        # Not an error to exit on (a supervisor would restart it for ever): alerts still fire and show on
        # the dashboard; their WhatsApp messages wait in the outbox until Twilio is configured.
        logging.getLogger("sentient.worker").warning(
            "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM are not set: alerts are "
            "evaluated and shown, their WhatsApp messages stay queued until Twilio is configured"
        )
    try:
        state.start()
        with with_model(alert_config(settings), settings, state.model) as config:
            loop = Worker(state.sessions, sender, config, evaluate=not no_eval)
            install_signals(loop)
            total = loop.run(seconds)
    finally:
        state.close()
    typer.echo(json.dumps(total.__dict__))
