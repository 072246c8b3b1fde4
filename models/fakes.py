"""A scripted chat model for unit tests: replays steps in order and records every call."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from models.port import Completion, Message, StreamChunk, ToolCall, Usage


@dataclass(frozen=True)
class Delay:
    """Wait `seconds` (real asyncio time), then play `then` (a Completion or an exception)."""

    seconds: float
    then: Completion | BaseException


Step = Completion | BaseException | Delay


@dataclass
class Call:
    """What the agent sent in one call."""

    messages: list[Message]
    tools: list[dict[str, Any]] | None
    kwargs: dict[str, Any]
    streamed: bool


class ScriptExhausted(AssertionError):
    """The code under test called the model more often than the script allows."""


@dataclass
class ScriptedModel:
    """Plays a script: each call takes the next step; a step is a Completion, an exception or a Delay."""

    steps: list[Step]
    name: str = "scripted"
    calls: list[Call] = field(default_factory=list)

    async def _next(self, call: Call) -> Completion:
        self.calls.append(call)
        if len(self.calls) > len(self.steps):
            raise ScriptExhausted(f"model called {len(self.calls)} times, script has {len(self.steps)} steps")
        step = self.steps[len(self.calls) - 1]
        if isinstance(step, Delay):
            await asyncio.sleep(step.seconds)
            step = step.then
        if isinstance(step, BaseException):
            raise step
        return step

    async def complete(
        self,
        messages: list[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        extra: dict[str, Any] | None = None,
    ) -> Completion:
        """The next scripted answer."""
        kwargs = {"max_tokens": max_tokens, "temperature": temperature, "extra": extra}
        return await self._next(Call(list(messages), tools, kwargs, streamed=False))

    async def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        extra: dict[str, Any] | None = None,
    ) -> AsyncIterator[StreamChunk]:
        """The next scripted answer, word by word, then the whole Completion."""
        kwargs = {"max_tokens": max_tokens, "temperature": temperature, "extra": extra}
        completion = await self._next(Call(list(messages), None, kwargs, streamed=True))
        for piece in re.findall(r"\S+\s*|\s+", completion.text):
            yield StreamChunk(delta=piece)
        yield StreamChunk(done=completion)

    @property
    def unused(self) -> int:
        """Steps never played."""
        return max(0, len(self.steps) - len(self.calls))

    def assert_done(self) -> None:
        """Fail when steps were left unplayed (the code took a different path than the test expects)."""
        if self.unused:
            raise AssertionError(f"{self.unused} scripted model step(s) never used")


def answer(text: str, prompt_tokens: int = 50, completion_tokens: int = 10) -> Completion:
    """A plain text Completion for scripts."""
    return Completion(text, usage=Usage(prompt_tokens, completion_tokens), latency_ms=5.0, model="scripted")


def tool_call(name: str, arguments: dict[str, Any], call_id: str = "call_1") -> Completion:
    """A Completion asking for one tool call."""
    return Completion(
        "",
        [ToolCall(call_id, name, arguments)],
        usage=Usage(50, 5),
        latency_ms=5.0,
        finish_reason="tool_calls",
        model="scripted",
    )
