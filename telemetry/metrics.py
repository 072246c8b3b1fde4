"""Every Prometheus metric the service exports, defined once so any module can import and observe them.

Import the objects and call `.labels(...).observe()/.inc()/.set()`; label values must stay low-cardinality
(route templates, modes, roles, tool names, statuses — never user ids, phone numbers or raw paths).
"""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

# One registry of our own, so tests and re-created apps never collide with the process default registry.
REGISTRY = CollectorRegistry(auto_describe=True)

# Web-request latencies are mostly milliseconds; model latencies go to tens of seconds.
_FAST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)

HTTP_REQUEST_SECONDS = Histogram(
    "sentient_http_request_seconds",
    "HTTP request latency by method, route template and status class.",
    ["method", "route", "status"],
    buckets=_FAST_BUCKETS,
    registry=REGISTRY,
)
CHAT_TURNS = Counter(
    "sentient_chat_turns_total",
    "Chat turns answered, by answer mode (deterministic/llm/manual/refusal/...) , caller role and channel.",
    ["mode", "role", "channel"],
    registry=REGISTRY,
)
TOKENS = Counter(
    "sentient_tokens_total",
    "Tokens counted, by direction (in/out) and source (model/deterministic).",
    ["direction", "source"],
    registry=REGISTRY,
)
MODEL_LATENCY_SECONDS = Histogram(
    "sentient_model_latency_seconds",
    "Whole model call latency, by model and outcome (ok/error/timeout).",
    ["model", "outcome"],
    buckets=_SLOW_BUCKETS,
    registry=REGISTRY,
)
MODEL_TTFT_SECONDS = Histogram(
    "sentient_model_ttft_seconds",
    "Time to the first streamed token, by model.",
    ["model"],
    buckets=_SLOW_BUCKETS,
    registry=REGISTRY,
)
BREAKER_STATE = Gauge(
    "sentient_breaker_state",
    "Model circuit breaker state: 0 closed (model in use), 1 half-open (probing), 2 open (AI resting).",
    ["breaker"],
    registry=REGISTRY,
)
SIDECAR_STATE = Gauge(
    "sentient_llm_sidecar_up",
    "Local model server: 1 ready, 0 starting or down (restarting), -1 gave up after repeated crashes.",
    registry=REGISTRY,
)
SIDECAR_EVENTS = Counter(
    "sentient_llm_sidecar_events_total",
    "Local model server state changes, by new state (starting, ready, down, gave_up, stopped).",
    ["state"],
    registry=REGISTRY,
)
TOOL_SECONDS = Histogram(
    "sentient_tool_seconds",
    "Tool execution latency, by tool name and outcome (ok/denied/error).",
    ["tool", "outcome"],
    buckets=_FAST_BUCKETS,
    registry=REGISTRY,
)
ROLLUP_PICKS = Counter(
    "sentient_rollup_picks_total",
    "Semantic-layer statements a pre-aggregate covers, by rollup and outcome (used; stale: base tables).",
    ["rollup", "outcome"],
    registry=REGISTRY,
)
RETRIEVAL_SECONDS = Histogram(
    "sentient_retrieval_seconds",
    "Manual retrieval latency, by stage (search/embed/rerank/ingest).",
    ["stage"],
    buckets=_FAST_BUCKETS,
    registry=REGISTRY,
)
OUTBOUND_MESSAGES = Counter(
    "sentient_outbound_messages_total",
    "Outbound messages, by channel (whatsapp/email/...) and delivery status (sent/delivered/failed/...).",
    ["channel", "status"],
    registry=REGISTRY,
)
ALERTS_FIRED = Counter(
    "sentient_alerts_fired_total",
    "Alerts raised by the alert rules, by rule and severity.",
    ["rule", "severity"],
    registry=REGISTRY,
)
AUTH_EVENTS = Counter(
    "sentient_auth_events_total",
    "Web sign-in events by kind (login_ok/login_failed/locked/refresh/logout/reuse_detected).",
    ["event"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "sentient_rate_limited_total",
    "Requests refused by the per-user rate limiter, by bucket (login/chat).",
    ["bucket"],
    registry=REGISTRY,
)

# The ERP sync (issue 14) runs in its own process: the web process sets these from the warehouse's sync
# tables at every scrape (sentient/observability/routes.py), so one scrape of the app shows them.
SYNC_LAG = Gauge(
    "sentient_sync_lag_seconds",
    "Last ERP sync cycle: oldest new ERP change to its commit.",
    registry=REGISTRY,
)
SYNC_RATE = Gauge(
    "sentient_sync_events_per_second", "Last ERP sync cycle: events read per second.", registry=REGISTRY
)
SYNC_AGE = Gauge(
    "sentient_sync_age_seconds", "Seconds since the last ERP sync cycle finished.", registry=REGISTRY
)
SYNC_DEAD = Gauge("sentient_sync_dead_letters", "ERP change events dead-lettered so far.", registry=REGISTRY)

BREAKER_VALUES = {"closed": 0, "half_open": 1, "half-open": 1, "open": 2}


def set_breaker_state(state: str, breaker: str = "model") -> None:
    """Record the breaker's state by name (closed / half_open / open); unknown names count as open."""
    BREAKER_STATE.labels(breaker=breaker).set(BREAKER_VALUES.get(state.lower(), 2))


def set_sidecar_state(state: str) -> None:
    """Record a local model server state change (see models.sidecar's states)."""
    SIDECAR_STATE.set({"ready": 1, "gave_up": -1}.get(state, 0))
    SIDECAR_EVENTS.labels(state).inc()


def observe_tool(result: Any, seconds: float) -> None:
    """A ToolRegistry observer: latency by tool and outcome (ok / denied / error)."""
    outcome = "ok" if result.ok else ("denied" if result.error == "forbidden" else "error")
    TOOL_SECONDS.labels(tool=result.name, outcome=outcome).observe(seconds)


def render() -> tuple[bytes, str]:
    """The exposition text of every metric and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
