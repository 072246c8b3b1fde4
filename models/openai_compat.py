"""An async adapter for any OpenAI-compatible /v1/chat/completions server (vLLM, llama.cpp)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from models.port import Completion, Message, ModelError, ModelTimeout, StreamChunk, ToolCall, Usage


@dataclass(frozen=True)
class Timeouts:
    """Connect, first token (or whole reply when not streaming) and total wall time, in seconds."""

    connect_s: float = 2.0
    first_token_s: float = 10.0
    total_s: float = 20.0


class OpenAICompatModel:
    """A chat model behind an OpenAI-compatible HTTP API; one pooled client per event loop."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeouts: Timeouts = Timeouts(),
        extra_body: dict[str, Any] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self.name, self.api_key, self.timeouts = model, api_key, timeouts
        self.extra_body = dict(extra_body or {})  # server-specific fields (vLLM: top_k, guided_json, ...)
        self.transport = transport  # tests hand in httpx.MockTransport
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _http(self) -> httpx.AsyncClient:
        # A pooled client is bound to the loop that opened its connections; the CLI runs one loop per
        # command, the server one for its life, so re-create it only when the loop changed.
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            timeout = httpx.Timeout(self.timeouts.total_s, connect=self.timeouts.connect_s)
            client = httpx.AsyncClient(headers=headers, timeout=timeout, transport=self.transport)
            self._client, self._loop = client, loop
        return self._client

    async def aclose(self) -> None:
        """Close the pooled connections (a client of an already closed loop is only dropped)."""
        client, same_loop = self._client, self._loop is asyncio.get_running_loop()
        self._client = self._loop = None
        if client is not None and same_loop:
            await client.aclose()

    def _body(
        self,
        messages: list[Message],
        *,
        tools: list[dict[str, Any]] | None,
        max_tokens: int,
        temperature: float,
        extra: dict[str, Any] | None,
        stream: bool,
    ) -> dict[str, Any]:
        # max_tokens, not max_completion_tokens: llama.cpp's server ignores the newer name.
        body: dict[str, Any] = {
            "model": self.name,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": stream,
        }
        if tools:
            body["tools"], body["tool_choice"] = tools, "auto"
        if stream:
            body["stream_options"] = {"include_usage": True}
        return {**body, **self.extra_body, **(extra or {})}

    async def complete(
        self,
        messages: list[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        extra: dict[str, Any] | None = None,
    ) -> Completion:
        """One whole answer (text or tool calls) with usage and latency."""
        body = self._body(
            messages, tools=tools, max_tokens=max_tokens, temperature=temperature, extra=extra, stream=False
        )
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeouts.total_s):
                response = await self._http().post(f"{self.base_url}/chat/completions", json=body)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise ModelTimeout(f"{self.name}: no answer in time ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise ModelError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        latency = (time.perf_counter() - started) * 1000
        payload = _json_or_error(response, self.name)
        return parse_completion(payload, latency_ms=latency, model=self.name)

    async def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        extra: dict[str, Any] | None = None,
    ) -> AsyncIterator[StreamChunk]:
        """Text deltas from server-sent events, then the whole Completion (usage when the server sends it)."""
        body = self._body(
            messages, tools=None, max_tokens=max_tokens, temperature=temperature, extra=extra, stream=True
        )
        loop = asyncio.get_running_loop()
        started, clock0 = time.perf_counter(), loop.time()
        first_deadline = clock0 + min(self.timeouts.first_token_s, self.timeouts.total_s)
        deadline = clock0 + self.timeouts.total_s
        parts: list[str] = []
        ttft: float | None = None
        usage, finish = Usage(), None
        client = self._http()
        request = client.build_request("POST", f"{self.base_url}/chat/completions", json=body)
        try:
            # Timeouts wrap each await only, never a `yield`: the consumer's own awaits are not ours to cut.
            async with asyncio.timeout_at(first_deadline):
                response = await client.send(request, stream=True)
            try:
                if response.status_code >= 400:
                    await response.aread()
                    _json_or_error(response, self.name)
                lines = response.aiter_lines()
                while True:
                    try:
                        async with asyncio.timeout_at(first_deadline if ttft is None else deadline):
                            line = await anext(lines)
                    except StopAsyncIteration:
                        break
                    event = sse_event(line)
                    if event is DONE:
                        break
                    if not isinstance(event, dict):
                        continue
                    delta, usage_now, finish_now = _stream_event(event)
                    usage, finish = usage_now or usage, finish_now or finish
                    if not delta:
                        continue
                    if ttft is None:
                        ttft = (time.perf_counter() - started) * 1000
                    parts.append(delta)
                    yield StreamChunk(delta=delta)
            finally:
                await response.aclose()
        except (TimeoutError, httpx.TimeoutException) as exc:
            what = "first token" if ttft is None else "end of answer"
            raise ModelTimeout(f"{self.name}: no {what} in time") from exc
        except httpx.HTTPError as exc:
            raise ModelError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        latency = (time.perf_counter() - started) * 1000
        if not usage.completion_tokens and parts:
            # llama-cpp-python's server sends no usage when streaming; it sends one token per event.
            usage = Usage(usage.prompt_tokens, len(parts))
        done = Completion(
            "".join(parts), [], usage, latency_ms=latency, ttft_ms=ttft, finish_reason=finish, model=self.name
        )
        yield StreamChunk(done=done)


