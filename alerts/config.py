"""Everything the alert worker is tuned by, as one plain object (sentient/alerts_wiring.py fills it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from alerts.model_phrasing import ModelPhraser
from alerts.routing import QuietHours, RoutingPolicy
from alerts.types import Thresholds


@dataclass(frozen=True)
class DispatchConfig:
    """How the dispatcher claims, sends and retries outbox rows."""

    batch: int = 50
    threads: int = 8
    max_attempts: int = 8
    backoff_s: float = 5.0
    backoff_max_s: float = 900.0
    lease_s: float = 120.0  # a 'sending' claim older than this has an unknown outcome: look it up
    kinds: tuple[str, ...] = ("alert",)  # outbox kinds this dispatcher sends
    template_sid: str | None = None  # approved template for alerts outside the 24-hour window


@dataclass(frozen=True)
class AlertConfig:
    """Rule thresholds, routing policy, quiet hours, the business clock and dispatch settings."""

    tz: ZoneInfo
    today: Callable[[], date]
    thresholds: Thresholds = field(default_factory=Thresholds)
    policy: RoutingPolicy = field(default_factory=RoutingPolicy)
    quiet: QuietHours | None = None
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    eval_interval_s: float = 300.0
    poll_s: float = 1.0
    phraser: ModelPhraser | None = None  # the model words alerts when it is up (None: templates only)
