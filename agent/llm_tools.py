"""Native tool calling for a capable model (Qwen on vLLM): it picks the tools, the code runs and checks them.

The model is offered the semantic layer's query_metrics and lookup_attributes first, then the document
tools, then ad-hoc SQL (agent/llm_semantic.py). Permissions are checked in code for every call (semantic
calls by semantic.access, the others by REGISTRY.execute); a refused, invalid or failing call goes back to
the model as data, and a second invalid call ends the turn. Rounds and wall time are bounded; the answer
passes the same checks as phrasing, and any failure falls back to the deterministic reply the router
already produced.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from typing import Any

from agent.core import Agent, Reply
from agent.llm_calls import LlmConfig, failure_reason, model_meta, observe
from agent.llm_semantic import is_semantic, offered_tools, run_semantic
from agent.llm_support import as_tool_message, check_answer, fallback, sources_of
from models.port import ChatModel, Completion, Message, ModelError, ToolCall
from prompts import RenderedPrompt
from tools.registry import Caller, ToolContext, ToolResult

MAX_INVALID_CALLS = 2  # the model may retry a call it got wrong once; the second invalid call ends the turn


def result_payload(result: ToolResult) -> dict[str, Any]:
    """A tool result as JSON-able data for the model and the grounding check."""
    if not result.ok:
        return {"ok": False, "error": result.error, "message": result.message}
    data = result.data.model_dump(mode="json") if hasattr(result.data, "model_dump") else result.data
    return {"ok": True, "data": data}


def execute_call(agent: Agent, caller: Caller, call: ToolCall) -> ToolResult:
    """Run one model-requested tool (validation, permission) in its own read session: a semantic tool
    through the compiler, any other through the registry."""
    if is_semantic(call.name):
        return run_semantic(agent, caller, call)
    with agent.sessions() as session:
        ctx = ToolContext(session, agent.today(), agent.reject_threshold_pct, agent.shift_plan_min)
        return agent.registry.execute(call.name, call.arguments, caller, ctx)


def assistant_message(completion: Completion) -> Message:
    """The model's tool-call turn as it goes back into the conversation."""
    calls = [
        {
            "id": c.id,
            "type": "function",
            "function": {"name": c.name, "arguments": c.raw_arguments or json.dumps(c.arguments)},
        }
        for c in completion.tool_calls
    ]
    # Content as a string, empty when the model only called tools: llama.cpp's server refuses a null
    # content and its chat templates fail on a missing one; OpenAI and vLLM accept "".
    return {"role": "assistant", "content": completion.text, "tool_calls": calls}


async def run_tool_loop(
    agent: Agent, cfg: LlmConfig, prompt: RenderedPrompt, model: ChatModel, caller: Caller, base: Reply
) -> Reply:
    """Let the model call tools for a bounded number of rounds (starting from `prompt`), then check its
    answer against `base`, the router's deterministic reply, which is also the fallback."""
    messages: list[Message] = list(prompt.messages)
    specs = offered_tools(agent, caller)
    calls: list[dict[str, Any]] = []
    data: list[Any] = []
    started, tokens_in, tokens_out = time.perf_counter(), 0, 0
    final: Completion | None = None
    invalid, unfinished = 0, "tool_rounds_exhausted"
    try:
        async with asyncio.timeout(cfg.wall_s):
            for _ in range(cfg.max_tool_rounds):
                completion = await model.complete(
                    messages, tools=specs, max_tokens=cfg.max_tokens, temperature=cfg.temperature
                )
                observe(model.name, "ok", completion)
                tokens_in += completion.usage.prompt_tokens
                tokens_out += completion.usage.completion_tokens
                if not completion.tool_calls:
                    final = completion
                    break
                messages.append(assistant_message(completion))
                for call in completion.tool_calls:
                    result = await asyncio.to_thread(execute_call, agent, caller, call)
                    payload = result_payload(result)
                    calls.append({"name": call.name, "args": result.args, "ok": result.ok})
                    if result.ok:
                        data.append(payload["data"])
                    invalid += result.error == "invalid_args"
                    messages.append(as_tool_message(call.id, payload))
                if invalid >= MAX_INVALID_CALLS:
                    unfinished = "invalid_tool_args"
                    break
    except (ModelError, TimeoutError) as exc:
        reason, resting = failure_reason(exc)
        return fallback(base, reason, resting=resting, meta={"prompt_version": prompt.version})
    if final is None:
        return fallback(base, unfinished, resting=False, meta={"tool_calls": calls})
    meta = {
        **model_meta(final, prompt.version),
        "model_tokens_in": tokens_in,
        "model_tokens_out": tokens_out,
        "model_latency_ms": round((time.perf_counter() - started) * 1000),
        "tool_calls": calls,
    }
    if not data:  # an answer built on no tool data cannot be grounded; the router's answer stands
        return fallback(base, "no_tool_data", resting=False, meta=meta)
    verdict = check_answer(
        final.text, system_prompt=prompt.system, sources=sources_of(base, data), must_carry=base.answer
    )
    if not verdict.ok:
        return fallback(base, verdict.reason or "output_check", resting=False, meta=meta)
    tools = [{"name": c["name"], "args": c["args"]} for c in calls if c["ok"]]
    return replace(base, answer=verdict.text, mode="llm", reason=None, tools=tools, data=data, meta=meta)
