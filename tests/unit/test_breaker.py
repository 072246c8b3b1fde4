"""The circuit breaker, driven by a fake clock: what opens it, what it refuses, how it closes again."""

from __future__ import annotations

import asyncio

import pytest

from models.breaker import BreakerConfig, BreakerOpen, BreakerState, CircuitBreaker, GuardedModel
from models.fakes import Delay, ScriptedModel, answer
from models.port import ModelError, ModelTimeout


class FakeClock:
    """Monotonic seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make(
    clock: FakeClock, changes: list[tuple[str, BreakerState]] | None = None, **cfg: float
) -> CircuitBreaker:
    """A breaker with test thresholds (3 failures, 30 s rest, 1 probe, 5 s is slow) unless overridden."""
    base = {"failure_threshold": 3, "open_s": 30.0, "half_open_probes": 1, "slow_call_s": 5.0, **cfg}
    config = BreakerConfig(
        failure_threshold=int(base["failure_threshold"]),
        open_s=base["open_s"],
        half_open_probes=int(base["half_open_probes"]),
        slow_call_s=base["slow_call_s"],
    )
    record = (lambda n, s: changes.append((n, s))) if changes is not None else None
    return CircuitBreaker(config, clock=clock, on_change=record)


async def fail(breaker: CircuitBreaker) -> None:
    with pytest.raises(ModelError):
        async with breaker.guard():
            raise ModelError("boom")


async def succeed(breaker: CircuitBreaker, clock: FakeClock, seconds: float = 0.1) -> None:
    async with breaker.guard():
        clock.advance(seconds)


def test_consecutive_failures_open_it_and_a_success_resets_the_count() -> None:
    clock, changes = FakeClock(), list[tuple[str, BreakerState]]()
    breaker = make(clock, changes)

    async def scenario() -> None:
        await fail(breaker)
        await fail(breaker)
        await succeed(breaker, clock)  # resets: failures must be consecutive
        assert breaker.failures == 0
        await fail(breaker)
        await fail(breaker)
        assert breaker.state is BreakerState.CLOSED
        await fail(breaker)

    asyncio.run(scenario())
    assert breaker.state is BreakerState.OPEN
    assert changes == [("model", BreakerState.OPEN)]
    assert breaker.snapshot()["retry_in_s"] == 30.0


def test_open_refuses_without_calling_then_half_opens_after_the_cool_down() -> None:
    clock = FakeClock()
    breaker = make(clock, failure_threshold=1)
    model = ScriptedModel([ModelError("down")])
    guarded = GuardedModel(model, breaker)

    async def scenario() -> None:
        with pytest.raises(ModelError):
            await guarded.complete([{"role": "user", "content": "hi"}])
        with pytest.raises(BreakerOpen):
            await guarded.complete([{"role": "user", "content": "hi"}])

    asyncio.run(scenario())
    assert len(model.calls) == 1  # the refused call never reached the model
    clock.advance(29.9)
    assert breaker.state is BreakerState.OPEN
    clock.advance(0.2)
    assert breaker.state is BreakerState.HALF_OPEN


def test_half_open_admits_only_the_allowed_probes_and_a_good_probe_closes_it() -> None:
    clock, changes = FakeClock(), list[tuple[str, BreakerState]]()
    breaker = make(clock, changes, failure_threshold=1, half_open_probes=1)

    async def scenario() -> None:
        await fail(breaker)
        clock.advance(31)
        async with breaker.guard():  # the probe is in flight...
            with pytest.raises(BreakerOpen):  # ...so a second caller is refused
                async with breaker.guard():
                    pass
            clock.advance(0.5)

    asyncio.run(scenario())
    assert breaker.state is BreakerState.CLOSED
    assert [s for _, s in changes] == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED]


def test_a_failed_probe_opens_it_again_for_a_full_cool_down() -> None:
    clock = FakeClock()
    breaker = make(clock, failure_threshold=1)

    async def scenario() -> None:
        await fail(breaker)
        clock.advance(31)
        await fail(breaker)  # the probe

    asyncio.run(scenario())
    assert breaker.state is BreakerState.OPEN
    clock.advance(29)
    assert breaker.state is BreakerState.OPEN
    assert breaker.opened_count == 2


def test_slow_calls_count_as_failures() -> None:
    clock = FakeClock()
    breaker = make(clock, failure_threshold=2, slow_call_s=5.0)

    async def scenario() -> None:
        await succeed(breaker, clock, seconds=6)
        await succeed(breaker, clock, seconds=6)

    asyncio.run(scenario())
    assert breaker.state is BreakerState.OPEN
    assert "slow call" in (breaker.last_error or "")


def test_timeouts_count_and_cancellation_does_not() -> None:
    clock = FakeClock()
    breaker = make(clock, failure_threshold=2)
    model = ScriptedModel([Delay(5, answer("late")), Delay(5, answer("late"))])
    guarded = GuardedModel(model, breaker, timeout_s=0.01)

    async def scenario() -> None:
        with pytest.raises(ModelTimeout):
            await guarded.complete([])
        assert breaker.failures == 1
        task = asyncio.create_task(guarded.complete([]))
        await asyncio.sleep(0)
        task.cancel()  # the caller went away: nothing learned about the model
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert breaker.failures == 1
    assert breaker.state is BreakerState.CLOSED


def test_streams_go_through_the_breaker_too() -> None:
    clock = FakeClock()
    breaker = make(clock, failure_threshold=1)
    model = ScriptedModel([answer("Omzet naik."), ModelError("gone")])
    guarded = GuardedModel(model, breaker)

    async def collect() -> str:
        return "".join([c.delta async for c in guarded.stream([])])

    assert asyncio.run(collect()) == "Omzet naik."
    with pytest.raises(ModelError):
        asyncio.run(collect())
    assert breaker.state is BreakerState.OPEN


@pytest.mark.parametrize(
    ("url", "kind", "tools"),
    [
        (None, "sidecar", False),
        ("", "sidecar", False),
        ("off", "off", False),
        ("http://vllm:8000/v1", "remote", True),
    ],
)
def test_llm_base_url_picks_the_model_and_auto_tool_calling(url: str | None, kind: str, tools: bool) -> None:
    from sentient.model_wiring import build_model_runtime
    from sentient.settings import Settings

    settings = Settings(_env_file=None, llm_base_url=url, llm_breaker_failures=5)  # type: ignore[call-arg]
    runtime = build_model_runtime(settings)
    assert (settings.llm_kind, runtime.kind, runtime.tool_calling) == (kind, kind, tools)
    assert runtime.breaker.config.failure_threshold == 5
    assert runtime.snapshot()["ok"] is (kind == "off")  # not started: no model yet, except when off
