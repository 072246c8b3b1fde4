"""The sidecar's start-up self-test and bounded supervisor, against a fake server that misbehaves on cue.

The fake (models/fake_llama_server.py) is a real process on a real port: a SIGSEGV is a real signal, so the
reason the sidecar reports is read from the operating system, as it would be for llama.cpp.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from pathlib import Path

import pytest

from models.fake_llama_server import BEHAVIOURS
from models.selftest import exit_reason
from models.sidecar import DOWN, GAVE_UP, READY, STARTING, STOPPED, Sidecar, SidecarError
from sentient.model_wiring import ModelRuntime, build_model_runtime
from sentient.settings import Settings


def fake(tmp_path: Path, behaviour: str, events: list[tuple[str, str | None]], **kw: object) -> Sidecar:
    """A sidecar whose server is the fake with that behaviour; state changes land in `events`."""
    assert behaviour in BEHAVIOURS
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")  # the sidecar checks that a file is there; the fake never reads it
    program = [sys.executable, "-m", "models.fake_llama_server", "--behaviour", behaviour]
    observer = lambda state, reason: events.append((state, reason))  # noqa: E731
    return Sidecar(model, program=program, log_path=tmp_path / "fake.log", observer=observer, **kw)  # type: ignore[arg-type]


def test_exit_reason_names_the_signal() -> None:
    assert exit_reason(-11) == "SIGSEGV" and exit_reason(-9) == "SIGKILL"
    assert exit_reason(1) == "exit code 1" and exit_reason(None) == "still running"


@pytest.mark.parametrize("behaviour", ["segv", "late_segv"])
def test_a_server_that_crashes_on_the_test_prompt_fails_its_start_with_the_signal(
    tmp_path: Path, behaviour: str
) -> None:
    events: list[tuple[str, str | None]] = []
    car = fake(tmp_path, behaviour, events)  # late_segv: answers first, then dies of it
    with pytest.raises(SidecarError, match="local model crashed on a test prompt: SIGSEGV"):
        car.start()
    assert not car.alive() and car.process is None  # reaped, log closed
    assert car.state == DOWN and car.crashes == 1
    assert events == [(STARTING, None), (DOWN, "local model crashed on a test prompt: SIGSEGV")]


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [("http500", "local model failed a test prompt: HTTP 500"), ("empty", "empty test completion")],
)
def test_a_server_that_fails_or_skips_the_test_prompt_is_stopped(
    tmp_path: Path, behaviour: str, reason: str
) -> None:
    events: list[tuple[str, str | None]] = []
    car = fake(tmp_path, behaviour, events)
    try:
        with pytest.raises(SidecarError, match=reason):
            car.start()
        assert car.process is None  # a live but broken server is not left running
        assert car.state == DOWN and reason in (car.reason or "")
    finally:
        car.stop()


def test_a_healthy_server_passes_and_reports_what_it_measured(tmp_path: Path) -> None:
    events: list[tuple[str, str | None]] = []
    car = fake(tmp_path, "ok", events)
    try:
        car.start()
        assert car.state == READY and car.reason is None and car.crashes == 0
        test = car.last_test
        assert test is not None and test.ok and (test.prompt_tokens, test.completion_tokens) == (30, 2)
        assert test.tokens_per_s > 0
    finally:
        car.stop()
    assert car.state == STOPPED and events[-1] == (STOPPED, None)


def test_the_supervisor_backs_off_then_gives_up_on_a_crash_loop(tmp_path: Path) -> None:
    events: list[tuple[str, str | None]] = []
    car = fake(tmp_path, "segv", events, max_crashes=3)
    starts: list[float] = []
    car.observer = lambda state, reason: (
        events.append((state, reason)),
        starts.append(time.monotonic()) if state == STARTING else None,
    )
    with pytest.raises(SidecarError):
        car.start()  # the app's first start fails: the supervisor takes over

    async def supervise() -> None:
        await asyncio.wait_for(car.supervise(interval_s=0.05, first_backoff_s=0.2, max_backoff_s=5), 60)

    asyncio.run(supervise())  # returns: it gave up rather than looping for ever
    assert car.state == GAVE_UP and car.crashes == 3 and car.restarts == 0
    assert car.reason == "local model crashed on a test prompt: SIGSEGV"
    assert [s for s, _ in events].count(STARTING) == 3
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps[1] > gaps[0] >= 0.2  # 0.2 s, then 0.4 s: the wait doubles between tries
    car.stop()
    assert car.state == GAVE_UP  # stopping keeps the reason visible


def test_readyz_part_says_why_and_answers_go_on_without_the_model(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, llm_base_url=None)  # type: ignore[call-arg]
    base = build_model_runtime(settings)
    events: list[tuple[str, str | None]] = []
    runtime = ModelRuntime(
        "sidecar", settings, base.breaker, make_sidecar=lambda _s: fake(tmp_path, "segv", events)
    )

    async def boot() -> dict[str, object]:
        await runtime.astart()  # does not raise: the service starts and answers in fallback
        snap = runtime.snapshot()
        assert runtime.model is not None
        with pytest.raises(Exception):  # noqa: B017 - any model error makes the agent fall back
            await runtime.model.complete([{"role": "user", "content": "hi"}], max_tokens=4)
        await runtime.astop()
        return snap

    snap = asyncio.run(boot())
    assert snap["ok"] is False
    assert snap["error"] == "local model crashed on a test prompt: SIGSEGV"
    assert snap["sidecar"] == {"alive": False, "state": DOWN, "restarts": 0, "crashes": 1}


def test_state_changes_reach_the_metrics() -> None:
    from sentient.model_wiring import _report_sidecar
    from telemetry.metrics import render

    before = render()[0].decode()
    _report_sidecar(GAVE_UP, "local model crashed on a test prompt: SIGSEGV")
    after = render()[0].decode()
    assert "sentient_llm_sidecar_up -1.0" in after
    count = lambda text: float(  # noqa: E731
        next(
            (
                ln.split()[-1]
                for ln in text.splitlines()
                if ln.startswith('sentient_llm_sidecar_events_total{state="gave_up"}')
            ),
            0,
        )
    )
    assert count(after) == count(before) + 1
