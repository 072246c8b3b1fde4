"""What every model call of a turn shares, phrasing or tool calling: limits, failure reasons, metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.breaker import BreakerOpen
from models.port import Completion, ModelTimeout, ModelUnavailable
from telemetry import metrics


@dataclass(frozen=True)
class LlmConfig:
    """Per-turn limits and sampling."""

    max_tokens: int = 256
    temperature: float = 0.2
    wall_s: float = 30.0
    max_tool_rounds: int = 4
    tool_calling: bool = False
    prompt_budget_tokens: int = 1800


def failure_reason(exc: BaseException) -> tuple[str, bool]:
    """A short reason for ai_chat and whether the user is told the AI is resting."""
    if isinstance(exc, BreakerOpen):
        return "breaker_open", True
    if isinstance(exc, ModelTimeout | TimeoutError):
        return "model_timeout", True
    if isinstance(exc, ModelUnavailable):
        return "model_unavailable", True
    return f"model_error: {type(exc).__name__}", True


def observe(model: str, outcome: str, completion: Completion | None, seconds: float = 0.0) -> None:
    """Model latency, time to first token and tokens into Prometheus."""
    if completion is None:  # failed: how long it took to fail
        metrics.MODEL_LATENCY_SECONDS.labels(model=model, outcome=outcome).observe(seconds)
        return
    metrics.MODEL_LATENCY_SECONDS.labels(model=model, outcome=outcome).observe(completion.latency_ms / 1000)
    if completion.ttft_ms is not None:
        metrics.MODEL_TTFT_SECONDS.labels(model=model).observe(completion.ttft_ms / 1000)
    metrics.TOKENS.labels(direction="in", source="model").inc(completion.usage.prompt_tokens)
    metrics.TOKENS.labels(direction="out", source="model").inc(completion.usage.completion_tokens)


def model_meta(completion: Completion, prompt_version: str | None) -> dict[str, Any]:
    """What ai_chat keeps about a model call."""
    return {
        "model": completion.model,
        "prompt_version": prompt_version,
        "ttft_ms": None if completion.ttft_ms is None else round(completion.ttft_ms),
        "model_latency_ms": round(completion.latency_ms),
        "model_tokens_in": completion.usage.prompt_tokens,
        "model_tokens_out": completion.usage.completion_tokens,
    }
