"""The OpenAI-compatible adapter against a mock transport: request body, parsing, streaming, errors."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from models.openai_compat import OpenAICompatModel, Timeouts, sse_event
from models.port import ModelError, ModelTimeout
from tests.unit.conftest import NetworkBlocked

Handler = Callable[[httpx.Request], Any]


def model(handler: Handler, **kwargs: Any) -> tuple[OpenAICompatModel, list[dict[str, Any]]]:
    """An adapter whose requests go to `handler`; the second value collects the JSON bodies sent."""
    sent: list[dict[str, Any]] = []

    async def record(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        result = handler(request)
        return await result if asyncio.iscoroutine(result) else result

    adapter = OpenAICompatModel(
        "http://vllm.test:8000", "qwen", transport=httpx.MockTransport(record), **kwargs
    )
    return adapter, sent


def reply_json(content: str | None, tool_calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "model": "qwen",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49},
    }


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_complete_sends_max_tokens_tools_and_extra_fields_and_parses_usage() -> None:
    adapter, sent = model(lambda r: httpx.Response(200, json=reply_json("Omzet Rp 1.000")), api_key="s3")
    tools = [{"type": "function", "function": {"name": "sales_summary", "parameters": {}}}]

    async def go() -> Any:
        try:
            return await adapter.complete(
                [{"role": "user", "content": "omzet?"}],
                tools=tools,
                max_tokens=99,
                extra={"top_k": 20, "chat_template_kwargs": {"enable_thinking": False}},
            )
        finally:
            await adapter.aclose()

    done = run(go())
    body = sent[0]
    assert body["max_tokens"] == 99 and "max_completion_tokens" not in body
    assert body["tools"] == tools and body["tool_choice"] == "auto"
    assert body["top_k"] == 20 and body["chat_template_kwargs"] == {"enable_thinking": False}
    assert body["stream"] is False and body["model"] == "qwen"
    assert done.text == "Omzet Rp 1.000"
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (42, 7)
    assert done.latency_ms >= 0


def test_tool_calls_are_parsed_and_bad_json_arguments_become_empty() -> None:
    calls = [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "sales_summary", "arguments": '{"period": "mtd"}'},
        },
        {"id": "c2", "type": "function", "function": {"name": "stock", "arguments": "{not json"}},
    ]
    adapter, _ = model(lambda r: httpx.Response(200, json=reply_json(None, calls)))
    done = run(adapter.complete([]))
    assert [(c.id, c.name, c.arguments) for c in done.tool_calls] == [
        ("c1", "sales_summary", {"period": "mtd"}),
        ("c2", "stock", {}),
    ]
    assert done.tool_calls[1].raw_arguments == "{not json"
    assert done.text == ""


def sse_body(*events: dict[str, Any]) -> bytes:
    lines = [": keep-alive\n\n"] + [f"data: {json.dumps(e)}\n\n" for e in events] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


def delta(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


def test_stream_yields_deltas_then_the_whole_completion_with_usage() -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]},
        delta("Omzet "),
        delta("naik."),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": 30, "completion_tokens": 3}},
    )
    adapter, sent = model(
        lambda r: httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
    )

    async def go() -> list[Any]:
        return [c async for c in adapter.stream([{"role": "user", "content": "x"}], max_tokens=12)]

    chunks = run(go())
    assert [c.delta for c in chunks[:-1]] == ["Omzet ", "naik."]
    done = chunks[-1].done
    assert done.text == "Omzet naik." and done.finish_reason == "stop"
    assert done.usage.completion_tokens == 3 and done.ttft_ms is not None
    assert sent[0]["stream"] is True and sent[0]["stream_options"] == {"include_usage": True}


def test_http_errors_and_malformed_replies_are_model_errors() -> None:
    adapter, _ = model(lambda r: httpx.Response(503, text="overloaded"))
    with pytest.raises(ModelError, match="503"):
        run(adapter.complete([]))
    adapter, _ = model(lambda r: httpx.Response(200, json={"nope": 1}))
    with pytest.raises(ModelError, match="without choices"):
        run(adapter.complete([]))
    with pytest.raises(ModelError, match="malformed"):
        sse_event("data: {oops")


def test_a_server_that_does_not_answer_in_time_is_a_timeout() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(2)
        return httpx.Response(200, json=reply_json("late"))

    adapter, _ = model(slow, timeouts=Timeouts(connect_s=0.05, first_token_s=0.05, total_s=0.1))
    with pytest.raises(ModelTimeout):
        run(adapter.complete([]))

    async def go() -> None:
        async for _ in adapter.stream([]):
            pass

    with pytest.raises(ModelTimeout, match="first token"):
        run(go())


def test_base_url_gets_v1_once() -> None:
    assert OpenAICompatModel("http://h:1/", "m").base_url == "http://h:1/v1"
    assert OpenAICompatModel("http://h:1/v1", "m").base_url == "http://h:1/v1"


def test_unit_tests_cannot_reach_a_real_host() -> None:
    with pytest.raises(NetworkBlocked), socket.socket() as sock:
        sock.connect(("203.0.113.9", 80))
