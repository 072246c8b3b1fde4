"""Alert settings -> the alerts package's plain config (alerts/ never reads Settings itself)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from agent.llm_sync import SyncRunner
from alerts.config import AlertConfig, DispatchConfig
from alerts.model_phrasing import ModelPhraser
from alerts.routing import QuietHours, RoutingPolicy
from alerts.types import Thresholds
from sentient.model_wiring import ModelRuntime
from sentient.settings import Settings


def alert_config(settings: Settings) -> AlertConfig:
    """The alert worker's configuration for these settings."""
    quiet = None
    if settings.alert_quiet_start is not None and settings.alert_quiet_end is not None:
        quiet = QuietHours(settings.alert_quiet_start, settings.alert_quiet_end, settings.tz)
    return AlertConfig(
        tz=settings.tz,
        today=settings.today,
        thresholds=Thresholds(
            reject_rate_pct=settings.reject_rate_threshold_pct,
            ar_overdue_days=settings.alert_ar_overdue_days,
            cash_horizon_days=settings.alert_cash_horizon_days,
            po_approval_max_days=settings.alert_po_approval_days,
            maint_grace_days=settings.alert_maint_grace_days,
        ),
        policy=RoutingPolicy(settings.alert_min_severity, settings.alert_exec_min_severity),
        quiet=quiet,
        dispatch=DispatchConfig(
            batch=settings.alert_batch,
            threads=settings.alert_send_threads,
            max_attempts=settings.alert_max_attempts,
            backoff_s=settings.alert_backoff_s,
            backoff_max_s=settings.alert_backoff_max_s,
            lease_s=settings.alert_lease_s,
            template_sid=settings.twilio_templates.get("alert"),
        ),
        eval_interval_s=settings.alert_eval_interval_s,
        poll_s=settings.alert_poll_s,
    )


@contextmanager
def with_model(config: AlertConfig, settings: Settings, runtime: ModelRuntime) -> Iterator[AlertConfig]:
    """The config with the model phrasing alerts while the block runs; unchanged when LLM_BASE_URL=off.

    The caller starts the runtime: a sidecar that cannot start leaves runtime.model None, and alerts go
    out as templates, as when the model rests."""
    if runtime.kind == "off":
        yield config
        return
    runner = SyncRunner()
    try:
        phraser = ModelPhraser(
            lambda: runtime.model,
            runner,
            timeout_s=settings.llm_timeout_s,
            run_budget_s=settings.alert_phrase_budget_s,
        )
        yield replace(config, phraser=phraser)
    finally:
        runner.close(runtime.aclose_client)  # its connections live on this runner's loop
