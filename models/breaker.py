"""An asyncio-native circuit breaker around the model: closed -> open -> half-open -> closed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from models.port import Completion, Message, ModelTimeout, ModelUnavailable, StreamChunk

log = logging.getLogger(__name__)
T = TypeVar("T")


class BreakerState(StrEnum):
    """Closed: calls pass. Open: calls refused until the cool-down ends. Half-open: a few probes pass."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class BreakerOpen(ModelUnavailable):
    """The breaker refused the call: the model is resting."""


@dataclass(frozen=True)
class BreakerConfig:
    """Thresholds: failures in a row that open it, cool-down, probes allowed, what counts as slow."""

    failure_threshold: int = 3
    open_s: float = 30.0
    half_open_probes: int = 1
    slow_call_s: float = 10.0


class CircuitBreaker:
    """Counts consecutive failures (errors, timeouts, slow calls); state changes are logged and reported.

    Every method is synchronous and never awaits, so on one event loop no lock is needed: a check and the
    update it leads to cannot interleave with another task.
    """

    def __init__(
        self,
        config: BreakerConfig = BreakerConfig(),
        *,
        clock: Callable[[], float] = time.monotonic,
        name: str = "model",
        on_change: Callable[[str, BreakerState], None] | None = None,
    ) -> None:
        self.config, self.clock, self.name, self.on_change = config, clock, name, on_change
        self._state = BreakerState.CLOSED
        self.failures = 0  # consecutive, while closed
        self.opened_at: float | None = None
        self.probes_in_flight = 0
        self.probe_successes = 0
        self.last_error: str | None = None
        self.opened_count = 0

    @property
    def state(self) -> BreakerState:
        """The current state; an open breaker whose cool-down ended reads as half-open."""
        cooled = self.opened_at is not None and self.clock() - self.opened_at >= self.config.open_s
        if self._state is BreakerState.OPEN and cooled:
            self._move(BreakerState.HALF_OPEN)
        return self._state

    def acquire(self) -> bool:
        """Admit one call (True) or refuse it; a half-open breaker admits only `half_open_probes` at once."""
        state = self.state
        if state is BreakerState.CLOSED:
            return False
        if state is BreakerState.HALF_OPEN and self.probes_in_flight < self.config.half_open_probes:
            self.probes_in_flight += 1
            return True
        raise BreakerOpen(f"{self.name} breaker is {state.value}")

    def record_success(self, seconds: float, probe: bool) -> None:
        """A call answered; a slow answer counts as a failure."""
        if seconds >= self.config.slow_call_s:
            self.record_failure(f"slow call ({seconds:.1f} s)", probe)
            return
        if probe:
            self.probes_in_flight = max(0, self.probes_in_flight - 1)
            self.probe_successes += 1
            if self.probe_successes >= self.config.half_open_probes and self._state is BreakerState.HALF_OPEN:
                self._move(BreakerState.CLOSED)
            return
        self.failures = 0

    def record_failure(self, why: str, probe: bool) -> None:
        """A call failed or timed out: a failed probe re-opens at once, else count towards the threshold."""
        self.last_error = why
        if probe:
            self.probes_in_flight = max(0, self.probes_in_flight - 1)
            self._move(BreakerState.OPEN)
            return
        if self._state is not BreakerState.CLOSED:
            return  # a call admitted before the breaker opened; the cool-down already runs
        self.failures += 1
        if self.failures >= self.config.failure_threshold:
            self._move(BreakerState.OPEN)

    def release(self, probe: bool) -> None:
        """A call ended without a verdict (cancelled): free its probe slot."""
        if probe:
            self.probes_in_flight = max(0, self.probes_in_flight - 1)

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Run the body as one call: refused when open, its outcome and duration recorded."""
        probe = self.acquire()
        started = self.clock()
        try:
            yield
        except BaseException as exc:
            if isinstance(exc, Exception):
                self.record_failure(f"{type(exc).__name__}: {exc}"[:200], probe)
            else:  # cancelled by the caller: says nothing about the model
                self.release(probe)
            raise
        self.record_success(self.clock() - started, probe)

    def snapshot(self) -> dict[str, Any]:
        """State for /readyz and logs."""
        state = self.state
        out: dict[str, Any] = {"state": state.value, "consecutive_failures": self.failures}
        if state is not BreakerState.CLOSED and self.opened_at is not None:
            out["retry_in_s"] = round(max(0.0, self.config.open_s - (self.clock() - self.opened_at)), 1)
        if self.last_error:
            out["last_error"] = self.last_error
        return out

    def _move(self, new: BreakerState) -> None:
        old, self._state = self._state, new
        if new is BreakerState.OPEN:
            self.opened_at, self.opened_count = self.clock(), self.opened_count + 1
        if new is BreakerState.HALF_OPEN:
            self.probes_in_flight = self.probe_successes = 0
        if new is BreakerState.CLOSED:
            self.failures, self.opened_at = 0, None
        if old is not new:
            level = logging.INFO if new is BreakerState.CLOSED else logging.WARNING
            why = self.last_error or "-"
            log.log(level, "%s breaker %s -> %s (%s)", self.name, old.value, new.value, why)
            if self.on_change:
                self.on_change(self.name, new)


class GuardedModel:
    """A ChatModel whose every call goes through a circuit breaker, bounded by `timeout_s` when set."""

    def __init__(self, model: Any, breaker: CircuitBreaker, *, timeout_s: float | None = None) -> None:
        self.model, self.breaker, self.timeout_s = model, breaker, timeout_s
        self.name = model.name

    def _deadline(self) -> float | None:
        return None if self.timeout_s is None else asyncio.get_running_loop().time() + self.timeout_s

    async def complete(self, messages: list[Message], **kwargs: Any) -> Completion:
        """The wrapped model's answer, or BreakerOpen without calling it; a timeout counts as a failure."""
        async with self.breaker.guard():
            try:
                async with asyncio.timeout_at(self._deadline()):
                    result: Completion = await self.model.complete(messages, **kwargs)
            except TimeoutError as exc:
                raise ModelTimeout(f"{self.name}: no answer in {self.timeout_s} s") from exc
            return result

    async def stream(self, messages: list[Message], **kwargs: Any) -> AsyncIterator[StreamChunk]:
        """The wrapped model's stream; the whole stream counts as one call."""
        async with self.breaker.guard():
            try:
                async for chunk in bounded(self.model.stream(messages, **kwargs), self._deadline()):
                    yield chunk
            except TimeoutError as exc:
                raise ModelTimeout(f"{self.name}: stream not finished in {self.timeout_s} s") from exc


async def bounded(stream: AsyncIterator[T], deadline: float | None) -> AsyncIterator[T]:
    """Items of `stream` until the loop-time `deadline` (TimeoutError after it); the source is closed.

    The deadline wraps each read, never a `yield`: a timeout inside an async generator that spans a
    yield would cancel whatever the consumer happens to await at that moment.
    """
    items = aiter(stream)
    try:
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    item = await anext(items)
            except StopAsyncIteration:
                return
            yield item
    finally:
        closer = getattr(items, "aclose", None)
        if closer is not None:
            await closer()