DONE = object()  # the `data: [DONE]` sentinel


def sse_event(line: str) -> dict[str, Any] | object | None:
    """The JSON payload of one `data:` line, DONE for `[DONE]`, None for comments, keep-alives, blanks."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if data == "[DONE]":
        return DONE
    if not data:
        return None
    try:
        payload = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ModelError(f"malformed stream event: {data[:80]!r}") from exc
    return payload if isinstance(payload, dict) else None


def _stream_event(event: dict[str, Any]) -> tuple[str, Usage | None, str | None]:
    """Delta text, usage (last event with include_usage) and finish reason of one stream event."""
    usage = _usage(event.get("usage"))
    choices = event.get("choices") or []
    if not choices:
        return "", usage, None
    choice = choices[0]
    delta = choice.get("delta") or {}
    return str(delta.get("content") or ""), usage, choice.get("finish_reason")


def parse_completion(payload: dict[str, Any], *, latency_ms: float, model: str) -> Completion:
    """A Completion from a non-streamed /chat/completions JSON body."""
    try:
        choice = payload["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ModelError(f"{model}: reply without choices") from exc
    calls = [_tool_call(i, c) for i, c in enumerate(message.get("tool_calls") or [])]
    return Completion(
        text=str(message.get("content") or ""),
        tool_calls=calls,
        usage=_usage(payload.get("usage")) or Usage(),
        latency_ms=latency_ms,
        finish_reason=choice.get("finish_reason"),
        model=str(payload.get("model") or model),
    )


def _tool_call(index: int, raw: dict[str, Any]) -> ToolCall:
    function = raw.get("function") or {}
    text = function.get("arguments") or "{}"
    try:
        args = json.loads(text) if isinstance(text, str) else dict(text)
    except json.JSONDecodeError:
        args = {}  # the tool loop reports invalid arguments back to the model as data
    return ToolCall(
        id=str(raw.get("id") or f"call_{index}"),
        name=str(function.get("name") or ""),
        arguments=args if isinstance(args, dict) else {},
        raw_arguments=text if isinstance(text, str) else json.dumps(text),
    )


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    return Usage(int(raw.get("prompt_tokens") or 0), int(raw.get("completion_tokens") or 0))


def _json_or_error(response: httpx.Response, model: str) -> dict[str, Any]:
    if response.status_code >= 400:
        raise ModelError(f"{model}: HTTP {response.status_code}: {response.text[:200]}")
    try:
        payload = response.json()
    except ValueError as exc:
        raise ModelError(f"{model}: reply is not JSON") from exc
    if not isinstance(payload, dict):
        raise ModelError(f"{model}: reply is not a JSON object")
    return payload
