"""The chat-model port: what the agent needs from any model (vLLM, llama.cpp, a scripted fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Message = dict[str, Any]  # {"role": ..., "content": ..., "tool_calls"?: ..., "tool_call_id"?: ...}


class ModelError(Exception):
    """The model could not answer (refused connection, HTTP error, malformed reply)."""


class ModelTimeout(ModelError):
    """The model did not connect, start answering or finish in time."""


class ModelUnavailable(ModelError):
    """The model is not called at all: the breaker is open or no model is configured."""


@dataclass(frozen=True)
class Usage:
    """Tokens the server counted for one call."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asked for; `arguments` is already parsed from its JSON string."""

    id: str
    name: str
    arguments: dict[str, Any]
    raw_arguments: str = ""  # what the model sent, kept for the transcript when it was not valid JSON


@dataclass(frozen=True)
class Completion:
    """A whole answer: text, tool calls, usage and timings."""

    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    latency_ms: float = 0.0
    ttft_ms: float | None = None  # only known when the answer was streamed
    finish_reason: str | None = None
    model: str = ""


@dataclass(frozen=True)
class StreamChunk:
    """One streamed piece: a text delta, or (last) the finished Completion."""

    delta: str = ""
    done: Completion | None = None


@runtime_checkable
class ChatModel(Protocol):
    """Any OpenAI-style chat model."""

    name: str

    async def complete(
        self,
        messages: list[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        extra: dict[str, Any] | None = None,
    ) -> Completion:
        """One whole answer."""
        ...

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        extra: dict[str, Any] | None = None,
    ) -> AsyncIterator[StreamChunk]:
        """Text deltas as they come, then one chunk whose `done` holds the whole Completion."""
        ...
