"""The LLM path around the deterministic agent: the tools answer, the model phrases, the checks decide.

Small local model: route and run the tool exactly as the deterministic agent does, then the model only
phrases the answer from the sandwich prompt; output checks and the grounding check decide whether the
phrasing is used (mode "llm") or the deterministic text is (mode "fallback", with the reason). A model
that can call tools picks them itself (agent/llm_tools.py). Refusals and unknowns never reach a model.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any

from agent.core import Agent, Reply, clean_message
from agent.llm_calls import LlmConfig, failure_reason, model_meta, observe
from agent.llm_support import check_answer, context_items, fallback, phrasable, sources_of
from agent.llm_sync import SyncRunner
from agent.llm_tools import run_tool_loop
from agent.screening import deterministic_turn
from guardrails.facts import Facts
from models.breaker import bounded
from models.port import ChatModel, Completion, ModelError
from prompts import RenderedPrompt
from prompts import render as render_prompt
from tools.registry import Caller
from warehouse.retry import RetryPolicy

log = logging.getLogger(__name__)
FLUSH_CHARS = 160  # a streamed line longer than this is checked and sent at the next space


@dataclass(frozen=True)
class TurnEvent:
    """A streamed turn: text deltas, then one event holding the final Reply.

    `replace` on the final event means the deltas already sent must be replaced by `reply.answer` (the
    model's text failed a check after the checked part was shown).
    """

    delta: str = ""
    reply: Reply | None = None
    replace: bool = False


async def final_reply(events: AsyncIterator[TurnEvent], first: TurnEvent | None = None) -> Reply:
    """Drain a turn's events (after `first`, when already read) and return its final Reply."""
    final = first.reply if first else None
    async for event in events:
        final = event.reply or final
    assert final is not None  # a turn always ends with its reply
    return final


class LlmAgent:
    """Answers with the model when it is up and its answer passes the checks, else deterministically."""

    def __init__(
        self,
        agent: Agent,
        model: Callable[[], ChatModel | None],
        config: LlmConfig = LlmConfig(),
        *,
        retry: RetryPolicy | None = None,
        home_loop: Callable[[], asyncio.AbstractEventLoop | None] = lambda: None,
    ) -> None:
        self.agent, self.model_source, self.config = agent, model, config
        self.retry = retry or RetryPolicy()  # the deterministic turn's reads, on a lost connection only
        self.run_sync = SyncRunner(home_loop)  # for sync callers: the serving loop, or one private loop

    async def deterministic(self, caller: Caller, text: str, key: str) -> Reply:
        """The screened deterministic reply (its database work runs in a worker thread)."""
        return await asyncio.to_thread(deterministic_turn, self.agent, caller, text, key, self.retry)

    async def aask(self, caller: Caller, message: str, conversation_id: str | None = None) -> Reply:
        """One turn, whole, from a raw message."""
        return await final_reply(self.astream(caller, clean_message(message), conversation_id, stream=False))

    async def astream(
        self, caller: Caller, text: str, conversation_id: str | None = None, *, stream: bool = True
    ) -> AsyncIterator[TurnEvent]:
        """One turn of cleaned text as events: checked text deltas, then the final Reply."""
        base = await self.deterministic(caller, text, conversation_id or caller.username)
        model = self.model_source()
        if not phrasable(base):
            yield TurnEvent(delta=base.answer, reply=base)
            return
        if model is None:
            reply = fallback(base, "model_unavailable", resting=True)
            yield TurnEvent(delta=reply.answer, reply=reply)
            return
        if self.config.tool_calling:
            # The model picks the tools itself: its prompt starts without the router's data.
            prompt = self.render(caller, text, replace(base, data=[], citations=[], tools=[]))
            reply = await run_tool_loop(self.agent, self.config, prompt, model, caller, base)
            yield TurnEvent(delta=reply.answer, reply=reply)
            return
        async for event in self._phrase(model, caller, text, base, stream):
            yield event

    def render(self, caller: Caller, text: str, base: Reply) -> RenderedPrompt:
        """The sandwich prompt for phrasing a deterministic reply."""
        return render_prompt(
            caller.role,
            base.language,
            question=text,
            context=context_items(base),
            budget_tokens=self.config.prompt_budget_tokens,
        )

    async def _phrase(
        self, model: ChatModel, caller: Caller, text: str, base: Reply, stream: bool
    ) -> AsyncIterator[TurnEvent]:
        """The model phrases the tool data; checked lines stream out, the whole answer is checked last."""
        prompt = self.render(caller, text, base)
        system, sources = prompt.system, sources_of(base)
        facts = Facts.of(sources)  # read once: every streamed line and the final answer check against it
        cfg, shown = self.config, ""
        opts: dict[str, Any] = {"max_tokens": cfg.max_tokens, "temperature": cfg.temperature}
        started = time.perf_counter()
        completion: Completion | None = None
        deadline = asyncio.get_running_loop().time() + cfg.wall_s
        try:
            # Always streamed from the model (time to first token for the log); `stream` only decides
            # whether checked lines go out before the whole answer is in.
            pending, blocked = "", not stream
            async for chunk in bounded(model.stream(prompt.messages, **opts), deadline):
                if chunk.done is not None:
                    completion = chunk.done
                    continue
                pending += chunk.delta
                cut = _flush_point(pending)
                if not cut or blocked:
                    continue
                piece = pending[:cut]
                # Only checked text is shown; after a failed line nothing more is sent (the final
                # check then falls back and the client replaces what it showed).
                line = check_answer(shown + piece, system_prompt=system, sources=sources, facts=facts)
                blocked = not line.ok
                if not blocked:
                    shown, pending = shown + piece, pending[cut:]
                    yield TurnEvent(delta=piece)
        except (ModelError, TimeoutError) as exc:
            reason, resting = failure_reason(exc)
            took = time.perf_counter() - started
            observe(model.name, "timeout" if "timeout" in reason else "error", None, took)
            log.warning("model turn fell back: %s (%.0f ms)", reason, took * 1000)
            reply = fallback(base, reason, resting=resting, meta={"prompt_version": prompt.version})
            yield TurnEvent(delta="" if shown else reply.answer, reply=reply, replace=bool(shown))
            return
        if completion is None:  # a stream that ended without its final chunk
            completion = Completion(shown, model=model.name)
        observe(model.name, "ok", completion)
        meta = model_meta(completion, prompt.version)
        verdict = check_answer(
            completion.text, system_prompt=system, sources=sources, must_carry=base.answer, facts=facts
        )
        if not verdict.ok:
            log.info("model answer not used: %s", verdict.reason)
            reply = fallback(base, verdict.reason or "output_check", resting=False, meta=meta)
            yield TurnEvent(delta="" if shown else reply.answer, reply=reply, replace=bool(shown))
            return
        reply = replace(base, answer=verdict.text, mode="llm", reason=None, meta={**base.meta, **meta})
        rest = verdict.text[len(shown) :] if verdict.text.startswith(shown) else verdict.text
        yield TurnEvent(delta=rest, reply=reply, replace=not verdict.text.startswith(shown))


def _flush_point(pending: str) -> int:
    """Where a streamed buffer may be cut for checking: after its last newline, or a space once long."""
    cut = pending.rfind("\n") + 1
    if not cut and len(pending) > FLUSH_CHARS:
        cut = pending.rfind(" ") + 1
    return cut
