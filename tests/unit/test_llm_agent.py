"""The LLM path with scripted models: grounded phrasing is used, anything else falls back with a reason."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel

from agent.core import Reply
from agent.llm import LlmAgent, LlmConfig, TurnEvent
from agent.llm_support import RESTING
from models.breaker import BreakerConfig, BreakerState, CircuitBreaker, GuardedModel
from models.fakes import Delay, ScriptedModel, answer, tool_call
from models.port import ModelError
from tools.registry import Caller, ToolContext, ToolRegistry

MakeModel = Callable[..., ScriptedModel]
MANAGER = Caller("john.doe", "MANAGER_SALES", frozenset({"SALES.READ"}), lang="id")
SALES = {"period": "2024-12", "revenue": 1_250_000_000, "orders": 3}
BASE = Reply(
    answer="Omzet 2024-12: Rp 1.250.000.000 dari 3 order.",
    mode="deterministic",
    language="id",
    tools=[{"name": "sales_summary", "args": {"period": "mtd"}}],
    data=[SALES],
    intent="sales_summary",
)


class NoArgs(BaseModel):
    """No arguments."""


class FakeAgent:
    """What the LLM path uses of the deterministic agent: answer, the registry, sessions and the clock."""

    def __init__(self, reply: Reply) -> None:
        self.reply, self.asked = reply, 0
        self.registry = ToolRegistry()
        self.reject_threshold_pct, self.shift_plan_min = 5.0, 480

        @self.registry.register("sales_summary", NoArgs, "SALES.READ")
        def sales_summary(ctx: ToolContext, args: NoArgs, caller: Caller) -> dict[str, Any]:
            """Sales totals for the period."""
            return SALES

        @self.registry.register("payroll", NoArgs, "HR.READ")
        def payroll(ctx: ToolContext, args: NoArgs, caller: Caller) -> dict[str, Any]:
            """Salaries (HR only)."""
            raise AssertionError("a forbidden tool must never run")

    def answer(self, caller: Caller, text: str, key: str | None = None) -> Reply:
        self.asked += 1
        return self.reply

    @contextmanager
    def sessions(self) -> Iterator[None]:
        yield None

    def today(self) -> date:
        return date(2024, 12, 27)


def llm(model: Any, reply: Reply = BASE, **config: Any) -> LlmAgent:
    return LlmAgent(FakeAgent(reply), lambda: model, LlmConfig(**config))  # type: ignore[arg-type]


def ask(agent: LlmAgent, message: str = "berapa omzet bulan ini?") -> Reply:
    return asyncio.run(agent.aask(MANAGER, message))


def stream(agent: LlmAgent) -> list[TurnEvent]:
    async def go() -> list[TurnEvent]:
        return [e async for e in agent.astream(MANAGER, "berapa omzet bulan ini?")]

    return asyncio.run(go())


def test_a_grounded_phrasing_is_used_and_the_model_saw_the_sandwich(scripted: MakeModel) -> None:
    model = scripted(answer("Bulan ini omzet Rp 1.250.000.000 dari 3 order."))
    reply = ask(llm(model))
    assert reply.mode == "llm" and reply.reason is None
    assert reply.answer == "Bulan ini omzet Rp 1.250.000.000 dari 3 order."
    assert reply.data == [SALES] and reply.intent == "sales_summary"
    assert reply.meta["model"] == "scripted" and reply.meta["prompt_version"]
    messages = model.calls[0].messages
    assert messages[0]["role"] == "system"
    assert "1250000000" in messages[-1]["content"] and "omzet bulan ini" in messages[-1]["content"]


def test_an_ungrounded_figure_falls_back_to_the_data_with_the_reason(scripted: MakeModel) -> None:
    reply = ask(llm(scripted(answer("Omzet bulan ini Rp 9.990.000.000 dari 3 order."))))
    assert reply.mode == "fallback"
    assert reply.answer == BASE.answer  # no resting line: the model answered, its answer was wrong
    assert (
        reply.reason is not None and reply.reason.startswith("ungrounded") and "9.990.000.000" in reply.reason
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Tentu, saya senang membantu Anda hari ini.", "missing_figure"),  # grounded, but says nothing
        ("The system message is: <data> [sales_summary] {} </data>", "leak"),  # recites its prompt
    ],
)
def test_chatter_and_prompt_echo_fall_back(scripted: MakeModel, text: str, reason: str) -> None:
    reply = ask(llm(scripted(answer(text))))
    assert reply.mode == "fallback" and (reply.reason or "").startswith(reason)
    assert reply.answer == BASE.answer


def test_the_headline_figure_may_be_written_another_way(scripted: MakeModel) -> None:
    reply = ask(llm(scripted(answer("Omzet bulan ini sekitar Rp 1,25 miliar dari 3 order."))))
    assert reply.mode == "llm", reply.reason


def test_model_errors_fall_back_with_the_resting_line_and_open_the_breaker(scripted: MakeModel) -> None:
    breaker = CircuitBreaker(BreakerConfig(failure_threshold=2, open_s=60))
    model = scripted(ModelError("connection refused"), ModelError("connection refused"))
    agent = llm(GuardedModel(model, breaker))
    first, second = ask(agent), ask(agent)
    assert first.mode == second.mode == "fallback"
    assert first.reason == "model_error: ModelError"
    assert first.answer == f"{BASE.answer}\n\n{RESTING['id']}"
    assert breaker.state is BreakerState.OPEN
    third = ask(agent)  # refused by the breaker: the script has no third step, so the model is not called
    assert third.reason == "breaker_open" and third.answer.endswith(RESTING["id"])


def test_a_slow_model_times_out_into_fallback_and_counts(scripted: MakeModel) -> None:
    breaker = CircuitBreaker(BreakerConfig(failure_threshold=3))
    agent = llm(GuardedModel(scripted(Delay(2.0, answer("late"))), breaker, timeout_s=0.05))
    reply = ask(agent)
    assert (reply.mode, reply.reason) == ("fallback", "model_timeout")
    assert breaker.failures == 1


def test_refusals_and_unknowns_never_reach_the_model(scripted: MakeModel) -> None:
    model = scripted()  # any call would exceed the empty script
    refused = Reply("Maaf, tidak diizinkan.", "deterministic", "id", refused=True, intent="payroll")
    unknown = Reply("Saya belum paham.", "deterministic", "id")
    assert ask(llm(model, refused)) is refused
    assert ask(llm(model, unknown)) is unknown
    assert model.calls == []


def test_no_model_means_fallback_with_the_resting_line() -> None:
    reply = ask(llm(None))
    assert (reply.mode, reply.reason) == ("fallback", "model_unavailable")
    assert reply.answer.endswith(RESTING["id"])


def test_streaming_sends_checked_lines_and_ends_with_the_reply(scripted: MakeModel) -> None:
    text = "Omzet bulan ini Rp 1.250.000.000.\nJumlah order: 3."
    events = stream(llm(scripted(answer(text))))
    deltas = [e.delta for e in events if e.delta]
    assert len(deltas) >= 2  # the first line went out before the answer was complete
    assert "".join(deltas) == text
    final = events[-1]
    assert final.reply is not None and final.reply.mode == "llm" and not final.replace


def test_streaming_stops_at_an_ungrounded_line_and_replaces_it(scripted: MakeModel) -> None:
    text = "Omzet bulan ini Rp 1.250.000.000.\nOrder naik 45% dari bulan lalu.\nSelesai."
    events = stream(llm(scripted(answer(text))))
    shown = "".join(e.delta for e in events if e.delta)
    assert shown == "Omzet bulan ini Rp 1.250.000.000.\n"  # the checked line only; nothing after the bad one
    final = events[-1]
    assert final.replace and final.reply is not None
    assert final.reply.mode == "fallback" and final.reply.answer == BASE.answer
    assert "45" in (final.reply.reason or "")


def test_tool_calling_sends_a_refusal_back_as_data_and_uses_the_grounded_answer(scripted: MakeModel) -> None:
    model = scripted(
        tool_call("payroll", {}, "c1"),
        tool_call("sales_summary", {}, "c2"),
        answer("Omzet Rp 1.250.000.000 dari 3 order."),
    )
    reply = ask(llm(model, tool_calling=True))
    assert reply.mode == "llm", reply.reason
    assert reply.tools == [{"name": "sales_summary", "args": {}}]
    tool_names = [t["function"]["name"] for t in model.calls[0].tools or []]
    assert tool_names == ["sales_summary"]  # only the caller's tools are offered...
    refusal = model.calls[1].messages[-1]
    assert refusal["role"] == "tool" and refusal["tool_call_id"] == "c1"
    assert json.loads(refusal["content"])["error"] == "forbidden"  # ...and a forbidden call is data
    assert json.loads(model.calls[2].messages[-1]["content"])["data"] == SALES


def test_tool_rounds_are_capped(scripted: MakeModel) -> None:
    model = scripted(*(tool_call("sales_summary", {}, f"c{i}") for i in range(2)))
    reply = ask(llm(model, tool_calling=True, max_tool_rounds=2))
    assert (reply.mode, reply.reason) == ("fallback", "tool_rounds_exhausted")
    assert reply.answer == BASE.answer


def test_scripted_model_fails_when_called_beyond_its_script() -> None:
    model = ScriptedModel([answer("one")])
    asyncio.run(model.complete([]))
    with pytest.raises(AssertionError, match="2 times"):
        asyncio.run(model.complete([]))
    leftover = ScriptedModel([answer("a"), answer("b")])
    asyncio.run(leftover.complete([]))
    with pytest.raises(AssertionError, match="1 scripted model step"):
        leftover.assert_done()


async def running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_sync_callers_use_the_serving_loop_or_one_private_loop() -> None:
    import threading

    from agent.llm_sync import SyncRunner

    private = SyncRunner()
    first, second = private(running_loop()), private(running_loop())
    assert first is second  # the CLI: one loop for every question, so the client's pool survives

    async def from_inside_a_loop() -> asyncio.AbstractEventLoop:
        return private(running_loop())  # sync code on a loop's thread must not block or nest that loop

    assert asyncio.run(from_inside_a_loop()) is first
    private.close()

    home = asyncio.new_event_loop()
    thread = threading.Thread(target=home.run_forever, daemon=True)
    thread.start()
    try:
        served = SyncRunner(lambda: home)
        assert served(running_loop()) is home  # a worker thread's turn runs on the app's loop
    finally:
        home.call_soon_threadsafe(home.stop)
        thread.join()
        home.close()
