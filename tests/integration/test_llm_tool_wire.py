"""The semantic tools against a real OpenAI-compatible server's tool-call wire format: llama.cpp's server
(chat format "chatml-function-calling") with SmolLM2-135M on loopback.

The tiny model is no analyst, so the call is forced (`tool_choice` names the function; the server then
constrains the arguments with a grammar built from our generated JSON schema). What is under test is the
wire: the server's `tool_calls` (id, function.name, function.arguments as a JSON string), read by our
adapter and by the official `openai` client, become a validated Query or Lookup or a clean invalid_args
error; and the server accepts our assistant tool-call and tool-result messages back.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from agent.factory import make_agent
from agent.llm import LlmAgent, LlmConfig
from agent.llm_semantic import parse_call
from agent.llm_support import as_tool_message
from agent.llm_tools import assistant_message
from models.openai_compat import OpenAICompatModel, Timeouts
from models.port import Completion, Message, ToolCall
from models.sidecar import MODEL_ALIAS, Sidecar
from semantic.query import Lookup, Query
from semantic.schema import LOOKUP_TOOL, QUERY_TOOL, model_tools
from tests.integration.toolkit import role_caller
from tests.llamautil import local_gguf
from tools.registry import ToolResult
from warehouse.seed.access import ROLES

TIMEOUTS = Timeouts(connect_s=5, first_token_s=120, total_s=180)
TODAY = date(2024, 12, 27)
DIRECTOR_TOOLS = model_tools(ROLES["DIRECTOR"][4], TODAY)
QUESTION = [
    {"role": "system", "content": "You answer a factory director's questions with the tools."},
    {"role": "user", "content": "What were our sales this month, and how many orders?"},
]


def forced(name: str) -> dict[str, Any]:
    """The request field that makes the server call this function."""
    return {"tool_choice": {"type": "function", "function": {"name": name}}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sidecar]:
    """llama.cpp's server with its function-calling chat format (the sidecar's own options follow)."""
    program = [sys.executable, "-m", "llama_cpp.server", "--chat_format", "chatml-function-calling"]
    sidecar = Sidecar(
        local_gguf(), log_path=tmp_path_factory.mktemp("wire") / "server.log", n_ctx=4096, program=program
    )
    sidecar.start()
    yield sidecar
    sidecar.stop()


def complete(server: Sidecar, messages: list[Message], **kwargs: Any) -> Completion:
    model = OpenAICompatModel(server.base_url, MODEL_ALIAS, timeouts=TIMEOUTS)

    async def go() -> Completion:
        try:
            return await model.complete(messages, temperature=0, **kwargs)
        finally:
            await model.aclose()

    return asyncio.run(go())


def assert_parsed(call: ToolCall, kind: type[Query] | type[Lookup]) -> Query | Lookup | ToolResult:
    """The call became a validated request whose names come from the offered enums, or a clean error."""
    parsed = parse_call(call)
    if isinstance(parsed, ToolResult):  # the grammar keeps the shape; the catalog's rules may still refuse
        assert parsed.error == "invalid_args" and parsed.message and not parsed.ok
        return parsed
    assert isinstance(parsed, kind)
    tool = next(t["function"] for t in DIRECTOR_TOOLS if t["function"]["name"] == call.name)
    offered = tool["parameters"]["properties"]
    if isinstance(parsed, Query):
        assert set(parsed.metrics) <= set(offered["metrics"]["items"]["enum"])
    else:
        assert set(parsed.attributes) <= set(offered["attributes"]["items"]["enum"])
    return parsed


def test_our_adapter_reads_a_forced_query_metrics_call_into_a_validated_query(server: Sidecar) -> None:
    done = complete(server, QUESTION, tools=DIRECTOR_TOOLS, max_tokens=160, extra=forced(QUERY_TOOL))
    assert done.finish_reason == "tool_calls" and done.usage.prompt_tokens > 0
    [call] = done.tool_calls
    assert call.name == QUERY_TOOL and call.id
    assert isinstance(call.raw_arguments, str) and json.loads(call.raw_arguments) == call.arguments
    assert isinstance(assert_parsed(call, Query), Query)  # this model and prompt give a valid query


def test_the_official_openai_client_reads_the_same_wire_into_a_lookup(server: Sidecar) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=server.base_url, api_key="unused", timeout=180, max_retries=0)
    messages = [QUESTION[0], {"role": "user", "content": "What is the credit limit of customer CUST-005?"}]
    try:
        response = client.chat.completions.create(
            model=MODEL_ALIAS,
            messages=messages,
            tools=DIRECTOR_TOOLS,
            tool_choice={"type": "function", "function": {"name": LOOKUP_TOOL}},
            max_tokens=120,
            temperature=0,
        )
    finally:
        client.close()
    [wire] = response.choices[0].message.tool_calls or []
    assert wire.type == "function" and wire.id and wire.function.name == LOOKUP_TOOL
    arguments = json.loads(wire.function.arguments)  # a JSON string on the wire, as OpenAI specifies
    assert_parsed(ToolCall(wire.id, wire.function.name, arguments, wire.function.arguments), Lookup)


def test_the_server_accepts_our_tool_call_and_tool_result_messages_back(server: Sidecar) -> None:
    first = complete(server, QUESTION, tools=DIRECTOR_TOOLS, max_tokens=160, extra=forced(QUERY_TOOL))
    [call] = first.tool_calls
    result = {"ok": True, "data": {"total": {"sales": "463700000.00", "orders": "2"}}}
    conversation = [*QUESTION, assistant_message(first), as_tool_message(call.id, result)]
    assert conversation[-2]["tool_calls"][0]["function"]["arguments"] == call.raw_arguments
    second = complete(server, conversation, max_tokens=24)
    assert not second.tool_calls and second.finish_reason in {"stop", "length"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_whole_tool_loop_through_the_real_server_ends_in_a_checked_reply(
    server: Sidecar, seeded_engine: Engine, spec_today: date
) -> None:
    # The model chooses freely here ("auto"): whatever it calls goes through validation, permissions and
    # the compiler, and whatever it answers through the checks; the router's exact answer is the floor.
    agent = make_agent(sessionmaker(seeded_engine), spec_today)
    model = OpenAICompatModel(server.base_url, MODEL_ALIAS, timeouts=TIMEOUTS)
    operator = role_caller(seeded_engine, "OPERATOR")
    question = "berapa reject rate MCH-003 minggu ini?"
    llm = LlmAgent(
        agent, lambda: model, LlmConfig(tool_calling=True, temperature=0, max_tokens=96, wall_s=300)
    )

    async def go() -> Any:
        try:
            return await llm.aask(operator, question)
        finally:
            await model.aclose()

    reply = asyncio.run(go())
    base = agent.ask(operator, question)
    offered = {t["function"]["name"] for t in model_tools(operator.permissions, spec_today)}
    offered |= {name for name in agent.registry.tools if agent.registry.allowed(name, operator)}
    assert {c["name"] for c in reply.meta.get("tool_calls", [])} <= offered | {""}
    if reply.mode == "fallback":  # never because the server refused what we sent
        assert reply.answer.startswith(base.answer) and not reply.reason.startswith("model_error")
    else:
        assert reply.mode == "llm" and reply.tools
